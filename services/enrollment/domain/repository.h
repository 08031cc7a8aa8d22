// The enrollment service's storage, one transaction at a time. Implemented over MySQL
// (storage/mysql_enrollment_store.h) and in memory for unit tests.
#ifndef LUBAN_SERVICES_ENROLLMENT_DOMAIN_REPOSITORY_H_
#define LUBAN_SERVICES_ENROLLMENT_DOMAIN_REPOSITORY_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/domain/ledger.h"
#include "common/domain/store.h"
#include "common/domain/types.h"
#include "services/enrollment/domain/model.h"

namespace luban::enrollment {

// Conventions as CourseTx: NOT_FOUND "<collection>/<id>: not found"; `for_update` locks the row
// until the transaction ends; lists are keyset-paged by id (ascending; rows with id > after_id;
// `more` tells whether rows follow); inserts return the new id; updates write every mutable
// column of the given row (the caller bumps meta.version).
class EnrollmentTx {
 public:
  virtual ~EnrollmentTx() = default;

  virtual Ledger& ledger() = 0;

  // Trainees.
  virtual absl::StatusOr<Trainee> GetTrainee(int64_t id, bool for_update) = 0;
  // The trainee holding an identity document (country + DocumentKey(number)), if any.
  virtual absl::StatusOr<std::optional<Trainee>> FindTraineeByDocument(
      const std::string& country, const std::string& document_key) = 0;
  virtual absl::StatusOr<Page<Trainee>> ListTrainees(const TraineeFilter& filter, int64_t after_id,
                                                     int limit) = 0;
  // ALREADY_EXISTS when the document is taken (a concurrent insert won the race).
  virtual absl::StatusOr<int64_t> InsertTrainee(const Trainee& trainee) = 0;
  virtual absl::Status UpdateTrainee(const Trainee& trainee) = 0;
  // Trainees changed after `cursor`, ordered by (update_time, id), at most `limit`; a full batch
  // tells `next` where the following one starts before it is decoded (ExportNext).
  virtual absl::StatusOr<std::vector<Trainee>> ExportTrainees(const ExportCursor& cursor, int limit,
                                                              ExportNext next) = 0;

  // Seats of a run; NOT_FOUND when this service has not seen the run yet. Enroll, Withdraw and
  // the feed lock this row first: it serialises every change to the run's seats.
  virtual absl::StatusOr<RunSeats> GetRunSeats(int64_t run_id, bool for_update) = 0;
  // Inserts the run's row unless it exists (a concurrent first enrollment may have made it).
  virtual absl::Status InsertRunSeatsIfAbsent(const RunSeats& seats) = 0;
  virtual absl::Status UpdateRunSeats(const RunSeats& seats) = 0;

  // Enrollments.
  virtual absl::StatusOr<Enrollment> GetEnrollment(int64_t id, bool for_update) = 0;
  // The trainee's waitlisted or enrolled enrollment in the run, if any.
  virtual absl::StatusOr<std::optional<Enrollment>> FindOpenEnrollment(int64_t trainee_id,
                                                                       int64_t run_id) = 0;
  // Open enrollments of a trainee (any run).
  virtual absl::StatusOr<int64_t> CountOpenEnrollments(int64_t trainee_id) = 0;
  // The run's waitlisted enrollments, lowest waitlist_seq first, at most `limit`, locked.
  virtual absl::StatusOr<std::vector<Enrollment>> FirstWaitlisted(int64_t run_id, int limit) = 0;
  // The run's waitlisted and enrolled enrollments, locked.
  virtual absl::StatusOr<std::vector<Enrollment>> OpenEnrollmentsOfRun(int64_t run_id) = 0;
  // 1-based place of a waitlisted enrollment: 1 + waitlisted ones of the run before it.
  virtual absl::StatusOr<int> WaitlistPosition(int64_t run_id, int64_t waitlist_seq) = 0;
  virtual absl::StatusOr<Page<Enrollment>> ListEnrollments(const EnrollmentFilter& filter,
                                                           int64_t after_id, int limit) = 0;
  // ALREADY_EXISTS when the trainee already holds an open enrollment in the run.
  virtual absl::StatusOr<int64_t> InsertEnrollment(const Enrollment& enrollment) = 0;
  virtual absl::Status UpdateEnrollment(const Enrollment& enrollment) = 0;
  virtual absl::StatusOr<std::vector<Enrollment>> ExportEnrollments(const ExportCursor& cursor,
                                                                    int limit, ExportNext next) = 0;
  // Whether the trainee completed the course (a completed enrollment in any of its runs).
  virtual absl::StatusOr<bool> HasCompletedCourse(int64_t trainee_id, int64_t course_id) = 0;

  // Certificates.
  virtual absl::StatusOr<Certificate> GetCertificate(int64_t id, bool for_update) = 0;
  // NOT_FOUND when no certificate has this number.
  virtual absl::StatusOr<Certificate> GetCertificateByNumber(const std::string& number) = 0;
  virtual absl::StatusOr<Page<Certificate>> ListCertificates(const CertificateFilter& filter,
                                                             int64_t after_id, int limit) = 0;
  // ALREADY_EXISTS on a number collision (the caller draws another).
  virtual absl::StatusOr<int64_t> InsertCertificate(const Certificate& certificate) = 0;
  virtual absl::Status UpdateCertificate(const Certificate& certificate) = 0;
  // Whether the trainee holds a valid certificate in the discipline.
  virtual absl::StatusOr<bool> HasValidCertificate(int64_t trainee_id,
                                                   const std::string& discipline) = 0;

  // The last sequence of a peer's change feed applied here (0 when none).
  virtual absl::StatusOr<int64_t> GetFeedCursor(const std::string& source) = 0;
  virtual absl::Status PutFeedCursor(const std::string& source, int64_t sequence) = 0;
};

using EnrollmentStore = TransactionalStore<EnrollmentTx>;

}  // namespace luban::enrollment

#endif  // LUBAN_SERVICES_ENROLLMENT_DOMAIN_REPOSITORY_H_
