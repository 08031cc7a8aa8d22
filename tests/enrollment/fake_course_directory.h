// An in-memory CourseDirectory: the course service as the enrollment service sees it, for tests
// and fuzz targets of EnrollmentApi. NOT_FOUND "<collection>/<id>: not found" for what it does
// not hold, as the gRPC directory answers; counts calls and can be taken down (FakePeer).
//
// It starts with a small network: institutions/1 (CN) and /2 (TJ) found workshops/1 (TJ),
// institutions/3 (CN) and /4 (KZ) found workshops/2 (KZ); courses/1 and /2 (discipline "urban
// rail"); courseRuns/1 (courses/1 at workshops/1, open, capacity 2), /2 (courses/2 at
// workshops/2, open, 10), /3 (courses/1 at workshops/1, open, 5) and /4 (courses/2 at
// workshops/1, scheduled, 8). Tests change it through the accessors (a run's status, a new
// run), as the course service would change.
#ifndef LUBAN_TESTS_ENROLLMENT_FAKE_COURSE_DIRECTORY_H_
#define LUBAN_TESTS_ENROLLMENT_FAKE_COURSE_DIRECTORY_H_

#include <cstdint>
#include <map>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/enrollment/domain/course_directory.h"
#include "tests/support/fake_peer.h"

namespace luban::enrollment::testing {

class FakeCourseDirectory final : public CourseDirectory, public luban::testing::FakePeer {
 public:
  FakeCourseDirectory();

  // Methods are counted by these names: "GetRun", "GetWorkshop", "GetInstitution", "GetCourse".
  absl::StatusOr<RunInfo> GetRun(int64_t run_id, absl::Time deadline) override;
  absl::StatusOr<WorkshopInfo> GetWorkshop(int64_t workshop_id, absl::Time deadline) override;
  absl::StatusOr<InstitutionInfo> GetInstitution(int64_t institution_id,
                                                 absl::Time deadline) override;
  absl::StatusOr<CourseInfo> GetCourse(int64_t course_id, absl::Time deadline) override;

  // What the course service holds, by id.
  std::map<int64_t, RunInfo>& runs() { return runs_; }
  std::map<int64_t, WorkshopInfo>& workshops() { return workshops_; }
  std::map<int64_t, InstitutionInfo>& institutions() { return institutions_; }
  std::map<int64_t, CourseInfo>& courses() { return courses_; }

 private:
  std::map<int64_t, RunInfo> runs_;
  std::map<int64_t, WorkshopInfo> workshops_;
  std::map<int64_t, InstitutionInfo> institutions_;
  std::map<int64_t, CourseInfo> courses_;
};

}  // namespace luban::enrollment::testing

#endif  // LUBAN_TESTS_ENROLLMENT_FAKE_COURSE_DIRECTORY_H_
