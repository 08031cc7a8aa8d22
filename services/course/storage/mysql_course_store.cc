#include "services/course/storage/mysql_course_store.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "common/db/rows.h"
#include "common/db/sql_error.h"
#include "common/domain/resource_name.h"
#include "common/domain/status_macros.h"
#include "cppconn/datatype.h"
#include "cppconn/exception.h"
#include "cppconn/prepared_statement.h"
#include "cppconn/resultset.h"
#include "nlohmann/json.hpp"

namespace luban::course {
namespace {

using Json = nlohmann::json;
using db::Binder;
using db::CheckLimit;
using db::DumpJson;
using db::Malformed;
using db::ReadBool;
using db::ReadOne;
using db::ReadPage;

absl::StatusOr<std::string> EncodeStrings(absl::string_view field,
                                          const std::vector<std::string>& values) {
  return DumpJson(field, Json(values));
}

absl::StatusOr<std::vector<std::string>> DecodeStrings(absl::string_view column,
                                                       const std::string& text) {
  const Json array = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!array.is_array()) return Malformed(column);
  std::vector<std::string> values;
  values.reserve(array.size());
  for (const Json& item : array) {
    if (!item.is_string()) return Malformed(column);
    values.push_back(item.get<std::string>());
  }
  return values;
}

// Each table's columns, named once next to how they bind (`b`, the binder) and read (`r`, the
// row) an entity `x`; see db::Columns. Course runs are selected through the alias `r` because
// their lists may join workshops.
const db::Columns<Institution>& InstitutionColumns() {
  static const auto* const columns = new db::Columns<Institution>(
      "institutions",
      {
          {"kind", [](auto& b, auto& x) { b.Int(static_cast<int>(x.kind)); },
           [](auto& r, auto& x) { x.kind = static_cast<InstitutionKind>(r.Int()); }},
          {"country", [](auto& b, auto& x) { b.Text(x.country); },
           [](auto& r, auto& x) { x.country = r.Text(); }},
          {"names", [](auto& b, auto& x) { b.Texts("names", x.names); },
           [](auto& r, auto& x) { x.names = r.Texts(); }},
          {"city", [](auto& b, auto& x) { b.Text(x.city); },
           [](auto& r, auto& x) { x.city = r.Text(); }},
          {"website", [](auto& b, auto& x) { b.Text(x.website); },
           [](auto& r, auto& x) { x.website = r.Text(); }},
      });
  return *columns;
}

const db::Columns<Workshop>& WorkshopColumns() {
  static const auto* const columns = new db::Columns<Workshop>(
      "workshops",
      {
          {"names", [](auto& b, auto& x) { b.Texts("names", x.names); },
           [](auto& r, auto& x) { x.names = r.Texts(); }},
          {"country", [](auto& b, auto& x) { b.Text(x.country); },
           [](auto& r, auto& x) { x.country = r.Text(); }},
          {"city", [](auto& b, auto& x) { b.Text(x.city); },
           [](auto& r, auto& x) { x.city = r.Text(); }},
          {"chinese_institution_id", [](auto& b, auto& x) { b.Int64(x.chinese_institution_id); },
           [](auto& r, auto& x) { x.chinese_institution_id = r.Int64(); }},
          {"partner_institution_id", [](auto& b, auto& x) { b.Int64(x.partner_institution_id); },
           [](auto& r, auto& x) { x.partner_institution_id = r.Int64(); }},
          {"status", [](auto& b, auto& x) { b.Int(static_cast<int>(x.status)); },
           [](auto& r, auto& x) { x.status = static_cast<WorkshopStatus>(r.Int()); }},
          {"opened_date", [](auto& b, auto& x) { b.OptionalDay(x.opened_date); },
           [](auto& r, auto& x) { x.opened_date = r.OptionalDay(); }},
          {"disciplines",
           [](auto& b, auto& x) { b.Encoded(EncodeStrings("disciplines", x.disciplines)); },
           [](auto& r, auto& x) { x.disciplines = r.Decoded(DecodeStrings); }},
      });
  return *columns;
}

const db::Columns<Course>& CourseColumns() {
  static const auto* const columns = new db::Columns<Course>(
      "courses", {
                     {"code", [](auto& b, auto& x) { b.Text(x.code); },
                      [](auto& r, auto& x) { x.code = r.Text(); }},
                     {"titles", [](auto& b, auto& x) { b.Texts("titles", x.titles); },
                      [](auto& r, auto& x) { x.titles = r.Texts(); }},
                     {"discipline", [](auto& b, auto& x) { b.Text(x.discipline); },
                      [](auto& r, auto& x) { x.discipline = r.Text(); }},
                     {"hours", [](auto& b, auto& x) { b.Int(x.hours); },
                      [](auto& r, auto& x) { x.hours = r.Int(); }},
                     {"languages",
                      [](auto& b, auto& x) { b.Encoded(EncodeStrings("languages", x.languages)); },
                      [](auto& r, auto& x) { x.languages = r.Decoded(DecodeStrings); }},
                     {"description", [](auto& b, auto& x) { b.Text(x.description); },
                      [](auto& r, auto& x) { x.description = r.Text(); }},
                 });
  return *columns;
}

const db::Columns<CourseRun>& CourseRunColumns() {
  static const auto* const columns = new db::Columns<CourseRun>(
      "course_runs",
      {
          {"course_id", [](auto& b, auto& x) { b.Int64(x.course_id); },
           [](auto& r, auto& x) { x.course_id = r.Int64(); }},
          {"workshop_id", [](auto& b, auto& x) { b.Int64(x.workshop_id); },
           [](auto& r, auto& x) { x.workshop_id = r.Int64(); }},
          {"start_date", [](auto& b, auto& x) { b.Day(x.start_date); },
           [](auto& r, auto& x) { x.start_date = r.Day(); }},
          {"end_date", [](auto& b, auto& x) { b.Day(x.end_date); },
           [](auto& r, auto& x) { x.end_date = r.Day(); }},
          {"capacity", [](auto& b, auto& x) { b.Int(x.capacity); },
           [](auto& r, auto& x) { x.capacity = r.Int(); }},
          {"language", [](auto& b, auto& x) { b.Text(x.language); },
           [](auto& r, auto& x) { x.language = r.Text(); }},
          {"status", [](auto& b, auto& x) { b.Int(static_cast<int>(x.status)); },
           [](auto& r, auto& x) { x.status = static_cast<RunStatus>(r.Int()); }},
          {"pass_score", [](auto& b, auto& x) { b.Int(x.pass_score); },
           [](auto& r, auto& x) { x.pass_score = r.Int(); }},
          {"min_attendance_percent", [](auto& b, auto& x) { b.Int(x.min_attendance_percent); },
           [](auto& r, auto& x) { x.min_attendance_percent = r.Int(); }},
          {"cancel_reason", [](auto& b, auto& x) { b.Text(x.cancel_reason); },
           [](auto& r, auto& x) { x.cancel_reason = r.Text(); }},
          {"country", [](auto& b, auto& x) { b.Text(x.country); },
           [](auto& r, auto& x) { x.country = r.Text(); }},
      },
      "r");
  return *columns;
}

std::string CourseCodeTaken(const std::string& code) {
  return absl::StrCat("code: a course with code \"", code, "\" already exists");
}

}  // namespace

