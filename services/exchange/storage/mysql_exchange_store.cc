#include "services/exchange/storage/mysql_exchange_store.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/match.h"
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

namespace luban::exchange {
namespace {

using Json = nlohmann::json;
using db::CheckLimit;
using db::DecodeTexts;
using db::DumpJson;
using db::EncodeTexts;
using db::Export;
using db::GetText;
using db::Malformed;
using db::ParseDay;
using db::ReadBool;
using db::ReadMeta;
using db::ReadOne;
using db::ReadPage;

// MariaDB's ER_CONSTRAINT_FAILED: a CHECK constraint refused the row. The message names the
// constraint.
constexpr int kErrConstraintFailed = 4025;
constexpr char kWithinQuota[] = "programmes_within_quota";
constexpr char kOneParticipant[] = "mobilities_one_participant";

// Columns in the order the Read* functions expect them.
constexpr char kProgrammeColumns[] =
    "id, version, create_time, update_time, titles, chinese_institution_id,"
    " partner_institution_id, partner_country, kind, direction, start_date, end_date, quota,"
    " approved_count, completed_course_id, certificate_discipline, course_run_id, status";
constexpr char kMobilityColumns[] =
    "id, version, create_time, update_time, programme_id, trainee_id, teacher_full_name,"
    " teacher_full_name_latin, teacher_position, sending_institution_id,"
    " receiving_institution_id, state, decisions";

// Rows an institution takes part in, on either side.
constexpr char kProgrammeInvolves[] =
    " AND (chinese_institution_id = ? OR partner_institution_id = ?)";
constexpr char kMobilityInvolves[] =
    " AND (sending_institution_id = ? OR receiving_institution_id = ?)";

// DATE's range of years.
constexpr int kMinYear = 1000;
constexpr int kMaxYear = 9999;

// How a decision's time is written in the decisions JSON: UTC, to the microsecond.
constexpr char kDecisionTimeFormat[] = "%Y-%m-%dT%H:%M:%E6SZ";
constexpr char kDecisionTimeParse[] = "%Y-%m-%dT%H:%M:%E*SZ";

absl::Status QuotaBelowApproved() {
  return absl::FailedPreconditionError(
      "quota: must not be below the programme's approved mobilities");
}

absl::Status OpenMobilityTaken(const Mobility& mobility) {
  return absl::AlreadyExistsError(
      absl::StrCat(FormatResourceName(kTrainees, mobility.trainee_id.value_or(0)),
                   " already holds an open mobility in ",
                   FormatResourceName(kProgrammes, mobility.programme_id)));
}

absl::Status MissingProgramme() {
  return absl::FailedPreconditionError("mobility: its programme does not exist");
}

absl::Status NotOneParticipant() {
  return absl::InvalidArgumentError(
      "participant: a mobility names exactly one trainee or one teacher");
}

bool IsConstraint(const sql::SQLException& e, absl::string_view constraint) {
  return e.getErrorCode() == kErrConstraintFailed && absl::StrContains(e.what(), constraint);
}

std::optional<int64_t> GetOptionalId(sql::ResultSet& row, uint32_t column) {
  if (row.isNull(column)) return std::nullopt;
  return row.getInt64(column);
}

// A mobility's decisions: [{"state": 2, "actor": "...", "time": "...Z", "reason": "..."}].
absl::StatusOr<std::string> EncodeDecisions(const std::vector<Decision>& decisions) {
  Json array = Json::array();
  for (const Decision& decision : decisions) {
    if (decision.time == absl::InfinitePast() || decision.time == absl::InfiniteFuture()) {
      return absl::InvalidArgumentError("decisions: a decision's time must be finite");
    }
    array.push_back(
        Json{{"state", static_cast<int>(decision.state)},
             {"actor", decision.actor},
             {"time", absl::FormatTime(kDecisionTimeFormat, decision.time, absl::UTCTimeZone())},
             {"reason", decision.reason}});
  }
  return DumpJson("decisions", array);
}

absl::StatusOr<std::vector<Decision>> DecodeDecisions(const std::string& text) {
  constexpr char kColumn[] = "mobilities.decisions";
  const Json array = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!array.is_array()) return Malformed(kColumn);
  std::vector<Decision> decisions;
  decisions.reserve(array.size());
  for (const Json& item : array) {
    if (!item.is_object()) return Malformed(kColumn);
    auto state = item.find("state");
    auto actor = item.find("actor");
    auto time = item.find("time");
    auto reason = item.find("reason");
    if (state == item.end() || actor == item.end() || time == item.end() || reason == item.end() ||
        !state->is_number_integer() || !actor->is_string() || !time->is_string() ||
        !reason->is_string()) {
      return Malformed(kColumn);
    }
    Decision decision;
    decision.state = static_cast<MobilityState>(state->get<int>());
    decision.actor = actor->get<std::string>();
    decision.reason = reason->get<std::string>();
    std::string error;
    if (!absl::ParseTime(kDecisionTimeParse, time->get<std::string>(), absl::UTCTimeZone(),
                         &decision.time, &error)) {
      return Malformed(kColumn);
    }
    decisions.push_back(std::move(decision));
  }
  return decisions;
}

absl::StatusOr<Programme> ReadProgramme(sql::ResultSet& row) {
  Programme programme;
  ReadMeta(row, &programme.meta);
  LUBAN_ASSIGN_OR_RETURN(auto titles, DecodeTexts("programmes.titles", GetText(row, 5)));
  programme.titles = std::move(titles);
  programme.chinese_institution_id = row.getInt64(6);
  programme.partner_institution_id = row.getInt64(7);
  programme.partner_country = GetText(row, 8);
  programme.kind = static_cast<ProgrammeKind>(row.getInt(9));
  programme.direction = static_cast<Direction>(row.getInt(10));
  LUBAN_ASSIGN_OR_RETURN(auto start, ParseDay("programmes.start_date", GetText(row, 11)));
  programme.start_date = start;
  LUBAN_ASSIGN_OR_RETURN(auto end, ParseDay("programmes.end_date", GetText(row, 12)));
  programme.end_date = end;
  programme.quota = row.getInt(13);
  programme.approved_count = row.getInt(14);
  programme.requirement.completed_course_id = GetOptionalId(row, 15);
  programme.requirement.certificate_discipline = GetText(row, 16);
  programme.course_run_id = GetOptionalId(row, 17);
  programme.status = static_cast<ProgrammeStatus>(row.getInt(18));
  return programme;
}

absl::StatusOr<Mobility> ReadMobility(sql::ResultSet& row) {
  Mobility mobility;
  ReadMeta(row, &mobility.meta);
  mobility.programme_id = row.getInt64(5);
  mobility.trainee_id = GetOptionalId(row, 6);
  if (!row.isNull(7)) {
    mobility.teacher = Teacher{GetText(row, 7), GetText(row, 8), GetText(row, 9)};
  }
  mobility.sending_institution_id = row.getInt64(10);
  mobility.receiving_institution_id = row.getInt64(11);
  mobility.state = static_cast<MobilityState>(row.getInt(12));
  LUBAN_ASSIGN_OR_RETURN(auto decisions, DecodeDecisions(GetText(row, 13)));
  mobility.decisions = std::move(decisions);
  return mobility;
}

// The shared binder, plus the exchange tables' own values.
class Binder : public db::BasicBinder<Binder> {
 public:
  using BasicBinder::BasicBinder;
  // nullopt is NULL in the table.
  Binder& OptionalId(const std::optional<int64_t>& value) {
    if (!value.has_value()) return Null(sql::DataType::BIGINT);
    return Int64(*value);
  }
  Binder& NullText() { return Null(sql::DataType::VARCHAR); }
  // The teacher's three columns, NULL for a trainee's mobility.
  Binder& TeacherColumns(const std::optional<Teacher>& teacher) {
    if (!teacher.has_value()) return NullText().NullText().NullText();
    return Text(teacher->full_name).Text(teacher->full_name_latin).Text(teacher->position);
  }
};

}  // namespace

