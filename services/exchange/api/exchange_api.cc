#include "services/exchange/api/exchange_api.h"

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
#include "common/domain/validation.h"
#include "luban/exchange/v1/exchange.grpc.pb.h"

namespace luban::exchange {
namespace {

using Role::kCollegeAdmin;
using Role::kReporter;

// The domain's enums carry the contract's numbers: a mapping is a cast (EnumFromProto).
static_assert(static_cast<int>(ProgrammeKind::kTraineeStudyVisit) ==
              pb::PROGRAMME_KIND_TRAINEE_STUDY_VISIT);
static_assert(static_cast<int>(ProgrammeKind::kTeacherTraining) ==
              pb::PROGRAMME_KIND_TEACHER_TRAINING);
static_assert(static_cast<int>(ProgrammeKind::kTechnicalExchange) ==
              pb::PROGRAMME_KIND_TECHNICAL_EXCHANGE);
static_assert(static_cast<int>(ProgrammeKind::kSkillsCompetition) ==
              pb::PROGRAMME_KIND_SKILLS_COMPETITION);
static_assert(static_cast<int>(Direction::kToChina) == pb::DIRECTION_TO_CHINA);
static_assert(static_cast<int>(Direction::kToPartnerCountry) == pb::DIRECTION_TO_PARTNER_COUNTRY);
static_assert(static_cast<int>(ProgrammeStatus::kPlanned) == pb::PROGRAMME_STATUS_PLANNED);
static_assert(static_cast<int>(ProgrammeStatus::kOpen) == pb::PROGRAMME_STATUS_OPEN);
static_assert(static_cast<int>(ProgrammeStatus::kClosed) == pb::PROGRAMME_STATUS_CLOSED);
static_assert(static_cast<int>(ProgrammeStatus::kCompleted) == pb::PROGRAMME_STATUS_COMPLETED);
static_assert(static_cast<int>(ProgrammeStatus::kCancelled) == pb::PROGRAMME_STATUS_CANCELLED);
static_assert(static_cast<int>(MobilityState::kNominated) == pb::MOBILITY_STATE_NOMINATED);
static_assert(static_cast<int>(MobilityState::kApproved) == pb::MOBILITY_STATE_APPROVED);
static_assert(static_cast<int>(MobilityState::kRejected) == pb::MOBILITY_STATE_REJECTED);
static_assert(static_cast<int>(MobilityState::kDeparted) == pb::MOBILITY_STATE_DEPARTED);
static_assert(static_cast<int>(MobilityState::kReturned) == pb::MOBILITY_STATE_RETURNED);
static_assert(static_cast<int>(MobilityState::kCancelled) == pb::MOBILITY_STATE_CANCELLED);

absl::StatusOr<Requirement> RequirementFromProto(const pb::Requirement& in) {
  Requirement out;
  LUBAN_ASSIGN_OR_RETURN(auto course, OptionalResourceName("requirement.completed_course", kCourses,
                                                           in.completed_course()));
  out.completed_course_id = course;
  out.certificate_discipline = in.certificate_discipline();
  return out;
}

void RequirementToProto(const Requirement& in, pb::Requirement* out) {
  if (in.completed_course_id) {
    out->set_completed_course(FormatResourceName(kCourses, *in.completed_course_id));
  }
  out->set_certificate_discipline(in.certificate_discipline);
}

absl::StatusOr<Programme> ProgrammeFromProto(const pb::Programme& in) {
  Programme out;
  out.titles = LocalizedFromProto(in.titles());
  LUBAN_ASSIGN_OR_RETURN(auto chinese, ParseResourceName("programme.chinese_institution",
                                                         kInstitutions, in.chinese_institution()));
  out.chinese_institution_id = chinese;
  LUBAN_ASSIGN_OR_RETURN(auto partner, ParseResourceName("programme.partner_institution",
                                                         kInstitutions, in.partner_institution()));
  out.partner_institution_id = partner;
  auto kind = EnumFromProto<ProgrammeKind>(in.kind(), pb::ProgrammeKind_IsValid);
  if (!kind) {
    return InvalidField("programme.kind",
                        "TRAINEE_STUDY_VISIT, TEACHER_TRAINING, "
                        "TECHNICAL_EXCHANGE or SKILLS_COMPETITION");
  }
  out.kind = *kind;
  auto direction = EnumFromProto<Direction>(in.direction(), pb::Direction_IsValid);
  if (!direction) return InvalidField("programme.direction", "TO_CHINA or TO_PARTNER_COUNTRY");
  out.direction = *direction;
  LUBAN_ASSIGN_OR_RETURN(auto start, DateFromProto("programme.start_date", in.start_date()));
  out.start_date = start;
  LUBAN_ASSIGN_OR_RETURN(auto end, DateFromProto("programme.end_date", in.end_date()));
  out.end_date = end;
  out.quota = in.quota();
  LUBAN_ASSIGN_OR_RETURN(auto requirement, RequirementFromProto(in.requirement()));
  out.requirement = requirement;
  LUBAN_ASSIGN_OR_RETURN(
      auto run, OptionalResourceName("programme.course_run", kCourseRuns, in.course_run()));
  out.course_run_id = run;
  return out;
}

Teacher TeacherFromProto(const pb::Teacher& in) {
  return Teacher{in.full_name(), in.full_name_latin(), in.position()};
}

}  // namespace

void ToProto(const Programme& in, pb::Programme* out) {
  out->Clear();
  out->set_name(FormatResourceName(kProgrammes, in.meta.id));
  LocalizedToProto(in.titles, out->mutable_titles());
  out->set_chinese_institution(FormatResourceName(kInstitutions, in.chinese_institution_id));
  out->set_partner_institution(FormatResourceName(kInstitutions, in.partner_institution_id));
  out->set_kind(static_cast<pb::ProgrammeKind>(in.kind));
  out->set_direction(static_cast<pb::Direction>(in.direction));
  DateToProto(in.start_date, out->mutable_start_date());
  DateToProto(in.end_date, out->mutable_end_date());
  out->set_quota(in.quota);
  out->set_approved_count(in.approved_count);
  RequirementToProto(in.requirement, out->mutable_requirement());
  if (in.course_run_id) out->set_course_run(FormatResourceName(kCourseRuns, *in.course_run_id));
  out->set_status(static_cast<pb::ProgrammeStatus>(in.status));
  out->set_partner_country_code(in.partner_country);
  MetaToProto(in.meta, out->mutable_create_time(), out->mutable_update_time(), out->mutable_etag());
}

void ToProto(const Mobility& in, pb::Mobility* out) {
  out->Clear();
  out->set_name(FormatResourceName(kMobilities, in.meta.id));
  out->set_programme(FormatResourceName(kProgrammes, in.programme_id));
  if (in.trainee_id) out->set_trainee(FormatResourceName(kTrainees, *in.trainee_id));
  if (in.teacher) {
    out->mutable_teacher()->set_full_name(in.teacher->full_name);
    out->mutable_teacher()->set_full_name_latin(in.teacher->full_name_latin);
    out->mutable_teacher()->set_position(in.teacher->position);
  }
  out->set_sending_institution(FormatResourceName(kInstitutions, in.sending_institution_id));
  out->set_receiving_institution(FormatResourceName(kInstitutions, in.receiving_institution_id));
  out->set_state(static_cast<pb::MobilityState>(in.state));
  for (const Decision& d : in.decisions) {
    pb::Decision* decision = out->add_decisions();
    decision->set_state(static_cast<pb::MobilityState>(d.state));
    decision->set_actor(d.actor);
    TimeToProto(d.time, decision->mutable_time());
    decision->set_reason(d.reason);
  }
  MetaToProto(in.meta, out->mutable_create_time(), out->mutable_update_time(), out->mutable_etag());
}

auth::MethodPolicy ExchangePolicy() {
  auth::MethodPolicy policy(
      pb::Programme::descriptor()->file()->FindServiceByName("ExchangeService"));
  for (const char* method : {"GetProgramme", "ListProgrammes", "GetMobility", "ListMobilities"}) {
    policy.Allow(method, {kCollegeAdmin, kReporter});
  }
  // Both institutions' admins act on their own side (checked in the data path).
  for (const char* method : {"CreateProgramme", "UpdateProgramme", "ChangeProgrammeStatus",
                             "Nominate", "ApproveMobility", "RejectMobility", "ReopenMobility",
                             "DepartMobility", "ReturnMobility", "CancelMobility"}) {
    policy.Allow(method, {kCollegeAdmin});
  }
  policy.Allow("ExportMobilities", {kReporter});
  // No service calls the exchange service.
  // A college follows the changes to its own records (ServeWatchChanges filters by owner).
  policy.Allow("WatchChanges", {kReporter, kCollegeAdmin});
  // The audit trail: network admins, and a college its own records' history (data path).
  policy.Allow("ListAuditRecords", {kCollegeAdmin});
  return policy;
}

absl::Status ExchangeApi::Read(const RequestContext& rc,
                               absl::FunctionRef<absl::Status(ExchangeTx&)> body) {
  return store_.InTransaction(rc.method, rc.deadline, body);
}

absl::Status ExchangeApi::ReadOne(const RequestContext& rc,
                                  absl::FunctionRef<absl::Status(ExchangeTx&)> body) {
  return store_.InSingleRead(rc.method, rc.deadline, body);
}

absl::Status ExchangeApi::CheckReferences(const RequestContext& rc, const Programme& programme) {
  if (programme.requirement.completed_course_id) {
    if (auto s = course_.CheckCourseExists(*programme.requirement.completed_course_id, rc.deadline);
        !s.ok()) {
      return AsField("requirement.completed_course", s);
    }
  }
  if (programme.course_run_id) {
    const int64_t run_id = *programme.course_run_id;
    auto workshop = course_.GetCourseRunWorkshop(run_id, rc.deadline);
    if (!workshop.ok()) return AsField("course_run", workshop.status());
    if (!rc.principal.ReadsEverything()) {
      // A college ties its programmes to runs it may see: another college's run is answered
      // exactly like a missing one, or the answer would tell that it exists.
      LUBAN_ASSIGN_OR_RETURN(auto founders, course_.GetWorkshopFounders(*workshop, rc.deadline));
      if (founders.chinese_institution_id != rc.principal.institution_id &&
          founders.partner_institution_id != rc.principal.institution_id) {
        return AsField("course_run", absl::NotFoundError(absl::StrCat(
                                         FormatResourceName(kCourseRuns, run_id), ": not found")));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ExchangeApi::GetProgramme(const RequestContext& rc,
                                       const pb::GetProgrammeRequest& request,
                                       pb::Programme* response) {
  LUBAN_ASSIGN_OR_RETURN(auto id, ParseResourceName("name", kProgrammes, request.name()));
  return ReadOne(rc, [&](ExchangeTx& tx) -> absl::Status {
    LUBAN_ASSIGN_OR_RETURN(auto programme, logic_.GetProgramme(tx, rc.principal, id));
    ToProto(programme, response);
    return absl::OkStatus();
  });
}

absl::Status ExchangeApi::ListProgrammes(const RequestContext& rc,
                                         const pb::ListProgrammesRequest& request,
                                         pb::ListProgrammesResponse* response) {
  LUBAN_ASSIGN_OR_RETURN(auto page, ReadPageRequest(page_tokens_, rc.principal.name, request));
  ProgrammeFilter filter;
  LUBAN_ASSIGN_OR_RETURN(auto institution,
                         OptionalResourceName("institution", kInstitutions, request.institution()));
  filter.institution_id = institution;
  if (!request.country_code().empty()) {
    LUBAN_RETURN_IF_ERROR(CheckCountryCode("country_code", request.country_code()));
  }
  filter.country = request.country_code();
  LUBAN_ASSIGN_OR_RETURN(
      auto kind, EnumFilter<ProgrammeKind>("kind", request.kind(), pb::ProgrammeKind_IsValid));
  filter.kind = kind;
  LUBAN_ASSIGN_OR_RETURN(auto direction, EnumFilter<Direction>("direction", request.direction(),
                                                               pb::Direction_IsValid));
  filter.direction = direction;
  if (request.year() != 0) {
    if (request.year() < 1900 || request.year() > 9999) return InvalidField("year", "1900..9999");
    filter.year = request.year();
  }
  LUBAN_ASSIGN_OR_RETURN(auto status, EnumFilter<ProgrammeStatus>("status", request.status(),
                                                                  pb::ProgrammeStatus_IsValid));
  filter.status = status;
  return ReadOne(rc, [&](ExchangeTx& tx) -> absl::Status {
    return WritePage(logic_.ListProgrammes(tx, rc.principal, filter, page.after_id, page.size),
                     page_tokens_, rc.principal.name, request, response->mutable_programmes(),
                     response->mutable_next_page_token());
  });
}

absl::Status ExchangeApi::CreateProgramme(const RequestContext& rc,
                                          const pb::CreateProgrammeRequest& request,
                                          pb::Programme* response) {
  PeerMutation<ExchangeTx> mutation(store_, rc, request, response);
  if (absl::Status answer; mutation.Answered(&answer)) return answer;
  LUBAN_ASSIGN_OR_RETURN(auto draft, ProgrammeFromProto(request.programme()));
  auto chinese = course_.GetInstitution(draft.chinese_institution_id, rc.deadline);
  if (!chinese.ok()) return AsField("programme.chinese_institution", chinese.status());
  auto partner = course_.GetInstitution(draft.partner_institution_id, rc.deadline);
  if (!partner.ok()) return AsField("programme.partner_institution", partner.status());
  LUBAN_RETURN_IF_ERROR(CheckReferences(rc, draft));
  return mutation.Run([&](ExchangeTx& tx, ChangeRecorder& changes) {
    return RecordChange(logic_.CreateProgramme(tx, rc.principal, draft, *chinese, *partner),
                        kProgrammes, ChangeKind::kCreated, "created", response, changes);
  });
}

absl::Status ExchangeApi::UpdateProgramme(const RequestContext& rc,
                                          const pb::UpdateProgrammeRequest& request,
                                          pb::Programme* response) {
  PeerMutation<ExchangeTx> mutation(store_, rc, request, response);
  if (absl::Status answer; mutation.Answered(&answer)) return answer;
  const pb::Programme& in = request.programme();
  LUBAN_ASSIGN_OR_RETURN(auto target, ReadTarget(kProgrammes, in.name(), in.etag()));
  LUBAN_ASSIGN_OR_RETURN(
      auto mask, ReadUpdateMask(request.update_mask(), {"titles", "start_date", "end_date", "quota",
                                                        "requirement", "course_run"}));
  ProgrammePatch patch;
  Programme references;  // what the course service must know, checked before the transaction
  if (mask.contains("titles")) patch.titles = LocalizedFromProto(in.titles());
  if (mask.contains("start_date")) {
    LUBAN_ASSIGN_OR_RETURN(auto day, DateFromProto("programme.start_date", in.start_date()));
    patch.start_date = day;
  }
  if (mask.contains("end_date")) {
    LUBAN_ASSIGN_OR_RETURN(auto day, DateFromProto("programme.end_date", in.end_date()));
    patch.end_date = day;
  }
  if (mask.contains("quota")) patch.quota = in.quota();
  if (mask.contains("requirement")) {
    LUBAN_ASSIGN_OR_RETURN(auto requirement, RequirementFromProto(in.requirement()));
    patch.requirement = requirement;
    references.requirement = requirement;
  }
  if (mask.contains("course_run")) {
    LUBAN_ASSIGN_OR_RETURN(
        auto run, OptionalResourceName("programme.course_run", kCourseRuns, in.course_run()));
    patch.course_run_id = run;
    references.course_run_id = run;
  }
  LUBAN_RETURN_IF_ERROR(CheckReferences(rc, references));
  return mutation.Run([&](ExchangeTx& tx, ChangeRecorder& changes) {
    return RecordChange(logic_.UpdateProgramme(tx, rc.principal, target.id, target.version, patch),
                        kProgrammes, ChangeKind::kUpdated, "updated", response, changes);
  });
}

absl::Status ExchangeApi::ChangeProgrammeStatus(const RequestContext& rc,
                                                const pb::ChangeProgrammeStatusRequest& request,
                                                pb::Programme* response) {
  LUBAN_ASSIGN_OR_RETURN(auto target, ReadTarget(kProgrammes, request.name(), request.etag()));
  auto status = EnumFromProto<ProgrammeStatus>(request.status(), pb::ProgrammeStatus_IsValid);
  if (!status) return InvalidField("status", "OPEN, CLOSED, COMPLETED or CANCELLED");
  return RunMutation<ExchangeTx>(
      store_, rc, request, response, [&](ExchangeTx& tx, ChangeRecorder& changes) -> absl::Status {
        LUBAN_ASSIGN_OR_RETURN(
            auto change,
            logic_.ChangeProgrammeStatus(tx, rc.principal, target.id, target.version, *status));
        for (const Mobility& m : change.cancelled) {
          RecordValue<pb::Mobility>(m, kMobilities, ChangeKind::kUpdated, "cancelled", changes);
        }
        return RecordChange(
            absl::StatusOr<Programme>(change.programme), kProgrammes, ChangeKind::kUpdated,
            absl::StrCat("status:", ProgrammeStatusName(*status)), response, changes);
      });
}

absl::Status ExchangeApi::GetMobility(const RequestContext& rc,
                                      const pb::GetMobilityRequest& request,
                                      pb::Mobility* response) {
  LUBAN_ASSIGN_OR_RETURN(auto id, ParseResourceName("name", kMobilities, request.name()));
  return ReadOne(rc, [&](ExchangeTx& tx) -> absl::Status {
    LUBAN_ASSIGN_OR_RETURN(auto mobility, logic_.GetMobility(tx, rc.principal, id));
    ToProto(mobility, response);
    return absl::OkStatus();
  });
}

absl::Status ExchangeApi::ListMobilities(const RequestContext& rc,
                                         const pb::ListMobilitiesRequest& request,
                                         pb::ListMobilitiesResponse* response) {
  LUBAN_ASSIGN_OR_RETURN(auto page, ReadPageRequest(page_tokens_, rc.principal.name, request));
  MobilityFilter filter;
  LUBAN_ASSIGN_OR_RETURN(auto programme,
                         OptionalResourceName("programme", kProgrammes, request.programme()));
  filter.programme_id = programme;
  LUBAN_ASSIGN_OR_RETURN(auto institution,
                         OptionalResourceName("institution", kInstitutions, request.institution()));
  filter.institution_id = institution;
  LUBAN_ASSIGN_OR_RETURN(
      auto state, EnumFilter<MobilityState>("state", request.state(), pb::MobilityState_IsValid));
  filter.state = state;
  LUBAN_ASSIGN_OR_RETURN(auto trainee,
                         OptionalResourceName("trainee", kTrainees, request.trainee()));
  filter.trainee_id = trainee;
  return ReadOne(rc, [&](ExchangeTx& tx) -> absl::Status {
    return WritePage(logic_.ListMobilities(tx, rc.principal, filter, page.after_id, page.size),
                     page_tokens_, rc.principal.name, request, response->mutable_mobilities(),
                     response->mutable_next_page_token());
  });
}

absl::Status ExchangeApi::Nominate(const RequestContext& rc, const pb::NominateRequest& request,
                                   pb::Mobility* response) {
  PeerMutation<ExchangeTx> mutation(store_, rc, request, response);
  if (absl::Status answer; mutation.Answered(&answer)) return answer;
  LUBAN_ASSIGN_OR_RETURN(auto programme_id,
                         ParseResourceName("programme", kProgrammes, request.programme()));
  Nominee nominee;
  switch (request.participant_case()) {
    case pb::NominateRequest::kTeacher:
      nominee.teacher = TeacherFromProto(request.teacher());
      break;
    case pb::NominateRequest::kTrainee: {
      LUBAN_ASSIGN_OR_RETURN(auto trainee,
                             ParseResourceName("trainee", kTrainees, request.trainee()));
      nominee.trainee_id = trainee;
      break;
    }
    default:
      return InvalidField("participant", "a trainee or a teacher is required");
  }
  if (nominee.trainee_id) {
    // The programme's requirement, read first (visibility checked again in the transaction);
    // one SELECT, so a single-statement read.
    absl::StatusOr<Programme> programme = absl::UnknownError("not read");
    if (auto s = ReadOne(rc,
                         [&](ExchangeTx& tx) -> absl::Status {
                           programme = logic_.GetProgramme(tx, rc.principal, programme_id);
                           return programme.status();
                         });
        !s.ok()) {
      return AsField("programme", s);
    }
    auto standing =
        enrollment_.CheckEligibility(*nominee.trainee_id, programme->requirement, rc.deadline);
    if (!standing.ok()) return AsField("trainee", standing.status());
    nominee.standing = *standing;
    LUBAN_ASSIGN_OR_RETURN(auto home,
                           course_.GetWorkshopFounders(standing->home_workshop_id, rc.deadline));
    nominee.home = home;
  }
  return mutation.Run([&](ExchangeTx& tx, ChangeRecorder& changes) {
    return RecordChange(logic_.Nominate(tx, rc.principal, programme_id, nominee, request.reason()),
                        kMobilities, ChangeKind::kCreated, "nominated", response, changes);
  });
}

absl::Status ExchangeApi::Decide(const RequestContext& rc, const google::protobuf::Message& request,
                                 const std::string& name, const std::string& etag,
                                 MobilityState target_state, const std::string& reason,
                                 pb::Mobility* response) {
  LUBAN_ASSIGN_OR_RETURN(auto target, ReadTarget(kMobilities, name, etag));
  return RunMutation<ExchangeTx>(
      store_, rc, request, response, [&](ExchangeTx& tx, ChangeRecorder& changes) {
        return RecordChange(
            logic_.Decide(tx, rc.principal, target.id, target.version, target_state, reason),
            kMobilities, ChangeKind::kUpdated, MobilityStateName(target_state), response, changes);
      });
}

absl::Status ExchangeApi::ApproveMobility(const RequestContext& rc,
                                          const pb::ApproveMobilityRequest& request,
                                          pb::Mobility* response) {
  return Decide(rc, request, request.name(), request.etag(), MobilityState::kApproved,
                request.reason(), response);
}

absl::Status ExchangeApi::RejectMobility(const RequestContext& rc,
                                         const pb::RejectMobilityRequest& request,
                                         pb::Mobility* response) {
  return Decide(rc, request, request.name(), request.etag(), MobilityState::kRejected,
                request.reason(), response);
}

absl::Status ExchangeApi::ReopenMobility(const RequestContext& rc,
                                         const pb::ReopenMobilityRequest& request,
                                         pb::Mobility* response) {
  return Decide(rc, request, request.name(), request.etag(), MobilityState::kNominated,
                request.reason(), response);
}

absl::Status ExchangeApi::DepartMobility(const RequestContext& rc,
                                         const pb::DepartMobilityRequest& request,
                                         pb::Mobility* response) {
  return Decide(rc, request, request.name(), request.etag(), MobilityState::kDeparted,
                request.reason(), response);
}

absl::Status ExchangeApi::ReturnMobility(const RequestContext& rc,
                                         const pb::ReturnMobilityRequest& request,
                                         pb::Mobility* response) {
  return Decide(rc, request, request.name(), request.etag(), MobilityState::kReturned,
                request.reason(), response);
}

absl::Status ExchangeApi::CancelMobility(const RequestContext& rc,
                                         const pb::CancelMobilityRequest& request,
                                         pb::Mobility* response) {
  return Decide(rc, request, request.name(), request.etag(), MobilityState::kCancelled,
                request.reason(), response);
}

absl::Status ExchangeApi::ExportMobilitiesBatch(const RequestContext& rc, ExportCursor& cursor,
                                                pb::ExportMobilitiesResponse* batch,
                                                absl::FunctionRef<void()> next_may_start) {
  ExportBatchCursor at(cursor, next_may_start);
  return ReadOne(rc, [&](ExchangeTx& tx) -> absl::Status {
    LUBAN_ASSIGN_OR_RETURN(auto rows,
                           tx.ExportMobilities(at.from(), kExportBatch,
                                               [&](const ExportCursor& next) { at.Next(next); }));
    batch->Clear();
    for (const Mobility& row : rows) ToProto(row, batch->add_mobilities());
    at.Last(rows);
    return absl::OkStatus();
  });
}

absl::Status ExchangeApi::ListAuditRecords(const RequestContext& rc,
                                           const pb::ListAuditRecordsRequest& request,
                                           pb::ListAuditRecordsResponse* response) {
  LUBAN_ASSIGN_OR_RETURN(auto page, ReadPageRequest(page_tokens_, rc.principal.name, request));
  LUBAN_ASSIGN_OR_RETURN(
      auto resource,
      OptionalResourceNameIn("resource", {kProgrammes, kMobilities}, request.resource()));
  return ReadOne(rc, [&](ExchangeTx& tx) -> absl::Status {
    return WritePage(logic_.ListAuditRecords(tx, rc.principal, resource, page.after_id, page.size),
                     page_tokens_, rc.principal.name, request, response->mutable_audit_records(),
                     response->mutable_next_page_token());
  });
}

}  // namespace luban::exchange
