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
using db::DecodeTexts;
using db::EncodeTexts;
using db::Export;
using db::GetText;
using db::ParseDay;
using db::ReadAll;
using db::ReadBool;
using db::ReadMeta;
using db::ReadOne;
using db::ReadPage;

// MariaDB's ER_CONSTRAINT_FAILED: a CHECK constraint refused the row.
constexpr int kErrConstraintFailed = 4025;

// Columns in the order the Read* functions expect them.
constexpr char kTraineeColumns[] =
    "id, version, create_time, update_time, family_name, given_name, family_name_latin,"
    " given_name_latin, sex, birth_date, citizenship, doc_country, doc_type, doc_number, email,"
    " phone, address, home_workshop_id, chinese_institution_id, partner_institution_id, status";
constexpr char kRunSeatsColumns[] =
    "run_id, course_id, workshop_id, chinese_institution_id, partner_institution_id, status,"
    " capacity, enrolled, next_waitlist_seq, pass_score, min_attendance_percent, run_version";
constexpr char kEnrollmentColumns[] =
    "id, version, create_time, update_time, trainee_id, run_id, course_id, workshop_id,"
    " chinese_institution_id, partner_institution_id, state, waitlist_seq, final_score,"
    " attendance_percent, certificate_id, reason, enroll_time";
constexpr char kCertificateColumns[] =
    "id, version, create_time, update_time, number, trainee_id, enrollment_id, holder_name,"
    " holder_name_latin, course_code, course_titles, discipline, workshop_id,"
    " chinese_institution_id, partner_institution_id, workshop_names, chinese_institution_names,"
    " partner_institution_names, final_score, attendance_percent, issue_date, status,"
    " revoke_reason";

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

// The certificate's localized lists, encoded in column order.
struct CertificateTexts {
  std::string course_titles;
  std::string workshop_names;
  std::string chinese_institution_names;
  std::string partner_institution_names;
};

absl::StatusOr<CertificateTexts> EncodeCertificateTexts(const Certificate& certificate) {
  CertificateTexts texts;
  LUBAN_ASSIGN_OR_RETURN(auto course_titles,
                         EncodeTexts("course_titles", certificate.course_titles));
  texts.course_titles = std::move(course_titles);
  LUBAN_ASSIGN_OR_RETURN(auto workshop, EncodeTexts("workshop_names", certificate.workshop_names));
  texts.workshop_names = std::move(workshop);
  LUBAN_ASSIGN_OR_RETURN(auto chinese, EncodeTexts("chinese_institution_names",
                                                   certificate.chinese_institution_names));
  texts.chinese_institution_names = std::move(chinese);
  LUBAN_ASSIGN_OR_RETURN(auto partner, EncodeTexts("partner_institution_names",
                                                   certificate.partner_institution_names));
  texts.partner_institution_names = std::move(partner);
  return texts;
}

absl::StatusOr<Trainee> ReadTrainee(sql::ResultSet& row) {
  Trainee trainee;
  ReadMeta(row, &trainee.meta);
  trainee.family_name = GetText(row, 5);
  trainee.given_name = GetText(row, 6);
  trainee.family_name_latin = GetText(row, 7);
  trainee.given_name_latin = GetText(row, 8);
  trainee.sex = static_cast<Sex>(row.getInt(9));
  LUBAN_ASSIGN_OR_RETURN(auto birth, ParseDay("trainees.birth_date", GetText(row, 10)));
  trainee.birth_date = birth;
  trainee.citizenship = GetText(row, 11);
  trainee.document.country = GetText(row, 12);
  trainee.document.type = static_cast<DocumentType>(row.getInt(13));
  trainee.document.number = GetText(row, 14);
  trainee.contacts.email = GetText(row, 15);
  trainee.contacts.phone = GetText(row, 16);
  trainee.contacts.address = GetText(row, 17);
  trainee.home.workshop_id = row.getInt64(18);
  trainee.home.chinese_institution_id = row.getInt64(19);
  trainee.home.partner_institution_id = row.getInt64(20);
  trainee.status = static_cast<TraineeStatus>(row.getInt(21));
  return trainee;
}

