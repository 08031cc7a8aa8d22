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
using db::DecodeTexts;
using db::DumpJson;
using db::EncodeTexts;
using db::GetText;
using db::Malformed;
using db::ParseDay;
using db::ReadBool;
using db::ReadMeta;
using db::ReadOne;
using db::ReadPage;

// Columns in the order the Read* functions expect them. Course runs are read through the alias
// `r` because their lists may join workshops.
constexpr char kInstitutionColumns[] =
    "id, version, create_time, update_time, kind, country, names, city, website";
constexpr char kWorkshopColumns[] =
    "id, version, create_time, update_time, names, country, city, chinese_institution_id,"
    " partner_institution_id, status, opened_date, disciplines";
constexpr char kCourseColumns[] =
    "id, version, create_time, update_time, code, titles, discipline, hours, languages,"
    " description";
constexpr char kCourseRunColumns[] =
    "r.id, r.version, r.create_time, r.update_time, r.course_id, r.workshop_id, r.start_date,"
    " r.end_date, r.capacity, r.language, r.status, r.pass_score, r.min_attendance_percent,"
    " r.cancel_reason, r.country";

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

absl::StatusOr<Institution> ReadInstitution(sql::ResultSet& row) {
  Institution institution;
  ReadMeta(row, &institution.meta);
  institution.kind = static_cast<InstitutionKind>(row.getInt(5));
  institution.country = GetText(row, 6);
  LUBAN_ASSIGN_OR_RETURN(auto names, DecodeTexts("institutions.names", GetText(row, 7)));
  institution.names = std::move(names);
  institution.city = GetText(row, 8);
  institution.website = GetText(row, 9);
  return institution;
}

absl::StatusOr<Workshop> ReadWorkshop(sql::ResultSet& row) {
  Workshop workshop;
  ReadMeta(row, &workshop.meta);
  LUBAN_ASSIGN_OR_RETURN(auto names, DecodeTexts("workshops.names", GetText(row, 5)));
  workshop.names = std::move(names);
  workshop.country = GetText(row, 6);
  workshop.city = GetText(row, 7);
  workshop.chinese_institution_id = row.getInt64(8);
  workshop.partner_institution_id = row.getInt64(9);
  workshop.status = static_cast<WorkshopStatus>(row.getInt(10));
  if (!row.isNull(11)) {
    LUBAN_ASSIGN_OR_RETURN(auto opened, ParseDay("workshops.opened_date", GetText(row, 11)));
    workshop.opened_date = opened;
  }
  LUBAN_ASSIGN_OR_RETURN(auto disciplines,
                         DecodeStrings("workshops.disciplines", GetText(row, 12)));
  workshop.disciplines = std::move(disciplines);
  return workshop;
}

absl::StatusOr<Course> ReadCourse(sql::ResultSet& row) {
  Course course;
  ReadMeta(row, &course.meta);
  course.code = GetText(row, 5);
  LUBAN_ASSIGN_OR_RETURN(auto titles, DecodeTexts("courses.titles", GetText(row, 6)));
  course.titles = std::move(titles);
  course.discipline = GetText(row, 7);
  course.hours = row.getInt(8);
  LUBAN_ASSIGN_OR_RETURN(auto languages, DecodeStrings("courses.languages", GetText(row, 9)));
  course.languages = std::move(languages);
  course.description = GetText(row, 10);
  return course;
}

