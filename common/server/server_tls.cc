// Apart from service_main.cc (no flags): the TLS of any Luban server.
#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/client/channel.h"
#include "common/domain/status_macros.h"
#include "common/server/service_main.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"

namespace luban {
namespace {

// host:port names a loopback address: 127.0.0.0/8 written as an IPv4 address (a host name that
// merely starts with "127." does not count), [::1] or localhost.
bool IsLoopback(absl::string_view address) {
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos) return false;
  const std::string host(address.substr(0, colon));
  if (host == "localhost" || host == "[::1]") return true;
  in_addr ipv4{};
  return inet_pton(AF_INET, host.c_str(), &ipv4) == 1 && (ntohl(ipv4.s_addr) >> 24) == 127;
}

// The port of host:port, when it is one a socket can have (0: the kernel picks).
bool HasValidPort(absl::string_view address) {
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos) return false;
  int port = 0;
  const absl::string_view digits = address.substr(colon + 1);
  return !digits.empty() && digits.size() <= 5 &&
         absl::c_all_of(digits, [](char c) { return absl::ascii_isdigit(c); }) &&
         absl::SimpleAtoi(digits, &port) && port <= 65535;
}

}  // namespace

absl::Status CheckServerTls(absl::string_view listen, const ServerTls& tls) {
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return absl::InvalidArgumentError(
        "--tls_cert and --tls_key go together: give both (TLS) or neither (plaintext)");
  }
  if (!tls.client_ca_file.empty() && tls.cert_file.empty()) {
    return absl::InvalidArgumentError(
        "--tls_client_ca needs --tls_cert and --tls_key: mutual TLS is TLS first");
  }
  if (!tls.enabled() && !IsLoopback(listen)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--listen=", listen,
                     " is not a loopback address: give --tls_cert and --tls_key "
                     "(plaintext is served on 127.0.0.1, [::1] or localhost only)"));
  }
  if (!HasValidPort(listen)) {
    // gRPC would take such a port modulo 2^16 and serve somewhere nobody asked for.
    return absl::InvalidArgumentError(
        absl::StrCat("--listen=", listen, " must be HOST:PORT with a port from 0 to 65535"));
  }
  if (!tls.enabled()) return absl::OkStatus();
  // Read once now so that a wrong path fails the start, not every handshake later.
  auto readable = [](const std::string& path, absl::string_view flag) {
    return path.empty() ? absl::OkStatus() : client::ReadPemFile(path, flag).status();
  };
  LUBAN_RETURN_IF_ERROR(readable(tls.cert_file, "--tls_cert"));
  LUBAN_RETURN_IF_ERROR(readable(tls.key_file, "--tls_key"));
  LUBAN_RETURN_IF_ERROR(readable(tls.client_ca_file, "--tls_client_ca"));
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const ServerTls& tls) {
  if (!tls.enabled()) return grpc::InsecureServerCredentials();
  const unsigned int refresh_seconds =
      static_cast<unsigned int>(std::max<int64_t>(1, absl::ToInt64Seconds(tls.refresh_interval)));
  std::shared_ptr<grpc::experimental::CertificateProviderInterface> provider;
  if (tls.client_ca_file.empty()) {
    provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
        tls.key_file, tls.cert_file, refresh_seconds);
  } else {
    provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
        tls.key_file, tls.cert_file, tls.client_ca_file, refresh_seconds);
  }
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_identity_key_cert_pairs();
  if (tls.client_ca_file.empty()) {
    options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  } else {
    options.watch_root_certs();
    // Admin clients with only a bearer token still connect; a certificate, when presented, must
    // be signed by the client CA.
    options.set_cert_request_type(GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
  }
  return grpc::experimental::TlsServerCredentials(options);
}

}  // namespace luban
