// luban-enrollment: the enrollment service (trainees, enrollments, completions, certificates).
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "common/server/service_main.h"
#include "services/enrollment/enrollment_module.h"

ABSL_FLAG(std::string, course_target, "127.0.0.1:50051", "host:port of the course service");
ABSL_FLAG(std::string, service_token, "",
          "this service's bearer token for its peers (prefer LUBAN_SERVICE_TOKEN); not needed "
          "when --peer_tls_ca with --tls_cert/--tls_key makes the certificate its identity");

int main(int argc, char** argv) {
  return luban::RunService(
      argc, argv, "enrollment", []() -> absl::StatusOr<std::unique_ptr<luban::ServiceModule>> {
        luban::enrollment::EnrollmentModuleOptions options;
        options.course_target = absl::GetFlag(FLAGS_course_target);
        options.service_token = absl::GetFlag(FLAGS_service_token);
        return std::make_unique<luban::enrollment::EnrollmentModule>(std::move(options));
      });
}
