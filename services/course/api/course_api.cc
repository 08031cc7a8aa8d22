#include "services/course/api/course_api.h"

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
#include "luban/course/v1/course.grpc.pb.h"

namespace luban::course {
namespace {

using Role::kCollegeAdmin;
using Role::kReporter;

// ---- enums ----------------------------------------------------------------------------------

// The domain's enums carry the contract's numbers: a mapping is a cast (EnumFromProto).
static_assert(static_cast<int>(InstitutionKind::kChineseCollege) ==
              pb::INSTITUTION_KIND_CHINESE_COLLEGE);
static_assert(static_cast<int>(InstitutionKind::kLocalPartner) ==
              pb::INSTITUTION_KIND_LOCAL_PARTNER);
static_assert(static_cast<int>(WorkshopStatus::kPlanned) == pb::WORKSHOP_STATUS_PLANNED);
static_assert(static_cast<int>(WorkshopStatus::kOperating) == pb::WORKSHOP_STATUS_OPERATING);
static_assert(static_cast<int>(WorkshopStatus::kSuspended) == pb::WORKSHOP_STATUS_SUSPENDED);
static_assert(static_cast<int>(WorkshopStatus::kClosed) == pb::WORKSHOP_STATUS_CLOSED);
static_assert(static_cast<int>(RunStatus::kScheduled) == pb::COURSE_RUN_STATUS_SCHEDULED);
static_assert(static_cast<int>(RunStatus::kOpen) == pb::COURSE_RUN_STATUS_OPEN);
static_assert(static_cast<int>(RunStatus::kInProgress) == pb::COURSE_RUN_STATUS_IN_PROGRESS);
static_assert(static_cast<int>(RunStatus::kCompleted) == pb::COURSE_RUN_STATUS_COMPLETED);
static_assert(static_cast<int>(RunStatus::kCancelled) == pb::COURSE_RUN_STATUS_CANCELLED);

// ---- common request parts -------------------------------------------------------------------

absl::Status OptionalCountry(absl::string_view field, const std::string& code) {
  return code.empty() ? absl::OkStatus() : CheckCountryCode(field, code);
}

// ---- institutions ---------------------------------------------------------------------------

absl::StatusOr<Institution> InstitutionFromProto(const pb::Institution& in) {
  Institution out;
  auto kind = EnumFromProto<InstitutionKind>(in.kind(), pb::InstitutionKind_IsValid);
  if (!kind) {
    return InvalidField("institution.kind", "CHINESE_COLLEGE or LOCAL_PARTNER is required");
  }
  out.kind = *kind;
  out.country = in.country_code();
  out.names = LocalizedFromProto(in.display_names());
  out.city = in.city();
  out.website = in.website();
  return out;
}

// ---- workshops ------------------------------------------------------------------------------

absl::StatusOr<Workshop> WorkshopFromProto(const pb::Workshop& in) {
  Workshop out;
  out.names = LocalizedFromProto(in.display_names());
  out.country = in.country_code();
  out.city = in.city();
  LUBAN_ASSIGN_OR_RETURN(auto chinese, ParseResourceName("workshop.chinese_institution",
                                                         kInstitutions, in.chinese_institution()));
  out.chinese_institution_id = chinese;
  LUBAN_ASSIGN_OR_RETURN(auto partner, ParseResourceName("workshop.partner_institution",
                                                         kInstitutions, in.partner_institution()));
  out.partner_institution_id = partner;
  LUBAN_ASSIGN_OR_RETURN(auto opened,
                         OptionalDateFromProto("workshop.opened_date", in.opened_date()));
  out.opened_date = opened;
  out.disciplines.assign(in.disciplines().begin(), in.disciplines().end());
  return out;
}

// ---- courses --------------------------------------------------------------------------------

Course CourseFromProto(const pb::Course& in) {
  Course out;
  out.code = in.code();
  out.titles = LocalizedFromProto(in.titles());
  out.discipline = in.discipline();
  out.hours = in.hours();
  out.languages.assign(in.instruction_languages().begin(), in.instruction_languages().end());
  out.description = in.description();
  return out;
}

// ---- runs -----------------------------------------------------------------------------------

absl::StatusOr<CourseRun> CourseRunFromProto(const pb::CourseRun& in) {
  CourseRun out;
  LUBAN_ASSIGN_OR_RETURN(auto course,
                         ParseResourceName("course_run.course", kCourses, in.course()));
  out.course_id = course;
  LUBAN_ASSIGN_OR_RETURN(auto workshop,
                         ParseResourceName("course_run.workshop", kWorkshops, in.workshop()));
  out.workshop_id = workshop;
  LUBAN_ASSIGN_OR_RETURN(auto start, DateFromProto("course_run.start_date", in.start_date()));
  out.start_date = start;
  LUBAN_ASSIGN_OR_RETURN(auto end, DateFromProto("course_run.end_date", in.end_date()));
  out.end_date = end;
  out.capacity = in.capacity();
  out.language = in.language_code();
  out.pass_score = in.pass_score();
  out.min_attendance_percent = in.min_attendance_percent();
  return out;
}

}  // namespace

// ---- mappings to proto ------------------------------------------------------------------------

void ToProto(const Institution& in, pb::Institution* out) {
  out->Clear();
  out->set_name(FormatResourceName(kInstitutions, in.meta.id));
  out->set_kind(static_cast<pb::InstitutionKind>(in.kind));
  out->set_country_code(in.country);
  LocalizedToProto(in.names, out->mutable_display_names());
  out->set_city(in.city);
  out->set_website(in.website);
  MetaToProto(in.meta, out->mutable_create_time(), out->mutable_update_time(), out->mutable_etag());
}

void ToProto(const Workshop& in, pb::Workshop* out) {
  out->Clear();
  out->set_name(FormatResourceName(kWorkshops, in.meta.id));
  LocalizedToProto(in.names, out->mutable_display_names());
  out->set_country_code(in.country);
  out->set_city(in.city);
  out->set_chinese_institution(FormatResourceName(kInstitutions, in.chinese_institution_id));
  out->set_partner_institution(FormatResourceName(kInstitutions, in.partner_institution_id));
  out->set_status(static_cast<pb::WorkshopStatus>(in.status));
  if (in.opened_date) DateToProto(*in.opened_date, out->mutable_opened_date());
  for (const auto& d : in.disciplines) out->add_disciplines(d);
  MetaToProto(in.meta, out->mutable_create_time(), out->mutable_update_time(), out->mutable_etag());
}

void ToProto(const Course& in, pb::Course* out) {
  out->Clear();
  out->set_name(FormatResourceName(kCourses, in.meta.id));
  out->set_code(in.code);
  LocalizedToProto(in.titles, out->mutable_titles());
  out->set_discipline(in.discipline);
  out->set_hours(in.hours);
  for (const auto& l : in.languages) out->add_instruction_languages(l);
  out->set_description(in.description);
  MetaToProto(in.meta, out->mutable_create_time(), out->mutable_update_time(), out->mutable_etag());
}

void ToProto(const CourseRun& in, pb::CourseRun* out) {
  out->Clear();
  out->set_name(FormatResourceName(kCourseRuns, in.meta.id));
  out->set_course(FormatResourceName(kCourses, in.course_id));
  out->set_workshop(FormatResourceName(kWorkshops, in.workshop_id));
  DateToProto(in.start_date, out->mutable_start_date());
  DateToProto(in.end_date, out->mutable_end_date());
  out->set_capacity(in.capacity);
  out->set_language_code(in.language);
  out->set_status(static_cast<pb::CourseRunStatus>(in.status));
  out->set_pass_score(in.pass_score);
  out->set_min_attendance_percent(in.min_attendance_percent);
  out->set_cancel_reason(in.cancel_reason);
  out->set_country_code(in.country);
  MetaToProto(in.meta, out->mutable_create_time(), out->mutable_update_time(), out->mutable_etag());
}

// ---- policy -----------------------------------------------------------------------------------

auth::MethodPolicy CoursePolicy() {
  auth::MethodPolicy policy(
      pb::Institution::descriptor()->file()->FindServiceByName("CourseService"));
  // Reads: every signed-in role (visibility of workshops and runs is checked in the data path).
  for (const char* method : {"GetInstitution", "ListInstitutions", "GetWorkshop", "ListWorkshops",
                             "GetCourse", "ListCourses", "GetCourseRun", "ListCourseRuns"}) {
    policy.Allow(method, {kCollegeAdmin, kReporter});
  }
  // The other services read what an enrollment, a completion and a nomination need.
  for (const char* method : {"GetInstitution", "GetWorkshop", "GetCourse", "GetCourseRun"}) {
    policy.AllowServices(method, {auth::kEnrollmentService, auth::kExchangeService});
  }
  // The network's structure and the shared catalogue: network admins only.
  for (const char* method :
       {"CreateInstitution", "UpdateInstitution", "DeleteInstitution", "CreateWorkshop",
        "DeleteWorkshop", "CreateCourse", "UpdateCourse", "DeleteCourse"}) {
    policy.Allow(method, {});
  }
  // A college runs its own workshops and their runs (ownership checked in the data path).
  for (const char* method : {"UpdateWorkshop", "ChangeWorkshopStatus", "CreateCourseRun",
                             "UpdateCourseRun", "DeleteCourseRun", "OpenCourseRun",
                             "StartCourseRun", "CompleteCourseRun", "CancelCourseRun"}) {
    policy.Allow(method, {kCollegeAdmin});
  }
  // Reporting jobs follow the change feed, the enrollment service (its mirror of the runs), and
  // a college the changes to its own records (ServeWatchChanges filters by owner).
  policy.Allow("WatchChanges", {kReporter, kCollegeAdmin});
  policy.AllowServices("WatchChanges", {auth::kEnrollmentService});
  // Who am I: every signed-in caller, the services included (it reveals only their own name).
  policy.Allow("GetCaller", {kCollegeAdmin, kReporter});
  policy.AllowServices("GetCaller", {auth::kEnrollmentService, auth::kExchangeService});
  // The audit trail: network admins, and a college its own records' history (data path).
  policy.Allow("ListAuditRecords", {kCollegeAdmin});
  return policy;
}

// ---- CourseApi --------------------------------------------------------------------------------

absl::Status CourseApi::Read(const RequestContext& rc,
                             absl::FunctionRef<absl::Status(CourseTx&)> body) {
  return store_.InTransaction(rc.method, rc.deadline, body);
}

absl::Status CourseApi::ReadOne(const RequestContext& rc,
                                absl::FunctionRef<absl::Status(CourseTx&)> body) {
  return store_.InSingleRead(rc.method, rc.deadline, body);
}

// Institutions

absl::Status CourseApi::GetInstitution(const RequestContext& rc,
                                       const pb::GetInstitutionRequest& request,
                                       pb::Institution* response) {
  LUBAN_ASSIGN_OR_RETURN(auto id, ParseResourceName("name", kInstitutions, request.name()));
  return ReadOne(rc, [&](CourseTx& tx) -> absl::Status {
    LUBAN_ASSIGN_OR_RETURN(auto institution, logic_.GetInstitution(tx, id));
    ToProto(institution, response);
    return absl::OkStatus();
  });
}

absl::Status CourseApi::ListInstitutions(const RequestContext& rc,
                                         const pb::ListInstitutionsRequest& request,
                                         pb::ListInstitutionsResponse* response) {
  LUBAN_ASSIGN_OR_RETURN(auto page, ReadPageRequest(page_tokens_, rc.principal.name, request));
  InstitutionFilter filter;
  LUBAN_RETURN_IF_ERROR(OptionalCountry("country_code", request.country_code()));
  filter.country = request.country_code();
  LUBAN_ASSIGN_OR_RETURN(
      auto kind, EnumFilter<InstitutionKind>("kind", request.kind(), pb::InstitutionKind_IsValid));
  filter.kind = kind;
  return ReadOne(rc, [&](CourseTx& tx) -> absl::Status {
    return WritePage(logic_.ListInstitutions(tx, filter, page.after_id, page.size), page_tokens_,
                     rc.principal.name, request, response->mutable_institutions(),
                     response->mutable_next_page_token());
  });
}

absl::Status CourseApi::CreateInstitution(const RequestContext& rc,
                                          const pb::CreateInstitutionRequest& request,
                                          pb::Institution* response) {
  LUBAN_ASSIGN_OR_RETURN(auto draft, InstitutionFromProto(request.institution()));
  return RunMutation<CourseTx>(
      store_, rc, request, response, [&](CourseTx& tx, ChangeRecorder& changes) -> absl::Status {
        return RecordChange(logic_.CreateInstitution(tx, draft), kInstitutions,
                            ChangeKind::kCreated, "created", response, changes);
      });
}

absl::Status CourseApi::UpdateInstitution(const RequestContext& rc,
                                          const pb::UpdateInstitutionRequest& request,
                                          pb::Institution* response) {
  LUBAN_ASSIGN_OR_RETURN(auto target, ReadTarget(kInstitutions, request.institution().name(),
                                                 request.institution().etag()));
  LUBAN_ASSIGN_OR_RETURN(
      auto mask, ReadUpdateMask(request.update_mask(), {"display_names", "city", "website"}));
  InstitutionPatch patch;
  const pb::Institution& in = request.institution();
  if (mask.contains("display_names")) patch.names = LocalizedFromProto(in.display_names());
  if (mask.contains("city")) patch.city = in.city();
  if (mask.contains("website")) patch.website = in.website();
  return RunMutation<CourseTx>(
      store_, rc, request, response, [&](CourseTx& tx, ChangeRecorder& changes) -> absl::Status {
        return RecordChange(logic_.UpdateInstitution(tx, target.id, target.version, patch),
                            kInstitutions, ChangeKind::kUpdated, "updated", response, changes);
      });
}

absl::Status CourseApi::DeleteInstitution(const RequestContext& rc,
                                          const pb::DeleteInstitutionRequest& request,
                                          pb::DeleteInstitutionResponse* response) {
  LUBAN_ASSIGN_OR_RETURN(auto target, ReadTarget(kInstitutions, request.name(), request.etag()));
  return RunMutation<CourseTx>(
      store_, rc, request, response, [&](CourseTx& tx, ChangeRecorder& changes) -> absl::Status {
        pb::Institution state;
        return RecordChange(logic_.DeleteInstitution(tx, target.id, target.version), kInstitutions,
                            ChangeKind::kDeleted, "deleted", &state, changes);
      });
}

// Workshops

absl::Status CourseApi::GetWorkshop(const RequestContext& rc, const pb::GetWorkshopRequest& request,
                                    pb::Workshop* response) {
  LUBAN_ASSIGN_OR_RETURN(auto id, ParseResourceName("name", kWorkshops, request.name()));
  return ReadOne(rc, [&](CourseTx& tx) -> absl::Status {
    LUBAN_ASSIGN_OR_RETURN(auto workshop, logic_.GetWorkshop(tx, rc.principal, id));
    ToProto(workshop, response);
    return absl::OkStatus();
  });
}

absl::Status CourseApi::ListWorkshops(const RequestContext& rc,
                                      const pb::ListWorkshopsRequest& request,
                                      pb::ListWorkshopsResponse* response) {
  LUBAN_ASSIGN_OR_RETURN(auto page, ReadPageRequest(page_tokens_, rc.principal.name, request));
  WorkshopFilter filter;
  LUBAN_RETURN_IF_ERROR(OptionalCountry("country_code", request.country_code()));
  filter.country = request.country_code();
  LUBAN_ASSIGN_OR_RETURN(auto institution,
                         OptionalResourceName("institution", kInstitutions, request.institution()));
  filter.institution_id = institution;
  LUBAN_ASSIGN_OR_RETURN(auto status, EnumFilter<WorkshopStatus>("status", request.status(),
                                                                 pb::WorkshopStatus_IsValid));
  filter.status = status;
  return ReadOne(rc, [&](CourseTx& tx) -> absl::Status {
    return WritePage(logic_.ListWorkshops(tx, rc.principal, filter, page.after_id, page.size),
                     page_tokens_, rc.principal.name, request, response->mutable_workshops(),
                     response->mutable_next_page_token());
  });
}

absl::Status CourseApi::CreateWorkshop(const RequestContext& rc,
                                       const pb::CreateWorkshopRequest& request,
                                       pb::Workshop* response) {
  LUBAN_ASSIGN_OR_RETURN(auto draft, WorkshopFromProto(request.workshop()));
  return RunMutation<CourseTx>(
      store_, rc, request, response, [&](CourseTx& tx, ChangeRecorder& changes) -> absl::Status {
        return RecordChange(logic_.CreateWorkshop(tx, draft), kWorkshops, ChangeKind::kCreated,
                            "created", response, changes);
      });
}

absl::Status CourseApi::UpdateWorkshop(const RequestContext& rc,
                                       const pb::UpdateWorkshopRequest& request,
                                       pb::Workshop* response) {
  LUBAN_ASSIGN_OR_RETURN(
      auto target, ReadTarget(kWorkshops, request.workshop().name(), request.workshop().etag()));
  LUBAN_ASSIGN_OR_RETURN(auto mask,
                         ReadUpdateMask(request.update_mask(),
                                        {"display_names", "city", "opened_date", "disciplines"}));
  WorkshopPatch patch;
  const pb::Workshop& in = request.workshop();
  if (mask.contains("display_names")) patch.names = LocalizedFromProto(in.display_names());
  if (mask.contains("city")) patch.city = in.city();
  if (mask.contains("opened_date")) {
    LUBAN_ASSIGN_OR_RETURN(auto opened,
                           OptionalDateFromProto("workshop.opened_date", in.opened_date()));
    patch.opened_date = opened;
  }
  if (mask.contains("disciplines")) {
    patch.disciplines = std::vector<std::string>(in.disciplines().begin(), in.disciplines().end());
  }
  return RunMutation<CourseTx>(
      store_, rc, request, response, [&](CourseTx& tx, ChangeRecorder& changes) -> absl::Status {
        return RecordChange(
            logic_.UpdateWorkshop(tx, rc.principal, target.id, target.version, patch), kWorkshops,
            ChangeKind::kUpdated, "updated", response, changes);
      });
}

absl::Status CourseApi::DeleteWorkshop(const RequestContext& rc,
                                       const pb::DeleteWorkshopRequest& request,
                                       pb::DeleteWorkshopResponse* response) {
  LUBAN_ASSIGN_OR_RETURN(auto target, ReadTarget(kWorkshops, request.name(), request.etag()));
  return RunMutation<CourseTx>(
      store_, rc, request, response, [&](CourseTx& tx, ChangeRecorder& changes) -> absl::Status {
        pb::Workshop state;
        return RecordChange(logic_.DeleteWorkshop(tx, target.id, target.version), kWorkshops,
                            ChangeKind::kDeleted, "deleted", &state, changes);
      });
}

absl::Status CourseApi::ChangeWorkshopStatus(const RequestContext& rc,
                                             const pb::ChangeWorkshopStatusRequest& request,
                                             pb::Workshop* response) {
  LUBAN_ASSIGN_OR_RETURN(auto target, ReadTarget(kWorkshops, request.name(), request.etag()));
  const std::optional<WorkshopStatus> status =
      EnumFromProto<WorkshopStatus>(request.status(), pb::WorkshopStatus_IsValid);
  if (!status) return InvalidField("status", "OPERATING, SUSPENDED or CLOSED is required");
  LUBAN_RETURN_IF_ERROR(CheckText("reason", request.reason(), 0, 1000, /*multiline=*/true));
  return RunMutation<CourseTx>(
      store_, rc, request, response, [&](CourseTx& tx, ChangeRecorder& changes) -> absl::Status {
        return RecordChange(
            logic_.ChangeWorkshopStatus(tx, rc.principal, target.id, target.version, *status),
            kWorkshops, ChangeKind::kUpdated, absl::StrCat("status:", WorkshopStatusName(*status)),
            response, changes);
      });
}

// Courses

absl::Status CourseApi::GetCourse(const RequestContext& rc, const pb::GetCourseRequest& request,
                                  pb::Course* response) {
  LUBAN_ASSIGN_OR_RETURN(auto id, ParseResourceName("name", kCourses, request.name()));
  return ReadOne(rc, [&](CourseTx& tx) -> absl::Status {
    LUBAN_ASSIGN_OR_RETURN(auto course, logic_.GetCourse(tx, id));
    ToProto(course, response);
    return absl::OkStatus();
  });
}

absl::Status CourseApi::ListCourses(const RequestContext& rc, const pb::ListCoursesRequest& request,
                                    pb::ListCoursesResponse* response) {
  LUBAN_ASSIGN_OR_RETURN(auto page, ReadPageRequest(page_tokens_, rc.principal.name, request));
  LUBAN_RETURN_IF_ERROR(CheckText("discipline", request.discipline(), 0, 100));
  CourseFilter filter{request.discipline()};
  return ReadOne(rc, [&](CourseTx& tx) -> absl::Status {
    return WritePage(logic_.ListCourses(tx, filter, page.after_id, page.size), page_tokens_,
                     rc.principal.name, request, response->mutable_courses(),
                     response->mutable_next_page_token());
  });
}

absl::Status CourseApi::CreateCourse(const RequestContext& rc,
                                     const pb::CreateCourseRequest& request, pb::Course* response) {
  const Course draft = CourseFromProto(request.course());
  return RunMutation<CourseTx>(
      store_, rc, request, response, [&](CourseTx& tx, ChangeRecorder& changes) -> absl::Status {
        return RecordChange(logic_.CreateCourse(tx, draft), kCourses, ChangeKind::kCreated,
                            "created", response, changes);
      });
}

absl::Status CourseApi::UpdateCourse(const RequestContext& rc,
                                     const pb::UpdateCourseRequest& request, pb::Course* response) {
  LUBAN_ASSIGN_OR_RETURN(auto target,
                         ReadTarget(kCourses, request.course().name(), request.course().etag()));
  LUBAN_ASSIGN_OR_RETURN(
      auto mask, ReadUpdateMask(request.update_mask(), {"titles", "discipline", "hours",
                                                        "instruction_languages", "description"}));
  const Course in = CourseFromProto(request.course());
  CoursePatch patch;
  if (mask.contains("titles")) patch.titles = in.titles;
  if (mask.contains("discipline")) patch.discipline = in.discipline;
  if (mask.contains("hours")) patch.hours = in.hours;
  if (mask.contains("instruction_languages")) patch.languages = in.languages;
  if (mask.contains("description")) patch.description = in.description;
  return RunMutation<CourseTx>(
      store_, rc, request, response, [&](CourseTx& tx, ChangeRecorder& changes) -> absl::Status {
        return RecordChange(logic_.UpdateCourse(tx, target.id, target.version, patch), kCourses,
                            ChangeKind::kUpdated, "updated", response, changes);
      });
}

absl::Status CourseApi::DeleteCourse(const RequestContext& rc,
                                     const pb::DeleteCourseRequest& request,
                                     pb::DeleteCourseResponse* response) {
  LUBAN_ASSIGN_OR_RETURN(auto target, ReadTarget(kCourses, request.name(), request.etag()));
  return RunMutation<CourseTx>(
      store_, rc, request, response, [&](CourseTx& tx, ChangeRecorder& changes) -> absl::Status {
        pb::Course state;
        return RecordChange(logic_.DeleteCourse(tx, target.id, target.version), kCourses,
                            ChangeKind::kDeleted, "deleted", &state, changes);
      });
}

// Course runs

absl::Status CourseApi::GetCourseRun(const RequestContext& rc,
                                     const pb::GetCourseRunRequest& request,
                                     pb::CourseRun* response) {
  LUBAN_ASSIGN_OR_RETURN(auto id, ParseResourceName("name", kCourseRuns, request.name()));
  return ReadOne(rc, [&](CourseTx& tx) -> absl::Status {
    LUBAN_ASSIGN_OR_RETURN(auto run, logic_.GetCourseRun(tx, rc.principal, id));
    ToProto(run, response);
    return absl::OkStatus();
  });
}

absl::Status CourseApi::ListCourseRuns(const RequestContext& rc,
                                       const pb::ListCourseRunsRequest& request,
                                       pb::ListCourseRunsResponse* response) {
  LUBAN_ASSIGN_OR_RETURN(auto page, ReadPageRequest(page_tokens_, rc.principal.name, request));
  CourseRunFilter filter;
  LUBAN_RETURN_IF_ERROR(OptionalCountry("country_code", request.country_code()));
  filter.country = request.country_code();
  LUBAN_ASSIGN_OR_RETURN(auto workshop,
                         OptionalResourceName("workshop", kWorkshops, request.workshop()));
  filter.workshop_id = workshop;
  LUBAN_ASSIGN_OR_RETURN(auto institution,
                         OptionalResourceName("institution", kInstitutions, request.institution()));
  filter.institution_id = institution;
  LUBAN_ASSIGN_OR_RETURN(auto course, OptionalResourceName("course", kCourses, request.course()));
  filter.course_id = course;
  LUBAN_ASSIGN_OR_RETURN(
      auto status, EnumFilter<RunStatus>("status", request.status(), pb::CourseRunStatus_IsValid));
  filter.status = status;
  LUBAN_ASSIGN_OR_RETURN(auto from,
                         OptionalDateFromProto("start_date_from", request.start_date_from()));
  filter.start_from = from;
  LUBAN_ASSIGN_OR_RETURN(auto to, OptionalDateFromProto("start_date_to", request.start_date_to()));
  filter.start_to = to;
  if (filter.start_from && filter.start_to && *filter.start_to < *filter.start_from) {
    return InvalidField("start_date_to", "must be on or after start_date_from");
  }
  return ReadOne(rc, [&](CourseTx& tx) -> absl::Status {
    return WritePage(logic_.ListCourseRuns(tx, rc.principal, filter, page.after_id, page.size),
                     page_tokens_, rc.principal.name, request, response->mutable_course_runs(),
                     response->mutable_next_page_token());
  });
}

absl::Status CourseApi::CreateCourseRun(const RequestContext& rc,
                                        const pb::CreateCourseRunRequest& request,
                                        pb::CourseRun* response) {
  LUBAN_ASSIGN_OR_RETURN(auto draft, CourseRunFromProto(request.course_run()));
  return RunMutation<CourseTx>(
      store_, rc, request, response, [&](CourseTx& tx, ChangeRecorder& changes) -> absl::Status {
        return RecordRun(logic_.CreateCourseRun(tx, rc.principal, draft), ChangeKind::kCreated,
                         "created", response, changes);
      });
}

absl::Status CourseApi::UpdateCourseRun(const RequestContext& rc,
                                        const pb::UpdateCourseRunRequest& request,
                                        pb::CourseRun* response) {
  const pb::CourseRun& in = request.course_run();
  LUBAN_ASSIGN_OR_RETURN(auto target, ReadTarget(kCourseRuns, in.name(), in.etag()));
  LUBAN_ASSIGN_OR_RETURN(
      auto mask,
      ReadUpdateMask(request.update_mask(), {"start_date", "end_date", "capacity", "language_code",
                                             "pass_score", "min_attendance_percent"}));
  CourseRunPatch patch;
  if (mask.contains("start_date")) {
    LUBAN_ASSIGN_OR_RETURN(auto day, DateFromProto("course_run.start_date", in.start_date()));
    patch.start_date = day;
  }
  if (mask.contains("end_date")) {
    LUBAN_ASSIGN_OR_RETURN(auto day, DateFromProto("course_run.end_date", in.end_date()));
    patch.end_date = day;
  }
  if (mask.contains("capacity")) patch.capacity = in.capacity();
  if (mask.contains("language_code")) patch.language = in.language_code();
  if (mask.contains("pass_score")) patch.pass_score = in.pass_score();
  if (mask.contains("min_attendance_percent")) {
    patch.min_attendance_percent = in.min_attendance_percent();
  }
  return RunMutation<CourseTx>(
      store_, rc, request, response, [&](CourseTx& tx, ChangeRecorder& changes) -> absl::Status {
        return RecordRun(logic_.UpdateCourseRun(tx, rc.principal, target.id, target.version, patch),
                         ChangeKind::kUpdated, "updated", response, changes);
      });
}

absl::Status CourseApi::DeleteCourseRun(const RequestContext& rc,
                                        const pb::DeleteCourseRunRequest& request,
                                        pb::DeleteCourseRunResponse* response) {
  LUBAN_ASSIGN_OR_RETURN(auto target, ReadTarget(kCourseRuns, request.name(), request.etag()));
  return RunMutation<CourseTx>(
      store_, rc, request, response, [&](CourseTx& tx, ChangeRecorder& changes) -> absl::Status {
        pb::CourseRun state;
        return RecordRun(logic_.DeleteCourseRun(tx, rc.principal, target.id, target.version),
                         ChangeKind::kDeleted, "deleted", &state, changes);
      });
}

absl::Status CourseApi::Transition(const RequestContext& rc,
                                   const google::protobuf::Message& request,
                                   const std::string& name, const std::string& etag,
                                   RunStatus target_status, const std::string& reason,
                                   pb::CourseRun* response) {
  LUBAN_ASSIGN_OR_RETURN(auto target, ReadTarget(kCourseRuns, name, etag));
  return RunMutation<CourseTx>(
      store_, rc, request, response, [&](CourseTx& tx, ChangeRecorder& changes) -> absl::Status {
        return RecordRun(logic_.TransitionCourseRun(tx, rc.principal, target.id, target.version,
                                                    target_status, reason),
                         ChangeKind::kUpdated,
                         absl::StrCat("status:", RunStatusName(target_status)), response, changes);
      });
}

absl::Status CourseApi::RecordRun(const absl::StatusOr<ChangedRun>& changed, ChangeKind kind,
                                  absl::string_view action, pb::CourseRun* state,
                                  ChangeRecorder& changes) const {
  if (!changed.ok()) return changed.status();
  ToProto(changed->run, state);
  changes.Record(kCourseRuns, state->name(), kind, *state, action, changed->owners);
  return absl::OkStatus();
}

absl::Status CourseApi::OpenCourseRun(const RequestContext& rc,
                                      const pb::OpenCourseRunRequest& request,
                                      pb::CourseRun* response) {
  return Transition(rc, request, request.name(), request.etag(), RunStatus::kOpen, "", response);
}

absl::Status CourseApi::StartCourseRun(const RequestContext& rc,
                                       const pb::StartCourseRunRequest& request,
                                       pb::CourseRun* response) {
  return Transition(rc, request, request.name(), request.etag(), RunStatus::kInProgress, "",
                    response);
}

absl::Status CourseApi::CompleteCourseRun(const RequestContext& rc,
                                          const pb::CompleteCourseRunRequest& request,
                                          pb::CourseRun* response) {
  return Transition(rc, request, request.name(), request.etag(), RunStatus::kCompleted, "",
                    response);
}

absl::Status CourseApi::CancelCourseRun(const RequestContext& rc,
                                        const pb::CancelCourseRunRequest& request,
                                        pb::CourseRun* response) {
  return Transition(rc, request, request.name(), request.etag(), RunStatus::kCancelled,
                    request.reason(), response);
}

// The caller and the audit trail

absl::Status CourseApi::GetCaller(const RequestContext& rc, const pb::GetCallerRequest& /*request*/,
                                  luban::common::v1::Caller* response) {
  CallerToProto(rc.principal, response);
  return absl::OkStatus();
}

absl::Status CourseApi::ListAuditRecords(const RequestContext& rc,
                                         const pb::ListAuditRecordsRequest& request,
                                         pb::ListAuditRecordsResponse* response) {
  LUBAN_ASSIGN_OR_RETURN(auto page, ReadPageRequest(page_tokens_, rc.principal.name, request));
  LUBAN_ASSIGN_OR_RETURN(
      auto resource,
      OptionalResourceNameIn("resource", {kInstitutions, kWorkshops, kCourses, kCourseRuns},
                             request.resource()));
  return ReadOne(rc, [&](CourseTx& tx) -> absl::Status {
    return WritePage(logic_.ListAuditRecords(tx, rc.principal, resource, page.after_id, page.size),
                     page_tokens_, rc.principal.name, request, response->mutable_audit_records(),
                     response->mutable_next_page_token());
  });
}

}  // namespace luban::course
