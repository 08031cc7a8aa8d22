// The enrollment service's rules, free of gRPC and SQL. Every method runs inside the caller's
// transaction and either makes its whole change or returns an error (the transaction is then
// rolled back). What the course service knows (runs, workshops, names) is fetched by the caller
// through CourseDirectory before the transaction and passed in.
//
// Seats: a run's seat row is locked first by every change to its enrollments, so enrollments of
// one run are serialised and the count can never pass the capacity. Capacity is the course
// service's; the local copy only grows (the course service refuses to shrink an open run), so
// it is exact for every seat decision.
//
// Visibility: college admins see trainees registered at, and enrollments and certificates of,
// workshops their institution co-founded; anything else is NOT_FOUND for them, exactly like a
// missing record. Network admins, reporters and services see everything (redaction of personal
// fields is the handler layer's).
#ifndef LUBAN_SERVICES_ENROLLMENT_DOMAIN_ENROLLMENT_LOGIC_H_
#define LUBAN_SERVICES_ENROLLMENT_DOMAIN_ENROLLMENT_LOGIC_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "common/domain/clock.h"
#include "common/domain/ledger.h"
#include "common/domain/request_context.h"
#include "common/domain/resource_name.h"
#include "common/domain/types.h"
#include "services/enrollment/domain/course_directory.h"
#include "services/enrollment/domain/model.h"
#include "services/enrollment/domain/repository.h"

namespace luban::enrollment {

struct EnrollmentConfig {
  // Draws certificate numbers; the default is 100 random bits in Crockford base 32.
  std::function<std::string()> certificate_number = nullptr;
  // Creation and update times, enrollment times, and today for issue dates and birth-date checks.
  Clock clock;
};

// An enrollment that changed, and the waitlisted ones it let in.
struct SeatChange {
  Enrollment enrollment;
  std::vector<Enrollment> promoted;
};

struct CompletionResult {
  Enrollment enrollment;
  std::optional<Certificate> certificate;
};

// What a certificate names, from the course service.
struct CertificateFacts {
  CourseInfo course;
  WorkshopInfo workshop;
  InstitutionInfo chinese_institution;
  InstitutionInfo partner_institution;
};

struct Requirement {
  std::optional<int64_t> completed_course_id;
  std::string certificate_discipline;
};

struct Eligibility {
  bool eligible = false;
  std::string reason;
  int64_t home_workshop_id = 0;
};

struct Verification {
  std::optional<Certificate> certificate;  // empty: unknown number
  std::string holder_masked_name;
};

// "Rustam Saidov" -> "R*** S***": what a verifier may learn of a holder.
std::string MaskName(absl::string_view given_name, absl::string_view family_name);

class EnrollmentLogic {
 public:
  explicit EnrollmentLogic(EnrollmentConfig config);

  // Trainees. `home` is the home workshop as the course service has it.
  absl::StatusOr<Trainee> GetTrainee(EnrollmentTx& tx, const Principal& who, int64_t id) const;
  absl::StatusOr<Page<Trainee>> ListTrainees(EnrollmentTx& tx, const Principal& who,
                                             TraineeFilter filter, int64_t after_id,
                                             int limit) const;
  // ALREADY_EXISTS when the identity document is taken; its message names the existing
  // trainee only when `who` may see it.
  absl::StatusOr<Trainee> CreateTrainee(EnrollmentTx& tx, const Principal& who,
                                        Trainee draft) const;
  // For imports: the trainee holding the draft's document, if any (visible or not).
  absl::StatusOr<std::optional<Trainee>> FindByDocument(EnrollmentTx& tx,
                                                        const Trainee& draft) const;
  absl::StatusOr<Trainee> UpdateTrainee(EnrollmentTx& tx, const Principal& who, int64_t id,
                                        std::optional<int64_t> expected_version,
                                        const TraineePatch& patch) const;
  // Only without open enrollments.
  absl::StatusOr<Trainee> ArchiveTrainee(EnrollmentTx& tx, const Principal& who, int64_t id,
                                         std::optional<int64_t> expected_version) const;
  // Checks a draft's fields (used by Create and by imports before any write).
  absl::Status CheckTrainee(const Trainee& trainee) const;
  bool MayManage(const Principal& who, const WorkshopFounders& owners) const;

