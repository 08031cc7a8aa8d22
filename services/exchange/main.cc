// luban-exchange: the exchange service (exchange programmes with quotas, mobilities).
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "common/server/service_main.h"
#include "services/exchange/exchange_module.h"

ABSL_FLAG(std::string, course_target, "127.0.0.1:50051", "host:port of the course service");
ABSL_FLAG(std::string, enrollment_target, "127.0.0.1:50052", "host:port of the enrollment service");
ABSL_FLAG(std::string, service_token, "",
          "this service's bearer token for its peers (prefer LUBAN_SERVICE_TOKEN); not needed "
          "when --peer_tls_ca with --tls_cert/--tls_key makes the certificate its identity");

int main(int argc, char** argv) {
  return luban::RunService(
      argc, argv, "exchange", []() -> absl::StatusOr<std::unique_ptr<luban::ServiceModule>> {
        luban::exchange::ExchangeModuleOptions options;
        options.course_target = absl::GetFlag(FLAGS_course_target);
        options.enrollment_target = absl::GetFlag(FLAGS_enrollment_target);
        options.service_token = absl::GetFlag(FLAGS_service_token);
        return std::make_unique<luban::exchange::ExchangeModule>(std::move(options));
      });
}
