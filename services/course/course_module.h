// The course service as a ServiceModule: its schema migrations and its gRPC service, built on
// the MySQL store. main() and the service tests both run it in a ServiceHost.
#ifndef LUBAN_SERVICES_COURSE_COURSE_MODULE_H_
#define LUBAN_SERVICES_COURSE_COURSE_MODULE_H_

#include <memory>
#include <vector>

#include "common/server/service_main.h"
#include "services/course/api/course_api.h"
#include "services/course/api/course_service.h"
#include "services/course/domain/course_logic.h"
#include "services/course/storage/mysql_course_store.h"

namespace luban::course {

class CourseModule final : public ServiceModule {
 public:
  explicit CourseModule(CourseConfig config) : config_(std::move(config)) {}

  absl::string_view name() const override { return "course"; }
  absl::string_view service_full_name() const override {
    return pb::CourseService::service_full_name();
  }
  std::vector<const std::vector<db::Migration>*> migrations() const override;
  absl::StatusOr<grpc::Service*> CreateService(const ServiceEnv& env) override;

 private:
  CourseConfig config_;
  std::unique_ptr<MySqlCourseStore> store_;
  std::unique_ptr<CourseApi> api_;
  std::unique_ptr<CourseGrpcService> service_;
};

}  // namespace luban::course

#endif  // LUBAN_SERVICES_COURSE_COURSE_MODULE_H_
