#include "tests/enrollment/fake_course_directory.h"

#include "absl/strings/str_cat.h"

namespace luban::enrollment::testing {
namespace {

constexpr char kInstitutions[] = "institutions";

}  // namespace

FakeCourseDirectory::FakeCourseDirectory()
    : FakePeer("the enrollment service", "the course service") {
  runs_[1] = {1, 1, 1, RunStatus::kOpen, 2, 60, 80, "TJ", 2};
  runs_[2] = {2, 2, 2, RunStatus::kOpen, 10, 50, 70, "KZ", 2};
  runs_[3] = {3, 1, 1, RunStatus::kOpen, 5, 60, 80, "TJ", 2};
  runs_[4] = {4, 2, 1, RunStatus::kScheduled, 8, 60, 80, "TJ", 1};
  workshops_[1] = {{1, 1, 2}, "TJ", {{"tg", "Luban TJ"}}};
  workshops_[2] = {{2, 3, 4}, "KZ", {{"kk", "Luban KZ"}}};
  for (int64_t id = 1; id <= 4; ++id) institutions_[id] = {id, {{"ru", "Institute"}}};
  for (int64_t id = 1; id <= 2; ++id) {
    courses_[id] = {id, absl::StrCat("URT-10", id), {{"zh", "Rail"}}, "urban rail"};
  }
}

absl::StatusOr<RunInfo> FakeCourseDirectory::GetRun(int64_t run_id, absl::Time) {
  return Lookup("GetRun", kCourseRuns, run_id, runs_);
}

absl::StatusOr<WorkshopInfo> FakeCourseDirectory::GetWorkshop(int64_t workshop_id, absl::Time) {
  return Lookup("GetWorkshop", kWorkshops, workshop_id, workshops_);
}

absl::StatusOr<InstitutionInfo> FakeCourseDirectory::GetInstitution(int64_t institution_id,
                                                                    absl::Time) {
  return Lookup("GetInstitution", kInstitutions, institution_id, institutions_);
}

absl::StatusOr<CourseInfo> FakeCourseDirectory::GetCourse(int64_t course_id, absl::Time) {
  return Lookup("GetCourse", kCourses, course_id, courses_);
}

}  // namespace luban::enrollment::testing
