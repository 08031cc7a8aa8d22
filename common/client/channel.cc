#include "common/client/channel.h"

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "openssl/crypto.h"

namespace luban::client {

absl::StatusOr<std::string> ReadPemFile(const std::string& path, absl::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read the ", what, " file ", path, ": no such file or not readable"));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().find("-----BEGIN ") == std::string::npos) {
    return absl::FailedPreconditionError(
        absl::StrCat("the ", what, " file ", path, " holds no PEM block"));
  }
  return text.str();
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const ChannelOptions& options) {
  if (options.target.empty()) {
    return absl::InvalidArgumentError("the service address is empty: give host:port");
  }
  const TlsFiles& tls = options.tls;
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return absl::InvalidArgumentError(
        "a client certificate needs its key and a key its certificate: give both or neither");
  }
  grpc::ChannelArguments arguments;
  if (options.fast_reconnect) {
    // Not GRPC_ARG_MIN_RECONNECT_BACKOFF_MS: gRPC reads it as the time a connection attempt
    // (TCP, TLS handshake, the server's HTTP/2 settings) is given before it is cut, and a limit
    // of 100-200 ms failed calls as UNAVAILABLE while a loaded machine's handshake was merely
    // slow. The attempt keeps gRPC's 20 s; only the pauses between attempts are short.
    arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 50);
    arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 200);
  }
  if (options.keepalive > absl::ZeroDuration()) {
    const int64_t ms = absl::ToInt64Milliseconds(options.keepalive);
    arguments.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, static_cast<int>(ms));
    arguments.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, static_cast<int>(ms / 2));
    arguments.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  }
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (!tls.enabled()) {
    credentials = grpc::InsecureChannelCredentials();
  } else {
    grpc::SslCredentialsOptions ssl;
    if (!tls.ca_file.empty()) {
      absl::StatusOr<std::string> roots = ReadPemFile(tls.ca_file, "CA");
      if (!roots.ok()) return roots.status();
      ssl.pem_root_certs = *std::move(roots);
    }
    if (!tls.cert_file.empty()) {
      absl::StatusOr<std::string> chain = ReadPemFile(tls.cert_file, "client certificate");
      if (!chain.ok()) return chain.status();
      absl::StatusOr<std::string> key = ReadPemFile(tls.key_file, "client key");
      if (!key.ok()) return key.status();
      ssl.pem_cert_chain = *std::move(chain);
      ssl.pem_private_key = *std::move(key);
    }
    if (!tls.server_name.empty()) {
      arguments.SetSslTargetNameOverride(tls.server_name);
    }
    credentials = grpc::SslCredentials(ssl);
  }
  return grpc::CreateCustomChannel(options.target, credentials, arguments);
}

void SkipOpenSslCleanupAtExit() { OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, nullptr); }

}  // namespace luban::client
