// The course service's storage over MySQL/MariaDB: the tables of migrations/NNNN_*.sql, reached
// only through prepared statements inside db::RunInTransaction.
#ifndef LUBAN_SERVICES_COURSE_STORAGE_MYSQL_COURSE_STORE_H_
#define LUBAN_SERVICES_COURSE_STORAGE_MYSQL_COURSE_STORE_H_

#include <cstdint>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/db/migrations.h"
#include "common/db/pool.h"
#include "common/db/sql_ledger.h"
#include "common/db/transaction.h"
#include "services/course/domain/repository.h"

namespace luban::course {

// The course track of schema migrations (generated from services/course/migrations).
const std::vector<luban::db::Migration>& CourseMigrations();

// CourseTx over one database transaction. No exception leaves it: SQL errors become statuses
// (see db::Guarded), and the session remembers their codes for the transaction runner.
class MySqlCourseTx final : public CourseTx {
 public:
  explicit MySqlCourseTx(db::Session& session) : session_(session), ledger_(session) {}

  Ledger& ledger() override { return ledger_; }

  absl::StatusOr<Institution> GetInstitution(int64_t id, bool for_update) override;
  absl::StatusOr<Page<Institution>> ListInstitutions(const InstitutionFilter& filter,
                                                     int64_t after_id, int limit) override;
  absl::StatusOr<int64_t> InsertInstitution(const Institution& institution) override;
  absl::Status UpdateInstitution(const Institution& institution) override;
  absl::Status DeleteInstitution(int64_t id) override;
  absl::StatusOr<bool> InstitutionHasWorkshops(int64_t id) override;

  absl::StatusOr<Workshop> GetWorkshop(int64_t id, bool for_update) override;
  absl::StatusOr<Page<Workshop>> ListWorkshops(const WorkshopFilter& filter, int64_t after_id,
                                               int limit) override;
  absl::StatusOr<int64_t> InsertWorkshop(const Workshop& workshop) override;
  absl::Status UpdateWorkshop(const Workshop& workshop) override;
  absl::Status DeleteWorkshop(int64_t id) override;
  absl::StatusOr<int64_t> CountWorkshopRuns(int64_t workshop_id, bool active_only) override;

  absl::StatusOr<Course> GetCourse(int64_t id, bool for_update) override;
  absl::StatusOr<Page<Course>> ListCourses(const CourseFilter& filter, int64_t after_id,
                                           int limit) override;
  absl::StatusOr<int64_t> InsertCourse(const Course& course) override;
  absl::Status UpdateCourse(const Course& course) override;
  absl::Status DeleteCourse(int64_t id) override;
  absl::StatusOr<bool> CourseHasRuns(int64_t id) override;

  absl::StatusOr<CourseRun> GetCourseRun(int64_t id, bool for_update) override;
  absl::StatusOr<Page<CourseRun>> ListCourseRuns(const CourseRunFilter& filter, int64_t after_id,
                                                 int limit) override;
  absl::StatusOr<int64_t> InsertCourseRun(const CourseRun& run) override;
  absl::Status UpdateCourseRun(const CourseRun& run) override;
  absl::Status DeleteCourseRun(int64_t id) override;

 private:
  // OK when an UPDATE that changed no row still matched one (the connection reports changed
  // rows, not matched ones); NOT_FOUND otherwise.
  absl::Status CheckExists(absl::string_view table, absl::string_view collection, int64_t id);

  db::Session& session_;
  db::SqlLedger ledger_;
};

// The store: each transaction on a MySqlCourseTx (common/db/transaction.h).
using MySqlCourseStore = db::SqlStore<CourseTx, MySqlCourseTx>;

}  // namespace luban::course

#endif  // LUBAN_SERVICES_COURSE_STORAGE_MYSQL_COURSE_STORE_H_
