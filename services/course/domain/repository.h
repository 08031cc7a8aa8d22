// The course service's storage, one transaction at a time. Implemented over MySQL
// (storage/mysql_course_store.h) and in memory for unit tests (tests/course/fake_course_store.h).
#ifndef LUBAN_SERVICES_COURSE_DOMAIN_REPOSITORY_H_
#define LUBAN_SERVICES_COURSE_DOMAIN_REPOSITORY_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/domain/ledger.h"
#include "common/domain/store.h"
#include "common/domain/types.h"
#include "services/course/domain/model.h"

namespace luban::course {

// Reads return NOT_FOUND ("<collection>/<id>: not found") for a missing row; `for_update` locks
// the row until the transaction ends. Lists are keyset-paged by id: rows with id > after_id,
// ascending, at most `limit`, with `more` telling whether rows follow. Inserts return the new id;
// updates write every mutable column of the given row (the caller bumps meta.version).
class CourseTx {
 public:
  virtual ~CourseTx() = default;

  virtual Ledger& ledger() = 0;

  virtual absl::StatusOr<Institution> GetInstitution(int64_t id, bool for_update) = 0;
  virtual absl::StatusOr<Page<Institution>> ListInstitutions(const InstitutionFilter& filter,
                                                             int64_t after_id, int limit) = 0;
  virtual absl::StatusOr<int64_t> InsertInstitution(const Institution& institution) = 0;
  virtual absl::Status UpdateInstitution(const Institution& institution) = 0;
  virtual absl::Status DeleteInstitution(int64_t id) = 0;
  virtual absl::StatusOr<bool> InstitutionHasWorkshops(int64_t id) = 0;

  virtual absl::StatusOr<Workshop> GetWorkshop(int64_t id, bool for_update) = 0;
  virtual absl::StatusOr<Page<Workshop>> ListWorkshops(const WorkshopFilter& filter,
                                                       int64_t after_id, int limit) = 0;
  virtual absl::StatusOr<int64_t> InsertWorkshop(const Workshop& workshop) = 0;
  virtual absl::Status UpdateWorkshop(const Workshop& workshop) = 0;
  virtual absl::Status DeleteWorkshop(int64_t id) = 0;
  // Runs of the workshop; with `active_only`, only scheduled, open or in-progress ones.
  virtual absl::StatusOr<int64_t> CountWorkshopRuns(int64_t workshop_id, bool active_only) = 0;

  virtual absl::StatusOr<Course> GetCourse(int64_t id, bool for_update) = 0;
  virtual absl::StatusOr<Page<Course>> ListCourses(const CourseFilter& filter, int64_t after_id,
                                                   int limit) = 0;
  // ALREADY_EXISTS ("code: ...") when the code is taken.
  virtual absl::StatusOr<int64_t> InsertCourse(const Course& course) = 0;
  virtual absl::Status UpdateCourse(const Course& course) = 0;
  virtual absl::Status DeleteCourse(int64_t id) = 0;
  virtual absl::StatusOr<bool> CourseHasRuns(int64_t id) = 0;

  virtual absl::StatusOr<CourseRun> GetCourseRun(int64_t id, bool for_update) = 0;
  virtual absl::StatusOr<Page<CourseRun>> ListCourseRuns(const CourseRunFilter& filter,
                                                         int64_t after_id, int limit) = 0;
  virtual absl::StatusOr<int64_t> InsertCourseRun(const CourseRun& run) = 0;
  virtual absl::Status UpdateCourseRun(const CourseRun& run) = 0;
  virtual absl::Status DeleteCourseRun(int64_t id) = 0;
};

using CourseStore = TransactionalStore<CourseTx>;

}  // namespace luban::course

#endif  // LUBAN_SERVICES_COURSE_DOMAIN_REPOSITORY_H_
