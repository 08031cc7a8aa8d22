// The enrollment service's storage over MySQL/MariaDB: the tables of migrations/NNNN_*.sql,
// reached only through prepared statements inside db::RunInTransaction.
//
// The database itself enforces what concurrency could otherwise break: one trainee per identity
// document (UNIQUE (doc_country, doc_key)), one open enrollment per trainee and run (a unique key
// over a generated column), unique certificate numbers and enrolled <= capacity (a CHECK).
#ifndef LUBAN_SERVICES_ENROLLMENT_STORAGE_MYSQL_ENROLLMENT_STORE_H_
#define LUBAN_SERVICES_ENROLLMENT_STORAGE_MYSQL_ENROLLMENT_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
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
#include "services/enrollment/domain/repository.h"

namespace luban::enrollment {

// The enrollment track of schema migrations (generated from services/enrollment/migrations).
const std::vector<luban::db::Migration>& EnrollmentMigrations();

// EnrollmentTx over one database transaction. No exception leaves it: SQL errors become
// statuses (see db::Guarded), and the session remembers their codes for the transaction runner.
class MySqlEnrollmentTx final : public EnrollmentTx {
 public:
  explicit MySqlEnrollmentTx(db::Session& session) : session_(session), ledger_(session) {}

  Ledger& ledger() override { return ledger_; }

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
  // OK when an UPDATE that changed no row still matched one (the connection reports changed
  // rows, not matched ones); NOT_FOUND otherwise.
  absl::Status CheckExists(absl::string_view table, absl::string_view key_column,
                           absl::string_view collection, int64_t id);

  db::Session& session_;
  db::SqlLedger ledger_;
};

// The store: each transaction on a MySqlEnrollmentTx (common/db/transaction.h).
using MySqlEnrollmentStore = db::SqlStore<EnrollmentTx, MySqlEnrollmentTx>;

}  // namespace luban::enrollment

#endif  // LUBAN_SERVICES_ENROLLMENT_STORAGE_MYSQL_ENROLLMENT_STORE_H_
