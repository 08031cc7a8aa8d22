// The course service's rules, free of gRPC and SQL: validation of what a caller asks, the
// lifecycles of workshops and runs, and who may touch what. Every method runs inside the
// caller's transaction (`tx`) and either makes the whole change or returns an error having
// changed nothing the caller will keep (the transaction is rolled back on error).
//
// Visibility: institutions and the catalogue are readable by every signed-in role; workshops
// and runs only by roles that read everything and by the college admins of the institutions
// that co-founded the workshop. A college admin asking for another college's workshop or run
// gets NOT_FOUND, exactly as if it did not exist.
#ifndef LUBAN_SERVICES_COURSE_DOMAIN_COURSE_LOGIC_H_
#define LUBAN_SERVICES_COURSE_DOMAIN_COURSE_LOGIC_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/domain/clock.h"
#include "common/domain/ledger.h"
#include "common/domain/request_context.h"
#include "common/domain/resource_name.h"
#include "common/domain/types.h"
#include "services/course/domain/model.h"
#include "services/course/domain/repository.h"

namespace luban::course {

struct CourseConfig {
  // Countries where workshops may lie (ISO 3166-1 alpha-2); configuration, not code.
  absl::flat_hash_set<std::string> workshop_countries = {"TJ", "KZ", "UZ", "KG", "TM"};
  // The country of Chinese colleges.
  std::string chinese_country = "CN";
  // Creation and update times, a workshop's opening day.
  Clock clock;
};

class CourseLogic {
 public:
  explicit CourseLogic(CourseConfig config) : config_(std::move(config)) {}

  // Institutions (changes: network admins only, enforced by the method policy).
  absl::StatusOr<Institution> GetInstitution(CourseTx& tx, int64_t id) const;
  absl::StatusOr<Page<Institution>> ListInstitutions(CourseTx& tx, const InstitutionFilter& filter,
                                                     int64_t after_id, int limit) const;
  absl::StatusOr<Institution> CreateInstitution(CourseTx& tx, Institution draft) const;
  absl::StatusOr<Institution> UpdateInstitution(CourseTx& tx, int64_t id,
                                                std::optional<int64_t> expected_version,
                                                const InstitutionPatch& patch) const;
  // FAILED_PRECONDITION while a workshop refers to it.
  absl::StatusOr<Institution> DeleteInstitution(CourseTx& tx, int64_t id,
                                                std::optional<int64_t> expected_version) const;

  // Workshops.
  absl::StatusOr<Workshop> GetWorkshop(CourseTx& tx, const Principal& who, int64_t id) const;
  absl::StatusOr<Page<Workshop>> ListWorkshops(CourseTx& tx, const Principal& who,
                                               WorkshopFilter filter, int64_t after_id,
                                               int limit) const;
  absl::StatusOr<Workshop> CreateWorkshop(CourseTx& tx, Workshop draft) const;
  absl::StatusOr<Workshop> UpdateWorkshop(CourseTx& tx, const Principal& who, int64_t id,
                                          std::optional<int64_t> expected_version,
                                          const WorkshopPatch& patch) const;
  // Only a planned workshop without runs.
  absl::StatusOr<Workshop> DeleteWorkshop(CourseTx& tx, int64_t id,
                                          std::optional<int64_t> expected_version) const;
  // planned -> operating; operating <-> suspended; any but closed -> closed (only once no run
  // is scheduled, open or in progress). Closed is final. Opening a workshop is for network
  // admins; its college admins may suspend, resume and close it.
  absl::StatusOr<Workshop> ChangeWorkshopStatus(CourseTx& tx, const Principal& who, int64_t id,
                                                std::optional<int64_t> expected_version,
                                                WorkshopStatus target) const;

  // The catalogue (changes: network admins only).
  absl::StatusOr<Course> GetCourse(CourseTx& tx, int64_t id) const;
  absl::StatusOr<Page<Course>> ListCourses(CourseTx& tx, const CourseFilter& filter,
                                           int64_t after_id, int limit) const;
  absl::StatusOr<Course> CreateCourse(CourseTx& tx, Course draft) const;
  absl::StatusOr<Course> UpdateCourse(CourseTx& tx, int64_t id,
                                      std::optional<int64_t> expected_version,
                                      const CoursePatch& patch) const;
  absl::StatusOr<Course> DeleteCourse(CourseTx& tx, int64_t id,
                                      std::optional<int64_t> expected_version) const;

  // Course runs.
  absl::StatusOr<CourseRun> GetCourseRun(CourseTx& tx, const Principal& who, int64_t id) const;
  absl::StatusOr<Page<CourseRun>> ListCourseRuns(CourseTx& tx, const Principal& who,
                                                 CourseRunFilter filter, int64_t after_id,
                                                 int limit) const;
  // At an operating workshop the caller may manage, in one of the course's languages.
  absl::StatusOr<ChangedRun> CreateCourseRun(CourseTx& tx, const Principal& who,
                                             CourseRun draft) const;
  // While scheduled or open; once open, capacity may grow but not shrink (seats may be taken).
  absl::StatusOr<ChangedRun> UpdateCourseRun(CourseTx& tx, const Principal& who, int64_t id,
                                             std::optional<int64_t> expected_version,
                                             const CourseRunPatch& patch) const;
  absl::StatusOr<ChangedRun> DeleteCourseRun(CourseTx& tx, const Principal& who, int64_t id,
                                             std::optional<int64_t> expected_version) const;
  // scheduled -> open (at an operating workshop) -> in progress -> completed; scheduled, open
  // or in progress -> cancelled (with a reason). Anything else: FAILED_PRECONDITION.
  absl::StatusOr<ChangedRun> TransitionCourseRun(CourseTx& tx, const Principal& who, int64_t id,
                                                 std::optional<int64_t> expected_version,
                                                 RunStatus target, const std::string& reason) const;

  // The audit trail as `who` may read it (common/domain/audit_trail.h): a college admin reads
  // the history of its own institution, of the workshops it co-founded and of their runs (what
  // GetWorkshop and GetCourseRun show it); that of another institution is NOT_FOUND, and the
  // shared catalogue's (courses, changed by network admins only) PERMISSION_DENIED.
  absl::StatusOr<Page<StoredAuditRecord>> ListAuditRecords(
      CourseTx& tx, const Principal& who, const std::optional<ResourceId>& resource,
      int64_t before_id, int limit) const;

  const CourseConfig& config() const { return config_; }

 private:
  absl::Status CheckInstitution(const Institution& institution) const;
  absl::Status CheckWorkshop(const Workshop& workshop) const;
  absl::Status CheckCourse(const Course& course) const;
  absl::Status CheckCourseRun(const CourseRun& run, const Course& course) const;
  // The workshop if `who` may see it (NOT_FOUND otherwise, as if it did not exist).
  absl::StatusOr<Workshop> VisibleWorkshop(CourseTx& tx, const Principal& who, int64_t id,
                                           bool for_update) const;
  // The workshop if `who` may change it: network admins, and college admins of its founders.
  absl::StatusOr<Workshop> ManagedWorkshop(CourseTx& tx, const Principal& who, int64_t id,
                                           bool for_update) const;
  absl::StatusOr<ChangedRun> ManagedRun(CourseTx& tx, const Principal& who, int64_t id,
                                        std::optional<int64_t> expected_version) const;

  CourseConfig config_;
};

absl::string_view WorkshopStatusName(WorkshopStatus status);
absl::string_view RunStatusName(RunStatus status);

}  // namespace luban::course

#endif  // LUBAN_SERVICES_COURSE_DOMAIN_COURSE_LOGIC_H_
