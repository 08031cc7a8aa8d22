// An in-memory CourseStore for unit tests of the course domain rules, with the contract of the
// MySQL store (storage/mysql_course_store.h), which tests/course/mysql_course_store_test.cc
// checks against both:
//  - NOT_FOUND "<collection>/<id>: not found"; ALREADY_EXISTS for a taken course code;
//    FAILED_PRECONDITION for a missing referenced row or a delete that rows still refer to;
//  - keyset paging by id (rows after after_id, ascending, at most limit, `more`), same filters;
//  - times kept to the microsecond, as DATETIME(6) keeps them;
//  - a transaction whose body fails leaves the store (and its ledger) as it was; ids handed out
//    are not reused, as AUTO_INCREMENT does not reuse them.
// Transactions run one at a time (a body must not start another transaction of the same store).
#ifndef LUBAN_TESTS_COURSE_FAKE_COURSE_STORE_H_
#define LUBAN_TESTS_COURSE_FAKE_COURSE_STORE_H_

#include <cstdint>
#include <deque>
#include <map>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/course/domain/repository.h"
#include "tests/support/in_memory_ledger.h"

namespace luban::course::testing {

// Everything the fake stores; copied to roll a failed transaction back.
struct FakeCourseData {
  std::map<int64_t, Institution> institutions;
  std::map<int64_t, Workshop> workshops;
  std::map<int64_t, Course> courses;
  std::map<int64_t, CourseRun> course_runs;
  luban::testing::InMemoryLedger ledger;
};

// The last id handed out per table, kept across rollbacks.
struct FakeCourseIds {
  int64_t institution = 0;
  int64_t workshop = 0;
  int64_t course = 0;
  int64_t course_run = 0;
};

class FakeCourseTx final : public CourseTx {
 public:
  FakeCourseTx(FakeCourseData& data, FakeCourseIds& ids) : data_(data), ids_(ids) {}

  Ledger& ledger() override { return data_.ledger; }

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
  FakeCourseData& data_;
  FakeCourseIds& ids_;
};

class FakeCourseStore final : public CourseStore {
 public:
  absl::Status InTransaction(absl::string_view context, absl::Time deadline,
                             absl::FunctionRef<absl::Status(CourseTx&)> body) override;

  // The committed state, for assertions and seeding (do not call from inside a body).
  FakeCourseData& data() { return data_; }
  const luban::testing::InMemoryLedger& ledger() const { return data_.ledger; }

  // The next `count` transactions fail with `status` without running their body (e.g.
  // UNAVAILABLE for a database that is down, ABORTED for a conflict that outlived the retries).
  void FailNextTransactions(absl::Status status, int count = 1);
  // Transactions started, and of those committed.
  int transactions() const;
  int commits() const;

 private:
  mutable absl::Mutex mu_;
  FakeCourseData data_;
  FakeCourseIds ids_;
  std::deque<absl::Status> failures_ ABSL_GUARDED_BY(mu_);
  int transactions_ ABSL_GUARDED_BY(mu_) = 0;
  int commits_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace luban::course::testing

#endif  // LUBAN_TESTS_COURSE_FAKE_COURSE_STORE_H_
