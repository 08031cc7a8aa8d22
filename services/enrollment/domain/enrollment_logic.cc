#include "services/enrollment/domain/enrollment_logic.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/domain/audit_trail.h"
#include "common/domain/random.h"
#include "common/domain/resource_name.h"
#include "common/domain/status_macros.h"
#include "common/domain/validation.h"

namespace luban::enrollment {
namespace {

template <typename T>
absl::Status CheckExpected(const T& row, absl::string_view collection,
                           std::optional<int64_t> expected_version) {
  return CheckVersion(FormatResourceName(collection, row.meta.id), expected_version,
                      row.meta.version);
}

absl::Status CheckLatinName(absl::string_view field, absl::string_view value) {
  LUBAN_RETURN_IF_ERROR(CheckText(field, value, 1, 100));
  for (char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (!(absl::ascii_isalpha(c) || c == ' ' || c == '-' || c == '\'' || c == '.')) {
      return InvalidField(field, "Latin letters, spaces, '-', '\\'' and '.' only");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckContacts(const Contacts& contacts) {
  if (!contacts.email.empty()) {
    LUBAN_RETURN_IF_ERROR(CheckText("contacts.email", contacts.email, 3, 254));
    const size_t at = contacts.email.find('@');
    if (at == std::string::npos || at == 0 || at + 1 == contacts.email.size() ||
        contacts.email.find(' ') != std::string::npos) {
      return InvalidField("contacts.email", "an e-mail address such as name@example.tj");
    }
  }
  if (!contacts.phone.empty()) {
    if (contacts.phone.size() > 32 || contacts.phone[0] != '+') {
      return InvalidField("contacts.phone", "an international number such as +992 93 123 4567");
    }
    int digits = 0;
    for (char c : contacts.phone.substr(1)) {
      if (absl::ascii_isdigit(static_cast<unsigned char>(c))) {
        ++digits;
      } else if (c != ' ' && c != '-' && c != '(' && c != ')') {
        return InvalidField("contacts.phone", "digits, spaces, '-' and parentheses after '+'");
      }
    }
    if (digits < 6) return InvalidField("contacts.phone", "at least 6 digits");
  }
  return CheckText("contacts.address", contacts.address, 0, 500, /*multiline=*/true);
}

}  // namespace

absl::string_view EnrollmentStateName(EnrollmentState state) {
  switch (state) {
    case EnrollmentState::kWaitlisted:
      return "waitlisted";
    case EnrollmentState::kEnrolled:
      return "enrolled";
    case EnrollmentState::kCompleted:
      return "completed";
    case EnrollmentState::kFailed:
      return "failed";
    case EnrollmentState::kWithdrawn:
      return "withdrawn";
    case EnrollmentState::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

std::string MaskName(absl::string_view given_name, absl::string_view family_name) {
  auto mask = [](absl::string_view name) -> std::string {
    if (name.empty()) return "";
    // The first character, whole even when it is several bytes of UTF-8.
    size_t length = 1;
    const auto lead = static_cast<unsigned char>(name[0]);
    if (lead >= 0xF0) {
      length = 4;
    } else if (lead >= 0xE0) {
      length = 3;
    } else if (lead >= 0xC0) {
      length = 2;
    }
    return absl::StrCat(name.substr(0, std::min(length, name.size())), "***");
  };
  const std::string given = mask(given_name);
  const std::string family = mask(family_name);
  if (given.empty()) return family;
  if (family.empty()) return given;
  return absl::StrCat(given, " ", family);
}

EnrollmentLogic::EnrollmentLogic(EnrollmentConfig config) : config_(std::move(config)) {
  if (!config_.certificate_number) {
    config_.certificate_number = [] { return absl::StrCat("LW-", RandomCode(5)); };
  }
}

bool EnrollmentLogic::MayManage(const Principal& who, const WorkshopFounders& owners) const {
  return who.IsNetworkAdmin() || (who.IsCollegeAdmin() && owners.Include(who.institution_id));
}

// ---------------------------------------------------------------------------------------------
// Trainees

absl::Status EnrollmentLogic::CheckTrainee(const Trainee& t) const {
  LUBAN_RETURN_IF_ERROR(CheckText("family_name", t.family_name, 1, 100));
  LUBAN_RETURN_IF_ERROR(CheckText("given_name", t.given_name, 1, 100));
  LUBAN_RETURN_IF_ERROR(CheckLatinName("family_name_latin", t.family_name_latin));
  LUBAN_RETURN_IF_ERROR(CheckLatinName("given_name_latin", t.given_name_latin));
  if (t.birth_date.year() < 1900 || t.birth_date > config_.clock.Today()) {
    return InvalidField("birth_date", "a day between 1900-01-01 and today");
  }
  LUBAN_RETURN_IF_ERROR(CheckCountryCode("citizenship", t.citizenship));
  LUBAN_RETURN_IF_ERROR(CheckCountryCode("identity_document.country_code", t.document.country));
  LUBAN_RETURN_IF_ERROR(CheckDocumentNumber("identity_document.number", t.document.number));
  return CheckContacts(t.contacts);
}

absl::StatusOr<Trainee> EnrollmentLogic::VisibleTrainee(EnrollmentTx& tx, const Principal& who,
                                                        int64_t id, bool for_update) const {
  LUBAN_ASSIGN_OR_RETURN(auto trainee, tx.GetTrainee(id, for_update));
  if (who.ReadsEverything() || MayManage(who, trainee.home)) return trainee;
  return ResourceNotFound(kTrainees, id);
}

absl::StatusOr<Trainee> EnrollmentLogic::GetTrainee(EnrollmentTx& tx, const Principal& who,
                                                    int64_t id) const {
  return VisibleTrainee(tx, who, id, /*for_update=*/false);
}

absl::StatusOr<Page<Trainee>> EnrollmentLogic::ListTrainees(EnrollmentTx& tx, const Principal& who,
                                                            TraineeFilter filter, int64_t after_id,
                                                            int limit) const {
  if (!who.ReadsEverything()) filter.visible_to_institution = who.institution_id;
  return tx.ListTrainees(filter, after_id, limit);
}

absl::StatusOr<std::optional<Trainee>> EnrollmentLogic::FindByDocument(EnrollmentTx& tx,
                                                                       const Trainee& draft) const {
  return tx.FindTraineeByDocument(draft.document.country, DocumentKey(draft.document.number));
}

absl::StatusOr<Trainee> EnrollmentLogic::CreateTrainee(EnrollmentTx& tx, const Principal& who,
                                                       Trainee draft) const {
  if (!MayManage(who, draft.home)) {
    return absl::NotFoundError(absl::StrCat(
        "home_workshop: ", FormatResourceName(kWorkshops, draft.home.workshop_id), ": not found"));
  }
  LUBAN_RETURN_IF_ERROR(CheckTrainee(draft));
  draft.status = TraineeStatus::kActive;
  draft.meta.Stamp(config_.clock.Now());
  // The document's unique key decides, without a read before the insert (one round trip less
  // per creation); only a taken document is looked up, to say whose it is.
  absl::StatusOr<int64_t> id = tx.InsertTrainee(draft);
  if (absl::IsAlreadyExists(id.status())) {
    LUBAN_ASSIGN_OR_RETURN(auto existing, FindByDocument(tx, draft));
    if (!existing.has_value()) return id.status();
    const Trainee& other = *existing;
    const bool visible = who.ReadsEverything() || MayManage(who, other.home);
    return absl::AlreadyExistsError(
        absl::StrCat("identity_document: a trainee with this document already exists",
                     visible ? absl::StrCat(" (", FormatResourceName(kTrainees, other.meta.id), ")")
                             : std::string(" (registered at another college's workshop)")));
  }
  if (!id.ok()) return id.status();
  draft.meta.id = *id;
  return draft;
}

absl::StatusOr<Trainee> EnrollmentLogic::UpdateTrainee(EnrollmentTx& tx, const Principal& who,
                                                       int64_t id,
                                                       std::optional<int64_t> expected_version,
                                                       const TraineePatch& patch) const {
  LUBAN_ASSIGN_OR_RETURN(auto trainee, VisibleTrainee(tx, who, id, /*for_update=*/true));
  if (!MayManage(who, trainee.home)) {
    return absl::PermissionDeniedError(
        absl::StrCat("role ", RoleName(who.role), " may not change trainees"));
  }
  LUBAN_RETURN_IF_ERROR(CheckExpected(trainee, kTrainees, expected_version));
  if (trainee.status == TraineeStatus::kArchived) {
    return absl::FailedPreconditionError(
        absl::StrCat(FormatResourceName(kTrainees, id), " is archived"));
  }
  if (patch.home) {
    if (!MayManage(who, *patch.home)) {
      return absl::NotFoundError(
          absl::StrCat("home_workshop: ", FormatResourceName(kWorkshops, patch.home->workshop_id),
                       ": not found"));
    }
    trainee.home = *patch.home;
  }
  if (patch.family_name) trainee.family_name = *patch.family_name;
  if (patch.given_name) trainee.given_name = *patch.given_name;
  if (patch.family_name_latin) trainee.family_name_latin = *patch.family_name_latin;
  if (patch.given_name_latin) trainee.given_name_latin = *patch.given_name_latin;
  if (patch.sex) trainee.sex = *patch.sex;
  if (patch.birth_date) trainee.birth_date = *patch.birth_date;
  if (patch.citizenship) trainee.citizenship = *patch.citizenship;
  if (patch.contacts) trainee.contacts = *patch.contacts;
  LUBAN_RETURN_IF_ERROR(CheckTrainee(trainee));
  trainee.meta.Bump(config_.clock.Now());
  LUBAN_RETURN_IF_ERROR(tx.UpdateTrainee(trainee));
  return trainee;
}

absl::StatusOr<Trainee> EnrollmentLogic::ArchiveTrainee(
    EnrollmentTx& tx, const Principal& who, int64_t id,
    std::optional<int64_t> expected_version) const {
  LUBAN_ASSIGN_OR_RETURN(auto trainee, VisibleTrainee(tx, who, id, /*for_update=*/true));
  if (!MayManage(who, trainee.home)) {
    return absl::PermissionDeniedError(
        absl::StrCat("role ", RoleName(who.role), " may not change trainees"));
  }
  LUBAN_RETURN_IF_ERROR(CheckExpected(trainee, kTrainees, expected_version));
  const std::string name = FormatResourceName(kTrainees, id);
  if (trainee.status == TraineeStatus::kArchived) {
    return absl::FailedPreconditionError(absl::StrCat(name, " is already archived"));
  }
  LUBAN_ASSIGN_OR_RETURN(auto open, tx.CountOpenEnrollments(id));
  if (open > 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(name, " holds ", open, " open enrollments; withdraw them before archiving"));
  }
  trainee.status = TraineeStatus::kArchived;
  trainee.meta.Bump(config_.clock.Now());
  LUBAN_RETURN_IF_ERROR(tx.UpdateTrainee(trainee));
  return trainee;
}

// ---------------------------------------------------------------------------------------------
// Enrollments

absl::Status EnrollmentLogic::WithPosition(EnrollmentTx& tx, Enrollment& enrollment) const {
  enrollment.waitlist_position = 0;
  if (enrollment.state != EnrollmentState::kWaitlisted) return absl::OkStatus();
  LUBAN_ASSIGN_OR_RETURN(auto position,
                         tx.WaitlistPosition(enrollment.run_id, enrollment.waitlist_seq));
  enrollment.waitlist_position = position;
  return absl::OkStatus();
}

absl::Status EnrollmentLogic::Promote(EnrollmentTx& tx, RunSeats& seats,
                                      std::vector<Enrollment>& promoted) const {
  if (seats.status == RunStatus::kCancelled || seats.enrolled >= seats.capacity) {
    return absl::OkStatus();
  }
  LUBAN_ASSIGN_OR_RETURN(auto waiting,
                         tx.FirstWaitlisted(seats.run_id, seats.capacity - seats.enrolled));
  for (Enrollment& next : waiting) {
    next.state = EnrollmentState::kEnrolled;
    next.waitlist_position = 0;
    next.meta.Bump(config_.clock.Now());
    LUBAN_RETURN_IF_ERROR(tx.UpdateEnrollment(next));
    ++seats.enrolled;
    promoted.push_back(std::move(next));
  }
  return absl::OkStatus();
}

absl::Status EnrollmentLogic::CheckRunForEnroll(const Principal& who, const std::string& run_name,
                                                RunStatus status,
                                                const WorkshopFounders& owners) const {
  if (!who.IsNetworkAdmin() && !MayManage(who, owners)) {
    return absl::NotFoundError(absl::StrCat("course_run: ", run_name, ": not found"));
  }
  if (status != RunStatus::kOpen) {
    return absl::FailedPreconditionError(absl::StrCat(run_name, " is not open for enrollment"));
  }
  return absl::OkStatus();
}

absl::Status EnrollmentLogic::MirrorRun(EnrollmentTx& tx, const Principal& who, const RunInfo& run,
                                        const WorkshopFounders& owners) const {
  if (auto s = CheckRunForEnroll(who, FormatResourceName(kCourseRuns, run.id), run.status, owners);
      !s.ok()) {
    return s;  // a refused call writes nothing
  }
  RunSeats fresh;
  fresh.run_id = run.id;
  fresh.course_id = run.course_id;
  fresh.owners = owners;
  fresh.status = run.status;
  fresh.capacity = run.capacity;
  fresh.pass_score = run.pass_score;
  fresh.min_attendance_percent = run.min_attendance_percent;
  fresh.run_version = run.version;
  return tx.InsertRunSeatsIfAbsent(fresh);
}

absl::StatusOr<SeatChange> EnrollmentLogic::Enroll(EnrollmentTx& tx, const Principal& who,
                                                   int64_t trainee_id, const RunInfo& run,
                                                   const WorkshopFounders& owners) const {
  const std::string run_name = FormatResourceName(kCourseRuns, run.id);
  LUBAN_RETURN_IF_ERROR(CheckRunForEnroll(who, run_name, run.status, owners));

  // The run's seat row, locked: from here on this run's seats are ours until commit.
  auto seats = tx.GetRunSeats(run.id, /*for_update=*/true);
  if (seats.status().code() == absl::StatusCode::kNotFound) {
    return absl::InternalError(
        absl::StrCat(run_name, " has no seat row: MirrorRun must have committed first"));
  }
  if (!seats.ok()) return seats.status();
  SeatChange change;
  // The course service's answer is the run now, unless the feed already applied a newer one.
  if (run.version == 0 || run.version >= seats->run_version) {
    seats->status = run.status;
    seats->pass_score = run.pass_score;
    seats->min_attendance_percent = run.min_attendance_percent;
    seats->run_version = std::max(seats->run_version, run.version);
    if (run.capacity > seats->capacity) {
      seats->capacity = run.capacity;
      LUBAN_RETURN_IF_ERROR(Promote(tx, *seats, change.promoted));
    }
  } else if (auto s = CheckRunForEnroll(who, run_name, seats->status, seats->owners); !s.ok()) {
    return s;  // the feed knows a newer state than the answer (it raced a change)
  }
  LUBAN_RETURN_IF_ERROR(EnrollIntoSeats(tx, who, trainee_id, *seats, change));
  return change;
}

absl::StatusOr<std::optional<SeatChange>> EnrollmentLogic::EnrollOnMirror(EnrollmentTx& tx,
                                                                          const Principal& who,
                                                                          int64_t trainee_id,
                                                                          int64_t run_id) const {
  auto seats = tx.GetRunSeats(run_id, /*for_update=*/true);
  if (seats.status().code() == absl::StatusCode::kNotFound) return std::optional<SeatChange>();
  if (!seats.ok()) return seats.status();
  const std::string run_name = FormatResourceName(kCourseRuns, run_id);
  LUBAN_RETURN_IF_ERROR(CheckRunForEnroll(who, run_name, seats->status, seats->owners));
  SeatChange change;
  LUBAN_RETURN_IF_ERROR(EnrollIntoSeats(tx, who, trainee_id, *seats, change));
  return std::optional<SeatChange>(std::move(change));
}

absl::Status EnrollmentLogic::EnrollIntoSeats(EnrollmentTx& tx, const Principal& who,
                                              int64_t trainee_id, RunSeats& seats,
                                              SeatChange& change) const {
  // The seat row is locked before the trainee: the order of every transaction taking both.
  auto trainee = VisibleTrainee(tx, who, trainee_id, /*for_update=*/true);
  if (!trainee.ok()) {
    return trainee.status().code() == absl::StatusCode::kNotFound
               ? absl::NotFoundError(absl::StrCat("trainee: ", trainee.status().message()))
               : trainee.status();
  }
  if (trainee->status != TraineeStatus::kActive) {
    return absl::FailedPreconditionError(
        absl::StrCat(FormatResourceName(kTrainees, trainee_id), " is archived and cannot enroll"));
  }
  Enrollment& enrollment = change.enrollment;
  enrollment.trainee_id = trainee_id;
  enrollment.run_id = seats.run_id;
  enrollment.course_id = seats.course_id;
  enrollment.owners = seats.owners;
  enrollment.enroll_time = config_.clock.Now();
  if (seats.enrolled < seats.capacity) {
    enrollment.state = EnrollmentState::kEnrolled;
    ++seats.enrolled;
  } else {
    enrollment.state = EnrollmentState::kWaitlisted;
    enrollment.waitlist_seq = seats.next_waitlist_seq++;
  }
  enrollment.meta.Stamp(config_.clock.Now());
  // The store's unique key refuses a second open enrollment, so the insert is the check (one
  // round trip less on every enrollment); the one already held is looked up only to name it.
  absl::StatusOr<int64_t> id = tx.InsertEnrollment(enrollment);
  if (id.status().code() == absl::StatusCode::kAlreadyExists) {
    LUBAN_ASSIGN_OR_RETURN(auto existing, tx.FindOpenEnrollment(trainee_id, seats.run_id));
    if (!existing.has_value()) return id.status();
    return absl::AlreadyExistsError(absl::StrCat(
        FormatResourceName(kTrainees, trainee_id), " already holds an open enrollment (",
        FormatResourceName(kEnrollments, existing->meta.id), ") in ",
        FormatResourceName(kCourseRuns, seats.run_id)));
  }
  if (!id.ok()) return id.status();
  enrollment.meta.id = *id;
  LUBAN_RETURN_IF_ERROR(tx.UpdateRunSeats(seats));
  return WithPosition(tx, enrollment);
}

absl::StatusOr<Enrollment> EnrollmentLogic::VisibleEnrollment(EnrollmentTx& tx,
                                                              const Principal& who, int64_t id,
                                                              bool for_update) const {
  LUBAN_ASSIGN_OR_RETURN(auto enrollment, tx.GetEnrollment(id, for_update));
  if (!who.ReadsEverything() && !MayManage(who, enrollment.owners)) {
    return ResourceNotFound(kEnrollments, id);
  }
  LUBAN_RETURN_IF_ERROR(WithPosition(tx, enrollment));
  return enrollment;
}

absl::StatusOr<Enrollment> EnrollmentLogic::GetEnrollment(EnrollmentTx& tx, const Principal& who,
                                                          int64_t id) const {
  return VisibleEnrollment(tx, who, id, /*for_update=*/false);
}

absl::StatusOr<Page<Enrollment>> EnrollmentLogic::ListEnrollments(EnrollmentTx& tx,
                                                                  const Principal& who,
                                                                  EnrollmentFilter filter,
                                                                  int64_t after_id,
                                                                  int limit) const {
  if (!who.ReadsEverything()) filter.visible_to_institution = who.institution_id;
  LUBAN_ASSIGN_OR_RETURN(auto page, tx.ListEnrollments(filter, after_id, limit));
  for (Enrollment& e : page.items) {
    LUBAN_RETURN_IF_ERROR(WithPosition(tx, e));
  }
  return page;
}

absl::StatusOr<SeatChange> EnrollmentLogic::Withdraw(EnrollmentTx& tx, const Principal& who,
                                                     int64_t id,
                                                     std::optional<int64_t> expected_version,
                                                     const std::string& reason) const {
  LUBAN_RETURN_IF_ERROR(CheckText("reason", reason, 0, 1000, /*multiline=*/true));
  // Seats first, then the enrollment: the lock order of every seat change.
  LUBAN_ASSIGN_OR_RETURN(auto peek, VisibleEnrollment(tx, who, id, /*for_update=*/false));
  if (!MayManage(who, peek.owners)) {
    return absl::PermissionDeniedError(
        absl::StrCat("role ", RoleName(who.role), " may not change enrollments"));
  }
  LUBAN_ASSIGN_OR_RETURN(auto seats, tx.GetRunSeats(peek.run_id, /*for_update=*/true));
  LUBAN_ASSIGN_OR_RETURN(auto enrollment, tx.GetEnrollment(id, /*for_update=*/true));
  LUBAN_RETURN_IF_ERROR(CheckExpected(enrollment, kEnrollments, expected_version));
  if (!IsOpen(enrollment.state)) {
    return absl::FailedPreconditionError(absl::StrCat(
        FormatResourceName(kEnrollments, id), " is ", EnrollmentStateName(enrollment.state),
        "; only a waitlisted or enrolled trainee can withdraw"));
  }
  SeatChange change;
  const bool held_seat = enrollment.state == EnrollmentState::kEnrolled;
  enrollment.state = EnrollmentState::kWithdrawn;
  enrollment.reason = reason;
  enrollment.waitlist_position = 0;
  enrollment.meta.Bump(config_.clock.Now());
  LUBAN_RETURN_IF_ERROR(tx.UpdateEnrollment(enrollment));
  if (held_seat) {
    --seats.enrolled;
    LUBAN_RETURN_IF_ERROR(Promote(tx, seats, change.promoted));
    LUBAN_RETURN_IF_ERROR(tx.UpdateRunSeats(seats));
  }
  change.enrollment = std::move(enrollment);
  return change;
}

absl::StatusOr<CompletionResult> EnrollmentLogic::Complete(EnrollmentTx& tx, const Principal& who,
                                                           int64_t id,
                                                           std::optional<int64_t> expected_version,
                                                           int final_score, int attendance_percent,
                                                           const RunInfo& run,
                                                           const CertificateFacts& facts) const {
  if (final_score < 0 || final_score > 100) return InvalidField("final_score", "0..100");
  if (attendance_percent < 0 || attendance_percent > 100) {
    return InvalidField("attendance_percent", "0..100");
  }
  LUBAN_ASSIGN_OR_RETURN(auto enrollment, VisibleEnrollment(tx, who, id, /*for_update=*/true));
  if (!MayManage(who, enrollment.owners)) {
    return absl::PermissionDeniedError(
        absl::StrCat("role ", RoleName(who.role), " may not change enrollments"));
  }
  LUBAN_RETURN_IF_ERROR(CheckExpected(enrollment, kEnrollments, expected_version));
  const std::string name = FormatResourceName(kEnrollments, id);
  if (enrollment.state != EnrollmentState::kEnrolled) {
    return absl::FailedPreconditionError(
        absl::StrCat(name, " is ", EnrollmentStateName(enrollment.state),
                     "; only an enrolled trainee completes a run"));
  }
  if (run.status != RunStatus::kInProgress && run.status != RunStatus::kCompleted) {
    return absl::FailedPreconditionError(absl::StrCat(
        FormatResourceName(kCourseRuns, run.id), " has not started; record results once it runs"));
  }
  CompletionResult result;
  const bool passed =
      final_score >= run.pass_score && attendance_percent >= run.min_attendance_percent;
  enrollment.final_score = final_score;
  enrollment.attendance_percent = attendance_percent;
  enrollment.state = passed ? EnrollmentState::kCompleted : EnrollmentState::kFailed;
  if (passed) {
    LUBAN_ASSIGN_OR_RETURN(auto trainee,
                           tx.GetTrainee(enrollment.trainee_id, /*for_update=*/false));
    Certificate certificate;
    certificate.trainee_id = trainee.meta.id;
    certificate.enrollment_id = id;
    certificate.holder_name = absl::StrCat(trainee.given_name, " ", trainee.family_name);
    certificate.holder_name_latin =
        absl::StrCat(trainee.given_name_latin, " ", trainee.family_name_latin);
    certificate.course_code = facts.course.code;
    certificate.course_titles = facts.course.titles;
    certificate.discipline = facts.course.discipline;
    certificate.owners = enrollment.owners;
    certificate.workshop_names = facts.workshop.names;
    certificate.chinese_institution_names = facts.chinese_institution.names;
    certificate.partner_institution_names = facts.partner_institution.names;
    certificate.final_score = final_score;
    certificate.attendance_percent = attendance_percent;
    certificate.issue_date = config_.clock.Today();
    certificate.status = CertificateStatus::kValid;
    certificate.meta.Stamp(config_.clock.Now());
    // 100 random bits make a collision all but impossible; a few draws make it impossible.
    absl::StatusOr<int64_t> certificate_id = absl::UnknownError("not drawn");
    for (int attempt = 0; attempt < 4; ++attempt) {
      certificate.number = config_.certificate_number();
      certificate_id = tx.InsertCertificate(certificate);
      if (certificate_id.status().code() != absl::StatusCode::kAlreadyExists) break;
    }
    if (!certificate_id.ok()) return certificate_id.status();
    certificate.meta.id = *certificate_id;
    enrollment.certificate_id = *certificate_id;
    result.certificate = std::move(certificate);
  }
  enrollment.meta.Bump(config_.clock.Now());
  LUBAN_RETURN_IF_ERROR(tx.UpdateEnrollment(enrollment));
  result.enrollment = std::move(enrollment);
  return result;
}

absl::StatusOr<std::vector<Enrollment>> EnrollmentLogic::ApplyRunEvent(EnrollmentTx& tx,
                                                                       int64_t sequence,
                                                                       const RunInfo& run) const {
  std::vector<Enrollment> changed;
  LUBAN_ASSIGN_OR_RETURN(auto cursor, tx.GetFeedCursor(kCourseFeed));
  if (sequence <= cursor) return changed;  // applied before: nothing twice
  auto seats = tx.GetRunSeats(run.id, /*for_update=*/true);
  if (seats.ok() && run.version != 0 && run.version < seats->run_version) {
    // An older state than the row already reflects (the course service answered an Enroll with
    // a newer one first): nothing to apply, only the cursor moves.
  } else if (seats.ok()) {
    seats->run_version = std::max(seats->run_version, run.version);
    seats->status = run.status;
    seats->pass_score = run.pass_score;
    seats->min_attendance_percent = run.min_attendance_percent;
    if (run.status == RunStatus::kCancelled) {
      LUBAN_ASSIGN_OR_RETURN(auto open, tx.OpenEnrollmentsOfRun(run.id));
      for (Enrollment& e : open) {
        if (e.state == EnrollmentState::kEnrolled) --seats->enrolled;
        e.state = EnrollmentState::kCancelled;
        e.reason = "the course run was cancelled";
        e.waitlist_position = 0;
        e.meta.Bump(config_.clock.Now());
        LUBAN_RETURN_IF_ERROR(tx.UpdateEnrollment(e));
        changed.push_back(std::move(e));
      }
    } else if (run.capacity > seats->capacity) {
      seats->capacity = run.capacity;
      LUBAN_RETURN_IF_ERROR(Promote(tx, *seats, changed));
    }
    LUBAN_RETURN_IF_ERROR(tx.UpdateRunSeats(*seats));
  } else if (seats.status().code() != absl::StatusCode::kNotFound) {
    return seats.status();
  }
  // A run nobody enrolled in yet needs no local state: its first Enroll asks the course service.
  LUBAN_RETURN_IF_ERROR(tx.PutFeedCursor(kCourseFeed, sequence));
  return changed;
}

// ---------------------------------------------------------------------------------------------
// Certificates

absl::StatusOr<Certificate> EnrollmentLogic::GetCertificate(EnrollmentTx& tx, const Principal& who,
                                                            int64_t id) const {
  LUBAN_ASSIGN_OR_RETURN(auto certificate, tx.GetCertificate(id, /*for_update=*/false));
  if (!who.ReadsEverything() && !MayManage(who, certificate.owners)) {
    return ResourceNotFound(kCertificates, id);
  }
  return certificate;
}

absl::StatusOr<Page<Certificate>> EnrollmentLogic::ListCertificates(EnrollmentTx& tx,
                                                                    const Principal& who,
                                                                    CertificateFilter filter,
                                                                    int64_t after_id,
                                                                    int limit) const {
  if (!who.ReadsEverything()) filter.visible_to_institution = who.institution_id;
  return tx.ListCertificates(filter, after_id, limit);
}

absl::StatusOr<Verification> EnrollmentLogic::VerifyCertificate(EnrollmentTx& tx,
                                                                const std::string& number) const {
  Verification verification;
  auto certificate = tx.GetCertificateByNumber(number);
  if (certificate.status().code() == absl::StatusCode::kNotFound) return verification;
  if (!certificate.ok()) return certificate.status();
  LUBAN_ASSIGN_OR_RETURN(auto trainee,
                         tx.GetTrainee(certificate->trainee_id, /*for_update=*/false));
  verification.holder_masked_name = MaskName(trainee.given_name_latin, trainee.family_name_latin);
  verification.certificate = *std::move(certificate);
  return verification;
}

absl::StatusOr<Certificate> EnrollmentLogic::RevokeCertificate(EnrollmentTx& tx, int64_t id,
                                                               const std::string& reason) const {
  LUBAN_RETURN_IF_ERROR(CheckText("reason", reason, 1, 1000, /*multiline=*/true));
  LUBAN_ASSIGN_OR_RETURN(auto certificate, tx.GetCertificate(id, /*for_update=*/true));
  if (certificate.status != CertificateStatus::kValid) {
    return absl::FailedPreconditionError(
        absl::StrCat(FormatResourceName(kCertificates, id), " is already revoked"));
  }
  certificate.status = CertificateStatus::kRevoked;
  certificate.revoke_reason = reason;
  certificate.meta.Bump(config_.clock.Now());
  LUBAN_RETURN_IF_ERROR(tx.UpdateCertificate(certificate));
  return certificate;
}

absl::StatusOr<Eligibility> EnrollmentLogic::CheckEligibility(
    EnrollmentTx& tx, int64_t trainee_id, const Requirement& requirement) const {
  LUBAN_ASSIGN_OR_RETURN(auto trainee, tx.GetTrainee(trainee_id, /*for_update=*/false));
  Eligibility result;
  result.home_workshop_id = trainee.home.workshop_id;
  if (trainee.status != TraineeStatus::kActive) {
    result.reason = "the trainee is archived";
    return result;
  }
  if (requirement.completed_course_id) {
    LUBAN_ASSIGN_OR_RETURN(auto completed,
                           tx.HasCompletedCourse(trainee_id, *requirement.completed_course_id));
    if (!completed) {
      result.reason = absl::StrCat("the trainee has not completed ",
                                   FormatResourceName(kCourses, *requirement.completed_course_id));
      return result;
    }
  }
  if (!requirement.certificate_discipline.empty()) {
    LUBAN_ASSIGN_OR_RETURN(auto certified,
                           tx.HasValidCertificate(trainee_id, requirement.certificate_discipline));
    if (!certified) {
      result.reason = absl::StrCat("the trainee holds no valid certificate in \"",
                                   requirement.certificate_discipline, "\"");
      return result;
    }
  }
  result.eligible = true;
  return result;
}

absl::StatusOr<Page<StoredAuditRecord>> EnrollmentLogic::ListAuditRecords(
    EnrollmentTx& tx, const Principal& who, const std::optional<ResourceId>& resource,
    int64_t before_id, int limit) const {
  return ReadAuditTrail(
      tx.ledger(), who, resource, before_id, limit, [&](const ResourceId& record) -> absl::Status {
        if (record.collection == kTrainees) return GetTrainee(tx, who, record.id).status();
        if (record.collection == kEnrollments) return GetEnrollment(tx, who, record.id).status();
        if (record.collection == kCertificates) {
          return GetCertificate(tx, who, record.id).status();
        }
        return InvalidField("resource", absl::StrCat(record.collection,
                                                     " are not records of the enrollment service"));
      });
}

}  // namespace luban::enrollment
