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
using db::DumpJson;
using db::Export;
using db::Malformed;
using db::ReadBool;
using db::ReadOne;
using db::ReadPage;

// MariaDB's ER_CONSTRAINT_FAILED: a CHECK constraint refused the row. The message names the
// constraint.
constexpr int kErrConstraintFailed = 4025;
constexpr char kWithinQuota[] = "programmes_within_quota";
constexpr char kOneParticipant[] = "mobilities_one_participant";

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

absl::StatusOr<std::vector<Decision>> DecodeDecisions(absl::string_view column,
                                                      const std::string& text) {
  const Json array = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!array.is_array()) return Malformed(column);
  std::vector<Decision> decisions;
  decisions.reserve(array.size());
  for (const Json& item : array) {
    if (!item.is_object()) return Malformed(column);
    auto state = item.find("state");
    auto actor = item.find("actor");
    auto time = item.find("time");
    auto reason = item.find("reason");
    if (state == item.end() || actor == item.end() || time == item.end() || reason == item.end() ||
        !state->is_number_integer() || !actor->is_string() || !time->is_string() ||
        !reason->is_string()) {
      return Malformed(column);
    }
    Decision decision;
    decision.state = static_cast<MobilityState>(state->get<int>());
    decision.actor = actor->get<std::string>();
    decision.reason = reason->get<std::string>();
    std::string error;
    if (!absl::ParseTime(kDecisionTimeParse, time->get<std::string>(), absl::UTCTimeZone(),
                         &decision.time, &error)) {
      return Malformed(column);
    }
    decisions.push_back(std::move(decision));
  }
  return decisions;
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

// Each table's columns, named once next to how they bind (`b`, the binder) and read (`r`, the
// row) an entity `x`; see db::Columns.
const db::Columns<Programme, Binder>& ProgrammeColumns() {
  static const auto* const columns = new db::Columns<Programme, Binder>(
      "programmes",
      {
          {"titles", [](auto& b, auto& x) { b.Texts("titles", x.titles); },
           [](auto& r, auto& x) { x.titles = r.Texts(); }},
          {"chinese_institution_id", [](auto& b, auto& x) { b.Int64(x.chinese_institution_id); },
           [](auto& r, auto& x) { x.chinese_institution_id = r.Int64(); }},
          {"partner_institution_id", [](auto& b, auto& x) { b.Int64(x.partner_institution_id); },
           [](auto& r, auto& x) { x.partner_institution_id = r.Int64(); }},
          {"partner_country", [](auto& b, auto& x) { b.Text(x.partner_country); },
           [](auto& r, auto& x) { x.partner_country = r.Text(); }},
          {"kind", [](auto& b, auto& x) { b.Int(static_cast<int>(x.kind)); },
           [](auto& r, auto& x) { x.kind = static_cast<ProgrammeKind>(r.Int()); }},
          {"direction", [](auto& b, auto& x) { b.Int(static_cast<int>(x.direction)); },
           [](auto& r, auto& x) { x.direction = static_cast<Direction>(r.Int()); }},
          {"start_date", [](auto& b, auto& x) { b.Day(x.start_date); },
           [](auto& r, auto& x) { x.start_date = r.Day(); }},
          {"end_date", [](auto& b, auto& x) { b.Day(x.end_date); },
           [](auto& r, auto& x) { x.end_date = r.Day(); }},
          {"quota", [](auto& b, auto& x) { b.Int(x.quota); },
           [](auto& r, auto& x) { x.quota = r.Int(); }},
          // Not updated: only TakeQuotaPlace and ReleaseQuotaPlace move it.
          {"approved_count", [](auto& b, auto& x) { b.Int(x.approved_count); },
           [](auto& r, auto& x) { x.approved_count = r.Int(); }, db::Write::kOnInsert},
          {"completed_course_id",
           [](auto& b, auto& x) { b.OptionalId(x.requirement.completed_course_id); },
           [](auto& r, auto& x) { x.requirement.completed_course_id = r.OptionalInt64(); }},
          {"certificate_discipline",
           [](auto& b, auto& x) { b.Text(x.requirement.certificate_discipline); },
           [](auto& r, auto& x) { x.requirement.certificate_discipline = r.Text(); }},
          {"course_run_id", [](auto& b, auto& x) { b.OptionalId(x.course_run_id); },
           [](auto& r, auto& x) { x.course_run_id = r.OptionalInt64(); }},
          {"status", [](auto& b, auto& x) { b.Int(static_cast<int>(x.status)); },
           [](auto& r, auto& x) { x.status = static_cast<ProgrammeStatus>(r.Int()); }},
      });
  return *columns;
}

