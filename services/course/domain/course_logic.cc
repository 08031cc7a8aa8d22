#include "services/course/domain/course_logic.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/domain/audit_trail.h"
#include "common/domain/resource_name.h"
#include "common/domain/status_macros.h"
#include "common/domain/validation.h"

namespace luban::course {
namespace {

absl::Status CheckStrings(absl::string_view field, const std::vector<std::string>& values,
                          size_t max_items, size_t max_bytes) {
  if (values.size() > max_items) {
    return InvalidField(field, absl::StrCat("at most ", max_items, " entries"));
  }
  absl::flat_hash_set<absl::string_view> seen;
  for (size_t i = 0; i < values.size(); ++i) {
    const std::string item = absl::StrCat(field, "[", i, "]");
    LUBAN_RETURN_IF_ERROR(CheckText(item, values[i], 1, max_bytes));
    if (!seen.insert(values[i]).second) {
      return InvalidField(item, absl::StrCat("\"", values[i], "\" appears twice"));
    }
  }
  return absl::OkStatus();
}

// A row read for update, if the caller's etag (when given) still matches it.
template <typename T>
absl::StatusOr<T> Current(absl::StatusOr<T> row, absl::string_view collection, int64_t id,
                          std::optional<int64_t> expected_version) {
  if (!row.ok()) return row;
  if (auto s =
          CheckVersion(FormatResourceName(collection, id), expected_version, row->meta.version);
      !s.ok()) {
    return s;
  }
  return row;
}

bool RunIsActive(RunStatus status) {
  return status == RunStatus::kScheduled || status == RunStatus::kOpen ||
         status == RunStatus::kInProgress;
}

}  // namespace

absl::string_view WorkshopStatusName(WorkshopStatus status) {
  switch (status) {
    case WorkshopStatus::kPlanned:
      return "planned";
    case WorkshopStatus::kOperating:
      return "operating";
    case WorkshopStatus::kSuspended:
      return "suspended";
    case WorkshopStatus::kClosed:
      return "closed";
  }
  return "unknown";
}

absl::string_view RunStatusName(RunStatus status) {
  switch (status) {
    case RunStatus::kScheduled:
      return "scheduled";
    case RunStatus::kOpen:
      return "open";
    case RunStatus::kInProgress:
      return "in progress";
    case RunStatus::kCompleted:
      return "completed";
    case RunStatus::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

// ---------------------------------------------------------------------------------------------
// Institutions

absl::Status CourseLogic::CheckInstitution(const Institution& institution) const {
  LUBAN_RETURN_IF_ERROR(CheckLocalizedTexts("display_names", institution.names));
  LUBAN_RETURN_IF_ERROR(CheckCountryCode("country_code", institution.country));
  if (institution.kind == InstitutionKind::kChineseCollege &&
      institution.country != config_.chinese_country) {
    return InvalidField("country_code",
                        absl::StrCat("a Chinese college lies in ", config_.chinese_country));
  }
  if (institution.kind == InstitutionKind::kLocalPartner &&
      !config_.workshop_countries.contains(institution.country)) {
    return InvalidField("country_code",
                        absl::StrCat("a local partner lies in a workshop country (",
                                     absl::StrJoin(config_.workshop_countries, ", "), ")"));
  }
  LUBAN_RETURN_IF_ERROR(CheckText("city", institution.city, 1, 200));
  if (!institution.website.empty()) {
    LUBAN_RETURN_IF_ERROR(CheckText("website", institution.website, 1, 500));
    if (!absl::StartsWith(institution.website, "https://") &&
        !absl::StartsWith(institution.website, "http://")) {
      return InvalidField("website", "an http:// or https:// address");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Institution> CourseLogic::GetInstitution(CourseTx& tx, int64_t id) const {
  return tx.GetInstitution(id, /*for_update=*/false);
}

absl::StatusOr<Page<Institution>> CourseLogic::ListInstitutions(CourseTx& tx,
                                                                const InstitutionFilter& filter,
                                                                int64_t after_id, int limit) const {
  return tx.ListInstitutions(filter, after_id, limit);
}

absl::StatusOr<Institution> CourseLogic::CreateInstitution(CourseTx& tx, Institution draft) const {
  LUBAN_RETURN_IF_ERROR(CheckInstitution(draft));
  draft.meta.Stamp(config_.clock.Now());
  LUBAN_ASSIGN_OR_RETURN(auto id, tx.InsertInstitution(draft));
  draft.meta.id = id;
  return draft;
}

absl::StatusOr<Institution> CourseLogic::UpdateInstitution(CourseTx& tx, int64_t id,
                                                           std::optional<int64_t> expected_version,
                                                           const InstitutionPatch& patch) const {
  LUBAN_ASSIGN_OR_RETURN(auto institution, Current(tx.GetInstitution(id, /*for_update=*/true),
                                                   kInstitutions, id, expected_version));
  if (patch.names) institution.names = *patch.names;
  if (patch.city) institution.city = *patch.city;
  if (patch.website) institution.website = *patch.website;
  LUBAN_RETURN_IF_ERROR(CheckInstitution(institution));
  institution.meta.Bump(config_.clock.Now());
  LUBAN_RETURN_IF_ERROR(tx.UpdateInstitution(institution));
  return institution;
}

absl::StatusOr<Institution> CourseLogic::DeleteInstitution(
    CourseTx& tx, int64_t id, std::optional<int64_t> expected_version) const {
  LUBAN_ASSIGN_OR_RETURN(auto institution, Current(tx.GetInstitution(id, /*for_update=*/true),
                                                   kInstitutions, id, expected_version));
  LUBAN_ASSIGN_OR_RETURN(auto used, tx.InstitutionHasWorkshops(id));
  if (used) {
    return absl::FailedPreconditionError(absl::StrCat(
        FormatResourceName(kInstitutions, id), " co-founded a workshop and cannot be deleted"));
  }
  LUBAN_RETURN_IF_ERROR(tx.DeleteInstitution(id));
  return institution;
}

// ---------------------------------------------------------------------------------------------
// Workshops

absl::Status CourseLogic::CheckWorkshop(const Workshop& workshop) const {
  LUBAN_RETURN_IF_ERROR(CheckLocalizedTexts("display_names", workshop.names));
  LUBAN_RETURN_IF_ERROR(CheckCountryCode("country_code", workshop.country));
  if (!config_.workshop_countries.contains(workshop.country)) {
    return InvalidField("country_code",
                        absl::StrCat("workshops lie in one of the workshop countries (",
                                     absl::StrJoin(config_.workshop_countries, ", "), ")"));
  }
  LUBAN_RETURN_IF_ERROR(CheckText("city", workshop.city, 1, 200));
  return CheckStrings("disciplines", workshop.disciplines, 32, 100);
}

absl::StatusOr<Workshop> CourseLogic::VisibleWorkshop(CourseTx& tx, const Principal& who,
                                                      int64_t id, bool for_update) const {
  LUBAN_ASSIGN_OR_RETURN(auto workshop, tx.GetWorkshop(id, for_update));
  if (who.ReadsEverything()) return workshop;
  if (who.IsCollegeAdmin() && workshop.CoFoundedBy(who.institution_id)) return workshop;
  return ResourceNotFound(kWorkshops, id);
}

absl::StatusOr<Workshop> CourseLogic::ManagedWorkshop(CourseTx& tx, const Principal& who,
                                                      int64_t id, bool for_update) const {
  LUBAN_ASSIGN_OR_RETURN(auto workshop, VisibleWorkshop(tx, who, id, for_update));
  if (who.IsNetworkAdmin() || who.IsCollegeAdmin()) return workshop;
  return absl::PermissionDeniedError(
      absl::StrCat("role ", RoleName(who.role), " may not change workshops"));
}

absl::StatusOr<Workshop> CourseLogic::GetWorkshop(CourseTx& tx, const Principal& who,
                                                  int64_t id) const {
  return VisibleWorkshop(tx, who, id, /*for_update=*/false);
}

absl::StatusOr<Page<Workshop>> CourseLogic::ListWorkshops(CourseTx& tx, const Principal& who,
                                                          WorkshopFilter filter, int64_t after_id,
                                                          int limit) const {
  if (!who.ReadsEverything()) filter.visible_to_institution = who.institution_id;
  return tx.ListWorkshops(filter, after_id, limit);
}

absl::StatusOr<Workshop> CourseLogic::CreateWorkshop(CourseTx& tx, Workshop draft) const {
  LUBAN_RETURN_IF_ERROR(CheckWorkshop(draft));
  auto chinese = tx.GetInstitution(draft.chinese_institution_id, /*for_update=*/false);
  if (!chinese.ok()) {
    return chinese.status().code() == absl::StatusCode::kNotFound
               ? InvalidField("chinese_institution", chinese.status().message())
               : chinese.status();
  }
  if (chinese->kind != InstitutionKind::kChineseCollege) {
    return InvalidField("chinese_institution", "must be a Chinese college");
  }
  auto partner = tx.GetInstitution(draft.partner_institution_id, /*for_update=*/false);
  if (!partner.ok()) {
    return partner.status().code() == absl::StatusCode::kNotFound
               ? InvalidField("partner_institution", partner.status().message())
               : partner.status();
  }
  if (partner->kind != InstitutionKind::kLocalPartner) {
    return InvalidField("partner_institution", "must be a local partner institution");
  }
  if (partner->country != draft.country) {
    return InvalidField("partner_institution",
                        absl::StrCat("the partner lies in ", partner->country, ", the workshop in ",
                                     draft.country));
  }
  draft.status = WorkshopStatus::kPlanned;
  draft.meta.Stamp(config_.clock.Now());
  LUBAN_ASSIGN_OR_RETURN(auto id, tx.InsertWorkshop(draft));
  draft.meta.id = id;
  return draft;
}

absl::StatusOr<Workshop> CourseLogic::UpdateWorkshop(CourseTx& tx, const Principal& who, int64_t id,
                                                     std::optional<int64_t> expected_version,
                                                     const WorkshopPatch& patch) const {
  LUBAN_ASSIGN_OR_RETURN(auto workshop, ManagedWorkshop(tx, who, id, /*for_update=*/true));
  if (auto s =
          CheckVersion(FormatResourceName(kWorkshops, id), expected_version, workshop.meta.version);
      !s.ok()) {
    return s;
  }
  if (workshop.status == WorkshopStatus::kClosed) {
    return absl::FailedPreconditionError(
        absl::StrCat(FormatResourceName(kWorkshops, id), " is closed and can no longer change"));
  }
  if (patch.names) workshop.names = *patch.names;
  if (patch.city) workshop.city = *patch.city;
  if (patch.opened_date) workshop.opened_date = *patch.opened_date;
  if (patch.disciplines) workshop.disciplines = *patch.disciplines;
  LUBAN_RETURN_IF_ERROR(CheckWorkshop(workshop));
  workshop.meta.Bump(config_.clock.Now());
  LUBAN_RETURN_IF_ERROR(tx.UpdateWorkshop(workshop));
  return workshop;
}

absl::StatusOr<Workshop> CourseLogic::DeleteWorkshop(
    CourseTx& tx, int64_t id, std::optional<int64_t> expected_version) const {
  LUBAN_ASSIGN_OR_RETURN(auto workshop, Current(tx.GetWorkshop(id, /*for_update=*/true), kWorkshops,
                                                id, expected_version));
  const std::string name = FormatResourceName(kWorkshops, id);
  if (workshop.status != WorkshopStatus::kPlanned) {
    return absl::FailedPreconditionError(
        absl::StrCat(name, " is ", WorkshopStatusName(workshop.status),
                     "; only a planned workshop can be deleted (close it)"));
  }
  LUBAN_ASSIGN_OR_RETURN(auto runs, tx.CountWorkshopRuns(id, /*active_only=*/false));
  if (runs > 0) return absl::FailedPreconditionError(absl::StrCat(name, " has course runs"));
  LUBAN_RETURN_IF_ERROR(tx.DeleteWorkshop(id));
  return workshop;
}

absl::StatusOr<Workshop> CourseLogic::ChangeWorkshopStatus(CourseTx& tx, const Principal& who,
                                                           int64_t id,
                                                           std::optional<int64_t> expected_version,
                                                           WorkshopStatus target) const {
  LUBAN_ASSIGN_OR_RETURN(auto workshop, ManagedWorkshop(tx, who, id, /*for_update=*/true));
  const std::string name = FormatResourceName(kWorkshops, id);
  LUBAN_RETURN_IF_ERROR(CheckVersion(name, expected_version, workshop.meta.version));
  const WorkshopStatus from = workshop.status;
  bool allowed = false;
  switch (target) {
    case WorkshopStatus::kOperating:
      allowed = from == WorkshopStatus::kPlanned || from == WorkshopStatus::kSuspended;
      break;
    case WorkshopStatus::kSuspended:
      allowed = from == WorkshopStatus::kOperating;
      break;
    case WorkshopStatus::kClosed:
      allowed = from != WorkshopStatus::kClosed;
      break;
    case WorkshopStatus::kPlanned:
      allowed = false;
      break;
  }
  if (!allowed) {
    return absl::FailedPreconditionError(absl::StrCat(
        name, " is ", WorkshopStatusName(from), " and cannot become ", WorkshopStatusName(target)));
  }
  if (from == WorkshopStatus::kPlanned && !who.IsNetworkAdmin()) {
    return absl::PermissionDeniedError(
        "only a network admin opens a planned workshop (it starts operating)");
  }
  if (target == WorkshopStatus::kClosed) {
    LUBAN_ASSIGN_OR_RETURN(auto active, tx.CountWorkshopRuns(id, /*active_only=*/true));
    if (active > 0) {
      return absl::FailedPreconditionError(
          absl::StrCat(name, " has ", active,
                       " scheduled, open or running course runs; complete or "
                       "cancel them before closing it"));
    }
  }
  workshop.status = target;
  if (target == WorkshopStatus::kOperating && !workshop.opened_date) {
    workshop.opened_date = config_.clock.Today();
  }
  workshop.meta.Bump(config_.clock.Now());
  LUBAN_RETURN_IF_ERROR(tx.UpdateWorkshop(workshop));
  return workshop;
}

// ---------------------------------------------------------------------------------------------
// Courses

absl::Status CourseLogic::CheckCourse(const Course& course) const {
  if (course.code.size() < 2 || course.code.size() > 32) {
    return InvalidField("code", "2..32 characters of A-Z, 0-9 and '-'");
  }
  for (char c : course.code) {
    if (!(absl::ascii_isupper(static_cast<unsigned char>(c)) ||
          absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '-')) {
      return InvalidField("code", "2..32 characters of A-Z, 0-9 and '-'");
    }
  }
  LUBAN_RETURN_IF_ERROR(CheckLocalizedTexts("titles", course.titles));
  LUBAN_RETURN_IF_ERROR(CheckText("discipline", course.discipline, 1, 100));
  if (course.hours < 1 || course.hours > 2000) return InvalidField("hours", "1..2000");
  if (course.languages.empty()) {
    return InvalidField("instruction_languages", "at least one language");
  }
  if (course.languages.size() > 16) {
    return InvalidField("instruction_languages", "at most 16 languages");
  }
  absl::flat_hash_set<absl::string_view> seen;
  for (size_t i = 0; i < course.languages.size(); ++i) {
    const std::string item = absl::StrCat("instruction_languages[", i, "]");
    LUBAN_RETURN_IF_ERROR(CheckLanguageTag(item, course.languages[i]));
    if (!seen.insert(course.languages[i]).second) return InvalidField(item, "appears twice");
  }
  return CheckText("description", course.description, 0, 4000, /*multiline=*/true);
}

absl::StatusOr<Course> CourseLogic::GetCourse(CourseTx& tx, int64_t id) const {
  return tx.GetCourse(id, /*for_update=*/false);
}

absl::StatusOr<Page<Course>> CourseLogic::ListCourses(CourseTx& tx, const CourseFilter& filter,
                                                      int64_t after_id, int limit) const {
  return tx.ListCourses(filter, after_id, limit);
}

absl::StatusOr<Course> CourseLogic::CreateCourse(CourseTx& tx, Course draft) const {
  LUBAN_RETURN_IF_ERROR(CheckCourse(draft));
  draft.meta.Stamp(config_.clock.Now());
  LUBAN_ASSIGN_OR_RETURN(auto id, tx.InsertCourse(draft));
  draft.meta.id = id;
  return draft;
}

absl::StatusOr<Course> CourseLogic::UpdateCourse(CourseTx& tx, int64_t id,
                                                 std::optional<int64_t> expected_version,
                                                 const CoursePatch& patch) const {
  LUBAN_ASSIGN_OR_RETURN(
      auto course, Current(tx.GetCourse(id, /*for_update=*/true), kCourses, id, expected_version));
  if (patch.titles) course.titles = *patch.titles;
  if (patch.discipline) course.discipline = *patch.discipline;
  if (patch.hours) course.hours = *patch.hours;
  if (patch.languages) course.languages = *patch.languages;
  if (patch.description) course.description = *patch.description;
  LUBAN_RETURN_IF_ERROR(CheckCourse(course));
  course.meta.Bump(config_.clock.Now());
  LUBAN_RETURN_IF_ERROR(tx.UpdateCourse(course));
  return course;
}

absl::StatusOr<Course> CourseLogic::DeleteCourse(CourseTx& tx, int64_t id,
                                                 std::optional<int64_t> expected_version) const {
  LUBAN_ASSIGN_OR_RETURN(
      auto course, Current(tx.GetCourse(id, /*for_update=*/true), kCourses, id, expected_version));
  const std::string name = FormatResourceName(kCourses, id);
  LUBAN_ASSIGN_OR_RETURN(auto used, tx.CourseHasRuns(id));
  if (used)
    return absl::FailedPreconditionError(
        absl::StrCat(name, " has course runs and cannot be deleted"));
  LUBAN_RETURN_IF_ERROR(tx.DeleteCourse(id));
  return course;
}

// ---------------------------------------------------------------------------------------------
// Course runs

absl::Status CourseLogic::CheckCourseRun(const CourseRun& run, const Course& course) const {
  if (run.end_date < run.start_date) {
    return InvalidField("end_date", "must be on or after start_date");
  }
  if (run.capacity < 1 || run.capacity > 10000) return InvalidField("capacity", "1..10000 seats");
  LUBAN_RETURN_IF_ERROR(CheckLanguageTag("language_code", run.language));
  bool taught = false;
  for (const auto& language : course.languages) taught |= language == run.language;
  if (!taught) {
    return InvalidField("language_code",
                        absl::StrCat("must be one of the course's instruction languages (",
                                     absl::StrJoin(course.languages, ", "), ")"));
  }
  if (run.pass_score < 0 || run.pass_score > 100) return InvalidField("pass_score", "0..100");
  if (run.min_attendance_percent < 0 || run.min_attendance_percent > 100) {
    return InvalidField("min_attendance_percent", "0..100");
  }
  return absl::OkStatus();
}

absl::StatusOr<CourseRun> CourseLogic::GetCourseRun(CourseTx& tx, const Principal& who,
                                                    int64_t id) const {
  LUBAN_ASSIGN_OR_RETURN(auto run, tx.GetCourseRun(id, /*for_update=*/false));
  if (who.ReadsEverything()) return run;
  auto workshop = VisibleWorkshop(tx, who, run.workshop_id, /*for_update=*/false);
  if (!workshop.ok()) {
    return workshop.status().code() == absl::StatusCode::kNotFound
               ? ResourceNotFound(kCourseRuns, id)
               : workshop.status();
  }
  return run;
}

absl::StatusOr<Page<CourseRun>> CourseLogic::ListCourseRuns(CourseTx& tx, const Principal& who,
                                                            CourseRunFilter filter,
                                                            int64_t after_id, int limit) const {
  if (!who.ReadsEverything()) filter.visible_to_institution = who.institution_id;
  return tx.ListCourseRuns(filter, after_id, limit);
}

absl::StatusOr<ChangedRun> CourseLogic::ManagedRun(CourseTx& tx, const Principal& who, int64_t id,
                                                   std::optional<int64_t> expected_version) const {
  LUBAN_ASSIGN_OR_RETURN(auto run, tx.GetCourseRun(id, /*for_update=*/true));
  auto workshop = ManagedWorkshop(tx, who, run.workshop_id, /*for_update=*/false);
  if (!workshop.ok()) {
    return workshop.status().code() == absl::StatusCode::kNotFound
               ? ResourceNotFound(kCourseRuns, id)
               : workshop.status();
  }
  if (auto s =
          CheckVersion(FormatResourceName(kCourseRuns, id), expected_version, run.meta.version);
      !s.ok()) {
    return s;
  }
  return ChangedRun{std::move(run), OwnersOf(*workshop)};
}

absl::StatusOr<ChangedRun> CourseLogic::CreateCourseRun(CourseTx& tx, const Principal& who,
                                                        CourseRun draft) const {
  // A workshop the caller may not see is reported exactly like a missing one.
  LUBAN_ASSIGN_OR_RETURN(auto workshop,
                         ManagedWorkshop(tx, who, draft.workshop_id, /*for_update=*/true));
  if (workshop.status != WorkshopStatus::kOperating) {
    return absl::FailedPreconditionError(
        absl::StrCat(FormatResourceName(kWorkshops, draft.workshop_id), " is ",
                     WorkshopStatusName(workshop.status),
                     "; runs can be scheduled only at an operating workshop"));
  }
  LUBAN_ASSIGN_OR_RETURN(auto course, tx.GetCourse(draft.course_id, /*for_update=*/false));
  LUBAN_RETURN_IF_ERROR(CheckCourseRun(draft, course));
  draft.status = RunStatus::kScheduled;
  draft.cancel_reason.clear();
  draft.country = workshop.country;
  draft.meta.Stamp(config_.clock.Now());
  LUBAN_ASSIGN_OR_RETURN(auto id, tx.InsertCourseRun(draft));
  draft.meta.id = id;
  return ChangedRun{std::move(draft), OwnersOf(workshop)};
}

absl::StatusOr<ChangedRun> CourseLogic::UpdateCourseRun(CourseTx& tx, const Principal& who,
                                                        int64_t id,
                                                        std::optional<int64_t> expected_version,
                                                        const CourseRunPatch& patch) const {
  LUBAN_ASSIGN_OR_RETURN(ChangedRun changed, ManagedRun(tx, who, id, expected_version));
  CourseRun& run = changed.run;
  const std::string name = FormatResourceName(kCourseRuns, id);
  if (run.status != RunStatus::kScheduled && run.status != RunStatus::kOpen) {
    return absl::FailedPreconditionError(absl::StrCat(name, " is ", RunStatusName(run.status),
                                                      "; only scheduled or open runs can change"));
  }
  if (patch.capacity && run.status == RunStatus::kOpen && *patch.capacity < run.capacity) {
    return absl::FailedPreconditionError(
        absl::StrCat(name,
                     " is open for enrollment; its capacity can grow but "
                     "not shrink below ",
                     run.capacity));
  }
  if (patch.start_date) run.start_date = *patch.start_date;
  if (patch.end_date) run.end_date = *patch.end_date;
  if (patch.capacity) run.capacity = *patch.capacity;
  if (patch.language) run.language = *patch.language;
  if (patch.pass_score) run.pass_score = *patch.pass_score;
  if (patch.min_attendance_percent) run.min_attendance_percent = *patch.min_attendance_percent;
  LUBAN_ASSIGN_OR_RETURN(auto course, tx.GetCourse(run.course_id, /*for_update=*/false));
  LUBAN_RETURN_IF_ERROR(CheckCourseRun(run, course));
  run.meta.Bump(config_.clock.Now());
  LUBAN_RETURN_IF_ERROR(tx.UpdateCourseRun(run));
  return changed;
}

absl::StatusOr<ChangedRun> CourseLogic::DeleteCourseRun(
    CourseTx& tx, const Principal& who, int64_t id, std::optional<int64_t> expected_version) const {
  LUBAN_ASSIGN_OR_RETURN(ChangedRun changed, ManagedRun(tx, who, id, expected_version));
  CourseRun& run = changed.run;
  if (run.status != RunStatus::kScheduled) {
    return absl::FailedPreconditionError(
        absl::StrCat(FormatResourceName(kCourseRuns, id), " is ", RunStatusName(run.status),
                     "; only a scheduled run can be deleted (cancel it)"));
  }
  LUBAN_RETURN_IF_ERROR(tx.DeleteCourseRun(id));
  return changed;
}

absl::StatusOr<ChangedRun> CourseLogic::TransitionCourseRun(CourseTx& tx, const Principal& who,
                                                            int64_t id,
                                                            std::optional<int64_t> expected_version,
                                                            RunStatus target,
                                                            const std::string& reason) const {
  if (target == RunStatus::kCancelled) {
    LUBAN_RETURN_IF_ERROR(CheckText("reason", reason, 1, 1000, /*multiline=*/true));
  }
  LUBAN_ASSIGN_OR_RETURN(ChangedRun changed, ManagedRun(tx, who, id, expected_version));
  CourseRun& run = changed.run;
  const RunStatus from = run.status;
  bool allowed = false;
  switch (target) {
    case RunStatus::kOpen:
      allowed = from == RunStatus::kScheduled;
      break;
    case RunStatus::kInProgress:
      allowed = from == RunStatus::kOpen;
      break;
    case RunStatus::kCompleted:
      allowed = from == RunStatus::kInProgress;
      break;
    case RunStatus::kCancelled:
      allowed = RunIsActive(from);
      break;
    case RunStatus::kScheduled:
      allowed = false;
      break;
  }
  const std::string name = FormatResourceName(kCourseRuns, id);
  if (!allowed) {
    return absl::FailedPreconditionError(absl::StrCat(
        name, " is ", RunStatusName(from), " and cannot become ", RunStatusName(target)));
  }
  if (target == RunStatus::kOpen) {
    LUBAN_ASSIGN_OR_RETURN(auto workshop, tx.GetWorkshop(run.workshop_id, /*for_update=*/false));
    if (workshop.status != WorkshopStatus::kOperating) {
      return absl::FailedPreconditionError(absl::StrCat(
          FormatResourceName(kWorkshops, run.workshop_id), " is ",
          WorkshopStatusName(workshop.status), "; runs open only at an operating workshop"));
    }
  }
  run.status = target;
  if (target == RunStatus::kCancelled) run.cancel_reason = reason;
  run.meta.Bump(config_.clock.Now());
  LUBAN_RETURN_IF_ERROR(tx.UpdateCourseRun(run));
  return changed;
}

// ---------------------------------------------------------------------------------------------
// The audit trail

absl::StatusOr<Page<StoredAuditRecord>> CourseLogic::ListAuditRecords(
    CourseTx& tx, const Principal& who, const std::optional<ResourceId>& resource,
    int64_t before_id, int limit) const {
  return ReadAuditTrail(
      tx.ledger(), who, resource, before_id, limit, [&](const ResourceId& record) -> absl::Status {
        if (record.collection == kInstitutions) {
          // Anyone reads an institution; its history is its own admins'.
          if (record.id != who.institution_id) return ResourceNotFound(kInstitutions, record.id);
          return GetInstitution(tx, record.id).status();
        }
        if (record.collection == kWorkshops) return GetWorkshop(tx, who, record.id).status();
        if (record.collection == kCourseRuns) return GetCourseRun(tx, who, record.id).status();
        if (record.collection == kCourses) {
          return absl::PermissionDeniedError(
              "resource: the history of the shared catalogue is read by network admins");
        }
        return InvalidField(
            "resource", absl::StrCat(record.collection, " are not records of the course service"));
      });
}

}  // namespace luban::course
