// The enrollment service as a ServiceModule: its migrations, its gRPC service on the MySQL store,
// the course service's directory, and the consumer of the course service's change feed (started
// with the service; stopped by the host's Shutdown, before the pool it writes through goes).
#ifndef LUBAN_SERVICES_ENROLLMENT_ENROLLMENT_MODULE_H_
#define LUBAN_SERVICES_ENROLLMENT_ENROLLMENT_MODULE_H_

#include <memory>
#include <string>
#include <vector>

#include "common/server/service_main.h"
#include "grpcpp/channel.h"
#include "services/enrollment/api/enrollment_api.h"
#include "services/enrollment/api/enrollment_service.h"
#include "services/enrollment/clients/course_feed_consumer.h"
#include "services/enrollment/clients/grpc_course_directory.h"
#include "services/enrollment/storage/mysql_enrollment_store.h"

namespace luban::enrollment {

struct EnrollmentModuleOptions {
  std::string course_target;  // host:port of the course service
  std::string service_token;  // this service's bearer token (role service)
  EnrollmentConfig config;
  GrpcCourseDirectoryOptions directory;
  CourseFeedOptions feed;
  bool follow_course_feed = true;
  // Enroll decides on the runs mirrored from the course feed (no call to the course service)
  // while the feed's stream has delivered something within this window; zero: always ask. The
  // course service sends a heartbeat every 10 s when nothing changes.
  absl::Duration mirror_window = absl::Seconds(15);
};

class EnrollmentModule final : public ServiceModule {
 public:
  explicit EnrollmentModule(EnrollmentModuleOptions options);
  ~EnrollmentModule() override;

  absl::string_view name() const override { return "enrollment"; }
  absl::string_view service_full_name() const override {
    return pb::EnrollmentService::service_full_name();
  }
  std::vector<const std::vector<db::Migration>*> migrations() const override;
  absl::StatusOr<grpc::Service*> CreateService(const ServiceEnv& env) override;
  // Stops the course feed consumer (it writes through the host's pool).
  void Stop() override;

  CourseFeedConsumer* feed_consumer() { return consumer_.get(); }

 private:
  EnrollmentModuleOptions options_;
  std::shared_ptr<grpc::Channel> course_channel_;
  std::unique_ptr<MySqlEnrollmentStore> store_;
  std::unique_ptr<GrpcCourseDirectory> directory_;
  std::unique_ptr<EnrollmentApi> api_;
  std::unique_ptr<EnrollmentGrpcService> service_;
  std::unique_ptr<CourseFeedConsumer> consumer_;
};

}  // namespace luban::enrollment

#endif  // LUBAN_SERVICES_ENROLLMENT_ENROLLMENT_MODULE_H_