absl::Status MySqlExchangeTx::CheckExists(absl::string_view table, absl::string_view collection,
                                          int64_t id) {
  auto& select = session_.Prepare(absl::StrCat("SELECT 1 FROM ", table, " WHERE id = ?"));
  select.setInt64(1, id);
  if (!ReadBool(select)) return ResourceNotFound(collection, id);
  return absl::OkStatus();
}

// ---- programmes ----

absl::StatusOr<Programme> MySqlExchangeTx::GetProgramme(int64_t id, bool for_update) {
  return db::Guarded(session_, "get programme", [&]() -> absl::StatusOr<Programme> {
    auto& select =
        session_.Prepare(absl::StrCat("SELECT ", kProgrammeColumns, " FROM programmes WHERE id = ?",
                                      for_update ? " FOR UPDATE" : ""));
    select.setInt64(1, id);
    return ReadOne<Programme>(select, kProgrammes, id, ReadProgramme);
  });
}

absl::StatusOr<Page<Programme>> MySqlExchangeTx::ListProgrammes(const ProgrammeFilter& filter,
                                                                int64_t after_id, int limit) {
  LUBAN_RETURN_IF_ERROR(CheckLimit(limit));
  // No stored date lies outside DATE's range, whose years have four digits.
  if (filter.year.has_value() && (*filter.year < kMinYear || *filter.year > kMaxYear)) {
    return Page<Programme>();
  }
  return db::Guarded(session_, "list programmes", [&]() -> absl::StatusOr<Page<Programme>> {
    std::string query = absl::StrCat("SELECT ", kProgrammeColumns, " FROM programmes WHERE id > ?");
    if (filter.institution_id.has_value()) absl::StrAppend(&query, kProgrammeInvolves);
    if (!filter.country.empty()) absl::StrAppend(&query, " AND partner_country = ?");
    if (filter.kind.has_value()) absl::StrAppend(&query, " AND kind = ?");
    if (filter.direction.has_value()) absl::StrAppend(&query, " AND direction = ?");
    // The year a programme starts in: a range, so the start_date index serves it.
    if (filter.year.has_value()) absl::StrAppend(&query, " AND start_date BETWEEN ? AND ?");
    if (filter.status.has_value()) absl::StrAppend(&query, " AND status = ?");
    if (filter.visible_to_institution.has_value()) absl::StrAppend(&query, kProgrammeInvolves);
    absl::StrAppend(&query, " ORDER BY id LIMIT ?");
    auto& select = session_.Prepare(query);
    Binder bind(select);
    bind.Int64(after_id);
    if (filter.institution_id.has_value()) {
      bind.Int64(*filter.institution_id).Int64(*filter.institution_id);
    }
    if (!filter.country.empty()) bind.Text(filter.country);
    if (filter.kind.has_value()) bind.Int(static_cast<int>(*filter.kind));
    if (filter.direction.has_value()) bind.Int(static_cast<int>(*filter.direction));
    if (filter.year.has_value()) {
      bind.Day(absl::CivilDay(*filter.year, 1, 1)).Day(absl::CivilDay(*filter.year, 12, 31));
    }
    if (filter.status.has_value()) bind.Int(static_cast<int>(*filter.status));
    if (filter.visible_to_institution.has_value()) {
      bind.Int64(*filter.visible_to_institution).Int64(*filter.visible_to_institution);
    }
    bind.Int64(int64_t{limit} + 1);
    return ReadPage<Programme>(select, limit, ReadProgramme);
  });
}