  // Enrollments. `run` is the run as the course service has it now, `owners` its workshop's.
  //
  // The run's seat row (its mirror) must exist before the enrollment's transaction: MirrorRun
  // creates it when absent, in a transaction of its own that commits whatever the enrollment
  // then does. The enrollment's transaction then only locks rows that exist. (A locking read of
  // an absent row takes a gap lock; two first enrollments into fresh runs sharing the gap each
  // waited for the other's insert: deadlocks, a storm of them when a batch job enrolls into
  // many new runs at once.) Refused (NOT_FOUND, FAILED_PRECONDITION) without writing when the
  // caller may not enroll into the run.
  absl::Status MirrorRun(EnrollmentTx& tx, const Principal& who, const RunInfo& run,
                         const WorkshopFounders& owners) const;
  // Enroll on the mirrored run, brought up to `run` when that is newer. INTERNAL without a
  // mirror (MirrorRun first).
  absl::StatusOr<SeatChange> Enroll(EnrollmentTx& tx, const Principal& who, int64_t trainee_id,
                                    const RunInfo& run, const WorkshopFounders& owners) const;
  // Enroll on the run as this service mirrors it (its seat row, kept current by the course
  // service's feed: status, capacity, owners), without asking the course service. nullopt when
  // there is no mirror yet (the run's first enrollment): then ask, MirrorRun, Enroll. The seat rule
  // stays exact (the seat row is locked; an open run's capacity never shrinks); the run's status
  // is as fresh as the feed, so call this only while the feed is live.
  absl::StatusOr<std::optional<SeatChange>> EnrollOnMirror(EnrollmentTx& tx, const Principal& who,
                                                           int64_t trainee_id,
                                                           int64_t run_id) const;
  absl::StatusOr<SeatChange> Withdraw(EnrollmentTx& tx, const Principal& who, int64_t id,
                                      std::optional<int64_t> expected_version,
                                      const std::string& reason) const;
  absl::StatusOr<CompletionResult> Complete(EnrollmentTx& tx, const Principal& who, int64_t id,
                                            std::optional<int64_t> expected_version,
                                            int final_score, int attendance_percent,
                                            const RunInfo& run,
                                            const CertificateFacts& facts) const;
  // The enrollment's run, for callers that must ask the course service before Complete.
  absl::StatusOr<Enrollment> GetEnrollment(EnrollmentTx& tx, const Principal& who,
                                           int64_t id) const;
  absl::StatusOr<Page<Enrollment>> ListEnrollments(EnrollmentTx& tx, const Principal& who,
                                                   EnrollmentFilter filter, int64_t after_id,
                                                   int limit) const;

  // Applies one event of the course service's feed (a run's new state) exactly once: events at
  // or below the stored cursor are ignored; the cursor advances in the same transaction. A
  // capacity increase promotes waitlisted trainees in order; a cancellation cancels the run's
  // open enrollments. Returns the enrollments it changed.
  absl::StatusOr<std::vector<Enrollment>> ApplyRunEvent(EnrollmentTx& tx, int64_t sequence,
                                                        const RunInfo& run) const;

  // Certificates.
  absl::StatusOr<Certificate> GetCertificate(EnrollmentTx& tx, const Principal& who,
                                             int64_t id) const;
  absl::StatusOr<Page<Certificate>> ListCertificates(EnrollmentTx& tx, const Principal& who,
                                                     CertificateFilter filter, int64_t after_id,
                                                     int limit) const;
  absl::StatusOr<Verification> VerifyCertificate(EnrollmentTx& tx, const std::string& number) const;
  absl::StatusOr<Certificate> RevokeCertificate(EnrollmentTx& tx, int64_t id,
                                                const std::string& reason) const;

  // Whether a trainee exists (NOT_FOUND otherwise), is active and meets `requirement`.
  absl::StatusOr<Eligibility> CheckEligibility(EnrollmentTx& tx, int64_t trainee_id,
                                               const Requirement& requirement) const;

  // The audit trail as `who` may read it (common/domain/audit_trail.h): a college admin reads
  // the history of a trainee, an enrollment or a certificate that GetTrainee, GetEnrollment or
  // GetCertificate shows it; any other is NOT_FOUND.
  absl::StatusOr<Page<StoredAuditRecord>> ListAuditRecords(
      EnrollmentTx& tx, const Principal& who, const std::optional<ResourceId>& resource,
      int64_t before_id, int limit) const;

  // The feed this service follows, as named in its cursor table.
  static constexpr char kCourseFeed[] = "course";

 private:
  absl::StatusOr<Trainee> VisibleTrainee(EnrollmentTx& tx, const Principal& who, int64_t id,
                                         bool for_update) const;
  absl::StatusOr<Enrollment> VisibleEnrollment(EnrollmentTx& tx, const Principal& who, int64_t id,
                                               bool for_update) const;
  // Fills free seats from the waitlist, in order; appends the promoted to `promoted`.
  absl::Status Promote(EnrollmentTx& tx, RunSeats& seats, std::vector<Enrollment>& promoted) const;
  absl::Status WithPosition(EnrollmentTx& tx, Enrollment& enrollment) const;
  // Enroll's checks of the run that come before anything about the trainee.
  absl::Status CheckRunForEnroll(const Principal& who, const std::string& run_name,
                                 RunStatus status, const WorkshopFounders& owners) const;
  // Enroll's tail, with the run's seat row locked: the trainee (locked), one open enrollment per
  // run, then a seat or a waitlist place. Fills change.enrollment; updates `seats`.
  absl::Status EnrollIntoSeats(EnrollmentTx& tx, const Principal& who, int64_t trainee_id,
                               RunSeats& seats, SeatChange& change) const;

  EnrollmentConfig config_;
};

absl::string_view EnrollmentStateName(EnrollmentState state);

}  // namespace luban::enrollment

#endif  // LUBAN_SERVICES_ENROLLMENT_DOMAIN_ENROLLMENT_LOGIC_H_