absl::StatusOr<RunSeats> ReadRunSeats(sql::ResultSet& row) {
  RunSeats seats;
  seats.run_id = row.getInt64(1);
  seats.course_id = row.getInt64(2);
  seats.owners.workshop_id = row.getInt64(3);
  seats.owners.chinese_institution_id = row.getInt64(4);
  seats.owners.partner_institution_id = row.getInt64(5);
  seats.status = static_cast<RunStatus>(row.getInt(6));
  seats.capacity = row.getInt(7);
  seats.enrolled = row.getInt(8);
  seats.next_waitlist_seq = row.getInt64(9);
  seats.pass_score = row.getInt(10);
  seats.min_attendance_percent = row.getInt(11);
  seats.run_version = row.getInt64(12);
  return seats;
}

absl::StatusOr<Enrollment> ReadEnrollment(sql::ResultSet& row) {
  Enrollment enrollment;
  ReadMeta(row, &enrollment.meta);
  enrollment.trainee_id = row.getInt64(5);
  enrollment.run_id = row.getInt64(6);
  enrollment.course_id = row.getInt64(7);
  enrollment.owners.workshop_id = row.getInt64(8);
  enrollment.owners.chinese_institution_id = row.getInt64(9);
  enrollment.owners.partner_institution_id = row.getInt64(10);
  enrollment.state = static_cast<EnrollmentState>(row.getInt(11));
  enrollment.waitlist_seq = row.getInt64(12);
  enrollment.final_score = row.getInt(13);
  enrollment.attendance_percent = row.getInt(14);
  enrollment.certificate_id = row.isNull(15) ? 0 : row.getInt64(15);
  enrollment.reason = GetText(row, 16);
  enrollment.enroll_time = db::ParseSqlTime(GetText(row, 17));
  return enrollment;
}

absl::StatusOr<Certificate> ReadCertificate(sql::ResultSet& row) {
  Certificate certificate;
  ReadMeta(row, &certificate.meta);
  certificate.number = GetText(row, 5);
  certificate.trainee_id = row.getInt64(6);
  certificate.enrollment_id = row.getInt64(7);
  certificate.holder_name = GetText(row, 8);
  certificate.holder_name_latin = GetText(row, 9);
  certificate.course_code = GetText(row, 10);
  LUBAN_ASSIGN_OR_RETURN(auto titles, DecodeTexts("certificates.course_titles", GetText(row, 11)));
  certificate.course_titles = std::move(titles);
  certificate.discipline = GetText(row, 12);
  certificate.owners.workshop_id = row.getInt64(13);
  certificate.owners.chinese_institution_id = row.getInt64(14);
  certificate.owners.partner_institution_id = row.getInt64(15);
  LUBAN_ASSIGN_OR_RETURN(auto workshop,
                         DecodeTexts("certificates.workshop_names", GetText(row, 16)));
  certificate.workshop_names = std::move(workshop);
  LUBAN_ASSIGN_OR_RETURN(auto chinese,
                         DecodeTexts("certificates.chinese_institution_names", GetText(row, 17)));
  certificate.chinese_institution_names = std::move(chinese);
  LUBAN_ASSIGN_OR_RETURN(auto partner,
                         DecodeTexts("certificates.partner_institution_names", GetText(row, 18)));
  certificate.partner_institution_names = std::move(partner);
  certificate.final_score = row.getInt(19);
  certificate.attendance_percent = row.getInt(20);
  LUBAN_ASSIGN_OR_RETURN(auto issued, ParseDay("certificates.issue_date", GetText(row, 21)));
  certificate.issue_date = issued;
  certificate.status = static_cast<CertificateStatus>(row.getInt(22));
  certificate.revoke_reason = GetText(row, 23);
  return certificate;
}

// The single row `statement` selects, if any.
template <typename T, typename Reader>
absl::StatusOr<std::optional<T>> ReadOptional(sql::PreparedStatement& statement, Reader read) {
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
    auto& select =
        session_.Prepare(absl::StrCat("SELECT ", kTraineeColumns, " FROM trainees WHERE id = ?",
                                      for_update ? " FOR UPDATE" : ""));
    select.setInt64(1, id);
    return ReadOne<Trainee>(select, kTrainees, id, ReadTrainee);
  });
}

