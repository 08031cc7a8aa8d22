// The one way a Luban program opens a gRPC channel to a service: plaintext or TLS (optionally
// mutual TLS), chosen by the files given.
//
//   ChannelOptions options{.target = "course.example.org:443",
//                          .tls = {.ca_file = "/etc/luban/ca.pem"}};
//   absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = MakeChannel(options);
//
// With no TLS file the channel is plaintext. With `ca_file` the server's certificate is checked
// against that CA (else the system roots are used when `use_tls` is set alone); with `cert_file`
// and `key_file` too, this side presents its own certificate (mutual TLS).
#ifndef LUBAN_COMMON_CLIENT_CHANNEL_H_
#define LUBAN_COMMON_CLIENT_CHANNEL_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"

namespace luban::client {

struct TlsFiles {
  // Force TLS even without a CA file (the system's roots then check the server).
  bool use_tls = false;
  // PEM file of the CA(s) that sign the servers' certificates.
  std::string ca_file;
  // PEM certificate chain and private key of this client, for mutual TLS (both or neither).
  std::string cert_file;
  std::string key_file;
  // Name to check the server's certificate against, when it differs from the target's host.
  std::string server_name;

  bool enabled() const { return use_tls || !ca_file.empty() || !cert_file.empty(); }
};

struct ChannelOptions {
  // "host:port"; several replicas as "ip:port,ip:port" (IP addresses: a name that stands for
  // several replicas is given once, and resolves to all of them); or any gRPC target URI. Calls
  // are spread over every address the target yields, round robin, passing over those that do
  // not answer.
  std::string target;
  TlsFiles tls;
  // Retry connecting promptly (pauses of 100..200 ms) instead of gRPC's backoff of seconds: for
  // tools and tests that start right after the service. Each attempt still has gRPC's 20 s to
  // connect, so a slow TLS handshake is waited for, not cut.
  bool fast_reconnect = false;
  // Ping an idle connection this often (zero: never), so that a long-lived stream without a
  // deadline notices a peer that vanished; the ping's answer is awaited half as long.
  absl::Duration keepalive = absl::ZeroDuration();
};

// INVALID_ARGUMENT for an empty target, a list of addresses that are not all "ip:port" of one IP
// version, or a cert without its key (naming the setting);
// FAILED_PRECONDITION when a TLS file cannot be read (naming the file and the reason).
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const ChannelOptions& options);

// The gRPC target URI for a ChannelOptions::target: "ip:port,ip:port" becomes gRPC's
// "ipv4:ip:port,ip:port" (or "ipv6:"); anything else is returned as it is. Errors as MakeChannel's.
absl::StatusOr<std::string> GrpcTarget(absl::string_view target);

// The contents of the PEM file at `path`; FAILED_PRECONDITION naming `what` ("CA", "client
// key"...) and the file when it cannot be read or holds no PEM block.
absl::StatusOr<std::string> ReadPemFile(const std::string& path, absl::string_view what);

// Leaves OpenSSL's global state to the end of the process instead of freeing it in an atexit
// handler. gRPC never joins its own threads, so that handler can run while one of them still
// uses OpenSSL or frees its per-thread OpenSSL state: an intermittent "double free" as a TLS
// process exits (grpc/grpc#38539). Effective only before anything else initialises OpenSSL:
// call it first in main() of every process that speaks TLS through gRPC, tests included (the
// servers' ConfigureServerProcess does).
void SkipOpenSslCleanupAtExit();

}  // namespace luban::client

#endif  // LUBAN_COMMON_CLIENT_CHANNEL_H_
