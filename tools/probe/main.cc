// luban-probe: asks a service's gRPC health service whether it is SERVING, over plaintext or
// (mutual) TLS, for Kubernetes exec probes (the built-in gRPC probe cannot speak TLS):
//
//   luban-probe --addr=127.0.0.1:50051 [--service=NAME] [--tls_ca=ca.pem]
//               [--tls_cert=probe.pem --tls_key=probe.key] [--tls_server_name=course]
//               [--timeout=2s]
//
// Exit 0 when the answer is SERVING; 1 otherwise (NOT_SERVING, unknown service, unreachable,
// timeout, TLS refused), with a one-line reason on stderr; 2 for a usage error.
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/client/channel.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"

ABSL_FLAG(std::string, addr, "", "host:port of the service (required)");
ABSL_FLAG(std::string, service, "",
          "health service name to ask about; empty: the server as a whole");
ABSL_FLAG(std::string, tls_ca, "", "PEM CA of the server's certificate: TLS when set");
ABSL_FLAG(std::string, tls_cert, "", "PEM client certificate (mutual TLS), with --tls_key");
ABSL_FLAG(std::string, tls_key, "", "PEM key of --tls_cert");
ABSL_FLAG(std::string, tls_server_name, "",
          "name to check the server's certificate against, when not the host of --addr");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(2), "how long the whole check may take");

namespace {

// One line, whatever gRPC's message holds: probes' output is read line by line.
int Fail(const std::string& reason) {
  std::fprintf(stderr, "luban-probe: %s\n",
               absl::StrReplaceAll(reason, {{"\r", " "}, {"\n", " "}}).c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  luban::client::SkipOpenSslCleanupAtExit();  // before gRPC initialises OpenSSL
  absl::SetProgramUsageMessage(
      "luban-probe --addr=HOST:PORT [--service=NAME] [--tls_ca --tls_cert --tls_key "
      "--tls_server_name] [--timeout=2s]: exit 0 when the gRPC health check says SERVING");
  absl::ParseCommandLine(argc, argv);
  const std::string addr = absl::GetFlag(FLAGS_addr);
  if (addr.empty()) {
    std::fprintf(stderr, "luban-probe: --addr=HOST:PORT is required\n");
    return 2;
  }
  luban::client::TlsFiles tls;
  tls.ca_file = absl::GetFlag(FLAGS_tls_ca);
  tls.cert_file = absl::GetFlag(FLAGS_tls_cert);
  tls.key_file = absl::GetFlag(FLAGS_tls_key);
  tls.server_name = absl::GetFlag(FLAGS_tls_server_name);
  auto channel = luban::client::MakeChannel(
      {.target = addr, .tls = tls, .fast_reconnect = false, .keepalive = absl::ZeroDuration()});
  if (!channel.ok()) {
    std::fprintf(stderr, "luban-probe: %s\n", std::string(channel.status().message()).c_str());
    return 2;
  }
  auto stub = grpc::health::v1::Health::NewStub(*channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::GetFlag(FLAGS_timeout)));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(absl::GetFlag(FLAGS_service));
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) {
    return Fail(absl::StrCat(
        addr, ": ", absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())),
        ": ", status.error_message()));
  }
  if (response.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
    return Fail(absl::StrCat(
        addr, ": ", grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status())));
  }
  return 0;
}