absl::Status MySqlCourseTx::CheckExists(absl::string_view table, absl::string_view collection,
                                        int64_t id) {
  auto& select = session_.Prepare(absl::StrCat("SELECT 1 FROM ", table, " WHERE id = ?"));
  select.setInt64(1, id);
  if (!ReadBool(select)) return ResourceNotFound(collection, id);
  return absl::OkStatus();
}

// ---- institutions ----

absl::StatusOr<Institution> MySqlCourseTx::GetInstitution(int64_t id, bool for_update) {
  return db::Guarded(session_, "get institution", [&]() -> absl::StatusOr<Institution> {
    auto& select = session_.Prepare(InstitutionColumns().SelectByKeySql(for_update));
    select.setInt64(1, id);
    return ReadOne<Institution>(select, kInstitutions, id, InstitutionColumns());
  });
}

absl::StatusOr<Page<Institution>> MySqlCourseTx::ListInstitutions(const InstitutionFilter& filter,
                                                                  int64_t after_id, int limit) {
  LUBAN_RETURN_IF_ERROR(CheckLimit(limit));
  return db::Guarded(session_, "list institutions", [&]() -> absl::StatusOr<Page<Institution>> {
    std::string query = absl::StrCat(InstitutionColumns().SelectSql(), " WHERE id > ?");
    if (!filter.country.empty()) absl::StrAppend(&query, " AND country = ?");
    if (filter.kind.has_value()) absl::StrAppend(&query, " AND kind = ?");
    absl::StrAppend(&query, " ORDER BY id LIMIT ?");
    auto& select = session_.Prepare(query);
    Binder bind(select);
    bind.Int64(after_id);
    if (!filter.country.empty()) bind.Text(filter.country);
    if (filter.kind.has_value()) bind.Int(static_cast<int>(*filter.kind));
    bind.Int64(int64_t{limit} + 1);
    return ReadPage<Institution>(select, limit, InstitutionColumns());
  });
}

