#include "services/course/domain/course_logic.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/domain/audit_trail.h"
#include "common/domain/resource_name.h"
#include "common/domain/validation.h"

namespace luban::course {
namespace {

absl::Status Precondition(absl::string_view what) {
  return absl::FailedPreconditionError(std::string(what));
}

absl::Status NotFound(absl::string_view collection, int64_t id) {
  return absl::NotFoundError(absl::StrCat(FormatResourceName(collection, id), ": not found"));
}

// New rows: version 1, created and updated now.
void Stamp(Meta& meta) {
  meta.version = 1;
  meta.create_time = meta.update_time = absl::Now();
}

// A changed row: next version, updated now.
void Bump(Meta& meta) {
  ++meta.version;
  meta.update_time = absl::Now();
}

absl::Status CheckStrings(absl::string_view field, const std::vector<std::string>& values,
                          size_t max_items, size_t max_bytes) {
  if (values.size() > max_items) {
    return InvalidField(field, absl::StrCat("at most ", max_items, " entries"));
  }
  absl::flat_hash_set<absl::string_view> seen;
  for (size_t i = 0; i < values.size(); ++i) {
    const std::string item = absl::StrCat(field, "[", i, "]");
    if (auto s = CheckText(item, values[i], 1, max_bytes); !s.ok()) return s;
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
  if (auto s = CheckLocalizedTexts("display_names", institution.names); !s.ok()) return s;
  if (auto s = CheckCountryCode("country_code", institution.country); !s.ok()) return s;
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
  if (auto s = CheckText("city", institution.city, 1, 200); !s.ok()) return s;
  if (!institution.website.empty()) {
    if (auto s = CheckText("website", institution.website, 1, 500); !s.ok()) return s;
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
  if (auto s = CheckInstitution(draft); !s.ok()) return s;
  Stamp(draft.meta);
  auto id = tx.InsertInstitution(draft);
  if (!id.ok()) return id.status();
  draft.meta.id = *id;
  return draft;
}

absl::StatusOr<Institution> CourseLogic::UpdateInstitution(CourseTx& tx, int64_t id,
                                                           std::optional<int64_t> expected_version,
                                                           const InstitutionPatch& patch) const {
  auto institution =
      Current(tx.GetInstitution(id, /*for_update=*/true), kInstitutions, id, expected_version);
  if (!institution.ok()) return institution.status();
  if (patch.names) institution->names = *patch.names;
  if (patch.city) institution->city = *patch.city;
  if (patch.website) institution->website = *patch.website;
  if (auto s = CheckInstitution(*institution); !s.ok()) return s;
  Bump(institution->meta);
  if (auto s = tx.UpdateInstitution(*institution); !s.ok()) return s;
  return institution;
}

absl::StatusOr<Institution> CourseLogic::DeleteInstitution(
    CourseTx& tx, int64_t id, std::optional<int64_t> expected_version) const {
  auto institution =
      Current(tx.GetInstitution(id, /*for_update=*/true), kInstitutions, id, expected_version);
  if (!institution.ok()) return institution.status();
  auto used = tx.InstitutionHasWorkshops(id);
  if (!used.ok()) return used.status();
  if (*used) {
    return Precondition(absl::StrCat(FormatResourceName(kInstitutions, id),
                                     " co-founded a workshop and cannot be deleted"));
  }
  if (auto s = tx.DeleteInstitution(id); !s.ok()) return s;
  return institution;
}

// ---------------------------------------------------------------------------------------------
// Workshops

absl::Status CourseLogic::CheckWorkshop(const Workshop& workshop) const {
  if (auto s = CheckLocalizedTexts("display_names", workshop.names); !s.ok()) return s;
  if (auto s = CheckCountryCode("country_code", workshop.country); !s.ok()) return s;
  if (!config_.workshop_countries.contains(workshop.country)) {
    return InvalidField("country_code",
                        absl::StrCat("workshops lie in one of the workshop countries (",
                                     absl::StrJoin(config_.workshop_countries, ", "), ")"));
  }
  if (auto s = CheckText("city", workshop.city, 1, 200); !s.ok()) return s;
  return CheckStrings("disciplines", workshop.disciplines, 32, 100);
}

absl::StatusOr<Workshop> CourseLogic::VisibleWorkshop(CourseTx& tx, const Principal& who,
                                                      int64_t id, bool for_update) const {
  auto workshop = tx.GetWorkshop(id, for_update);
  if (!workshop.ok()) return workshop.status();
  if (who.ReadsEverything()) return workshop;
  if (who.IsCollegeAdmin() && workshop->CoFoundedBy(who.institution_id)) return workshop;
  return NotFound(kWorkshops, id);
}

absl::StatusOr<OwningInstitutions> CourseLogic::RunOwners(CourseTx& tx,
                                                          const CourseRun& run) const {
  auto workshop = tx.GetWorkshop(run.workshop_id, /*for_update=*/false);
  if (!workshop.ok()) return workshop.status();
  return OwnersOf(*workshop);
}

absl::StatusOr<Workshop> CourseLogic::ManagedWorkshop(CourseTx& tx, const Principal& who,
                                                      int64_t id, bool for_update) const {
  auto workshop = VisibleWorkshop(tx, who, id, for_update);
  if (!workshop.ok()) return workshop.status();
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
  if (auto s = CheckWorkshop(draft); !s.ok()) return s;
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
  Stamp(draft.meta);
  auto id = tx.InsertWorkshop(draft);
  if (!id.ok()) return id.status();
  draft.meta.id = *id;
  return draft;
}

absl::StatusOr<Workshop> CourseLogic::UpdateWorkshop(CourseTx& tx, const Principal& who, int64_t id,
                                                     std::optional<int64_t> expected_version,
                                                     const WorkshopPatch& patch) const {
  auto workshop = ManagedWorkshop(tx, who, id, /*for_update=*/true);
  if (!workshop.ok()) return workshop.status();
  if (auto s = CheckVersion(FormatResourceName(kWorkshops, id), expected_version,
                            workshop->meta.version);
      !s.ok()) {
    return s;
  }
  if (workshop->status == WorkshopStatus::kClosed) {
    return Precondition(
        absl::StrCat(FormatResourceName(kWorkshops, id), " is closed and can no longer change"));
  }
  if (patch.names) workshop->names = *patch.names;
  if (patch.city) workshop->city = *patch.city;
  if (patch.opened_date) workshop->opened_date = *patch.opened_date;
  if (patch.disciplines) workshop->disciplines = *patch.disciplines;
  if (auto s = CheckWorkshop(*workshop); !s.ok()) return s;
  Bump(workshop->meta);
  if (auto s = tx.UpdateWorkshop(*workshop); !s.ok()) return s;
  return workshop;
}

absl::StatusOr<Workshop> CourseLogic::DeleteWorkshop(
    CourseTx& tx, int64_t id, std::optional<int64_t> expected_version) const {
  auto workshop =
      Current(tx.GetWorkshop(id, /*for_update=*/true), kWorkshops, id, expected_version);
  if (!workshop.ok()) return workshop.status();
  const std::string name = FormatResourceName(kWorkshops, id);
  if (workshop->status != WorkshopStatus::kPlanned) {
    return Precondition(absl::StrCat(name, " is ", WorkshopStatusName(workshop->status),
                                     "; only a planned workshop can be deleted (close it)"));
  }
  auto runs = tx.CountWorkshopRuns(id, /*active_only=*/false);
  if (!runs.ok()) return runs.status();
  if (*runs > 0) return Precondition(absl::StrCat(name, " has course runs"));
  if (auto s = tx.DeleteWorkshop(id); !s.ok()) return s;
  return workshop;
}

absl::StatusOr<Workshop> CourseLogic::ChangeWorkshopStatus(CourseTx& tx, const Principal& who,
                                                           int64_t id,
                                                           std::optional<int64_t> expected_version,
                                                           WorkshopStatus target) const {
  auto workshop = ManagedWorkshop(tx, who, id, /*for_update=*/true);
  if (!workshop.ok()) return workshop.status();
  const std::string name = FormatResourceName(kWorkshops, id);
  if (auto s = CheckVersion(name, expected_version, workshop->meta.version); !s.ok()) return s;
  const WorkshopStatus from = workshop->status;
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
    return Precondition(absl::StrCat(name, " is ", WorkshopStatusName(from), " and cannot become ",
                                     WorkshopStatusName(target)));
  }
  if (from == WorkshopStatus::kPlanned && !who.IsNetworkAdmin()) {
    return absl::PermissionDeniedError(
        "only a network admin opens a planned workshop (it starts operating)");
  }
  if (target == WorkshopStatus::kClosed) {
    auto active = tx.CountWorkshopRuns(id, /*active_only=*/true);
    if (!active.ok()) return active.status();
    if (*active > 0) {
      return Precondition(absl::StrCat(name, " has ", *active,
                                       " scheduled, open or running course runs; complete or "
                                       "cancel them before closing it"));
    }
  }
  workshop->status = target;
  if (target == WorkshopStatus::kOperating && !workshop->opened_date) {
    workshop->opened_date = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
  }
  Bump(workshop->meta);
  if (auto s = tx.UpdateWorkshop(*workshop); !s.ok()) return s;
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
  if (auto s = CheckLocalizedTexts("titles", course.titles); !s.ok()) return s;
  if (auto s = CheckText("discipline", course.discipline, 1, 100); !s.ok()) return s;
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
    if (auto s = CheckLanguageTag(item, course.languages[i]); !s.ok()) return s;
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
  if (auto s = CheckCourse(draft); !s.ok()) return s;
  Stamp(draft.meta);
  auto id = tx.InsertCourse(draft);
  if (!id.ok()) return id.status();
  draft.meta.id = *id;
  return draft;
}

absl::StatusOr<Course> CourseLogic::UpdateCourse(CourseTx& tx, int64_t id,
                                                 std::optional<int64_t> expected_version,
                                                 const CoursePatch& patch) const {
  auto course = Current(tx.GetCourse(id, /*for_update=*/true), kCourses, id, expected_version);
  if (!course.ok()) return course.status();
  if (patch.titles) course->titles = *patch.titles;
  if (patch.discipline) course->discipline = *patch.discipline;
  if (patch.hours) course->hours = *patch.hours;
  if (patch.languages) course->languages = *patch.languages;
  if (patch.description) course->description = *patch.description;
  if (auto s = CheckCourse(*course); !s.ok()) return s;
  Bump(course->meta);
  if (auto s = tx.UpdateCourse(*course); !s.ok()) return s;
  return course;
}

absl::StatusOr<Course> CourseLogic::DeleteCourse(CourseTx& tx, int64_t id,
                                                 std::optional<int64_t> expected_version) const {
  auto course = Current(tx.GetCourse(id, /*for_update=*/true), kCourses, id, expected_version);
  if (!course.ok()) return course.status();
  const std::string name = FormatResourceName(kCourses, id);
  auto used = tx.CourseHasRuns(id);
  if (!used.ok()) return used.status();
  if (*used) return Precondition(absl::StrCat(name, " has course runs and cannot be deleted"));
  if (auto s = tx.DeleteCourse(id); !s.ok()) return s;
  return course;
}

// ---------------------------------------------------------------------------------------------
// Course runs

absl::Status CourseLogic::CheckCourseRun(const CourseRun& run, const Course& course) const {
  if (run.end_date < run.start_date) {
    return InvalidField("end_date", "must be on or after start_date");
  }
  if (run.capacity < 1 || run.capacity > 10000) return InvalidField("capacity", "1..10000 seats");
  if (auto s = CheckLanguageTag("language_code", run.language); !s.ok()) return s;
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
  auto run = tx.GetCourseRun(id, /*for_update=*/false);
  if (!run.ok()) return run.status();
  if (who.ReadsEverything()) return run;
  auto workshop = VisibleWorkshop(tx, who, run->workshop_id, /*for_update=*/false);
  if (!workshop.ok()) {
    return workshop.status().code() == absl::StatusCode::kNotFound ? NotFound(kCourseRuns, id)
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

absl::StatusOr<CourseRun> CourseLogic::ManagedRun(CourseTx& tx, const Principal& who, int64_t id,
                                                  std::optional<int64_t> expected_version) const {
  auto run = tx.GetCourseRun(id, /*for_update=*/true);
  if (!run.ok()) return run.status();
  auto workshop = ManagedWorkshop(tx, who, run->workshop_id, /*for_update=*/false);
  if (!workshop.ok()) {
    return workshop.status().code() == absl::StatusCode::kNotFound ? NotFound(kCourseRuns, id)
                                                                   : workshop.status();
  }
  if (auto s =
          CheckVersion(FormatResourceName(kCourseRuns, id), expected_version, run->meta.version);
      !s.ok()) {
    return s;
  }
  return run;
}

absl::StatusOr<CourseRun> CourseLogic::CreateCourseRun(CourseTx& tx, const Principal& who,
                                                       CourseRun draft) const {
  // A workshop the caller may not see is reported exactly like a missing one.
  auto workshop = ManagedWorkshop(tx, who, draft.workshop_id, /*for_update=*/true);
  if (!workshop.ok()) return workshop.status();
  if (workshop->status != WorkshopStatus::kOperating) {
    return Precondition(absl::StrCat(FormatResourceName(kWorkshops, draft.workshop_id), " is ",
                                     WorkshopStatusName(workshop->status),
                                     "; runs can be scheduled only at an operating workshop"));
  }
  auto course = tx.GetCourse(draft.course_id, /*for_update=*/false);
  if (!course.ok()) return course.status();
  if (auto s = CheckCourseRun(draft, *course); !s.ok()) return s;
  draft.status = RunStatus::kScheduled;
  draft.cancel_reason.clear();
  draft.country = workshop->country;
  Stamp(draft.meta);
  auto id = tx.InsertCourseRun(draft);
  if (!id.ok()) return id.status();
  draft.meta.id = *id;
  return draft;
}

absl::StatusOr<CourseRun> CourseLogic::UpdateCourseRun(CourseTx& tx, const Principal& who,
                                                       int64_t id,
                                                       std::optional<int64_t> expected_version,
                                                       const CourseRunPatch& patch) const {
  auto run = ManagedRun(tx, who, id, expected_version);
  if (!run.ok()) return run.status();
  const std::string name = FormatResourceName(kCourseRuns, id);
  if (run->status != RunStatus::kScheduled && run->status != RunStatus::kOpen) {
    return Precondition(absl::StrCat(name, " is ", RunStatusName(run->status),
                                     "; only scheduled or open runs can change"));
  }
  if (patch.capacity && run->status == RunStatus::kOpen && *patch.capacity < run->capacity) {
    return Precondition(absl::StrCat(name,
                                     " is open for enrollment; its capacity can grow but "
                                     "not shrink below ",
                                     run->capacity));
  }
  if (patch.start_date) run->start_date = *patch.start_date;
  if (patch.end_date) run->end_date = *patch.end_date;
  if (patch.capacity) run->capacity = *patch.capacity;
  if (patch.language) run->language = *patch.language;
  if (patch.pass_score) run->pass_score = *patch.pass_score;
  if (patch.min_attendance_percent) run->min_attendance_percent = *patch.min_attendance_percent;
  auto course = tx.GetCourse(run->course_id, /*for_update=*/false);
  if (!course.ok()) return course.status();
  if (auto s = CheckCourseRun(*run, *course); !s.ok()) return s;
  Bump(run->meta);
  if (auto s = tx.UpdateCourseRun(*run); !s.ok()) return s;
  return run;
}

absl::StatusOr<CourseRun> CourseLogic::DeleteCourseRun(
    CourseTx& tx, const Principal& who, int64_t id, std::optional<int64_t> expected_version) const {
  auto run = ManagedRun(tx, who, id, expected_version);
  if (!run.ok()) return run.status();
  if (run->status != RunStatus::kScheduled) {
    return Precondition(absl::StrCat(FormatResourceName(kCourseRuns, id), " is ",
                                     RunStatusName(run->status),
                                     "; only a scheduled run can be deleted (cancel it)"));
  }
  if (auto s = tx.DeleteCourseRun(id); !s.ok()) return s;
  return run;
}

absl::StatusOr<CourseRun> CourseLogic::TransitionCourseRun(CourseTx& tx, const Principal& who,
                                                           int64_t id,
                                                           std::optional<int64_t> expected_version,
                                                           RunStatus target,
                                                           const std::string& reason) const {
  if (target == RunStatus::kCancelled) {
    if (auto s = CheckText("reason", reason, 1, 1000, /*multiline=*/true); !s.ok()) return s;
  }
  auto run = ManagedRun(tx, who, id, expected_version);
  if (!run.ok()) return run.status();
  const RunStatus from = run->status;
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
    return Precondition(absl::StrCat(name, " is ", RunStatusName(from), " and cannot become ",
                                     RunStatusName(target)));
  }
  if (target == RunStatus::kOpen) {
    auto workshop = tx.GetWorkshop(run->workshop_id, /*for_update=*/false);
    if (!workshop.ok()) return workshop.status();
    if (workshop->status != WorkshopStatus::kOperating) {
      return Precondition(absl::StrCat(FormatResourceName(kWorkshops, run->workshop_id), " is ",
                                       WorkshopStatusName(workshop->status),
                                       "; runs open only at an operating workshop"));
    }
  }
  run->status = target;
  if (target == RunStatus::kCancelled) run->cancel_reason = reason;
  Bump(run->meta);
  if (auto s = tx.UpdateCourseRun(*run); !s.ok()) return s;
  return run;
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
          if (record.id != who.institution_id) return NotFound(kInstitutions, record.id);
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
