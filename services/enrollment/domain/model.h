// The enrollment service's domain: trainees, run seats, enrollments and certificates.
#ifndef LUBAN_SERVICES_ENROLLMENT_DOMAIN_MODEL_H_
#define LUBAN_SERVICES_ENROLLMENT_DOMAIN_MODEL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/domain/types.h"

namespace luban::enrollment {

inline constexpr char kTrainees[] = "trainees";
inline constexpr char kEnrollments[] = "enrollments";
inline constexpr char kCertificates[] = "certificates";
// Collections of the course service this service refers to.
inline constexpr char kWorkshops[] = "workshops";
inline constexpr char kCourseRuns[] = "courseRuns";
inline constexpr char kCourses[] = "courses";

enum class Sex { kUnspecified = 0, kFemale = 1, kMale = 2 };
enum class DocumentType {
  kPassport = 1,
  kNationalId = 2,
  kResidencePermit = 3,
  kBirthCertificate = 4
};
enum class TraineeStatus { kActive = 1, kArchived = 2 };

struct IdentityDocument {
  std::string country;
  DocumentType type = DocumentType::kPassport;
  std::string number;  // as printed
};

struct Contacts {
  std::string email;
  std::string phone;
  std::string address;
};

struct Trainee {
  Meta meta;
  std::string family_name;
  std::string given_name;
  std::string family_name_latin;
  std::string given_name_latin;
  Sex sex = Sex::kUnspecified;
  absl::CivilDay birth_date;
  std::string citizenship;
  IdentityDocument document;
  Contacts contacts;
  WorkshopFounders home;  // home workshop and its founders
  TraineeStatus status = TraineeStatus::kActive;
};

// The number as compared for uniqueness: letters and digits only, upper case.
std::string DocumentKey(absl::string_view number);
// A document number as written (1..64 characters of letters, digits, spaces and '-', at least
// one letter or digit): INVALID_ARGUMENT naming `field` otherwise.
absl::Status CheckDocumentNumber(absl::string_view field, absl::string_view number);

enum class EnrollmentState {
  kWaitlisted = 1,
  kEnrolled = 2,
  kCompleted = 3,
  kFailed = 4,
  kWithdrawn = 5,
  kCancelled = 6
};

inline bool IsOpen(EnrollmentState state) {
  return state == EnrollmentState::kWaitlisted || state == EnrollmentState::kEnrolled;
}

struct Enrollment {
  Meta meta;
  int64_t trainee_id = 0;
  int64_t run_id = 0;
  int64_t course_id = 0;
  WorkshopFounders owners;  // the run's workshop and its founders
  EnrollmentState state = EnrollmentState::kWaitlisted;
  // Order in the run's waitlist (ascending); kept after promotion for the record.
  int64_t waitlist_seq = 0;
  // 1-based place while waitlisted (computed on read); 0 otherwise.
  int waitlist_position = 0;
  int final_score = 0;
  int attendance_percent = 0;
  int64_t certificate_id = 0;
  std::string reason;
  absl::Time enroll_time;
};

// What this service knows of a course run: its seats, kept in step with the course service
// (capacity only grows while a run is open, so a local copy keeps the seat rule exact).
enum class RunStatus { kScheduled = 1, kOpen = 2, kInProgress = 3, kCompleted = 4, kCancelled = 5 };

struct RunSeats {
  int64_t run_id = 0;
  int64_t course_id = 0;
  WorkshopFounders owners;
  RunStatus status = RunStatus::kOpen;
  int capacity = 0;
  int enrolled = 0;  // seats taken (enrolled, completed or failed trainees)
  int64_t next_waitlist_seq = 1;
  int pass_score = 0;
  int min_attendance_percent = 0;
  // The course run's version this row reflects (its etag's number; 0 when unknown): the feed
  // and the course service's answers may arrive out of order, and an older one must not undo a
  // newer (a run seen open must not fall back to scheduled).
  int64_t run_version = 0;
};

enum class CertificateStatus { kValid = 1, kRevoked = 2 };

struct Certificate {
  Meta meta;
  std::string number;
  int64_t trainee_id = 0;
  int64_t enrollment_id = 0;
  std::string holder_name;        // native script, as printed
  std::string holder_name_latin;  // Latin, as printed
  std::string course_code;
  std::vector<LocalizedText> course_titles;
  std::string discipline;
  WorkshopFounders owners;
  std::vector<LocalizedText> workshop_names;
  std::vector<LocalizedText> chinese_institution_names;
  std::vector<LocalizedText> partner_institution_names;
  int final_score = 0;
  int attendance_percent = 0;
  absl::CivilDay issue_date;
  CertificateStatus status = CertificateStatus::kValid;
  std::string revoke_reason;
};

// The institutions that own each record (for the change feed, see OwningInstitutions): its
// workshop's founders, as the reads check them.
inline OwningInstitutions OwnersOf(const WorkshopFounders& owners) { return owners.institutions(); }
inline OwningInstitutions OwnersOf(const Trainee& in) { return OwnersOf(in.home); }
inline OwningInstitutions OwnersOf(const Enrollment& in) { return OwnersOf(in.owners); }
inline OwningInstitutions OwnersOf(const Certificate& in) { return OwnersOf(in.owners); }

// List filters; unset members do not filter. `visible_to_institution` is set for college admins.
struct TraineeFilter {
  std::optional<int64_t> home_workshop_id;
  std::string citizenship;
  std::optional<TraineeStatus> status;
  std::string name_prefix;
  std::string document_key;       // DocumentKey of a number; empty for any
  std::optional<int64_t> run_id;  // with an enrollment (any state) in this run
  std::optional<int64_t> visible_to_institution;
};

struct EnrollmentFilter {
  std::optional<int64_t> run_id;
  std::optional<int64_t> trainee_id;
  std::optional<int64_t> workshop_id;
  std::optional<EnrollmentState> state;
  std::optional<absl::CivilDay> enrolled_from;
  std::optional<absl::CivilDay> enrolled_to;
  std::optional<int64_t> visible_to_institution;
};

struct CertificateFilter {
  std::optional<int64_t> trainee_id;
  std::optional<int64_t> workshop_id;
  std::optional<int64_t> run_id;  // issued for an enrollment in this run
  std::optional<int64_t> visible_to_institution;
};

struct TraineePatch {
  std::optional<std::string> family_name;
  std::optional<std::string> given_name;
  std::optional<std::string> family_name_latin;
  std::optional<std::string> given_name_latin;
  std::optional<Sex> sex;
  std::optional<absl::CivilDay> birth_date;
  std::optional<std::string> citizenship;
  std::optional<Contacts> contacts;
  std::optional<WorkshopFounders> home;  // resolved by the caller from the course service
};

}  // namespace luban::enrollment

#endif  // LUBAN_SERVICES_ENROLLMENT_DOMAIN_MODEL_H_