absl::StatusOr<std::optional<Trainee>> MySqlEnrollmentTx::FindTraineeByDocument(
    const std::string& country, const std::string& document_key) {
  return db::Guarded(
      session_, "find trainee by document", [&]() -> absl::StatusOr<std::optional<Trainee>> {
        auto& select = session_.Prepare(absl::StrCat(
            "SELECT ", kTraineeColumns, " FROM trainees WHERE doc_country = ? AND doc_key = ?"));
        Binder(select).Text(country).Text(document_key);
        return ReadOptional<Trainee>(select, ReadTrainee);
      });
}

absl::StatusOr<Page<Trainee>> MySqlEnrollmentTx::ListTrainees(const TraineeFilter& filter,
                                                              int64_t after_id, int limit) {
  LUBAN_RETURN_IF_ERROR(CheckLimit(limit));
  return db::Guarded(session_, "list trainees", [&]() -> absl::StatusOr<Page<Trainee>> {
    std::string query = absl::StrCat("SELECT ", kTraineeColumns, " FROM trainees WHERE id > ?");
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
    return ReadPage<Trainee>(select, limit, ReadTrainee);
  });
}

absl::StatusOr<int64_t> MySqlEnrollmentTx::InsertTrainee(const Trainee& trainee) {
  return db::Guarded(session_, "insert trainee", [&]() -> absl::StatusOr<int64_t> {
    auto& insert = session_.Prepare(
        "INSERT INTO trainees (version, create_time, update_time, family_name, given_name,"
        " family_name_latin, given_name_latin, sex, birth_date, citizenship, doc_country,"
        " doc_type, doc_number, doc_key, email, phone, address, home_workshop_id,"
        " chinese_institution_id, partner_institution_id, status)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
    Binder(insert)
        .Int64(trainee.meta.version)
        .Time(trainee.meta.create_time)
        .Time(trainee.meta.update_time)
        .Text(trainee.family_name)
        .Text(trainee.given_name)
        .Text(trainee.family_name_latin)
        .Text(trainee.given_name_latin)
        .Int(static_cast<int>(trainee.sex))
        .Day(trainee.birth_date)
        .Text(trainee.citizenship)
        .Text(trainee.document.country)
        .Int(static_cast<int>(trainee.document.type))
        .Text(trainee.document.number)
        .Text(DocumentKey(trainee.document.number))
        .Text(trainee.contacts.email)
        .Text(trainee.contacts.phone)
        .Text(trainee.contacts.address)
        .OwnerIds(trainee.home)
        .Int(static_cast<int>(trainee.status));
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
    auto& update = session_.Prepare(
        "UPDATE trainees SET family_name = ?, given_name = ?, family_name_latin = ?,"
        " given_name_latin = ?, sex = ?, birth_date = ?, citizenship = ?, doc_country = ?,"
        " doc_type = ?, doc_number = ?, doc_key = ?, email = ?, phone = ?, address = ?,"
        " home_workshop_id = ?, chinese_institution_id = ?, partner_institution_id = ?,"
        " status = ?, version = ?, update_time = ? WHERE id = ?");
    Binder(update)
        .Text(trainee.family_name)
        .Text(trainee.given_name)
        .Text(trainee.family_name_latin)
        .Text(trainee.given_name_latin)
        .Int(static_cast<int>(trainee.sex))
        .Day(trainee.birth_date)
        .Text(trainee.citizenship)
        .Text(trainee.document.country)
        .Int(static_cast<int>(trainee.document.type))
        .Text(trainee.document.number)
        .Text(DocumentKey(trainee.document.number))
        .Text(trainee.contacts.email)
        .Text(trainee.contacts.phone)
        .Text(trainee.contacts.address)
        .OwnerIds(trainee.home)
        .Int(static_cast<int>(trainee.status))
        .Int64(trainee.meta.version)
        .Time(trainee.meta.update_time)
        .Int64(trainee.meta.id);
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
                                                                       int limit) {
  LUBAN_RETURN_IF_ERROR(CheckLimit(limit));
  return db::Guarded(session_, "export trainees", [&]() -> absl::StatusOr<std::vector<Trainee>> {
    return Export<Trainee>(session_, "trainees", kTraineeColumns, cursor, limit, ReadTrainee);
  });
}

// ---- run seats ----

absl::StatusOr<RunSeats> MySqlEnrollmentTx::GetRunSeats(int64_t run_id, bool for_update) {
  return db::Guarded(session_, "get run seats", [&]() -> absl::StatusOr<RunSeats> {
    auto& select = session_.Prepare(absl::StrCat("SELECT ", kRunSeatsColumns,
                                                 " FROM run_seats WHERE run_id = ?",
                                                 for_update ? " FOR UPDATE" : ""));
    select.setInt64(1, run_id);
    return ReadOne<RunSeats>(select, kCourseRuns, run_id, ReadRunSeats);
  });
}

absl::Status MySqlEnrollmentTx::InsertRunSeatsIfAbsent(const RunSeats& seats) {
  return db::Guarded(session_, "insert run seats", [&]() -> absl::Status {
    // Not INSERT IGNORE, which would also swallow every other error; a duplicate changes nothing.
    auto& insert = session_.Prepare(
        "INSERT INTO run_seats (run_id, course_id, workshop_id, chinese_institution_id,"
        " partner_institution_id, status, capacity, enrolled, next_waitlist_seq, pass_score,"
        " min_attendance_percent, run_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON DUPLICATE KEY UPDATE run_id = run_id");
    Binder(insert)
        .Int64(seats.run_id)
        .Int64(seats.course_id)
        .OwnerIds(seats.owners)
        .Int(static_cast<int>(seats.status))
        .Int(seats.capacity)
        .Int(seats.enrolled)
        .Int64(seats.next_waitlist_seq)
        .Int(seats.pass_score)
        .Int(seats.min_attendance_percent)
        .Int64(seats.run_version);
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
    auto& update = session_.Prepare(
        "UPDATE run_seats SET course_id = ?, workshop_id = ?, chinese_institution_id = ?,"
        " partner_institution_id = ?, status = ?, capacity = ?, enrolled = ?,"
        " next_waitlist_seq = ?, pass_score = ?, min_attendance_percent = ?, run_version = ?"
        " WHERE run_id = ?");
    Binder(update)
        .Int64(seats.course_id)
        .OwnerIds(seats.owners)
        .Int(static_cast<int>(seats.status))
        .Int(seats.capacity)
        .Int(seats.enrolled)
        .Int64(seats.next_waitlist_seq)
        .Int(seats.pass_score)
        .Int(seats.min_attendance_percent)
        .Int64(seats.run_version)
        .Int64(seats.run_id);
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
    auto& select = session_.Prepare(absl::StrCat("SELECT ", kEnrollmentColumns,
                                                 " FROM enrollments WHERE id = ?",
                                                 for_update ? " FOR UPDATE" : ""));
    select.setInt64(1, id);
    return ReadOne<Enrollment>(select, kEnrollments, id, ReadEnrollment);
  });
}

absl::StatusOr<std::optional<Enrollment>> MySqlEnrollmentTx::FindOpenEnrollment(int64_t trainee_id,
                                                                                int64_t run_id) {
  return db::Guarded(
      session_, "find open enrollment", [&]() -> absl::StatusOr<std::optional<Enrollment>> {
        // open_run_id is set exactly while the enrollment is open.
        auto& select = session_.Prepare(
            absl::StrCat("SELECT ", kEnrollmentColumns,
                         " FROM enrollments WHERE trainee_id = ? AND open_run_id = ?"));
        Binder(select).Int64(trainee_id).Int64(run_id);
        return ReadOptional<Enrollment>(select, ReadEnrollment);
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
        auto& select =
            session_.Prepare(absl::StrCat("SELECT ", kEnrollmentColumns,
                                          " FROM enrollments WHERE run_id = ? AND state = ?"
                                          " ORDER BY waitlist_seq, id LIMIT ? FOR UPDATE"));
        Binder(select)
            .Int64(run_id)
            .Int(static_cast<int>(EnrollmentState::kWaitlisted))
            .Int64(limit);
        return ReadAll<Enrollment>(select, ReadEnrollment);
      });
}

absl::StatusOr<std::vector<Enrollment>> MySqlEnrollmentTx::OpenEnrollmentsOfRun(int64_t run_id) {
  return db::Guarded(
      session_, "find open enrollments of run", [&]() -> absl::StatusOr<std::vector<Enrollment>> {
        auto& select = session_.Prepare(absl::StrCat(
            "SELECT ", kEnrollmentColumns,
            " FROM enrollments WHERE run_id = ? AND state IN (?, ?) ORDER BY id FOR UPDATE"));
        Binder(select)
            .Int64(run_id)
            .Int(static_cast<int>(EnrollmentState::kWaitlisted))
            .Int(static_cast<int>(EnrollmentState::kEnrolled));
        return ReadAll<Enrollment>(select, ReadEnrollment);
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
    std::string query =
        absl::StrCat("SELECT ", kEnrollmentColumns, " FROM enrollments WHERE id > ?");
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
    return ReadPage<Enrollment>(select, limit, ReadEnrollment);
  });
}

absl::StatusOr<int64_t> MySqlEnrollmentTx::InsertEnrollment(const Enrollment& enrollment) {
  return db::Guarded(session_, "insert enrollment", [&]() -> absl::StatusOr<int64_t> {
    auto& insert = session_.Prepare(
        "INSERT INTO enrollments (version, create_time, update_time, trainee_id, run_id,"
        " course_id, workshop_id, chinese_institution_id, partner_institution_id, state,"
        " waitlist_seq, final_score, attendance_percent, certificate_id, reason, enroll_time)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
    Binder(insert)
        .Int64(enrollment.meta.version)
        .Time(enrollment.meta.create_time)
        .Time(enrollment.meta.update_time)
        .Int64(enrollment.trainee_id)
        .Int64(enrollment.run_id)
        .Int64(enrollment.course_id)
        .OwnerIds(enrollment.owners)
        .Int(static_cast<int>(enrollment.state))
        .Int64(enrollment.waitlist_seq)
        .Int(enrollment.final_score)
        .Int(enrollment.attendance_percent)
        .OptionalId(enrollment.certificate_id)
        .Text(enrollment.reason)
        .Time(enrollment.enroll_time);
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
    auto& update = session_.Prepare(
        "UPDATE enrollments SET trainee_id = ?, run_id = ?, course_id = ?, workshop_id = ?,"
        " chinese_institution_id = ?, partner_institution_id = ?, state = ?, waitlist_seq = ?,"
        " final_score = ?, attendance_percent = ?, certificate_id = ?, reason = ?,"
        " enroll_time = ?, version = ?, update_time = ? WHERE id = ?");
    Binder(update)
        .Int64(enrollment.trainee_id)
        .Int64(enrollment.run_id)
        .Int64(enrollment.course_id)
        .OwnerIds(enrollment.owners)
        .Int(static_cast<int>(enrollment.state))
        .Int64(enrollment.waitlist_seq)
        .Int(enrollment.final_score)
        .Int(enrollment.attendance_percent)
        .OptionalId(enrollment.certificate_id)
        .Text(enrollment.reason)
        .Time(enrollment.enroll_time)
        .Int64(enrollment.meta.version)
        .Time(enrollment.meta.update_time)
        .Int64(enrollment.meta.id);
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
    const ExportCursor& cursor, int limit) {
  LUBAN_RETURN_IF_ERROR(CheckLimit(limit));
  return db::Guarded(session_, "export enrollments",
                     [&]() -> absl::StatusOr<std::vector<Enrollment>> {
                       return Export<Enrollment>(session_, "enrollments", kEnrollmentColumns,
                                                 cursor, limit, ReadEnrollment);
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
    auto& select = session_.Prepare(absl::StrCat("SELECT ", kCertificateColumns,
                                                 " FROM certificates WHERE id = ?",
                                                 for_update ? " FOR UPDATE" : ""));
    select.setInt64(1, id);
    return ReadOne<Certificate>(select, kCertificates, id, ReadCertificate);
  });
}

absl::StatusOr<Certificate> MySqlEnrollmentTx::GetCertificateByNumber(const std::string& number) {
  return db::Guarded(session_, "get certificate by number", [&]() -> absl::StatusOr<Certificate> {
    auto& select = session_.Prepare(
        absl::StrCat("SELECT ", kCertificateColumns, " FROM certificates WHERE number = ?"));
    select.setString(1, number);
    auto rows = db::Session::Query(select);
    // The number is not echoed: callers verifying a certificate are anonymous.
    if (!rows->next()) return absl::NotFoundError("number: no certificate has this number");
    return ReadCertificate(*rows);
  });
}

absl::StatusOr<Page<Certificate>> MySqlEnrollmentTx::ListCertificates(
    const CertificateFilter& filter, int64_t after_id, int limit) {
  LUBAN_RETURN_IF_ERROR(CheckLimit(limit));
  return db::Guarded(session_, "list certificates", [&]() -> absl::StatusOr<Page<Certificate>> {
    std::string query =
        absl::StrCat("SELECT ", kCertificateColumns, " FROM certificates WHERE id > ?");
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
    return ReadPage<Certificate>(select, limit, ReadCertificate);
  });
}

absl::StatusOr<int64_t> MySqlEnrollmentTx::InsertCertificate(const Certificate& certificate) {
  return db::Guarded(session_, "insert certificate", [&]() -> absl::StatusOr<int64_t> {
    LUBAN_ASSIGN_OR_RETURN(auto texts, EncodeCertificateTexts(certificate));
    auto& insert = session_.Prepare(
        "INSERT INTO certificates (version, create_time, update_time, number, trainee_id,"
        " enrollment_id, holder_name, holder_name_latin, course_code, course_titles, discipline,"
        " workshop_id, chinese_institution_id, partner_institution_id, workshop_names,"
        " chinese_institution_names, partner_institution_names, final_score,"
        " attendance_percent, issue_date, status, revoke_reason)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
    Binder(insert)
        .Int64(certificate.meta.version)
        .Time(certificate.meta.create_time)
        .Time(certificate.meta.update_time)
        .Text(certificate.number)
        .Int64(certificate.trainee_id)
        .Int64(certificate.enrollment_id)
        .Text(certificate.holder_name)
        .Text(certificate.holder_name_latin)
        .Text(certificate.course_code)
        .Text(texts.course_titles)
        .Text(certificate.discipline)
        .OwnerIds(certificate.owners)
        .Text(texts.workshop_names)
        .Text(texts.chinese_institution_names)
        .Text(texts.partner_institution_names)
        .Int(certificate.final_score)
        .Int(certificate.attendance_percent)
        .Day(certificate.issue_date)
        .Int(static_cast<int>(certificate.status))
        .Text(certificate.revoke_reason);
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
    LUBAN_ASSIGN_OR_RETURN(auto texts, EncodeCertificateTexts(certificate));
    auto& update = session_.Prepare(
        "UPDATE certificates SET number = ?, trainee_id = ?, enrollment_id = ?, holder_name = ?,"
        " holder_name_latin = ?, course_code = ?, course_titles = ?, discipline = ?,"
        " workshop_id = ?, chinese_institution_id = ?, partner_institution_id = ?,"
        " workshop_names = ?, chinese_institution_names = ?, partner_institution_names = ?,"
        " final_score = ?, attendance_percent = ?, issue_date = ?, status = ?,"
        " revoke_reason = ?, version = ?, update_time = ? WHERE id = ?");
    Binder(update)
        .Text(certificate.number)
        .Int64(certificate.trainee_id)
        .Int64(certificate.enrollment_id)
        .Text(certificate.holder_name)
        .Text(certificate.holder_name_latin)
        .Text(certificate.course_code)
        .Text(texts.course_titles)
        .Text(certificate.discipline)
        .OwnerIds(certificate.owners)
        .Text(texts.workshop_names)
        .Text(texts.chinese_institution_names)
        .Text(texts.partner_institution_names)
        .Int(certificate.final_score)
        .Int(certificate.attendance_percent)
        .Day(certificate.issue_date)
        .Int(static_cast<int>(certificate.status))
        .Text(certificate.revoke_reason)
        .Int64(certificate.meta.version)
        .Time(certificate.meta.update_time)
        .Int64(certificate.meta.id);
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

// ---- store ----

absl::Status MySqlEnrollmentStore::InTransaction(
    absl::string_view context, absl::Time deadline,
    absl::FunctionRef<absl::Status(EnrollmentTx&)> body) {
  return db::RunInTransaction(*pool_, {.context = context, .deadline = deadline},
                              [&](db::Session& session) -> absl::Status {
                                MySqlEnrollmentTx tx(session);
                                return body(tx);
                              });
}

}  // namespace luban::enrollment