absl::StatusOr<CourseRun> ReadCourseRun(sql::ResultSet& row) {
  CourseRun run;
  ReadMeta(row, &run.meta);
  run.course_id = row.getInt64(5);
  run.workshop_id = row.getInt64(6);
  LUBAN_ASSIGN_OR_RETURN(auto start, ParseDay("course_runs.start_date", GetText(row, 7)));
  run.start_date = start;
  LUBAN_ASSIGN_OR_RETURN(auto end, ParseDay("course_runs.end_date", GetText(row, 8)));
  run.end_date = end;
  run.capacity = row.getInt(9);
  run.language = GetText(row, 10);
  run.status = static_cast<RunStatus>(row.getInt(11));
  run.pass_score = row.getInt(12);
  run.min_attendance_percent = row.getInt(13);
  run.cancel_reason = GetText(row, 14);
  run.country = GetText(row, 15);
  return run;
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
    auto& select = session_.Prepare(absl::StrCat("SELECT ", kInstitutionColumns,
                                                 " FROM institutions WHERE id = ?",
                                                 for_update ? " FOR UPDATE" : ""));
    select.setInt64(1, id);
    return ReadOne<Institution>(select, kInstitutions, id, ReadInstitution);
  });
}

absl::StatusOr<Page<Institution>> MySqlCourseTx::ListInstitutions(const InstitutionFilter& filter,
                                                                  int64_t after_id, int limit) {
  LUBAN_RETURN_IF_ERROR(CheckLimit(limit));
  return db::Guarded(session_, "list institutions", [&]() -> absl::StatusOr<Page<Institution>> {
    std::string query =
        absl::StrCat("SELECT ", kInstitutionColumns, " FROM institutions WHERE id > ?");
    if (!filter.country.empty()) absl::StrAppend(&query, " AND country = ?");
    if (filter.kind.has_value()) absl::StrAppend(&query, " AND kind = ?");
    absl::StrAppend(&query, " ORDER BY id LIMIT ?");
    auto& select = session_.Prepare(query);
    Binder bind(select);
    bind.Int64(after_id);
    if (!filter.country.empty()) bind.Text(filter.country);
    if (filter.kind.has_value()) bind.Int(static_cast<int>(*filter.kind));
    bind.Int64(int64_t{limit} + 1);
    return ReadPage<Institution>(select, limit, ReadInstitution);
  });
}

