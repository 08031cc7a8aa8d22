// luban-course: the course service (institutions, workshops, catalogue, course runs).
#include <memory>

#include "absl/flags/flag.h"
#include "common/domain/validation.h"
#include "common/server/service_main.h"
#include "services/course/api/course_api.h"
#include "services/course/api/course_service.h"
#include "services/course/storage/mysql_course_store.h"

ABSL_FLAG(std::string, workshop_countries, "TJ,KZ,UZ,KG,TM",
          "ISO 3166-1 alpha-2 codes of the countries where workshops may lie");

namespace luban::course {
namespace {

class CourseModule final : public ServiceModule {
 public:
  absl::string_view name() const override { return "course"; }

  std::vector<const std::vector<db::Migration>*> migrations() const override {
    return {&CourseMigrations()};
  }

  absl::StatusOr<grpc::Service*> CreateService(const ServiceEnv& env) override {
    auto countries = ParseCountrySet(absl::GetFlag(FLAGS_workshop_countries));
    if (!countries.ok()) return countries.status();
    CourseConfig config;
    config.workshop_countries = *std::move(countries);
    store_ = std::make_unique<MySqlCourseStore>(env.pool);
    api_ = std::make_unique<CourseApi>(store_.get(), env.page_tokens, std::move(config));
    service_ = std::make_unique<CourseGrpcService>(api_.get(), env.executor, env.credentials,
                                                   env.feed);
    if (auto status = service_->policy().CheckComplete(); !status.ok()) return status;
    return service_.get();
  }

 private:
  std::unique_ptr<MySqlCourseStore> store_;
  std::unique_ptr<CourseApi> api_;
  std::unique_ptr<CourseGrpcService> service_;
};

}  // namespace
}  // namespace luban::course

int main(int argc, char** argv) {
  luban::course::CourseModule module;
  return luban::RunService(argc, argv, module);
}
