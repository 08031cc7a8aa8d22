#include "common/client/channel.h"

#include <arpa/inet.h>

#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
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

namespace {

// The IP version of "ip:port" or "[ip]:port" (4 or 6), or 0 when it is not one.
int IpVersionOf(absl::string_view address) {
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos) return 0;
  int port = 0;
  if (!absl::SimpleAtoi(address.substr(colon + 1), &port) || port < 1 || port > 65535) return 0;
  std::string host(address.substr(0, colon));
  int family = AF_INET;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    family = AF_INET6;
  }
  unsigned char bytes[sizeof(in6_addr)];
  if (inet_pton(family, host.c_str(), bytes) != 1) return 0;
  return family == AF_INET ? 4 : 6;
}

}  // namespace

absl::StatusOr<std::string> GrpcTarget(absl::string_view target) {
  target = absl::StripAsciiWhitespace(target);
  if (target.empty()) {
    return absl::InvalidArgumentError("the service address is empty: give host:port");
  }
  // A URI (dns:///name:port, ipv4:a,b, unix:path) is gRPC's to read.
  if (!absl::StrContains(target, ',') || absl::StrContains(target, ":/") ||
      absl::StartsWith(target, "ipv4:") || absl::StartsWith(target, "ipv6:")) {
    return std::string(target);
  }
  std::vector<std::string> addresses;
  int version = 0;
  for (absl::string_view part : absl::StrSplit(target, ',')) {
    part = absl::StripAsciiWhitespace(part);
    const int part_version = IpVersionOf(part);
    if (part_version == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the service address \"", target, "\" lists several addresses, and \"", part,
          "\" is not an IP address and port: list replicas as ip:port,ip:port, or give one name "
          "that resolves to all of them"));
    }
    if (version != 0 && part_version != version) {
      return absl::InvalidArgumentError(
          absl::StrCat("the service address \"", target, "\" mixes IPv4 and IPv6 addresses"));
    }
    version = part_version;
    addresses.emplace_back(part);
  }
  return absl::StrCat(version == 4 ? "ipv4:" : "ipv6:", absl::StrJoin(addresses, ","));
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const ChannelOptions& options) {
  absl::StatusOr<std::string> target = GrpcTarget(options.target);
  if (!target.ok()) return target.status();
  const TlsFiles& tls = options.tls;
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return absl::InvalidArgumentError(
        "a client certificate needs its key and a key its certificate: give both or neither");
  }
  grpc::ChannelArguments arguments;
  // gRPC names the channel of "ipv4:a,b" after all of it, which is no server's name: the first
  // address stands for them (the :authority, and the name a TLS certificate is checked against).
  if ((absl::StartsWith(*target, "ipv4:") || absl::StartsWith(*target, "ipv6:")) &&
      absl::StrContains(*target, ',')) {
    const absl::string_view addresses = absl::string_view(*target).substr(5);
    arguments.SetString(GRPC_ARG_DEFAULT_AUTHORITY,
                        std::string(addresses.substr(0, addresses.find(','))));
  }
  // A connection to every address the target yields, calls taken in turn: replicas share the
  // load, and one that is down is passed over (pick_first would send every call to one).
  arguments.SetServiceConfigJSON(R"({"loadBalancingConfig": [{"round_robin": {}}]})");
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
  return grpc::CreateCustomChannel(*target, credentials, arguments);
}

void SkipOpenSslCleanupAtExit() { OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, nullptr); }

}  // namespace luban::client