absl::StatusOr<int64_t> MySqlCourseTx::InsertInstitution(const Institution& institution) {
  return db::Guarded(session_, "insert institution", [&]() -> absl::StatusOr<int64_t> {
    auto& insert = session_.Prepare(InstitutionColumns().InsertSql());
    LUBAN_RETURN_IF_ERROR(InstitutionColumns().BindInsert(insert, institution));
    return db::Session::InsertReturningId(insert);
  });
}

absl::Status MySqlCourseTx::UpdateInstitution(const Institution& institution) {
  return db::Guarded(session_, "update institution", [&]() -> absl::Status {
    auto& update = session_.Prepare(InstitutionColumns().UpdateSql());
    LUBAN_RETURN_IF_ERROR(InstitutionColumns().BindUpdate(update, institution));
    if (db::Session::Update(update) > 0) return absl::OkStatus();
    return CheckExists("institutions", kInstitutions, institution.meta.id);
  });
}

absl::Status MySqlCourseTx::DeleteInstitution(int64_t id) {
  return db::Guarded(session_, "delete institution", [&]() -> absl::Status {
    auto& remove = session_.Prepare("DELETE FROM institutions WHERE id = ?");
    remove.setInt64(1, id);
    try {
      if (db::Session::Update(remove) == 0) return ResourceNotFound(kInstitutions, id);
    } catch (const sql::SQLException& e) {
      if (e.getErrorCode() != db::kErrRowIsReferenced) throw;
      return absl::FailedPreconditionError(
          absl::StrCat(FormatResourceName(kInstitutions, id), ": workshops refer to it"));
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<bool> MySqlCourseTx::InstitutionHasWorkshops(int64_t id) {
  return db::Guarded(session_, "find workshops of institution", [&]() -> absl::StatusOr<bool> {
    auto& select = session_.Prepare(
        "SELECT EXISTS (SELECT 1 FROM workshops WHERE chinese_institution_id = ?"
        " OR partner_institution_id = ?)");
    Binder(select).Int64(id).Int64(id);
    return ReadBool(select);
  });
}

// ---- workshops ----

absl::StatusOr<Workshop> MySqlCourseTx::GetWorkshop(int64_t id, bool for_update) {
  return db::Guarded(session_, "get workshop", [&]() -> absl::StatusOr<Workshop> {
    auto& select = session_.Prepare(WorkshopColumns().SelectByKeySql(for_update));
    select.setInt64(1, id);
    return ReadOne<Workshop>(select, kWorkshops, id, WorkshopColumns());
  });
}

absl::StatusOr<Page<Workshop>> MySqlCourseTx::ListWorkshops(const WorkshopFilter& filter,
                                                            int64_t after_id, int limit) {
  LUBAN_RETURN_IF_ERROR(CheckLimit(limit));
  return db::Guarded(session_, "list workshops", [&]() -> absl::StatusOr<Page<Workshop>> {
    constexpr char kCoFounded[] = " AND (chinese_institution_id = ? OR partner_institution_id = ?)";
    std::string query = absl::StrCat(WorkshopColumns().SelectSql(), " WHERE id > ?");
    if (!filter.country.empty()) absl::StrAppend(&query, " AND country = ?");
    if (filter.status.has_value()) absl::StrAppend(&query, " AND status = ?");
    if (filter.institution_id.has_value()) absl::StrAppend(&query, kCoFounded);
    if (filter.visible_to_institution.has_value()) absl::StrAppend(&query, kCoFounded);
    absl::StrAppend(&query, " ORDER BY id LIMIT ?");
    auto& select = session_.Prepare(query);
    Binder bind(select);
    bind.Int64(after_id);
    if (!filter.country.empty()) bind.Text(filter.country);
    if (filter.status.has_value()) bind.Int(static_cast<int>(*filter.status));
    if (filter.institution_id.has_value()) {
      bind.Int64(*filter.institution_id).Int64(*filter.institution_id);
    }
    if (filter.visible_to_institution.has_value()) {
      bind.Int64(*filter.visible_to_institution).Int64(*filter.visible_to_institution);
    }
    bind.Int64(int64_t{limit} + 1);
    return ReadPage<Workshop>(select, limit, WorkshopColumns());
  });
}

namespace {

absl::Status MissingInstitution() {
  return absl::FailedPreconditionError(
      "workshop: its chinese or partner institution does not exist");
}

absl::Status MissingCourseOrWorkshop() {
  return absl::FailedPreconditionError("course run: its course or workshop does not exist");
}

}  // namespace

absl::StatusOr<int64_t> MySqlCourseTx::InsertWorkshop(const Workshop& workshop) {
  return db::Guarded(session_, "insert workshop", [&]() -> absl::StatusOr<int64_t> {
    auto& insert = session_.Prepare(WorkshopColumns().InsertSql());
    LUBAN_RETURN_IF_ERROR(WorkshopColumns().BindInsert(insert, workshop));
    int64_t id = 0;
    try {
      id = db::Session::InsertReturningId(insert);
    } catch (const sql::SQLException& e) {
      if (e.getErrorCode() != db::kErrNoReferencedRow) throw;
      return MissingInstitution();
    }
    return id;
  });
}

absl::Status MySqlCourseTx::UpdateWorkshop(const Workshop& workshop) {
  return db::Guarded(session_, "update workshop", [&]() -> absl::Status {
    auto& update = session_.Prepare(WorkshopColumns().UpdateSql());
    LUBAN_RETURN_IF_ERROR(WorkshopColumns().BindUpdate(update, workshop));
    try {
      if (db::Session::Update(update) > 0) return absl::OkStatus();
    } catch (const sql::SQLException& e) {
      if (e.getErrorCode() != db::kErrNoReferencedRow) throw;
      return MissingInstitution();
    }
    return CheckExists("workshops", kWorkshops, workshop.meta.id);
  });
}

absl::Status MySqlCourseTx::DeleteWorkshop(int64_t id) {
  return db::Guarded(session_, "delete workshop", [&]() -> absl::Status {
    auto& remove = session_.Prepare("DELETE FROM workshops WHERE id = ?");
    remove.setInt64(1, id);
    try {
      if (db::Session::Update(remove) == 0) return ResourceNotFound(kWorkshops, id);
    } catch (const sql::SQLException& e) {
      if (e.getErrorCode() != db::kErrRowIsReferenced) throw;
      return absl::FailedPreconditionError(
          absl::StrCat(FormatResourceName(kWorkshops, id), ": course runs refer to it"));
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<int64_t> MySqlCourseTx::CountWorkshopRuns(int64_t workshop_id, bool active_only) {
  return db::Guarded(session_, "count workshop runs", [&]() -> absl::StatusOr<int64_t> {
    auto& select = session_.Prepare(
        active_only
            ? "SELECT COUNT(*) FROM course_runs WHERE workshop_id = ? AND status IN (?, ?, ?)"
            : "SELECT COUNT(*) FROM course_runs WHERE workshop_id = ?");
    Binder bind(select);
    bind.Int64(workshop_id);
    if (active_only) {
      bind.Int(static_cast<int>(RunStatus::kScheduled))
          .Int(static_cast<int>(RunStatus::kOpen))
          .Int(static_cast<int>(RunStatus::kInProgress));
    }
    auto rows = db::Session::Query(select);
    return rows->next() ? rows->getInt64(1) : int64_t{0};
  });
}

// ---- courses ----

absl::StatusOr<Course> MySqlCourseTx::GetCourse(int64_t id, bool for_update) {
  return db::Guarded(session_, "get course", [&]() -> absl::StatusOr<Course> {
    auto& select = session_.Prepare(CourseColumns().SelectByKeySql(for_update));
    select.setInt64(1, id);
    return ReadOne<Course>(select, kCourses, id, CourseColumns());
  });
}

absl::StatusOr<Page<Course>> MySqlCourseTx::ListCourses(const CourseFilter& filter,
                                                        int64_t after_id, int limit) {
  LUBAN_RETURN_IF_ERROR(CheckLimit(limit));
  return db::Guarded(session_, "list courses", [&]() -> absl::StatusOr<Page<Course>> {
    std::string query = absl::StrCat(CourseColumns().SelectSql(), " WHERE id > ?");
    if (!filter.discipline.empty()) absl::StrAppend(&query, " AND discipline = ?");
    absl::StrAppend(&query, " ORDER BY id LIMIT ?");
    auto& select = session_.Prepare(query);
    Binder bind(select);
    bind.Int64(after_id);
    if (!filter.discipline.empty()) bind.Text(filter.discipline);
    bind.Int64(int64_t{limit} + 1);
    return ReadPage<Course>(select, limit, CourseColumns());
  });
}

absl::StatusOr<int64_t> MySqlCourseTx::InsertCourse(const Course& course) {
  return db::Guarded(session_, "insert course", [&]() -> absl::StatusOr<int64_t> {
    auto& insert = session_.Prepare(CourseColumns().InsertSql());
    LUBAN_RETURN_IF_ERROR(CourseColumns().BindInsert(insert, course));
    int64_t id = 0;
    try {
      id = db::Session::InsertReturningId(insert);
    } catch (const sql::SQLException& e) {
      // The code is the only unique key besides the generated id.
      if (e.getErrorCode() != db::kErrDuplicateKey) throw;
      return absl::AlreadyExistsError(CourseCodeTaken(course.code));
    }
    return id;
  });
}

absl::Status MySqlCourseTx::UpdateCourse(const Course& course) {
  return db::Guarded(session_, "update course", [&]() -> absl::Status {
    auto& update = session_.Prepare(CourseColumns().UpdateSql());
    LUBAN_RETURN_IF_ERROR(CourseColumns().BindUpdate(update, course));
    try {
      if (db::Session::Update(update) > 0) return absl::OkStatus();
    } catch (const sql::SQLException& e) {
      if (e.getErrorCode() != db::kErrDuplicateKey) throw;
      return absl::AlreadyExistsError(CourseCodeTaken(course.code));
    }
    return CheckExists("courses", kCourses, course.meta.id);
  });
}

absl::Status MySqlCourseTx::DeleteCourse(int64_t id) {
  return db::Guarded(session_, "delete course", [&]() -> absl::Status {
    auto& remove = session_.Prepare("DELETE FROM courses WHERE id = ?");
    remove.setInt64(1, id);
    try {
      if (db::Session::Update(remove) == 0) return ResourceNotFound(kCourses, id);
    } catch (const sql::SQLException& e) {
      if (e.getErrorCode() != db::kErrRowIsReferenced) throw;
      return absl::FailedPreconditionError(
          absl::StrCat(FormatResourceName(kCourses, id), ": course runs refer to it"));
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<bool> MySqlCourseTx::CourseHasRuns(int64_t id) {
  return db::Guarded(session_, "find runs of course", [&]() -> absl::StatusOr<bool> {
    auto& select =
        session_.Prepare("SELECT EXISTS (SELECT 1 FROM course_runs WHERE course_id = ?)");
    select.setInt64(1, id);
    return ReadBool(select);
  });
}

// ---- course runs ----

absl::StatusOr<CourseRun> MySqlCourseTx::GetCourseRun(int64_t id, bool for_update) {
  return db::Guarded(session_, "get course run", [&]() -> absl::StatusOr<CourseRun> {
    auto& select = session_.Prepare(CourseRunColumns().SelectByKeySql(for_update));
    select.setInt64(1, id);
    return ReadOne<CourseRun>(select, kCourseRuns, id, CourseRunColumns());
  });
}

absl::StatusOr<Page<CourseRun>> MySqlCourseTx::ListCourseRuns(const CourseRunFilter& filter,
                                                              int64_t after_id, int limit) {
  LUBAN_RETURN_IF_ERROR(CheckLimit(limit));
  return db::Guarded(session_, "list course runs", [&]() -> absl::StatusOr<Page<CourseRun>> {
    // Institutions reach runs through the run's workshop.
    constexpr char kCoFounded[] =
        " AND (w.chinese_institution_id = ? OR w.partner_institution_id = ?)";
    const bool by_institution =
        filter.institution_id.has_value() || filter.visible_to_institution.has_value();
    std::string query = CourseRunColumns().SelectSql();
    if (by_institution) absl::StrAppend(&query, " JOIN workshops w ON w.id = r.workshop_id");
    absl::StrAppend(&query, " WHERE r.id > ?");
    if (!filter.country.empty()) absl::StrAppend(&query, " AND r.country = ?");
    if (filter.workshop_id.has_value()) absl::StrAppend(&query, " AND r.workshop_id = ?");
    if (filter.course_id.has_value()) absl::StrAppend(&query, " AND r.course_id = ?");
    if (filter.status.has_value()) absl::StrAppend(&query, " AND r.status = ?");
    if (filter.start_from.has_value()) absl::StrAppend(&query, " AND r.start_date >= ?");
    if (filter.start_to.has_value()) absl::StrAppend(&query, " AND r.start_date <= ?");
    if (filter.institution_id.has_value()) absl::StrAppend(&query, kCoFounded);
    if (filter.visible_to_institution.has_value()) absl::StrAppend(&query, kCoFounded);
    absl::StrAppend(&query, " ORDER BY r.id LIMIT ?");
    auto& select = session_.Prepare(query);
    Binder bind(select);
    bind.Int64(after_id);
    if (!filter.country.empty()) bind.Text(filter.country);
    if (filter.workshop_id.has_value()) bind.Int64(*filter.workshop_id);
    if (filter.course_id.has_value()) bind.Int64(*filter.course_id);
    if (filter.status.has_value()) bind.Int(static_cast<int>(*filter.status));
    if (filter.start_from.has_value()) bind.Day(*filter.start_from);
    if (filter.start_to.has_value()) bind.Day(*filter.start_to);
    if (filter.institution_id.has_value()) {
      bind.Int64(*filter.institution_id).Int64(*filter.institution_id);
    }
    if (filter.visible_to_institution.has_value()) {
      bind.Int64(*filter.visible_to_institution).Int64(*filter.visible_to_institution);
    }
    bind.Int64(int64_t{limit} + 1);
    return ReadPage<CourseRun>(select, limit, CourseRunColumns());
  });
}

absl::StatusOr<int64_t> MySqlCourseTx::InsertCourseRun(const CourseRun& run) {
  return db::Guarded(session_, "insert course run", [&]() -> absl::StatusOr<int64_t> {
    auto& insert = session_.Prepare(CourseRunColumns().InsertSql());
    LUBAN_RETURN_IF_ERROR(CourseRunColumns().BindInsert(insert, run));
    int64_t id = 0;
    try {
      id = db::Session::InsertReturningId(insert);
    } catch (const sql::SQLException& e) {
      if (e.getErrorCode() != db::kErrNoReferencedRow) throw;
      return MissingCourseOrWorkshop();
    }
    return id;
  });
}

absl::Status MySqlCourseTx::UpdateCourseRun(const CourseRun& run) {
  return db::Guarded(session_, "update course run", [&]() -> absl::Status {
    auto& update = session_.Prepare(CourseRunColumns().UpdateSql());
    LUBAN_RETURN_IF_ERROR(CourseRunColumns().BindUpdate(update, run));
    try {
      if (db::Session::Update(update) > 0) return absl::OkStatus();
    } catch (const sql::SQLException& e) {
      if (e.getErrorCode() != db::kErrNoReferencedRow) throw;
      return MissingCourseOrWorkshop();
    }
    return CheckExists("course_runs", kCourseRuns, run.meta.id);
  });
}

absl::Status MySqlCourseTx::DeleteCourseRun(int64_t id) {
  return db::Guarded(session_, "delete course run", [&]() -> absl::Status {
    auto& remove = session_.Prepare("DELETE FROM course_runs WHERE id = ?");
    remove.setInt64(1, id);
    if (db::Session::Update(remove) == 0) return ResourceNotFound(kCourseRuns, id);
    return absl::OkStatus();
  });
}

}  // namespace luban::course
