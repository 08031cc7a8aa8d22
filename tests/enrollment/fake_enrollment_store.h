// An in-memory EnrollmentStore for unit tests of the enrollment domain rules, with the contract of
// the MySQL store (storage/mysql_enrollment_store.h), which
// tests/enrollment/mysql_enrollment_store_test.cc checks against both:
//  - NOT_FOUND "<collection>/<id>: not found" (run seats are "courseRuns/<run id>");
//  - ALREADY_EXISTS for a taken identity document (country + DocumentKey(number)), a second open
//    enrollment of a trainee in a run, a taken certificate number;
//  - FAILED_PRECONDITION for an enrollment or certificate whose trainee, run seats or enrollment
//    do not exist (the foreign keys); INTERNAL for seats with enrolled outside 0..capacity;
//  - keyset paging by id (rows after after_id, ascending, at most limit, `more`), same filters;
//    the name prefix matches family_name or family_name_latin ignoring case (ASCII, Latin-1 and
//    Cyrillic letters here; MariaDB's utf8mb4_general_ci also ignores accents);
//  - exports in (update_time, id) order after the cursor;
//  - times kept to the microsecond, as DATETIME(6) keeps them;
//  - a transaction whose body fails leaves the store (and its ledger) as it was; ids handed out
//    are not reused, as AUTO_INCREMENT does not reuse them.
// Transactions run one at a time (a body must not start another transaction of the same store),
// so `for_update` and the locking reads need no locks here.
#ifndef LUBAN_TESTS_ENROLLMENT_FAKE_ENROLLMENT_STORE_H_
#define LUBAN_TESTS_ENROLLMENT_FAKE_ENROLLMENT_STORE_H_

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/enrollment/domain/repository.h"
#include "tests/support/in_memory_ledger.h"

namespace luban::enrollment::testing {

// Everything the fake stores; copied to roll a failed transaction back.
struct FakeEnrollmentData {
  std::map<int64_t, Trainee> trainees;
  std::map<int64_t, RunSeats> run_seats;  // by run id
  std::map<int64_t, Enrollment> enrollments;
  std::map<int64_t, Certificate> certificates;
  std::map<std::string, int64_t> feed_cursors;
  luban::testing::InMemoryLedger ledger;
};

// The last id handed out per table, kept across rollbacks.
struct FakeEnrollmentIds {
  int64_t trainee = 0;
  int64_t enrollment = 0;
  int64_t certificate = 0;
};

class FakeEnrollmentTx final : public EnrollmentTx {
 public:
  FakeEnrollmentTx(FakeEnrollmentData& data, FakeEnrollmentIds& ids) : data_(data), ids_(ids) {}

  Ledger& ledger() override { return data_.ledger; }

  absl::StatusOr<Trainee> GetTrainee(int64_t id, bool for_update) override;
  absl::StatusOr<std::optional<Trainee>> FindTraineeByDocument(
      const std::string& country, const std::string& document_key) override;
  absl::StatusOr<Page<Trainee>> ListTrainees(const TraineeFilter& filter, int64_t after_id,
                                             int limit) override;
  absl::StatusOr<int64_t> InsertTrainee(const Trainee& trainee) override;
  absl::Status UpdateTrainee(const Trainee& trainee) override;
  absl::StatusOr<std::vector<Trainee>> ExportTrainees(const ExportCursor& cursor, int limit,
                                                      ExportNext next) override;

  absl::StatusOr<RunSeats> GetRunSeats(int64_t run_id, bool for_update) override;
  absl::Status InsertRunSeatsIfAbsent(const RunSeats& seats) override;
  absl::Status UpdateRunSeats(const RunSeats& seats) override;

  absl::StatusOr<Enrollment> GetEnrollment(int64_t id, bool for_update) override;
  absl::StatusOr<std::optional<Enrollment>> FindOpenEnrollment(int64_t trainee_id,
                                                               int64_t run_id) override;
  absl::StatusOr<int64_t> CountOpenEnrollments(int64_t trainee_id) override;
  absl::StatusOr<std::vector<Enrollment>> FirstWaitlisted(int64_t run_id, int limit) override;
  absl::StatusOr<std::vector<Enrollment>> OpenEnrollmentsOfRun(int64_t run_id) override;
  absl::StatusOr<int> WaitlistPosition(int64_t run_id, int64_t waitlist_seq) override;
  absl::StatusOr<Page<Enrollment>> ListEnrollments(const EnrollmentFilter& filter, int64_t after_id,
                                                   int limit) override;
  absl::StatusOr<int64_t> InsertEnrollment(const Enrollment& enrollment) override;
  absl::Status UpdateEnrollment(const Enrollment& enrollment) override;
  absl::StatusOr<std::vector<Enrollment>> ExportEnrollments(const ExportCursor& cursor, int limit,
                                                            ExportNext next) override;
  absl::StatusOr<bool> HasCompletedCourse(int64_t trainee_id, int64_t course_id) override;

  absl::StatusOr<Certificate> GetCertificate(int64_t id, bool for_update) override;
  absl::StatusOr<Certificate> GetCertificateByNumber(const std::string& number) override;
  absl::StatusOr<Page<Certificate>> ListCertificates(const CertificateFilter& filter,
                                                     int64_t after_id, int limit) override;
  absl::StatusOr<int64_t> InsertCertificate(const Certificate& certificate) override;
  absl::Status UpdateCertificate(const Certificate& certificate) override;
  absl::StatusOr<bool> HasValidCertificate(int64_t trainee_id,
                                           const std::string& discipline) override;

  absl::StatusOr<int64_t> GetFeedCursor(const std::string& source) override;
  absl::Status PutFeedCursor(const std::string& source, int64_t sequence) override;

 private:
  // The checks of the unique and foreign keys, as the database makes them.
  absl::Status CheckDocumentFree(const Trainee& trainee) const;
  absl::Status CheckEnrollmentKeys(const Enrollment& enrollment) const;
  absl::Status CheckCertificateKeys(const Certificate& certificate) const;

  FakeEnrollmentData& data_;
  FakeEnrollmentIds& ids_;
};

class FakeEnrollmentStore final : public EnrollmentStore {
 public:
  absl::Status InTransaction(absl::string_view context, absl::Time deadline,
                             absl::FunctionRef<absl::Status(EnrollmentTx&)> body) override;

  // The committed state, for assertions and seeding (do not call from inside a body).
  FakeEnrollmentData& data() { return data_; }
  const luban::testing::InMemoryLedger& ledger() const { return data_.ledger; }

  // The next `count` transactions fail with `status` without running their body (e.g.
  // UNAVAILABLE for a database that is down, ABORTED for a conflict that outlived the retries).
  void FailNextTransactions(absl::Status status, int count = 1);
  // Transactions started, and of those committed.
  int transactions() const;
  int commits() const;

 private:
  mutable absl::Mutex mu_;
  FakeEnrollmentData data_;
  FakeEnrollmentIds ids_;
  std::deque<absl::Status> failures_ ABSL_GUARDED_BY(mu_);
  int transactions_ ABSL_GUARDED_BY(mu_) = 0;
  int commits_ ABSL_GUARDED_BY(mu_) = 0;
};

// The lower-case form the fake compares name prefixes in (exposed for tests).
std::string FoldCase(absl::string_view text);

}  // namespace luban::enrollment::testing

#endif  // LUBAN_TESTS_ENROLLMENT_FAKE_ENROLLMENT_STORE_H_
