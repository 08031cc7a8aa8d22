#include "services/enrollment/storage/mysql_enrollment_store.h"

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

namespace luban::enrollment {
namespace {

using db::CheckLimit;
using db::Export;
using db::ReadAll;
using db::ReadBool;
using db::ReadOne;
using db::ReadPage;

// MariaDB's ER_CONSTRAINT_FAILED: a CHECK constraint refused the row.
constexpr int kErrConstraintFailed = 4025;

// Rows a college admin may see: those of workshops its institution co-founded.
constexpr char kCoFounded[] = " AND (chinese_institution_id = ? OR partner_institution_id = ?)";

absl::Status DocumentTaken() {
  return absl::AlreadyExistsError("identity_document: a trainee with this document already exists");
}

absl::Status OpenEnrollmentTaken(int64_t trainee_id, int64_t run_id) {
  return absl::AlreadyExistsError(absl::StrCat(FormatResourceName(kTrainees, trainee_id),
                                               " already holds an open enrollment in ",
                                               FormatResourceName(kCourseRuns, run_id)));
}

absl::Status MissingTraineeOrRun() {
  return absl::FailedPreconditionError("enrollment: its trainee or course run does not exist");
}

absl::Status CertificateNumberTaken() {
  return absl::AlreadyExistsError("number: a certificate with this number already exists");
}

absl::Status MissingTraineeOrEnrollment() {
  return absl::FailedPreconditionError("certificate: its trainee or enrollment does not exist");
}

absl::Status SeatsOutOfRange(int64_t run_id) {
  return absl::InternalError(absl::StrCat(FormatResourceName(kCourseRuns, run_id),
                                          ": enrolled seats must stay within 0..capacity"));
}

// The single row `statement` selects, if any.
template <typename T, typename Reader>
absl::StatusOr<std::optional<T>> ReadOptional(sql::PreparedStatement& statement,
                                              const Reader& read) {
  auto rows = db::Session::Query(statement);
  if (!rows->next()) return std::optional<T>();
  LUBAN_ASSIGN_OR_RETURN(auto item, read(*rows));
  return std::optional<T>(std::move(item));
}

int64_t ReadCount(sql::PreparedStatement& statement) {
  auto rows = db::Session::Query(statement);
  return rows->next() ? rows->getInt64(1) : int64_t{0};
}

// The shared binder, plus the enrollment tables' own values.
class Binder : public db::BasicBinder<Binder> {
 public:
  using BasicBinder::BasicBinder;
  // 0 means "none" in the model and NULL in the table.
  Binder& OptionalId(int64_t value) {
    if (value == 0) return Null(sql::DataType::BIGINT);
    return Int64(value);
  }
  Binder& OwnerIds(const WorkshopFounders& owners) {
    return Int64(owners.workshop_id)
        .Int64(owners.chinese_institution_id)
        .Int64(owners.partner_institution_id);
  }
};

// A row's owners, in the order Binder::OwnerIds binds them.
WorkshopFounders ReadOwners(db::Row& row) {
  WorkshopFounders owners;
  owners.workshop_id = row.Int64();
  owners.chinese_institution_id = row.Int64();
  owners.partner_institution_id = row.Int64();
  return owners;
}

// Each table's columns, named once next to how they bind (`b`, the binder) and read (`r`, the
// row) an entity `x`; see db::Columns.
const db::Columns<Trainee, Binder>& TraineeColumns() {
  static const auto* const columns = new db::Columns<Trainee, Binder>(
      "trainees",
      {
          {"family_name", [](auto& b, auto& x) { b.Text(x.family_name); },
           [](auto& r, auto& x) { x.family_name = r.Text(); }},
          {"given_name", [](auto& b, auto& x) { b.Text(x.given_name); },
           [](auto& r, auto& x) { x.given_name = r.Text(); }},
          {"family_name_latin", [](auto& b, auto& x) { b.Text(x.family_name_latin); },
           [](auto& r, auto& x) { x.family_name_latin = r.Text(); }},
          {"given_name_latin", [](auto& b, auto& x) { b.Text(x.given_name_latin); },
           [](auto& r, auto& x) { x.given_name_latin = r.Text(); }},
          {"sex", [](auto& b, auto& x) { b.Int(static_cast<int>(x.sex)); },
           [](auto& r, auto& x) { x.sex = static_cast<Sex>(r.Int()); }},
          {"birth_date", [](auto& b, auto& x) { b.Day(x.birth_date); },
           [](auto& r, auto& x) { x.birth_date = r.Day(); }},
          {"citizenship", [](auto& b, auto& x) { b.Text(x.citizenship); },
           [](auto& r, auto& x) { x.citizenship = r.Text(); }},
          {"doc_country", [](auto& b, auto& x) { b.Text(x.document.country); },
           [](auto& r, auto& x) { x.document.country = r.Text(); }},
          {"doc_type", [](auto& b, auto& x) { b.Int(static_cast<int>(x.document.type)); },
           [](auto& r, auto& x) { x.document.type = static_cast<DocumentType>(r.Int()); }},
          {"doc_number", [](auto& b, auto& x) { b.Text(x.document.number); },
           [](auto& r, auto& x) { x.document.number = r.Text(); }},
          // Derived from the number, for lookups; never read back.
          {"doc_key", [](auto& b, auto& x) { b.Text(DocumentKey(x.document.number)); }},
          {"email", [](auto& b, auto& x) { b.Text(x.contacts.email); },
           [](auto& r, auto& x) { x.contacts.email = r.Text(); }},
          {"phone", [](auto& b, auto& x) { b.Text(x.contacts.phone); },
           [](auto& r, auto& x) { x.contacts.phone = r.Text(); }},
          {"address", [](auto& b, auto& x) { b.Text(x.contacts.address); },
           [](auto& r, auto& x) { x.contacts.address = r.Text(); }},
          {"home_workshop_id, chinese_institution_id, partner_institution_id",
           [](auto& b, auto& x) { b.OwnerIds(x.home); },
           [](auto& r, auto& x) { x.home = ReadOwners(r); }},
          {"status", [](auto& b, auto& x) { b.Int(static_cast<int>(x.status)); },
           [](auto& r, auto& x) { x.status = static_cast<TraineeStatus>(r.Int()); }},
      });
  return *columns;
}

// The enrollment service's copy of a course run, keyed by the run's id.
const db::Columns<RunSeats, Binder>& RunSeatsColumns() {
  static const auto* const columns = new db::Columns<RunSeats, Binder>(
      "run_seats",
      {
          {"run_id", [](auto& b, auto& x) { b.Int64(x.run_id); },
           [](auto& r, auto& x) { x.run_id = r.Int64(); }, db::Write::kKey},
          {"course_id", [](auto& b, auto& x) { b.Int64(x.course_id); },
           [](auto& r, auto& x) { x.course_id = r.Int64(); }},
          {"workshop_id, chinese_institution_id, partner_institution_id",
           [](auto& b, auto& x) { b.OwnerIds(x.owners); },
           [](auto& r, auto& x) { x.owners = ReadOwners(r); }},
          {"status", [](auto& b, auto& x) { b.Int(static_cast<int>(x.status)); },
           [](auto& r, auto& x) { x.status = static_cast<RunStatus>(r.Int()); }},
          {"capacity", [](auto& b, auto& x) { b.Int(x.capacity); },
           [](auto& r, auto& x) { x.capacity = r.Int(); }},
          {"enrolled", [](auto& b, auto& x) { b.Int(x.enrolled); },
           [](auto& r, auto& x) { x.enrolled = r.Int(); }},
          {"next_waitlist_seq", [](auto& b, auto& x) { b.Int64(x.next_waitlist_seq); },
           [](auto& r, auto& x) { x.next_waitlist_seq = r.Int64(); }},
          {"pass_score", [](auto& b, auto& x) { b.Int(x.pass_score); },
           [](auto& r, auto& x) { x.pass_score = r.Int(); }},
          {"min_attendance_percent", [](auto& b, auto& x) { b.Int(x.min_attendance_percent); },
           [](auto& r, auto& x) { x.min_attendance_percent = r.Int(); }},
          {"run_version", [](auto& b, auto& x) { b.Int64(x.run_version); },
           [](auto& r, auto& x) { x.run_version = r.Int64(); }},
      });
  return *columns;
}

const db::Columns<Enrollment, Binder>& EnrollmentColumns() {
  static const auto* const columns = new db::Columns<Enrollment, Binder>(
      "enrollments",
      {
          {"trainee_id", [](auto& b, auto& x) { b.Int64(x.trainee_id); },
           [](auto& r, auto& x) { x.trainee_id = r.Int64(); }},
          {"run_id", [](auto& b, auto& x) { b.Int64(x.run_id); },
           [](auto& r, auto& x) { x.run_id = r.Int64(); }},
          {"course_id", [](auto& b, auto& x) { b.Int64(x.course_id); },
           [](auto& r, auto& x) { x.course_id = r.Int64(); }},
          {"workshop_id, chinese_institution_id, partner_institution_id",
           [](auto& b, auto& x) { b.OwnerIds(x.owners); },
           [](auto& r, auto& x) { x.owners = ReadOwners(r); }},
          {"state", [](auto& b, auto& x) { b.Int(static_cast<int>(x.state)); },
           [](auto& r, auto& x) { x.state = static_cast<EnrollmentState>(r.Int()); }},
          {"waitlist_seq", [](auto& b, auto& x) { b.Int64(x.waitlist_seq); },
           [](auto& r, auto& x) { x.waitlist_seq = r.Int64(); }},
          {"final_score", [](auto& b, auto& x) { b.Int(x.final_score); },
           [](auto& r, auto& x) { x.final_score = r.Int(); }},
          {"attendance_percent", [](auto& b, auto& x) { b.Int(x.attendance_percent); },
           [](auto& r, auto& x) { x.attendance_percent = r.Int(); }},
          {"certificate_id", [](auto& b, auto& x) { b.OptionalId(x.certificate_id); },
           [](auto& r, auto& x) { x.certificate_id = r.IsNull() ? 0 : r.Int64(); }},
          {"reason", [](auto& b, auto& x) { b.Text(x.reason); },
           [](auto& r, auto& x) { x.reason = r.Text(); }},
          {"enroll_time", [](auto& b, auto& x) { b.Time(x.enroll_time); },
           [](auto& r, auto& x) { x.enroll_time = r.Time(); }, db::Write::kAlways,
           /*time=*/true},
      });
  return *columns;
}

const db::Columns<Certificate, Binder>& CertificateColumns() {
  static const auto* const columns = new db::Columns<Certificate, Binder>(
      "certificates",
      {
          {"number", [](auto& b, auto& x) { b.Text(x.number); },
           [](auto& r, auto& x) { x.number = r.Text(); }},
          {"trainee_id", [](auto& b, auto& x) { b.Int64(x.trainee_id); },
           [](auto& r, auto& x) { x.trainee_id = r.Int64(); }},
          {"enrollment_id", [](auto& b, auto& x) { b.Int64(x.enrollment_id); },
           [](auto& r, auto& x) { x.enrollment_id = r.Int64(); }},
          {"holder_name", [](auto& b, auto& x) { b.Text(x.holder_name); },
           [](auto& r, auto& x) { x.holder_name = r.Text(); }},
          {"holder_name_latin", [](auto& b, auto& x) { b.Text(x.holder_name_latin); },
           [](auto& r, auto& x) { x.holder_name_latin = r.Text(); }},
          {"course_code", [](auto& b, auto& x) { b.Text(x.course_code); },
           [](auto& r, auto& x) { x.course_code = r.Text(); }},
          {"course_titles", [](auto& b, auto& x) { b.Texts("course_titles", x.course_titles); },
           [](auto& r, auto& x) { x.course_titles = r.Texts(); }},
          {"discipline", [](auto& b, auto& x) { b.Text(x.discipline); },
           [](auto& r, auto& x) { x.discipline = r.Text(); }},
          {"workshop_id, chinese_institution_id, partner_institution_id",
           [](auto& b, auto& x) { b.OwnerIds(x.owners); },
           [](auto& r, auto& x) { x.owners = ReadOwners(r); }},
          {"workshop_names", [](auto& b, auto& x) { b.Texts("workshop_names", x.workshop_names); },
           [](auto& r, auto& x) { x.workshop_names = r.Texts(); }},
          {"chinese_institution_names",
           [](auto& b, auto& x) {
             b.Texts("chinese_institution_names", x.chinese_institution_names);
           },
           [](auto& r, auto& x) { x.chinese_institution_names = r.Texts(); }},
          {"partner_institution_names",
           [](auto& b, auto& x) {
             b.Texts("partner_institution_names", x.partner_institution_names);
           },
           [](auto& r, auto& x) { x.partner_institution_names = r.Texts(); }},
          {"final_score", [](auto& b, auto& x) { b.Int(x.final_score); },
           [](auto& r, auto& x) { x.final_score = r.Int(); }},
          {"attendance_percent", [](auto& b, auto& x) { b.Int(x.attendance_percent); },
           [](auto& r, auto& x) { x.attendance_percent = r.Int(); }},
          {"issue_date", [](auto& b, auto& x) { b.Day(x.issue_date); },
           [](auto& r, auto& x) { x.issue_date = r.Day(); }},
          {"status", [](auto& b, auto& x) { b.Int(static_cast<int>(x.status)); },
           [](auto& r, auto& x) { x.status = static_cast<CertificateStatus>(r.Int()); }},
          {"revoke_reason", [](auto& b, auto& x) { b.Text(x.revoke_reason); },
           [](auto& r, auto& x) { x.revoke_reason = r.Text(); }},
      });
  return *columns;
}

// A name prefix as a LIKE pattern's literal part, with '!' as the escape character.
std::string EscapeLike(absl::string_view prefix) {
  std::string escaped;
  escaped.reserve(prefix.size());
  for (char c : prefix) {
    if (c == '!' || c == '%' || c == '_') escaped.push_back('!');
    escaped.push_back(c);
  }
  return escaped;
}

// The start of `day` (UTC) as DATETIME text: enroll_time bounds compare against it.
absl::Time StartOf(absl::CivilDay day) {
  return absl::FromCivil(absl::CivilSecond(day), absl::UTCTimeZone());
}

}  // namespace

absl::Status MySqlEnrollmentTx::CheckExists(absl::string_view table, absl::string_view key_column,
                                            absl::string_view collection, int64_t id) {
  auto& select =
      session_.Prepare(absl::StrCat("SELECT 1 FROM ", table, " WHERE ", key_column, " = ?"));
  select.setInt64(1, id);
  if (!ReadBool(select)) return ResourceNotFound(collection, id);
  return absl::OkStatus();
}

// ---- trainees ----

absl::StatusOr<Trainee> MySqlEnrollmentTx::GetTrainee(int64_t id, bool for_update) {
  return db::Guarded(session_, "get trainee", [&]() -> absl::StatusOr<Trainee> {
    auto& select = session_.Prepare(TraineeColumns().SelectByKeySql(for_update));
    select.setInt64(1, id);
    return ReadOne<Trainee>(select, kTrainees, id, TraineeColumns());
  });
}

absl::StatusOr<std::optional<Trainee>> MySqlEnrollmentTx::FindTraineeByDocument(
    const std::string& country, const std::string& document_key) {
  return db::Guarded(
      session_, "find trainee by document", [&]() -> absl::StatusOr<std::optional<Trainee>> {
        static const std::string* const kSelect = new std::string(
            absl::StrCat(TraineeColumns().SelectSql(), " WHERE doc_country = ? AND doc_key = ?"));
        auto& select = session_.Prepare(*kSelect);
        Binder(select).Text(country).Text(document_key);
        return ReadOptional<Trainee>(select, TraineeColumns());
      });
}

absl::StatusOr<Page<Trainee>> MySqlEnrollmentTx::ListTrainees(const TraineeFilter& filter,
                                                              int64_t after_id, int limit) {
  LUBAN_RETURN_IF_ERROR(CheckLimit(limit));
  return db::Guarded(session_, "list trainees", [&]() -> absl::StatusOr<Page<Trainee>> {
    std::string query = absl::StrCat(TraineeColumns().SelectSql(), " WHERE id > ?");
    if (filter.home_workshop_id.has_value()) absl::StrAppend(&query, " AND home_workshop_id = ?");
    if (!filter.citizenship.empty()) absl::StrAppend(&query, " AND citizenship = ?");
    if (filter.status.has_value()) absl::StrAppend(&query, " AND status = ?");
    if (!filter.name_prefix.empty()) {
      // Case-insensitive in either script; the columns themselves compare byte-exact.
      absl::StrAppend(&query,
                      " AND (family_name COLLATE utf8mb4_general_ci LIKE CONCAT(?, '%') ESCAPE '!'"
                      " OR family_name_latin COLLATE utf8mb4_general_ci"
                      " LIKE CONCAT(?, '%') ESCAPE '!')");
    }
    if (!filter.document_key.empty()) absl::StrAppend(&query, " AND doc_key = ?");
    if (filter.run_id.has_value()) {
      absl::StrAppend(&query, " AND id IN (SELECT trainee_id FROM enrollments WHERE run_id = ?)");
    }
    if (filter.visible_to_institution.has_value()) absl::StrAppend(&query, kCoFounded);
    absl::StrAppend(&query, " ORDER BY id LIMIT ?");
    auto& select = session_.Prepare(query);
    Binder bind(select);
    bind.Int64(after_id);
    if (filter.home_workshop_id.has_value()) bind.Int64(*filter.home_workshop_id);
    if (!filter.citizenship.empty()) bind.Text(filter.citizenship);
    if (filter.status.has_value()) bind.Int(static_cast<int>(*filter.status));
    if (!filter.name_prefix.empty()) {
      const std::string pattern = EscapeLike(filter.name_prefix);
      bind.Text(pattern).Text(pattern);
    }
    if (!filter.document_key.empty()) bind.Text(filter.document_key);
    if (filter.run_id.has_value()) bind.Int64(*filter.run_id);
    if (filter.visible_to_institution.has_value()) {
      bind.Int64(*filter.visible_to_institution).Int64(*filter.visible_to_institution);
    }
    bind.Int64(int64_t{limit} + 1);
    return ReadPage<Trainee>(select, limit, TraineeColumns());
  });
}

absl::StatusOr<int64_t> MySqlEnrollmentTx::InsertTrainee(const Trainee& trainee) {
  return db::Guarded(session_, "insert trainee", [&]() -> absl::StatusOr<int64_t> {
    auto& insert = session_.Prepare(TraineeColumns().InsertSql());
    LUBAN_RETURN_IF_ERROR(TraineeColumns().BindInsert(insert, trainee));
    int64_t id = 0;
    try {
      id = db::Session::InsertReturningId(insert);
    } catch (const sql::SQLException& e) {
      // The document is the only unique key besides the generated id.
      if (e.getErrorCode() != db::kErrDuplicateKey) throw;
      return DocumentTaken();
    }
    return id;
  });
}

absl::Status MySqlEnrollmentTx::UpdateTrainee(const Trainee& trainee) {
  return db::Guarded(session_, "update trainee", [&]() -> absl::Status {
    auto& update = session_.Prepare(TraineeColumns().UpdateSql());
    LUBAN_RETURN_IF_ERROR(TraineeColumns().BindUpdate(update, trainee));
    try {
      if (db::Session::Update(update) > 0) return absl::OkStatus();
    } catch (const sql::SQLException& e) {
      if (e.getErrorCode() != db::kErrDuplicateKey) throw;
      return DocumentTaken();
    }
    return CheckExists("trainees", "id", kTrainees, trainee.meta.id);
  });
}

absl::StatusOr<std::vector<Trainee>> MySqlEnrollmentTx::ExportTrainees(const ExportCursor& cursor,
                                                                       int limit, ExportNext next) {
  LUBAN_RETURN_IF_ERROR(CheckLimit(limit));
  return db::Guarded(session_, "export trainees", [&]() -> absl::StatusOr<std::vector<Trainee>> {
    return Export(session_, TraineeColumns(), cursor, limit, next);
  });
}

// ---- run seats ----

absl::StatusOr<RunSeats> MySqlEnrollmentTx::GetRunSeats(int64_t run_id, bool for_update) {
  return db::Guarded(session_, "get run seats", [&]() -> absl::StatusOr<RunSeats> {
    auto& select = session_.Prepare(RunSeatsColumns().SelectByKeySql(for_update));
    select.setInt64(1, run_id);
    return ReadOne<RunSeats>(select, kCourseRuns, run_id, RunSeatsColumns());
  });
}

absl::Status MySqlEnrollmentTx::InsertRunSeatsIfAbsent(const RunSeats& seats) {
  return db::Guarded(session_, "insert run seats", [&]() -> absl::Status {
    // Not INSERT IGNORE, which would also swallow every other error; a duplicate changes nothing.
    static const std::string* const kInsert = new std::string(
        absl::StrCat(RunSeatsColumns().InsertSql(), " ON DUPLICATE KEY UPDATE run_id = run_id"));
    auto& insert = session_.Prepare(*kInsert);
    LUBAN_RETURN_IF_ERROR(RunSeatsColumns().BindInsert(insert, seats));
    try {
      db::Session::Update(insert);
    } catch (const sql::SQLException& e) {
      if (e.getErrorCode() != kErrConstraintFailed) throw;
      return SeatsOutOfRange(seats.run_id);
    }
    return absl::OkStatus();
  });
}

absl::Status MySqlEnrollmentTx::UpdateRunSeats(const RunSeats& seats) {
  return db::Guarded(session_, "update run seats", [&]() -> absl::Status {
    auto& update = session_.Prepare(RunSeatsColumns().UpdateSql());
    LUBAN_RETURN_IF_ERROR(RunSeatsColumns().BindUpdate(update, seats));
    try {
      if (db::Session::Update(update) > 0) return absl::OkStatus();
    } catch (const sql::SQLException& e) {
      if (e.getErrorCode() != kErrConstraintFailed) throw;
      return SeatsOutOfRange(seats.run_id);
    }
    return CheckExists("run_seats", "run_id", kCourseRuns, seats.run_id);
  });
}

// ---- enrollments ----

absl::StatusOr<Enrollment> MySqlEnrollmentTx::GetEnrollment(int64_t id, bool for_update) {
  return db::Guarded(session_, "get enrollment", [&]() -> absl::StatusOr<Enrollment> {
    auto& select = session_.Prepare(EnrollmentColumns().SelectByKeySql(for_update));
    select.setInt64(1, id);
    return ReadOne<Enrollment>(select, kEnrollments, id, EnrollmentColumns());
  });
}

absl::StatusOr<std::optional<Enrollment>> MySqlEnrollmentTx::FindOpenEnrollment(int64_t trainee_id,
                                                                                int64_t run_id) {
  return db::Guarded(
      session_, "find open enrollment", [&]() -> absl::StatusOr<std::optional<Enrollment>> {
        // open_run_id is set exactly while the enrollment is open.
        static const std::string* const kSelect = new std::string(absl::StrCat(
            EnrollmentColumns().SelectSql(), " WHERE trainee_id = ? AND open_run_id = ?"));
        auto& select = session_.Prepare(*kSelect);
        Binder(select).Int64(trainee_id).Int64(run_id);
        return ReadOptional<Enrollment>(select, EnrollmentColumns());
      });
}

absl::StatusOr<int64_t> MySqlEnrollmentTx::CountOpenEnrollments(int64_t trainee_id) {
  return db::Guarded(session_, "count open enrollments", [&]() -> absl::StatusOr<int64_t> {
    auto& select = session_.Prepare(
        "SELECT COUNT(*) FROM enrollments WHERE trainee_id = ? AND state IN (?, ?)");
    Binder(select)
        .Int64(trainee_id)
        .Int(static_cast<int>(EnrollmentState::kWaitlisted))
        .Int(static_cast<int>(EnrollmentState::kEnrolled));
    return ReadCount(select);
  });
}

absl::StatusOr<std::vector<Enrollment>> MySqlEnrollmentTx::FirstWaitlisted(int64_t run_id,
                                                                           int limit) {
  LUBAN_RETURN_IF_ERROR(CheckLimit(limit));
  return db::Guarded(
      session_, "find first waitlisted", [&]() -> absl::StatusOr<std::vector<Enrollment>> {
        static const std::string* const kSelect = new std::string(
            absl::StrCat(EnrollmentColumns().SelectSql(),
                         " WHERE run_id = ? AND state = ? ORDER BY waitlist_seq, id LIMIT ?"
                         " FOR UPDATE"));
        auto& select = session_.Prepare(*kSelect);
        Binder(select)
            .Int64(run_id)
            .Int(static_cast<int>(EnrollmentState::kWaitlisted))
            .Int64(limit);
        return ReadAll<Enrollment>(select, EnrollmentColumns());
      });
}

absl::StatusOr<std::vector<Enrollment>> MySqlEnrollmentTx::OpenEnrollmentsOfRun(int64_t run_id) {
  return db::Guarded(
      session_, "find open enrollments of run", [&]() -> absl::StatusOr<std::vector<Enrollment>> {
        static const std::string* const kSelect = new std::string(
            absl::StrCat(EnrollmentColumns().SelectSql(),
                         " WHERE run_id = ? AND state IN (?, ?) ORDER BY id FOR UPDATE"));
        auto& select = session_.Prepare(*kSelect);
        Binder(select)
            .Int64(run_id)
            .Int(static_cast<int>(EnrollmentState::kWaitlisted))
            .Int(static_cast<int>(EnrollmentState::kEnrolled));
        return ReadAll<Enrollment>(select, EnrollmentColumns());
      });
}

absl::StatusOr<int> MySqlEnrollmentTx::WaitlistPosition(int64_t run_id, int64_t waitlist_seq) {
  return db::Guarded(session_, "find waitlist position", [&]() -> absl::StatusOr<int> {
    auto& select = session_.Prepare(
        "SELECT COUNT(*) FROM enrollments WHERE run_id = ? AND state = ? AND waitlist_seq < ?");
    Binder(select)
        .Int64(run_id)
        .Int(static_cast<int>(EnrollmentState::kWaitlisted))
        .Int64(waitlist_seq);
    return static_cast<int>(1 + ReadCount(select));
  });
}

absl::StatusOr<Page<Enrollment>> MySqlEnrollmentTx::ListEnrollments(const EnrollmentFilter& filter,
                                                                    int64_t after_id, int limit) {
  LUBAN_RETURN_IF_ERROR(CheckLimit(limit));
  return db::Guarded(session_, "list enrollments", [&]() -> absl::StatusOr<Page<Enrollment>> {
    std::string query = absl::StrCat(EnrollmentColumns().SelectSql(), " WHERE id > ?");
    if (filter.run_id.has_value()) absl::StrAppend(&query, " AND run_id = ?");
    if (filter.trainee_id.has_value()) absl::StrAppend(&query, " AND trainee_id = ?");
    if (filter.workshop_id.has_value()) absl::StrAppend(&query, " AND workshop_id = ?");
    if (filter.state.has_value()) absl::StrAppend(&query, " AND state = ?");
    // Whole days, both ends inclusive, in UTC like every stored time.
    if (filter.enrolled_from.has_value()) absl::StrAppend(&query, " AND enroll_time >= ?");
    if (filter.enrolled_to.has_value()) absl::StrAppend(&query, " AND enroll_time < ?");
    if (filter.visible_to_institution.has_value()) absl::StrAppend(&query, kCoFounded);
    absl::StrAppend(&query, " ORDER BY id LIMIT ?");
    auto& select = session_.Prepare(query);
    Binder bind(select);
    bind.Int64(after_id);
    if (filter.run_id.has_value()) bind.Int64(*filter.run_id);
    if (filter.trainee_id.has_value()) bind.Int64(*filter.trainee_id);
    if (filter.workshop_id.has_value()) bind.Int64(*filter.workshop_id);
    if (filter.state.has_value()) bind.Int(static_cast<int>(*filter.state));
    if (filter.enrolled_from.has_value()) bind.Time(StartOf(*filter.enrolled_from));
    if (filter.enrolled_to.has_value()) bind.Time(StartOf(*filter.enrolled_to + 1));
    if (filter.visible_to_institution.has_value()) {
      bind.Int64(*filter.visible_to_institution).Int64(*filter.visible_to_institution);
    }
    bind.Int64(int64_t{limit} + 1);
    return ReadPage<Enrollment>(select, limit, EnrollmentColumns());
  });
}

absl::StatusOr<int64_t> MySqlEnrollmentTx::InsertEnrollment(const Enrollment& enrollment) {
  return db::Guarded(session_, "insert enrollment", [&]() -> absl::StatusOr<int64_t> {
    auto& insert = session_.Prepare(EnrollmentColumns().InsertSql());
    LUBAN_RETURN_IF_ERROR(EnrollmentColumns().BindInsert(insert, enrollment));
    int64_t id = 0;
    try {
      id = db::Session::InsertReturningId(insert);
    } catch (const sql::SQLException& e) {
      // The only unique key besides the id: one open enrollment per trainee and run.
      if (e.getErrorCode() == db::kErrDuplicateKey) {
        return OpenEnrollmentTaken(enrollment.trainee_id, enrollment.run_id);
      }
      if (e.getErrorCode() == db::kErrNoReferencedRow) return MissingTraineeOrRun();
      throw;
    }
    return id;
  });
}

absl::Status MySqlEnrollmentTx::UpdateEnrollment(const Enrollment& enrollment) {
  return db::Guarded(session_, "update enrollment", [&]() -> absl::Status {
    auto& update = session_.Prepare(EnrollmentColumns().UpdateSql());
    LUBAN_RETURN_IF_ERROR(EnrollmentColumns().BindUpdate(update, enrollment));
    try {
      if (db::Session::Update(update) > 0) return absl::OkStatus();
    } catch (const sql::SQLException& e) {
      if (e.getErrorCode() == db::kErrDuplicateKey) {
        return OpenEnrollmentTaken(enrollment.trainee_id, enrollment.run_id);
      }
      if (e.getErrorCode() == db::kErrNoReferencedRow) return MissingTraineeOrRun();
      throw;
    }
    return CheckExists("enrollments", "id", kEnrollments, enrollment.meta.id);
  });
}

absl::StatusOr<std::vector<Enrollment>> MySqlEnrollmentTx::ExportEnrollments(
    const ExportCursor& cursor, int limit, ExportNext next) {
  LUBAN_RETURN_IF_ERROR(CheckLimit(limit));
  return db::Guarded(session_, "export enrollments",
                     [&]() -> absl::StatusOr<std::vector<Enrollment>> {
                       return Export(session_, EnrollmentColumns(), cursor, limit, next);
                     });
}

absl::StatusOr<bool> MySqlEnrollmentTx::HasCompletedCourse(int64_t trainee_id, int64_t course_id) {
  return db::Guarded(session_, "find completed course", [&]() -> absl::StatusOr<bool> {
    auto& select = session_.Prepare(
        "SELECT EXISTS (SELECT 1 FROM enrollments WHERE trainee_id = ? AND course_id = ?"
        " AND state = ?)");
    Binder(select)
        .Int64(trainee_id)
        .Int64(course_id)
        .Int(static_cast<int>(EnrollmentState::kCompleted));
    return ReadBool(select);
  });
}

// ---- certificates ----

absl::StatusOr<Certificate> MySqlEnrollmentTx::GetCertificate(int64_t id, bool for_update) {
  return db::Guarded(session_, "get certificate", [&]() -> absl::StatusOr<Certificate> {
    auto& select = session_.Prepare(CertificateColumns().SelectByKeySql(for_update));
    select.setInt64(1, id);
    return ReadOne<Certificate>(select, kCertificates, id, CertificateColumns());
  });
}

absl::StatusOr<Certificate> MySqlEnrollmentTx::GetCertificateByNumber(const std::string& number) {
  return db::Guarded(session_, "get certificate by number", [&]() -> absl::StatusOr<Certificate> {
    static const std::string* const kSelect =
        new std::string(absl::StrCat(CertificateColumns().SelectSql(), " WHERE number = ?"));
    auto& select = session_.Prepare(*kSelect);
    select.setString(1, number);
    auto rows = db::Session::Query(select);
    // The number is not echoed: callers verifying a certificate are anonymous.
    if (!rows->next()) return absl::NotFoundError("number: no certificate has this number");
    return CertificateColumns().Read(*rows);
  });
}

absl::StatusOr<Page<Certificate>> MySqlEnrollmentTx::ListCertificates(
    const CertificateFilter& filter, int64_t after_id, int limit) {
  LUBAN_RETURN_IF_ERROR(CheckLimit(limit));
  return db::Guarded(session_, "list certificates", [&]() -> absl::StatusOr<Page<Certificate>> {
    std::string query = absl::StrCat(CertificateColumns().SelectSql(), " WHERE id > ?");
    if (filter.trainee_id.has_value()) absl::StrAppend(&query, " AND trainee_id = ?");
    if (filter.workshop_id.has_value()) absl::StrAppend(&query, " AND workshop_id = ?");
    if (filter.run_id.has_value()) {
      absl::StrAppend(&query,
                      " AND enrollment_id IN (SELECT id FROM enrollments WHERE run_id = ?)");
    }
    if (filter.visible_to_institution.has_value()) absl::StrAppend(&query, kCoFounded);
    absl::StrAppend(&query, " ORDER BY id LIMIT ?");
    auto& select = session_.Prepare(query);
    Binder bind(select);
    bind.Int64(after_id);
    if (filter.trainee_id.has_value()) bind.Int64(*filter.trainee_id);
    if (filter.workshop_id.has_value()) bind.Int64(*filter.workshop_id);
    if (filter.run_id.has_value()) bind.Int64(*filter.run_id);
    if (filter.visible_to_institution.has_value()) {
      bind.Int64(*filter.visible_to_institution).Int64(*filter.visible_to_institution);
    }
    bind.Int64(int64_t{limit} + 1);
    return ReadPage<Certificate>(select, limit, CertificateColumns());
  });
}

absl::StatusOr<int64_t> MySqlEnrollmentTx::InsertCertificate(const Certificate& certificate) {
  return db::Guarded(session_, "insert certificate", [&]() -> absl::StatusOr<int64_t> {
    auto& insert = session_.Prepare(CertificateColumns().InsertSql());
    LUBAN_RETURN_IF_ERROR(CertificateColumns().BindInsert(insert, certificate));
    int64_t id = 0;
    try {
      id = db::Session::InsertReturningId(insert);
    } catch (const sql::SQLException& e) {
      // The number is the only unique key besides the generated id.
      if (e.getErrorCode() == db::kErrDuplicateKey) return CertificateNumberTaken();
      if (e.getErrorCode() == db::kErrNoReferencedRow) return MissingTraineeOrEnrollment();
      throw;
    }
    return id;
  });
}

absl::Status MySqlEnrollmentTx::UpdateCertificate(const Certificate& certificate) {
  return db::Guarded(session_, "update certificate", [&]() -> absl::Status {
    auto& update = session_.Prepare(CertificateColumns().UpdateSql());
    LUBAN_RETURN_IF_ERROR(CertificateColumns().BindUpdate(update, certificate));
    try {
      if (db::Session::Update(update) > 0) return absl::OkStatus();
    } catch (const sql::SQLException& e) {
      if (e.getErrorCode() == db::kErrDuplicateKey) return CertificateNumberTaken();
      if (e.getErrorCode() == db::kErrNoReferencedRow) return MissingTraineeOrEnrollment();
      throw;
    }
    return CheckExists("certificates", "id", kCertificates, certificate.meta.id);
  });
}

absl::StatusOr<bool> MySqlEnrollmentTx::HasValidCertificate(int64_t trainee_id,
                                                            const std::string& discipline) {
  return db::Guarded(session_, "find valid certificate", [&]() -> absl::StatusOr<bool> {
    auto& select = session_.Prepare(
        "SELECT EXISTS (SELECT 1 FROM certificates WHERE trainee_id = ? AND status = ?"
        " AND discipline = ?)");
    Binder(select)
        .Int64(trainee_id)
        .Int(static_cast<int>(CertificateStatus::kValid))
        .Text(discipline);
    return ReadBool(select);
  });
}

// ---- feed cursors ----

absl::StatusOr<int64_t> MySqlEnrollmentTx::GetFeedCursor(const std::string& source) {
  return db::Guarded(session_, "get feed cursor", [&]() -> absl::StatusOr<int64_t> {
    // Locked: two consumers of one feed serialise here instead of applying an event twice.
    auto& select =
        session_.Prepare("SELECT last_sequence FROM feed_cursors WHERE source = ? FOR UPDATE");
    select.setString(1, source);
    return ReadCount(select);
  });
}

absl::Status MySqlEnrollmentTx::PutFeedCursor(const std::string& source, int64_t sequence) {
  return db::Guarded(session_, "put feed cursor", [&]() -> absl::Status {
    auto& upsert = session_.Prepare(
        "INSERT INTO feed_cursors (source, last_sequence) VALUES (?, ?)"
        " ON DUPLICATE KEY UPDATE last_sequence = VALUES(last_sequence)");
    Binder(upsert).Text(source).Int64(sequence);
    db::Session::Update(upsert);
    return absl::OkStatus();
  });
}

}  // namespace luban::enrollment
