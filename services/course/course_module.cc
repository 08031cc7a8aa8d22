#include "services/course/course_module.h"

#include "common/domain/status_macros.h"

namespace luban::course {

std::vector<const std::vector<db::Migration>*> CourseModule::migrations() const {
  return {&CourseMigrations()};
}

absl::StatusOr<grpc::Service*> CourseModule::CreateService(const ServiceEnv& env) {
  store_ = std::make_unique<MySqlCourseStore>(env.pool);
  api_ = std::make_unique<CourseApi>(store_.get(), env.page_tokens, config_);
  service_ = std::make_unique<CourseGrpcService>(api_.get(), env.executor, env.credentials,
                                                 env.feed, env.pool);
  LUBAN_RETURN_IF_ERROR(service_->policy().CheckComplete());
  return service_.get();
}

}  // namespace luban::course