absl::StatusOr<int64_t> MySqlCourseTx::InsertInstitution(const Institution& institution) {
  return db::Guarded(session_, "insert institution", [&]() -> absl::StatusOr<int64_t> {
    LUBAN_ASSIGN_OR_RETURN(auto names, EncodeTexts("names", institution.names));
    auto& insert = session_.Prepare(
        "INSERT INTO institutions (version, create_time, update_time, kind, country, names, city,"
        " website) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
    Binder(insert)
        .Int64(institution.meta.version)
        .Time(institution.meta.create_time)
        .Time(institution.meta.update_time)
        .Int(static_cast<int>(institution.kind))
        .Text(institution.country)
        .Text(names)
        .Text(institution.city)
        .Text(institution.website);
    return db::Session::InsertReturningId(insert);
  });
}

absl::Status MySqlCourseTx::UpdateInstitution(const Institution& institution) {
  return db::Guarded(session_, "update institution", [&]() -> absl::Status {
    auto names = EncodeTexts("names", institution.names);
    if (!names.ok()) return names.status();
    auto& update = session_.Prepare(
        "UPDATE institutions SET kind = ?, country = ?, names = ?, city = ?, website = ?,"
        " version = ?, update_time = ? WHERE id = ?");
    Binder(update)
        .Int(static_cast<int>(institution.kind))
        .Text(institution.country)
        .Text(*names)
        .Text(institution.city)
        .Text(institution.website)
        .Int64(institution.meta.version)
        .Time(institution.meta.update_time)
        .Int64(institution.meta.id);
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
    auto& select =
        session_.Prepare(absl::StrCat("SELECT ", kWorkshopColumns, " FROM workshops WHERE id = ?",
                                      for_update ? " FOR UPDATE" : ""));
    select.setInt64(1, id);
    return ReadOne<Workshop>(select, kWorkshops, id, ReadWorkshop);
  });
}

absl::StatusOr<Page<Workshop>> MySqlCourseTx::ListWorkshops(const WorkshopFilter& filter,
                                                            int64_t after_id, int limit) {
  LUBAN_RETURN_IF_ERROR(CheckLimit(limit));
  return db::Guarded(session_, "list workshops", [&]() -> absl::StatusOr<Page<Workshop>> {
    constexpr char kCoFounded[] = " AND (chinese_institution_id = ? OR partner_institution_id = ?)";
    std::string query = absl::StrCat("SELECT ", kWorkshopColumns, " FROM workshops WHERE id > ?");
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
    return ReadPage<Workshop>(select, limit, ReadWorkshop);
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
    LUBAN_ASSIGN_OR_RETURN(auto names, EncodeTexts("names", workshop.names));
    LUBAN_ASSIGN_OR_RETURN(auto disciplines, EncodeStrings("disciplines", workshop.disciplines));
    auto& insert = session_.Prepare(
        "INSERT INTO workshops (version, create_time, update_time, names, country, city,"
        " chinese_institution_id, partner_institution_id, status, opened_date, disciplines)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
    Binder(insert)
        .Int64(workshop.meta.version)
        .Time(workshop.meta.create_time)
        .Time(workshop.meta.update_time)
        .Text(names)
        .Text(workshop.country)
        .Text(workshop.city)
        .Int64(workshop.chinese_institution_id)
        .Int64(workshop.partner_institution_id)
        .Int(static_cast<int>(workshop.status))
        .OptionalDay(workshop.opened_date)
        .Text(disciplines);
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
    auto names = EncodeTexts("names", workshop.names);
    if (!names.ok()) return names.status();
    auto disciplines = EncodeStrings("disciplines", workshop.disciplines);
    if (!disciplines.ok()) return disciplines.status();
    auto& update = session_.Prepare(
        "UPDATE workshops SET names = ?, country = ?, city = ?, chinese_institution_id = ?,"
        " partner_institution_id = ?, status = ?, opened_date = ?, disciplines = ?, version = ?,"
        " update_time = ? WHERE id = ?");
    Binder(update)
        .Text(*names)
        .Text(workshop.country)
        .Text(workshop.city)
        .Int64(workshop.chinese_institution_id)
        .Int64(workshop.partner_institution_id)
        .Int(static_cast<int>(workshop.status))
        .OptionalDay(workshop.opened_date)
        .Text(*disciplines)
        .Int64(workshop.meta.version)
        .Time(workshop.meta.update_time)
        .Int64(workshop.meta.id);
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
    auto& select = session_.Prepare(absl::StrCat(
        "SELECT ", kCourseColumns, " FROM courses WHERE id = ?", for_update ? " FOR UPDATE" : ""));
    select.setInt64(1, id);
    return ReadOne<Course>(select, kCourses, id, ReadCourse);
  });
}

absl::StatusOr<Page<Course>> MySqlCourseTx::ListCourses(const CourseFilter& filter,
                                                        int64_t after_id, int limit) {
  LUBAN_RETURN_IF_ERROR(CheckLimit(limit));
  return db::Guarded(session_, "list courses", [&]() -> absl::StatusOr<Page<Course>> {
    std::string query = absl::StrCat("SELECT ", kCourseColumns, " FROM courses WHERE id > ?");
    if (!filter.discipline.empty()) absl::StrAppend(&query, " AND discipline = ?");
    absl::StrAppend(&query, " ORDER BY id LIMIT ?");
    auto& select = session_.Prepare(query);
    Binder bind(select);
    bind.Int64(after_id);
    if (!filter.discipline.empty()) bind.Text(filter.discipline);
    bind.Int64(int64_t{limit} + 1);
    return ReadPage<Course>(select, limit, ReadCourse);
  });
}

absl::StatusOr<int64_t> MySqlCourseTx::InsertCourse(const Course& course) {
  return db::Guarded(session_, "insert course", [&]() -> absl::StatusOr<int64_t> {
    LUBAN_ASSIGN_OR_RETURN(auto titles, EncodeTexts("titles", course.titles));
    LUBAN_ASSIGN_OR_RETURN(auto languages, EncodeStrings("languages", course.languages));
    auto& insert = session_.Prepare(
        "INSERT INTO courses (version, create_time, update_time, code, titles, discipline, hours,"
        " languages, description) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
    Binder(insert)
        .Int64(course.meta.version)
        .Time(course.meta.create_time)
        .Time(course.meta.update_time)
        .Text(course.code)
        .Text(titles)
        .Text(course.discipline)
        .Int(course.hours)
        .Text(languages)
        .Text(course.description);
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
    auto titles = EncodeTexts("titles", course.titles);
    if (!titles.ok()) return titles.status();
    auto languages = EncodeStrings("languages", course.languages);
    if (!languages.ok()) return languages.status();
    auto& update = session_.Prepare(
        "UPDATE courses SET code = ?, titles = ?, discipline = ?, hours = ?, languages = ?,"
        " description = ?, version = ?, update_time = ? WHERE id = ?");
    Binder(update)
        .Text(course.code)
        .Text(*titles)
        .Text(course.discipline)
        .Int(course.hours)
        .Text(*languages)
        .Text(course.description)
        .Int64(course.meta.version)
        .Time(course.meta.update_time)
        .Int64(course.meta.id);
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
    auto& select = session_.Prepare(absl::StrCat("SELECT ", kCourseRunColumns,
                                                 " FROM course_runs r WHERE r.id = ?",
                                                 for_update ? " FOR UPDATE" : ""));
    select.setInt64(1, id);
    return ReadOne<CourseRun>(select, kCourseRuns, id, ReadCourseRun);
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
    std::string query = absl::StrCat("SELECT ", kCourseRunColumns, " FROM course_runs r");
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
    return ReadPage<CourseRun>(select, limit, ReadCourseRun);
  });
}

absl::StatusOr<int64_t> MySqlCourseTx::InsertCourseRun(const CourseRun& run) {
  return db::Guarded(session_, "insert course run", [&]() -> absl::StatusOr<int64_t> {
    auto& insert = session_.Prepare(
        "INSERT INTO course_runs (version, create_time, update_time, course_id, workshop_id,"
        " start_date, end_date, capacity, language, status, pass_score, min_attendance_percent,"
        " cancel_reason, country) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
    Binder(insert)
        .Int64(run.meta.version)
        .Time(run.meta.create_time)
        .Time(run.meta.update_time)
        .Int64(run.course_id)
        .Int64(run.workshop_id)
        .Day(run.start_date)
        .Day(run.end_date)
        .Int(run.capacity)
        .Text(run.language)
        .Int(static_cast<int>(run.status))
        .Int(run.pass_score)
        .Int(run.min_attendance_percent)
        .Text(run.cancel_reason)
        .Text(run.country);
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
    auto& update = session_.Prepare(
        "UPDATE course_runs SET course_id = ?, workshop_id = ?, start_date = ?, end_date = ?,"
        " capacity = ?, language = ?, status = ?, pass_score = ?, min_attendance_percent = ?,"
        " cancel_reason = ?, country = ?, version = ?, update_time = ? WHERE id = ?");
    Binder(update)
        .Int64(run.course_id)
        .Int64(run.workshop_id)
        .Day(run.start_date)
        .Day(run.end_date)
        .Int(run.capacity)
        .Text(run.language)
        .Int(static_cast<int>(run.status))
        .Int(run.pass_score)
        .Int(run.min_attendance_percent)
        .Text(run.cancel_reason)
        .Text(run.country)
        .Int64(run.meta.version)
        .Time(run.meta.update_time)
        .Int64(run.meta.id);
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

// ---- store ----

absl::Status MySqlCourseStore::InTransaction(absl::string_view context, absl::Time deadline,
                                             absl::FunctionRef<absl::Status(CourseTx&)> body) {
  return db::RunInTransaction(*pool_, {.context = context, .deadline = deadline},
                              [&](db::Session& session) -> absl::Status {
                                MySqlCourseTx tx(session);
                                return body(tx);
                              });
}

}  // namespace luban::course