absl::StatusOr<int64_t> MySqlExchangeTx::InsertProgramme(const Programme& programme) {
  return db::Guarded(session_, "insert programme", [&]() -> absl::StatusOr<int64_t> {
    LUBAN_ASSIGN_OR_RETURN(auto titles, EncodeTexts("titles", programme.titles));
    auto& insert = session_.Prepare(
        "INSERT INTO programmes (version, create_time, update_time, titles,"
        " chinese_institution_id, partner_institution_id, partner_country, kind, direction,"
        " start_date, end_date, quota, approved_count, completed_course_id,"
        " certificate_discipline, course_run_id, status)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
    Binder(insert)
        .Int64(programme.meta.version)
        .Time(programme.meta.create_time)
        .Time(programme.meta.update_time)
        .Text(titles)
        .Int64(programme.chinese_institution_id)
        .Int64(programme.partner_institution_id)
        .Text(programme.partner_country)
        .Int(static_cast<int>(programme.kind))
        .Int(static_cast<int>(programme.direction))
        .Day(programme.start_date)
        .Day(programme.end_date)
        .Int(programme.quota)
        .Int(programme.approved_count)
        .OptionalId(programme.requirement.completed_course_id)
        .Text(programme.requirement.certificate_discipline)
        .OptionalId(programme.course_run_id)
        .Int(static_cast<int>(programme.status));
    int64_t id = 0;
    try {
      id = db::Session::InsertReturningId(insert);
    } catch (const sql::SQLException& e) {
      if (!IsConstraint(e, kWithinQuota)) throw;
      return QuotaBelowApproved();
    }
    return id;
  });
}

absl::Status MySqlExchangeTx::UpdateProgramme(const Programme& programme) {
  return db::Guarded(session_, "update programme", [&]() -> absl::Status {
    auto titles = EncodeTexts("titles", programme.titles);
    if (!titles.ok()) return titles.status();
    // approved_count is not written: only TakeQuotaPlace and ReleaseQuotaPlace move it.
    auto& update = session_.Prepare(
        "UPDATE programmes SET titles = ?, chinese_institution_id = ?,"
        " partner_institution_id = ?, partner_country = ?, kind = ?, direction = ?,"
        " start_date = ?, end_date = ?, quota = ?, completed_course_id = ?,"
        " certificate_discipline = ?, course_run_id = ?, status = ?, version = ?,"
        " update_time = ? WHERE id = ?");
    Binder(update)
        .Text(*titles)
        .Int64(programme.chinese_institution_id)
        .Int64(programme.partner_institution_id)
        .Text(programme.partner_country)
        .Int(static_cast<int>(programme.kind))
        .Int(static_cast<int>(programme.direction))
        .Day(programme.start_date)
        .Day(programme.end_date)
        .Int(programme.quota)
        .OptionalId(programme.requirement.completed_course_id)
        .Text(programme.requirement.certificate_discipline)
        .OptionalId(programme.course_run_id)
        .Int(static_cast<int>(programme.status))
        .Int64(programme.meta.version)
        .Time(programme.meta.update_time)
        .Int64(programme.meta.id);
    try {
      if (db::Session::Update(update) > 0) return absl::OkStatus();
    } catch (const sql::SQLException& e) {
      if (!IsConstraint(e, kWithinQuota)) throw;
      return QuotaBelowApproved();
    }
    return CheckExists("programmes", kProgrammes, programme.meta.id);
  });
}

absl::StatusOr<bool> MySqlExchangeTx::TakeQuotaPlace(int64_t programme_id) {
  return db::Guarded(session_, "take quota place", [&]() -> absl::StatusOr<bool> {
    // The guard itself: the row lock serialises concurrent takers, and each re-reads the
    // committed count before adding one.
    auto& update = session_.Prepare(
        "UPDATE programmes SET approved_count = approved_count + 1"
        " WHERE id = ? AND approved_count < quota");
    update.setInt64(1, programme_id);
    if (db::Session::Update(update) > 0) return true;
    LUBAN_RETURN_IF_ERROR(CheckExists("programmes", kProgrammes, programme_id));
    return false;
  });
}

absl::Status MySqlExchangeTx::ReleaseQuotaPlace(int64_t programme_id) {
  return db::Guarded(session_, "release quota place", [&]() -> absl::Status {
    auto& update = session_.Prepare(
        "UPDATE programmes SET approved_count = approved_count - 1"
        " WHERE id = ? AND approved_count > 0");
    update.setInt64(1, programme_id);
    if (db::Session::Update(update) > 0) return absl::OkStatus();
    return CheckExists("programmes", kProgrammes, programme_id);
  });
}

// ---- mobilities ----

absl::StatusOr<Mobility> MySqlExchangeTx::GetMobility(int64_t id, bool for_update) {
  return db::Guarded(session_, "get mobility", [&]() -> absl::StatusOr<Mobility> {
    auto& select =
        session_.Prepare(absl::StrCat("SELECT ", kMobilityColumns, " FROM mobilities WHERE id = ?",
                                      for_update ? " FOR UPDATE" : ""));
    select.setInt64(1, id);
    return ReadOne<Mobility>(select, kMobilities, id, ReadMobility);
  });
}

absl::StatusOr<Page<Mobility>> MySqlExchangeTx::ListMobilities(const MobilityFilter& filter,
                                                               int64_t after_id, int limit) {
  LUBAN_RETURN_IF_ERROR(CheckLimit(limit));
  return db::Guarded(session_, "list mobilities", [&]() -> absl::StatusOr<Page<Mobility>> {
    std::string query = absl::StrCat("SELECT ", kMobilityColumns, " FROM mobilities WHERE id > ?");
    if (filter.programme_id.has_value()) absl::StrAppend(&query, " AND programme_id = ?");
    if (filter.institution_id.has_value()) absl::StrAppend(&query, kMobilityInvolves);
    if (filter.state.has_value()) absl::StrAppend(&query, " AND state = ?");
    if (filter.trainee_id.has_value()) absl::StrAppend(&query, " AND trainee_id = ?");
    if (filter.visible_to_institution.has_value()) absl::StrAppend(&query, kMobilityInvolves);
    absl::StrAppend(&query, " ORDER BY id LIMIT ?");
    auto& select = session_.Prepare(query);
    Binder bind(select);
    bind.Int64(after_id);
    if (filter.programme_id.has_value()) bind.Int64(*filter.programme_id);
    if (filter.institution_id.has_value()) {
      bind.Int64(*filter.institution_id).Int64(*filter.institution_id);
    }
    if (filter.state.has_value()) bind.Int(static_cast<int>(*filter.state));
    if (filter.trainee_id.has_value()) bind.Int64(*filter.trainee_id);
    if (filter.visible_to_institution.has_value()) {
      bind.Int64(*filter.visible_to_institution).Int64(*filter.visible_to_institution);
    }
    bind.Int64(int64_t{limit} + 1);
    return ReadPage<Mobility>(select, limit, ReadMobility);
  });
}

absl::StatusOr<bool> MySqlExchangeTx::HasOpenMobility(int64_t programme_id, int64_t trainee_id) {
  return db::Guarded(session_, "find open mobility", [&]() -> absl::StatusOr<bool> {
    auto& select = session_.Prepare(
        "SELECT EXISTS (SELECT 1 FROM mobilities WHERE programme_id = ? AND trainee_id = ?"
        " AND state IN (?, ?, ?))");
    Binder(select)
        .Int64(programme_id)
        .Int64(trainee_id)
        .Int(static_cast<int>(MobilityState::kNominated))
        .Int(static_cast<int>(MobilityState::kApproved))
        .Int(static_cast<int>(MobilityState::kDeparted));
    return ReadBool(select);
  });
}

absl::StatusOr<int64_t> MySqlExchangeTx::InsertMobility(const Mobility& mobility) {
  return db::Guarded(session_, "insert mobility", [&]() -> absl::StatusOr<int64_t> {
    LUBAN_ASSIGN_OR_RETURN(auto decisions, EncodeDecisions(mobility.decisions));
    auto& insert = session_.Prepare(
        "INSERT INTO mobilities (version, create_time, update_time, programme_id, trainee_id,"
        " teacher_full_name, teacher_full_name_latin, teacher_position, sending_institution_id,"
        " receiving_institution_id, state, decisions)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
    Binder(insert)
        .Int64(mobility.meta.version)
        .Time(mobility.meta.create_time)
        .Time(mobility.meta.update_time)
        .Int64(mobility.programme_id)
        .OptionalId(mobility.trainee_id)
        .TeacherColumns(mobility.teacher)
        .Int64(mobility.sending_institution_id)
        .Int64(mobility.receiving_institution_id)
        .Int(static_cast<int>(mobility.state))
        .Text(decisions);
    int64_t id = 0;
    try {
      id = db::Session::InsertReturningId(insert);
    } catch (const sql::SQLException& e) {
      // The only unique key besides the id: one open mobility per trainee and programme.
      if (e.getErrorCode() == db::kErrDuplicateKey) return OpenMobilityTaken(mobility);
      if (e.getErrorCode() == db::kErrNoReferencedRow) return MissingProgramme();
      if (IsConstraint(e, kOneParticipant)) return NotOneParticipant();
      throw;
    }
    return id;
  });
}

absl::Status MySqlExchangeTx::UpdateMobility(const Mobility& mobility) {
  return db::Guarded(session_, "update mobility", [&]() -> absl::Status {
    auto decisions = EncodeDecisions(mobility.decisions);
    if (!decisions.ok()) return decisions.status();
    auto& update = session_.Prepare(
        "UPDATE mobilities SET programme_id = ?, trainee_id = ?, teacher_full_name = ?,"
        " teacher_full_name_latin = ?, teacher_position = ?, sending_institution_id = ?,"
        " receiving_institution_id = ?, state = ?, decisions = ?, version = ?,"
        " update_time = ? WHERE id = ?");
    Binder(update)
        .Int64(mobility.programme_id)
        .OptionalId(mobility.trainee_id)
        .TeacherColumns(mobility.teacher)
        .Int64(mobility.sending_institution_id)
        .Int64(mobility.receiving_institution_id)
        .Int(static_cast<int>(mobility.state))
        .Text(*decisions)
        .Int64(mobility.meta.version)
        .Time(mobility.meta.update_time)
        .Int64(mobility.meta.id);
    try {
      if (db::Session::Update(update) > 0) return absl::OkStatus();
    } catch (const sql::SQLException& e) {
      if (e.getErrorCode() == db::kErrDuplicateKey) return OpenMobilityTaken(mobility);
      if (e.getErrorCode() == db::kErrNoReferencedRow) return MissingProgramme();
      if (IsConstraint(e, kOneParticipant)) return NotOneParticipant();
      throw;
    }
    return CheckExists("mobilities", kMobilities, mobility.meta.id);
  });
}

absl::StatusOr<std::vector<Mobility>> MySqlExchangeTx::ExportMobilities(const ExportCursor& cursor,
                                                                        int limit) {
  LUBAN_RETURN_IF_ERROR(CheckLimit(limit));
  return db::Guarded(session_, "export mobilities", [&]() -> absl::StatusOr<std::vector<Mobility>> {
    return Export<Mobility>(session_, "mobilities", kMobilityColumns, cursor, limit, ReadMobility);
  });
}

// ---- store ----

absl::Status MySqlExchangeStore::InTransaction(absl::string_view context, absl::Time deadline,
                                               absl::FunctionRef<absl::Status(ExchangeTx&)> body) {
  return db::RunInTransaction(*pool_, {.context = context, .deadline = deadline},
                              [&](db::Session& session) -> absl::Status {
                                MySqlExchangeTx tx(session);
                                return body(tx);
                              });
}

}  // namespace luban::exchange