const db::Columns<Mobility, Binder>& MobilityColumns() {
  static const auto* const columns = new db::Columns<Mobility, Binder>(
      "mobilities",
      {
          {"programme_id", [](auto& b, auto& x) { b.Int64(x.programme_id); },
           [](auto& r, auto& x) { x.programme_id = r.Int64(); }},
          {"trainee_id", [](auto& b, auto& x) { b.OptionalId(x.trainee_id); },
           [](auto& r, auto& x) { x.trainee_id = r.OptionalInt64(); }},
          // All three NULL for a trainee's mobility.
          {"teacher_full_name, teacher_full_name_latin, teacher_position",
           [](auto& b, auto& x) { b.TeacherColumns(x.teacher); },
           [](auto& r, auto& x) {
             if (!r.IsNull()) x.teacher = Teacher{r.Text(), r.Text(), r.Text()};
           }},
          {"sending_institution_id", [](auto& b, auto& x) { b.Int64(x.sending_institution_id); },
           [](auto& r, auto& x) { x.sending_institution_id = r.Int64(); }},
          {"receiving_institution_id",
           [](auto& b, auto& x) { b.Int64(x.receiving_institution_id); },
           [](auto& r, auto& x) { x.receiving_institution_id = r.Int64(); }},
          {"state", [](auto& b, auto& x) { b.Int(static_cast<int>(x.state)); },
           [](auto& r, auto& x) { x.state = static_cast<MobilityState>(r.Int()); }},
          {"decisions", [](auto& b, auto& x) { b.Encoded(EncodeDecisions(x.decisions)); },
           [](auto& r, auto& x) { x.decisions = r.Decoded(DecodeDecisions); }},
      });
  return *columns;
}

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
    auto& select = session_.Prepare(ProgrammeColumns().SelectByKeySql(for_update));
    select.setInt64(1, id);
    return ReadOne<Programme>(select, kProgrammes, id, ProgrammeColumns());
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
    std::string query = absl::StrCat(ProgrammeColumns().SelectSql(), " WHERE id > ?");
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
    return ReadPage<Programme>(select, limit, ProgrammeColumns());
  });
}

absl::StatusOr<int64_t> MySqlExchangeTx::InsertProgramme(const Programme& programme) {
  return db::Guarded(session_, "insert programme", [&]() -> absl::StatusOr<int64_t> {
    auto& insert = session_.Prepare(ProgrammeColumns().InsertSql());
    LUBAN_RETURN_IF_ERROR(ProgrammeColumns().BindInsert(insert, programme));
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
    auto& update = session_.Prepare(ProgrammeColumns().UpdateSql());
    LUBAN_RETURN_IF_ERROR(ProgrammeColumns().BindUpdate(update, programme));
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
    auto& select = session_.Prepare(MobilityColumns().SelectByKeySql(for_update));
    select.setInt64(1, id);
    return ReadOne<Mobility>(select, kMobilities, id, MobilityColumns());
  });
}

absl::StatusOr<Page<Mobility>> MySqlExchangeTx::ListMobilities(const MobilityFilter& filter,
                                                               int64_t after_id, int limit) {
  LUBAN_RETURN_IF_ERROR(CheckLimit(limit));
  return db::Guarded(session_, "list mobilities", [&]() -> absl::StatusOr<Page<Mobility>> {
    std::string query = absl::StrCat(MobilityColumns().SelectSql(), " WHERE id > ?");
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
    return ReadPage<Mobility>(select, limit, MobilityColumns());
  });
}

absl::StatusOr<int64_t> MySqlExchangeTx::InsertMobility(const Mobility& mobility) {
  return db::Guarded(session_, "insert mobility", [&]() -> absl::StatusOr<int64_t> {
    auto& insert = session_.Prepare(MobilityColumns().InsertSql());
    LUBAN_RETURN_IF_ERROR(MobilityColumns().BindInsert(insert, mobility));
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
    auto& update = session_.Prepare(MobilityColumns().UpdateSql());
    LUBAN_RETURN_IF_ERROR(MobilityColumns().BindUpdate(update, mobility));
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
                                                                        int limit,
                                                                        ExportNext next) {
  LUBAN_RETURN_IF_ERROR(CheckLimit(limit));
  return db::Guarded(session_, "export mobilities", [&]() -> absl::StatusOr<std::vector<Mobility>> {
    return Export(session_, MobilityColumns(), cursor, limit, next);
  });
}

}  // namespace luban::exchange
