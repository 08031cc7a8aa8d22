// luban-course: the course service (institutions, workshops, catalogue, course runs).
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "common/domain/status_macros.h"
#include "common/domain/validation.h"
#include "common/server/service_main.h"
#include "services/course/course_module.h"

ABSL_FLAG(std::string, workshop_countries, "TJ,KZ,UZ,KG,TM",
          "ISO 3166-1 alpha-2 codes of the countries where workshops may lie");

int main(int argc, char** argv) {
  return luban::RunService(
      argc, argv, "course", []() -> absl::StatusOr<std::unique_ptr<luban::ServiceModule>> {
        LUBAN_ASSIGN_OR_RETURN(auto countries,
                               luban::ParseCountrySet(absl::GetFlag(FLAGS_workshop_countries)));
        luban::course::CourseConfig config;
        config.workshop_countries = std::move(countries);
        return std::make_unique<luban::course::CourseModule>(std::move(config));
      });
}
