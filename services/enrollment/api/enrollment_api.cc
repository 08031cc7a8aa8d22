#include "services/enrollment/api/enrollment_api.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/api/convert.h"
#include "common/api/field_mask.h"
#include "common/api/mutation.h"
#include "common/api/paging.h"
#include "common/api/request_parts.h"
#include "common/domain/resource_name.h"
#include "common/domain/status_macros.h"
#include "common/domain/types.h"
#include "common/domain/validation.h"
#include "luban/enrollment/v1/enrollment.grpc.pb.h"

namespace luban::enrollment {
namespace {

using Role::kCollegeAdmin;
using Role::kReporter;

// ---- enums ----------------------------------------------------------------------------------

// The domain's enums carry the contract's numbers: a mapping is a cast (EnumFromProto).
static_assert(static_cast<int>(Sex::kUnspecified) == pb::SEX_UNSPECIFIED);
static_assert(static_cast<int>(Sex::kFemale) == pb::SEX_FEMALE);
static_assert(static_cast<int>(Sex::kMale) == pb::SEX_MALE);
static_assert(static_cast<int>(DocumentType::kPassport) == pb::DOCUMENT_TYPE_PASSPORT);
static_assert(static_cast<int>(DocumentType::kNationalId) == pb::DOCUMENT_TYPE_NATIONAL_ID);
static_assert(static_cast<int>(DocumentType::kResidencePermit) ==
              pb::DOCUMENT_TYPE_RESIDENCE_PERMIT);
static_assert(static_cast<int>(DocumentType::kBirthCertificate) ==
              pb::DOCUMENT_TYPE_BIRTH_CERTIFICATE);
static_assert(static_cast<int>(TraineeStatus::kActive) == pb::TRAINEE_STATUS_ACTIVE);
static_assert(static_cast<int>(TraineeStatus::kArchived) == pb::TRAINEE_STATUS_ARCHIVED);
static_assert(static_cast<int>(EnrollmentState::kWaitlisted) == pb::ENROLLMENT_STATE_WAITLISTED);
static_assert(static_cast<int>(EnrollmentState::kEnrolled) == pb::ENROLLMENT_STATE_ENROLLED);
static_assert(static_cast<int>(EnrollmentState::kCompleted) == pb::ENROLLMENT_STATE_COMPLETED);
static_assert(static_cast<int>(EnrollmentState::kFailed) == pb::ENROLLMENT_STATE_FAILED);
static_assert(static_cast<int>(EnrollmentState::kWithdrawn) == pb::ENROLLMENT_STATE_WITHDRAWN);
static_assert(static_cast<int>(EnrollmentState::kCancelled) == pb::ENROLLMENT_STATE_CANCELLED);
static_assert(static_cast<int>(CertificateStatus::kValid) == pb::CERTIFICATE_STATUS_VALID);
static_assert(static_cast<int>(CertificateStatus::kRevoked) == pb::CERTIFICATE_STATUS_REVOKED);

// ---- mappings -------------------------------------------------------------------------------

void ContactsFromProto(const pb::Contacts& in, Contacts* out) {
  out->email = in.email();
  out->phone = in.phone();
  out->address = in.address();
}

}  // namespace

// ---- mappings ---------------------------------------------------------------------------------

void ToProto(const Trainee& in, pb::Trainee* out) {
  out->Clear();
  out->set_name(FormatResourceName(kTrainees, in.meta.id));
  out->set_family_name(in.family_name);
  out->set_given_name(in.given_name);
  out->set_family_name_latin(in.family_name_latin);
  out->set_given_name_latin(in.given_name_latin);
  out->set_sex(static_cast<pb::Sex>(in.sex));
  DateToProto(in.birth_date, out->mutable_birth_date());
  out->set_birth_year(static_cast<int32_t>(in.birth_date.year()));
  out->set_citizenship(in.citizenship);
  out->mutable_identity_document()->set_country_code(in.document.country);
  out->mutable_identity_document()->set_type(static_cast<pb::DocumentType>(in.document.type));
  out->mutable_identity_document()->set_number(in.document.number);
  out->mutable_contacts()->set_email(in.contacts.email);
  out->mutable_contacts()->set_phone(in.contacts.phone);
  out->mutable_contacts()->set_address(in.contacts.address);
  out->set_home_workshop(FormatResourceName(kWorkshops, in.home.workshop_id));
  out->set_status(static_cast<pb::TraineeStatus>(in.status));
  MetaToProto(in.meta, out->mutable_create_time(), out->mutable_update_time(), out->mutable_etag());
}

void ToProto(const Enrollment& in, pb::Enrollment* out) {
  out->Clear();
  out->set_name(FormatResourceName(kEnrollments, in.meta.id));
  out->set_trainee(FormatResourceName(kTrainees, in.trainee_id));
  out->set_course_run(FormatResourceName(kCourseRuns, in.run_id));
  out->set_workshop(FormatResourceName(kWorkshops, in.owners.workshop_id));
  out->set_course(FormatResourceName(kCourses, in.course_id));
  out->set_state(static_cast<pb::EnrollmentState>(in.state));
  out->set_waitlist_position(in.waitlist_position);
  out->set_final_score(in.final_score);
  out->set_attendance_percent(in.attendance_percent);
  if (in.certificate_id != 0) {
    out->set_certificate(FormatResourceName(kCertificates, in.certificate_id));
  }
  out->set_reason(in.reason);
  TimeToProto(in.enroll_time, out->mutable_enroll_time());
  MetaToProto(in.meta, out->mutable_create_time(), out->mutable_update_time(), out->mutable_etag());
}

void ToProto(const Certificate& in, pb::Certificate* out) {
  out->Clear();
  out->set_name(FormatResourceName(kCertificates, in.meta.id));
  out->set_number(in.number);
  out->set_trainee(FormatResourceName(kTrainees, in.trainee_id));
  out->set_enrollment(FormatResourceName(kEnrollments, in.enrollment_id));
  out->set_holder_name(in.holder_name);
  out->set_holder_name_latin(in.holder_name_latin);
  out->set_course_code(in.course_code);
  LocalizedToProto(in.course_titles, out->mutable_course_titles());
  out->set_discipline(in.discipline);
  out->set_workshop(FormatResourceName(kWorkshops, in.owners.workshop_id));
  LocalizedToProto(in.workshop_names, out->mutable_workshop_names());
  LocalizedToProto(in.chinese_institution_names, out->mutable_chinese_institution_names());
  LocalizedToProto(in.partner_institution_names, out->mutable_partner_institution_names());
  out->set_final_score(in.final_score);
  out->set_attendance_percent(in.attendance_percent);
  DateToProto(in.issue_date, out->mutable_issue_date());
  out->set_status(static_cast<pb::CertificateStatus>(in.status));
  out->set_revoke_reason(in.revoke_reason);
  MetaToProto(in.meta, out->mutable_create_time(), out->mutable_update_time(), out->mutable_etag());
}

// ---- policy -----------------------------------------------------------------------------------

auth::MethodPolicy EnrollmentPolicy() {
  auth::MethodPolicy policy(
      pb::Trainee::descriptor()->file()->FindServiceByName("EnrollmentService"));
  // Reads of records: the college's own (data path), reporters (redacted).
  for (const char* method : {"GetTrainee", "ListTrainees", "GetEnrollment", "ListEnrollments"}) {
    policy.Allow(method, {kCollegeAdmin, kReporter});
  }
  for (const char* method : {"GetCertificate", "ListCertificates"}) {
    policy.Allow(method, {kCollegeAdmin, kReporter});
  }
  // A college manages its own trainees and enrollments (ownership checked in the data path).
  for (const char* method : {"CreateTrainee", "UpdateTrainee", "ArchiveTrainee", "ImportTrainees",
                             "Enroll", "Withdraw", "Complete"}) {
    policy.Allow(method, {kCollegeAdmin});
  }
  policy.Allow("RevokeCertificate", {});  // network admins only
  policy.AllowAnyone("VerifyCertificate");
  // The exchange service checks a nominee; no other service calls this one.
  policy.AllowServices("CheckEligibility", {auth::kExchangeService});
  for (const char* method : {"ExportTrainees", "ExportEnrollments"}) {
    policy.Allow(method, {kReporter});
  }
  // A college follows the changes to its own records (ServeWatchChanges filters by owner).
  policy.Allow("WatchChanges", {kReporter, kCollegeAdmin});
  // The audit trail: network admins, and a college its own records' history (data path).
  policy.Allow("ListAuditRecords", {kCollegeAdmin});
  return policy;
}

// ---- EnrollmentApi ----------------------------------------------------------------------------

absl::Status EnrollmentApi::Read(const RequestContext& rc,
                                 absl::FunctionRef<absl::Status(EnrollmentTx&)> body) {
  return store_.InTransaction(rc.method, rc.deadline, body);
}

absl::Status EnrollmentApi::ReadOne(const RequestContext& rc,
                                    absl::FunctionRef<absl::Status(EnrollmentTx&)> body) {
  return store_.InSingleRead(rc.method, rc.deadline, body);
}

absl::StatusOr<Trainee> EnrollmentApi::TraineeFromProto(const RequestContext& rc,
                                                        const pb::Trainee& in,
                                                        absl::string_view field) {
  Trainee out;
  out.family_name = in.family_name();
  out.given_name = in.given_name();
  out.family_name_latin = in.family_name_latin();
  out.given_name_latin = in.given_name_latin();
  out.sex = static_cast<Sex>(in.sex());
  if (!pb::Sex_IsValid(in.sex())) {
    return InvalidField(absl::StrCat(field, ".sex"), "FEMALE, MALE or unspecified");
  }
  LUBAN_ASSIGN_OR_RETURN(auto birth,
                         DateFromProto(absl::StrCat(field, ".birth_date"), in.birth_date()));
  out.birth_date = birth;
  out.citizenship = in.citizenship();
  out.document.country = in.identity_document().country_code();
  auto type = EnumFromProto<DocumentType>(in.identity_document().type(), pb::DocumentType_IsValid);
  if (!type) {
    return InvalidField(absl::StrCat(field, ".identity_document.type"),
                        "PASSPORT, NATIONAL_ID, RESIDENCE_PERMIT or BIRTH_CERTIFICATE");
  }
  out.document.type = *type;
  out.document.number = in.identity_document().number();
  ContactsFromProto(in.contacts(), &out.contacts);
  LUBAN_ASSIGN_OR_RETURN(auto workshop_id, ParseResourceName(absl::StrCat(field, ".home_workshop"),
                                                             kWorkshops, in.home_workshop()));
  auto workshop = directory_.GetWorkshop(workshop_id, rc.deadline);
  if (!workshop.ok()) return AsField("home_workshop", workshop.status());
  out.home = workshop->owners;
  return out;
}

// Trainees

absl::Status EnrollmentApi::GetTrainee(const RequestContext& rc,
                                       const pb::GetTraineeRequest& request,
                                       pb::Trainee* response) {
  LUBAN_ASSIGN_OR_RETURN(auto id, ParseResourceName("name", kTrainees, request.name()));
  return ReadOne(rc, [&](EnrollmentTx& tx) -> absl::Status {
    LUBAN_ASSIGN_OR_RETURN(auto trainee, logic_.GetTrainee(tx, rc.principal, id));
    ToProto(trainee, response);
    return absl::OkStatus();
  });
}

absl::Status EnrollmentApi::ListTrainees(const RequestContext& rc,
                                         const pb::ListTraineesRequest& request,
                                         pb::ListTraineesResponse* response) {
  LUBAN_ASSIGN_OR_RETURN(auto page, ReadPageRequest(page_tokens_, rc.principal.name, request));
  TraineeFilter filter;
  LUBAN_ASSIGN_OR_RETURN(
      auto workshop, OptionalResourceName("home_workshop", kWorkshops, request.home_workshop()));
  filter.home_workshop_id = workshop;
  if (!request.citizenship().empty()) {
    LUBAN_RETURN_IF_ERROR(CheckCountryCode("citizenship", request.citizenship()));
  }
  filter.citizenship = request.citizenship();
  LUBAN_ASSIGN_OR_RETURN(auto status, EnumFilter<TraineeStatus>("status", request.status(),
                                                                pb::TraineeStatus_IsValid));
  filter.status = status;
  LUBAN_RETURN_IF_ERROR(CheckText("name_prefix", request.name_prefix(), 0, 100));
  // Searching by name is searching personal data.
  if (!request.name_prefix().empty() && !rc.principal.SeesPersonalData()) {
    return absl::PermissionDeniedError("name_prefix: only admins may search trainees by name");
  }
  filter.name_prefix = request.name_prefix();
  if (!request.document_number().empty()) {
    LUBAN_RETURN_IF_ERROR(CheckDocumentNumber("document_number", request.document_number()));
    if (!rc.principal.SeesPersonalData()) {
      return absl::PermissionDeniedError(
          "document_number: only admins may search trainees by document");
    }
    filter.document_key = DocumentKey(request.document_number());
  }
  LUBAN_ASSIGN_OR_RETURN(filter.run_id,
                         OptionalResourceName("course_run", kCourseRuns, request.course_run()));
  return ReadOne(rc, [&](EnrollmentTx& tx) -> absl::Status {
    auto rows = logic_.ListTrainees(tx, rc.principal, filter, page.after_id, page.size);
    if (auto s = WritePage(rows, page_tokens_, rc.principal.name, request,
                           response->mutable_trainees(), response->mutable_next_page_token());
        !s.ok()) {
      return s;
    }
    return absl::OkStatus();
  });
}

absl::Status EnrollmentApi::CreateTrainee(const RequestContext& rc,
                                          const pb::CreateTraineeRequest& request,
                                          pb::Trainee* response) {
  PeerMutation<EnrollmentTx> mutation(store_, rc, request, response);
  if (absl::Status answer; mutation.Answered(&answer)) return answer;
  LUBAN_ASSIGN_OR_RETURN(auto draft, TraineeFromProto(rc, request.trainee(), "trainee"));
  return mutation.Run([&](EnrollmentTx& tx, ChangeRecorder& changes) -> absl::Status {
    return RecordChange(logic_.CreateTrainee(tx, rc.principal, draft), kTrainees,
                        ChangeKind::kCreated, "created", response, changes);
  });
}

absl::Status EnrollmentApi::UpdateTrainee(const RequestContext& rc,
                                          const pb::UpdateTraineeRequest& request,
                                          pb::Trainee* response) {
  PeerMutation<EnrollmentTx> mutation(store_, rc, request, response);
  if (absl::Status answer; mutation.Answered(&answer)) return answer;
  const pb::Trainee& in = request.trainee();
  LUBAN_ASSIGN_OR_RETURN(auto target, ReadTarget(kTrainees, in.name(), in.etag()));
  LUBAN_ASSIGN_OR_RETURN(
      auto mask,
      ReadUpdateMask(request.update_mask(),
                     {"family_name", "given_name", "family_name_latin", "given_name_latin", "sex",
                      "birth_date", "citizenship", "contacts", "home_workshop"}));
  TraineePatch patch;
  if (mask.contains("family_name")) patch.family_name = in.family_name();
  if (mask.contains("given_name")) patch.given_name = in.given_name();
  if (mask.contains("family_name_latin")) patch.family_name_latin = in.family_name_latin();
  if (mask.contains("given_name_latin")) patch.given_name_latin = in.given_name_latin();
  if (mask.contains("sex")) {
    if (!pb::Sex_IsValid(in.sex())) {
      return InvalidField("trainee.sex", "FEMALE, MALE or unspecified");
    }
    patch.sex = static_cast<Sex>(in.sex());
  }
  if (mask.contains("birth_date")) {
    LUBAN_ASSIGN_OR_RETURN(auto day, DateFromProto("trainee.birth_date", in.birth_date()));
    patch.birth_date = day;
  }
  if (mask.contains("citizenship")) patch.citizenship = in.citizenship();
  if (mask.contains("contacts")) {
    Contacts contacts;
    ContactsFromProto(in.contacts(), &contacts);
    patch.contacts = contacts;
  }
  if (mask.contains("home_workshop")) {
    LUBAN_ASSIGN_OR_RETURN(auto workshop_id, ParseResourceName("trainee.home_workshop", kWorkshops,
                                                               in.home_workshop()));
    auto workshop = directory_.GetWorkshop(workshop_id, rc.deadline);
    if (!workshop.ok()) return AsField("home_workshop", workshop.status());
    patch.home = workshop->owners;
  }
  return mutation.Run([&](EnrollmentTx& tx, ChangeRecorder& changes) -> absl::Status {
    return RecordChange(logic_.UpdateTrainee(tx, rc.principal, target.id, target.version, patch),
                        kTrainees, ChangeKind::kUpdated, "updated", response, changes);
  });
}

absl::Status EnrollmentApi::ArchiveTrainee(const RequestContext& rc,
                                           const pb::ArchiveTraineeRequest& request,
                                           pb::Trainee* response) {
  LUBAN_ASSIGN_OR_RETURN(auto target, ReadTarget(kTrainees, request.name(), request.etag()));
  return RunMutation<EnrollmentTx>(
      store_, rc, request, response,
      [&](EnrollmentTx& tx, ChangeRecorder& changes) -> absl::Status {
        return RecordChange(logic_.ArchiveTrainee(tx, rc.principal, target.id, target.version),
                            kTrainees, ChangeKind::kUpdated, "archived", response, changes);
      });
}

absl::Status EnrollmentApi::ImportTrainees(const RequestContext& rc,
                                           const pb::ImportTraineesRequest& request,
                                           pb::ImportTraineesResponse* response) {
  PeerMutation<EnrollmentTx> mutation(store_, rc, request, response);
  if (absl::Status answer; mutation.Answered(&answer)) return answer;
  if (request.rows().empty() || request.rows_size() > kMaxImportRows) {
    return InvalidField("rows", absl::StrCat("1..", kMaxImportRows, " rows per call"));
  }
  // Every row is checked (and its workshop resolved) before the transaction; refused rows are
  // answered, the others created or found in one transaction.
  std::vector<absl::StatusOr<Trainee>> drafts;
  drafts.reserve(request.rows_size());
  for (int i = 0; i < request.rows_size(); ++i) {
    auto draft = TraineeFromProto(rc, request.rows(i).trainee(), "trainee");
    if (draft.ok()) {
      if (auto s = logic_.CheckTrainee(*draft); !s.ok()) draft = s;
    }
    if (draft.ok() && !logic_.MayManage(rc.principal, draft->home)) {
      draft = absl::NotFoundError(
          absl::StrCat("home_workshop: ", FormatResourceName(kWorkshops, draft->home.workshop_id),
                       ": not found"));
    }
    if (!draft.ok() && draft.status().code() == absl::StatusCode::kUnavailable) {
      return draft.status();  // the course service is down: answer nothing rather than half
    }
    drafts.push_back(std::move(draft));
  }
  return mutation.Run([&](EnrollmentTx& tx, ChangeRecorder& changes) -> absl::Status {
    changes.MarkMayBeUnchanged();  // a re-run of a finished import changes nothing
    for (int i = 0; i < static_cast<int>(drafts.size()); ++i) {
      pb::ImportTraineesResult* result = response->add_results();
      result->set_index(i);
      if (!drafts[i].ok()) {
        result->set_outcome(pb::IMPORT_OUTCOME_REFUSED);
        result->set_error_code(absl::StatusCodeToString(drafts[i].status().code()));
        result->set_error_message(std::string(drafts[i].status().message()));
        continue;
      }
      LUBAN_ASSIGN_OR_RETURN(auto existing, logic_.FindByDocument(tx, *drafts[i]));
      if (existing.has_value()) {
        result->set_outcome(pb::IMPORT_OUTCOME_ALREADY_EXISTED);
        if (rc.principal.ReadsEverything() || logic_.MayManage(rc.principal, (existing)->home)) {
          result->set_trainee(FormatResourceName(kTrainees, (existing)->meta.id));
        }
        continue;
      }
      auto created = logic_.CreateTrainee(tx, rc.principal, *drafts[i]);
      if (!created.ok()) {
        if (created.status().code() != absl::StatusCode::kAlreadyExists &&
            created.status().code() != absl::StatusCode::kInvalidArgument) {
          return created.status();
        }
        // Two rows of the batch with one document: the second finds the first.
        result->set_outcome(created.status().code() == absl::StatusCode::kAlreadyExists
                                ? pb::IMPORT_OUTCOME_ALREADY_EXISTED
                                : pb::IMPORT_OUTCOME_REFUSED);
        result->set_error_code(absl::StatusCodeToString(created.status().code()));
        result->set_error_message(std::string(created.status().message()));
        continue;
      }
      result->set_outcome(pb::IMPORT_OUTCOME_CREATED);
      pb::Trainee state;
      ToProto(*created, &state);
      result->set_trainee(state.name());
      changes.Record(kTrainees, state.name(), ChangeKind::kCreated, state, "imported",
                     OwnersOf(*created));
    }
    return absl::OkStatus();
  });
}

// Enrollments

absl::Status EnrollmentApi::GetEnrollment(const RequestContext& rc,
                                          const pb::GetEnrollmentRequest& request,
                                          pb::Enrollment* response) {
  LUBAN_ASSIGN_OR_RETURN(auto id, ParseResourceName("name", kEnrollments, request.name()));
  return ReadOne(rc, [&](EnrollmentTx& tx) -> absl::Status {
    LUBAN_ASSIGN_OR_RETURN(auto enrollment, logic_.GetEnrollment(tx, rc.principal, id));
    ToProto(enrollment, response);
    return absl::OkStatus();
  });
}

absl::Status EnrollmentApi::ListEnrollments(const RequestContext& rc,
                                            const pb::ListEnrollmentsRequest& request,
                                            pb::ListEnrollmentsResponse* response) {
  LUBAN_ASSIGN_OR_RETURN(auto page, ReadPageRequest(page_tokens_, rc.principal.name, request));
  EnrollmentFilter filter;
  LUBAN_ASSIGN_OR_RETURN(auto run,
                         OptionalResourceName("course_run", kCourseRuns, request.course_run()));
  filter.run_id = run;
  LUBAN_ASSIGN_OR_RETURN(auto trainee,
                         OptionalResourceName("trainee", kTrainees, request.trainee()));
  filter.trainee_id = trainee;
  LUBAN_ASSIGN_OR_RETURN(auto workshop,
                         OptionalResourceName("workshop", kWorkshops, request.workshop()));
  filter.workshop_id = workshop;
  LUBAN_ASSIGN_OR_RETURN(auto state, EnumFilter<EnrollmentState>("state", request.state(),
                                                                 pb::EnrollmentState_IsValid));
  filter.state = state;
  LUBAN_ASSIGN_OR_RETURN(auto from,
                         OptionalDateFromProto("enrolled_from", request.enrolled_from()));
  filter.enrolled_from = from;
  LUBAN_ASSIGN_OR_RETURN(auto to, OptionalDateFromProto("enrolled_to", request.enrolled_to()));
  filter.enrolled_to = to;
  return ReadOne(rc, [&](EnrollmentTx& tx) -> absl::Status {
    return WritePage(logic_.ListEnrollments(tx, rc.principal, filter, page.after_id, page.size),
                     page_tokens_, rc.principal.name, request, response->mutable_enrollments(),
                     response->mutable_next_page_token());
  });
}

namespace {

// Records an enrollment and the trainees it promoted, and answers with the enrollment.
absl::Status RecordEnroll(const SeatChange& change, pb::Enrollment* response,
                          ChangeRecorder& changes) {
  for (const Enrollment& promoted : change.promoted) {
    RecordValue<pb::Enrollment>(promoted, kEnrollments, ChangeKind::kUpdated, "promoted", changes);
  }
  return RecordChange(
      absl::StatusOr<Enrollment>(change.enrollment), kEnrollments, ChangeKind::kCreated,
      change.enrollment.state == EnrollmentState::kEnrolled ? "enrolled" : "waitlisted", response,
      changes);
}

}  // namespace

absl::Status EnrollmentApi::Enroll(const RequestContext& rc, const pb::EnrollRequest& request,
                                   pb::Enrollment* response) {
  LUBAN_ASSIGN_OR_RETURN(auto trainee, ParseResourceName("trainee", kTrainees, request.trainee()));
  LUBAN_ASSIGN_OR_RETURN(auto run_id,
                         ParseResourceName("course_run", kCourseRuns, request.course_run()));

  // The hot path: one transaction on the run as mirrored here, while the feed is live.
  if (feed_live_ && feed_live_()) {
    bool mirrored = true;
    absl::Status status = RunMutation<EnrollmentTx>(
        store_, rc, request, response,
        [&](EnrollmentTx& tx, ChangeRecorder& changes) -> absl::Status {
          mirrored = true;
          LUBAN_ASSIGN_OR_RETURN(auto change,
                                 logic_.EnrollOnMirror(tx, rc.principal, trainee, run_id));
          if (!change.has_value()) {
            mirrored = false;  // the run's first enrollment: rolled back, asked below
            return absl::AbortedError("no mirror of the run yet");
          }
          return RecordEnroll(*change, response, changes);
        });
    if (mirrored) return status;
  }

  PeerMutation<EnrollmentTx> mutation(store_, rc, request, response);
  if (absl::Status answer; mutation.Answered(&answer)) return answer;
  // Ask the course service first: a peer call never holds a database connection.
  auto run = directory_.GetRun(run_id, rc.deadline);
  if (!run.ok()) return AsField("course_run", run.status());
  LUBAN_ASSIGN_OR_RETURN(auto workshop, directory_.GetWorkshop(run->workshop_id, rc.deadline));
  if (auto s = store_.InTransaction(rc.method, rc.deadline,
                                    [&](EnrollmentTx& tx) -> absl::Status {
                                      return logic_.MirrorRun(tx, rc.principal, *run,
                                                              workshop.owners);
                                    });
      !s.ok()) {
    return s;
  }
  return mutation.Run([&](EnrollmentTx& tx, ChangeRecorder& changes) -> absl::Status {
    LUBAN_ASSIGN_OR_RETURN(auto change,
                           logic_.Enroll(tx, rc.principal, trainee, *run, workshop.owners));
    return RecordEnroll(change, response, changes);
  });
}

absl::Status EnrollmentApi::Withdraw(const RequestContext& rc, const pb::WithdrawRequest& request,
                                     pb::Enrollment* response) {
  LUBAN_ASSIGN_OR_RETURN(auto target, ReadTarget(kEnrollments, request.name(), request.etag()));
  return RunMutation<EnrollmentTx>(
      store_, rc, request, response,
      [&](EnrollmentTx& tx, ChangeRecorder& changes) -> absl::Status {
        LUBAN_ASSIGN_OR_RETURN(auto change, logic_.Withdraw(tx, rc.principal, target.id,
                                                            target.version, request.reason()));
        auto recorded = RecordChange(absl::StatusOr<Enrollment>(change.enrollment), kEnrollments,
                                     ChangeKind::kUpdated, "withdrawn", response, changes);
        for (const Enrollment& promoted : change.promoted) {
          RecordValue<pb::Enrollment>(promoted, kEnrollments, ChangeKind::kUpdated, "promoted",
                                      changes);
        }
        return recorded;
      });
}

absl::Status EnrollmentApi::Complete(const RequestContext& rc, const pb::CompleteRequest& request,
                                     pb::Enrollment* response) {
  PeerMutation<EnrollmentTx> mutation(store_, rc, request, response);
  if (absl::Status answer; mutation.Answered(&answer)) return answer;
  LUBAN_ASSIGN_OR_RETURN(auto target, ReadTarget(kEnrollments, request.name(), request.etag()));
  // The run's rule and the names a certificate carries come from the course service.
  absl::StatusOr<Enrollment> enrollment = absl::UnknownError("not read");
  if (auto s = Read(rc,
                    [&](EnrollmentTx& tx) -> absl::Status {
                      enrollment = logic_.GetEnrollment(tx, rc.principal, target.id);
                      return enrollment.status();
                    });
      !s.ok()) {
    return s;
  }
  LUBAN_ASSIGN_OR_RETURN(auto run, directory_.GetRun(enrollment->run_id, rc.deadline));
  CertificateFacts facts;
  LUBAN_ASSIGN_OR_RETURN(auto course, directory_.GetCourse(run.course_id, rc.deadline));
  facts.course = std::move(course);
  LUBAN_ASSIGN_OR_RETURN(auto workshop, directory_.GetWorkshop(run.workshop_id, rc.deadline));
  facts.workshop = std::move(workshop);
  LUBAN_ASSIGN_OR_RETURN(
      auto chinese,
      directory_.GetInstitution(facts.workshop.owners.chinese_institution_id, rc.deadline));
  facts.chinese_institution = std::move(chinese);
  LUBAN_ASSIGN_OR_RETURN(
      auto partner,
      directory_.GetInstitution(facts.workshop.owners.partner_institution_id, rc.deadline));
  facts.partner_institution = std::move(partner);
  return mutation.Run([&](EnrollmentTx& tx, ChangeRecorder& changes) -> absl::Status {
    LUBAN_ASSIGN_OR_RETURN(auto result, logic_.Complete(tx, rc.principal, target.id, target.version,
                                                        request.final_score(),
                                                        request.attendance_percent(), run, facts));
    if (result.certificate) {
      RecordValue<pb::Certificate>(*result.certificate, kCertificates, ChangeKind::kCreated,
                                   "issued", changes);
    }
    return RecordChange(absl::StatusOr<Enrollment>(result.enrollment), kEnrollments,
                        ChangeKind::kUpdated, result.certificate ? "completed" : "failed", response,
                        changes);
  });
}

// Certificates

absl::Status EnrollmentApi::GetCertificate(const RequestContext& rc,
                                           const pb::GetCertificateRequest& request,
                                           pb::Certificate* response) {
  LUBAN_ASSIGN_OR_RETURN(auto id, ParseResourceName("name", kCertificates, request.name()));
  return ReadOne(rc, [&](EnrollmentTx& tx) -> absl::Status {
    LUBAN_ASSIGN_OR_RETURN(auto certificate, logic_.GetCertificate(tx, rc.principal, id));
    ToProto(certificate, response);
    return absl::OkStatus();
  });
}

absl::Status EnrollmentApi::ListCertificates(const RequestContext& rc,
                                             const pb::ListCertificatesRequest& request,
                                             pb::ListCertificatesResponse* response) {
  LUBAN_ASSIGN_OR_RETURN(auto page, ReadPageRequest(page_tokens_, rc.principal.name, request));
  CertificateFilter filter;
  LUBAN_ASSIGN_OR_RETURN(auto trainee,
                         OptionalResourceName("trainee", kTrainees, request.trainee()));
  filter.trainee_id = trainee;
  LUBAN_ASSIGN_OR_RETURN(auto workshop,
                         OptionalResourceName("workshop", kWorkshops, request.workshop()));
  filter.workshop_id = workshop;
  LUBAN_ASSIGN_OR_RETURN(filter.run_id,
                         OptionalResourceName("course_run", kCourseRuns, request.course_run()));
  return ReadOne(rc, [&](EnrollmentTx& tx) -> absl::Status {
    auto rows = logic_.ListCertificates(tx, rc.principal, filter, page.after_id, page.size);
    if (auto s = WritePage(rows, page_tokens_, rc.principal.name, request,
                           response->mutable_certificates(), response->mutable_next_page_token());
        !s.ok()) {
      return s;
    }
    return absl::OkStatus();
  });
}

absl::Status EnrollmentApi::VerifyCertificate(const RequestContext& rc,
                                              const pb::VerifyCertificateRequest& request,
                                              pb::VerifyCertificateResponse* response) {
  if (request.number().empty() || request.number().size() > 64) {
    return InvalidField("number", "the number printed on the certificate, e.g. LW-XXXX-XXXX");
  }
  return ReadOne(rc, [&](EnrollmentTx& tx) -> absl::Status {
    LUBAN_ASSIGN_OR_RETURN(auto verification, logic_.VerifyCertificate(tx, request.number()));
    response->Clear();
    if (!verification.certificate) {
      response->set_status(pb::CERTIFICATE_STATUS_UNKNOWN);
      return absl::OkStatus();
    }
    const Certificate& c = *verification.certificate;
    response->set_status(static_cast<pb::CertificateStatus>(c.status));
    response->set_holder_masked_name(verification.holder_masked_name);
    response->set_course_code(c.course_code);
    LocalizedToProto(c.course_titles, response->mutable_course_titles());
    LocalizedToProto(c.workshop_names, response->mutable_workshop_names());
    DateToProto(c.issue_date, response->mutable_issue_date());
    return absl::OkStatus();
  });
}

absl::Status EnrollmentApi::RevokeCertificate(const RequestContext& rc,
                                              const pb::RevokeCertificateRequest& request,
                                              pb::Certificate* response) {
  LUBAN_ASSIGN_OR_RETURN(auto id, ParseResourceName("name", kCertificates, request.name()));
  return RunMutation<EnrollmentTx>(
      store_, rc, request, response,
      [&](EnrollmentTx& tx, ChangeRecorder& changes) -> absl::Status {
        return RecordChange(logic_.RevokeCertificate(tx, id, request.reason()), kCertificates,
                            ChangeKind::kUpdated, "revoked", response, changes);
      });
}

absl::Status EnrollmentApi::CheckEligibility(const RequestContext& rc,
                                             const pb::CheckEligibilityRequest& request,
                                             pb::CheckEligibilityResponse* response) {
  LUBAN_ASSIGN_OR_RETURN(auto trainee, ParseResourceName("trainee", kTrainees, request.trainee()));
  Requirement requirement;
  LUBAN_ASSIGN_OR_RETURN(auto course,
                         OptionalResourceName("requirement.completed_course", kCourses,
                                              request.requirement().completed_course()));
  requirement.completed_course_id = course;
  if (auto s = CheckText("requirement.certificate_discipline",
                         request.requirement().certificate_discipline(), 0, 100);
      !s.ok()) {
    return s;
  }
  requirement.certificate_discipline = request.requirement().certificate_discipline();
  const auto check = [&](EnrollmentTx& tx) -> absl::Status {
    auto eligibility = logic_.CheckEligibility(tx, trainee, requirement);
    if (!eligibility.ok()) return AsField("trainee", eligibility.status());
    response->set_eligible(eligibility->eligible);
    response->set_reason(eligibility->reason);
    response->set_home_workshop(FormatResourceName(kWorkshops, eligibility->home_workshop_id));
    return absl::OkStatus();
  };
  // Without a requirement the check reads the trainee alone: one statement (a nomination asks
  // this for every trainee it nominates).
  const bool trainee_only =
      !requirement.completed_course_id.has_value() && requirement.certificate_discipline.empty();
  return trainee_only ? ReadOne(rc, check) : Read(rc, check);
}

// Exports

absl::Status EnrollmentApi::ExportTraineesBatch(const RequestContext& rc, ExportCursor& cursor,
                                                pb::ExportTraineesResponse* batch,
                                                absl::FunctionRef<void()> next_may_start) {
  ExportBatchCursor at(cursor, next_may_start);
  return ReadOne(rc, [&](EnrollmentTx& tx) -> absl::Status {
    LUBAN_ASSIGN_OR_RETURN(auto rows,
                           tx.ExportTrainees(at.from(), kExportBatch,
                                             [&](const ExportCursor& next) { at.Next(next); }));
    batch->Clear();
    for (const Trainee& row : rows) ToProto(row, batch->add_trainees());
    at.Last(rows);
    return absl::OkStatus();
  });
}

absl::Status EnrollmentApi::ExportEnrollmentsBatch(const RequestContext& rc, ExportCursor& cursor,
                                                   pb::ExportEnrollmentsResponse* batch,
                                                   absl::FunctionRef<void()> next_may_start) {
  ExportBatchCursor at(cursor, next_may_start);
  return ReadOne(rc, [&](EnrollmentTx& tx) -> absl::Status {
    LUBAN_ASSIGN_OR_RETURN(auto rows,
                           tx.ExportEnrollments(at.from(), kExportBatch,
                                                [&](const ExportCursor& next) { at.Next(next); }));
    batch->Clear();
    for (const Enrollment& row : rows) ToProto(row, batch->add_enrollments());
    at.Last(rows);
    return absl::OkStatus();
  });
}

// The course service's feed

absl::StatusOr<int64_t> EnrollmentApi::CourseFeedCursor() {
  int64_t cursor = 0;
  auto status = store_.InTransaction(
      "read the course feed cursor", absl::Now() + absl::Seconds(10),
      [&](EnrollmentTx& tx) -> absl::Status {
        LUBAN_ASSIGN_OR_RETURN(auto stored, tx.GetFeedCursor(EnrollmentLogic::kCourseFeed));
        cursor = stored;
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return cursor;
}

absl::Status EnrollmentApi::ApplyCourseRunEvent(int64_t sequence, const RunInfo& info,
                                                const luban::course::v1::CourseRun& run) {
  RequestContext rc;
  rc.principal = Principal{"course-feed", Role::kService, 0};
  rc.method = "luban.enrollment.v1.EnrollmentService/ApplyCourseRunEvent";
  rc.request_id = absl::StrCat("course-feed-", sequence);
  rc.deadline = absl::Now() + absl::Seconds(30);
  return store_.InTransaction(rc.method, rc.deadline, [&](EnrollmentTx& tx) -> absl::Status {
    LUBAN_ASSIGN_OR_RETURN(auto changed, logic_.ApplyRunEvent(tx, sequence, info));
    ChangeRecorder changes;
    changes.MarkMayBeUnchanged();
    for (const Enrollment& e : changed) {
      RecordValue<pb::Enrollment>(e, kEnrollments, ChangeKind::kUpdated,
                                  e.state == EnrollmentState::kCancelled ? "cancelled" : "promoted",
                                  changes);
    }
    return changes.Flush(tx.ledger(), rc, run);
  });
}

absl::Status EnrollmentApi::ListAuditRecords(const RequestContext& rc,
                                             const pb::ListAuditRecordsRequest& request,
                                             pb::ListAuditRecordsResponse* response) {
  LUBAN_ASSIGN_OR_RETURN(auto page, ReadPageRequest(page_tokens_, rc.principal.name, request));
  LUBAN_ASSIGN_OR_RETURN(
      auto resource, OptionalResourceNameIn("resource", {kTrainees, kEnrollments, kCertificates},
                                            request.resource()));
  return ReadOne(rc, [&](EnrollmentTx& tx) -> absl::Status {
    return WritePage(logic_.ListAuditRecords(tx, rc.principal, resource, page.after_id, page.size),
                     page_tokens_, rc.principal.name, request, response->mutable_audit_records(),
                     response->mutable_next_page_token());
  });
}

}  // namespace luban::enrollment
