#include "common/db/rows.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/domain/resource_name.h"

namespace luban::db {

using Json = nlohmann::json;

absl::Status CheckLimit(int limit) {
  if (limit < 1) return absl::InvalidArgumentError("limit: must be at least 1");
  return absl::OkStatus();
}

std::string GetText(sql::ResultSet& row, uint32_t column) {
  return row.getString(column).asStdString();
}

std::string FormatDay(absl::CivilDay day) { return absl::FormatCivilTime(day); }

absl::StatusOr<absl::CivilDay> ParseDay(absl::string_view column, const std::string& text) {
  absl::CivilDay day;
  if (!absl::ParseCivilTime(absl::string_view(text), &day)) {
    return absl::InternalError(absl::StrCat(column, ": stored date \"", text, "\" is malformed"));
  }
  return day;
}

absl::Status Malformed(absl::string_view column) {
  return absl::InternalError(absl::StrCat(column, ": stored JSON is malformed"));
}

absl::StatusOr<std::string> DumpJson(absl::string_view field, const Json& value) {
  try {
    return value.dump(-1, ' ', false, Json::error_handler_t::strict);
  } catch (const Json::exception&) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": text must be valid UTF-8"));
  }
}

absl::StatusOr<std::string> EncodeTexts(absl::string_view field,
                                        const std::vector<LocalizedText>& texts) {
  Json array = Json::array();
  for (const LocalizedText& text : texts) {
    array.push_back(Json{{"language", text.language}, {"text", text.text}});
  }
  return DumpJson(field, array);
}

absl::StatusOr<std::vector<LocalizedText>> DecodeTexts(absl::string_view column,
                                                       const std::string& text) {
  const Json array = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!array.is_array()) return Malformed(column);
  std::vector<LocalizedText> texts;
  texts.reserve(array.size());
  for (const Json& item : array) {
    if (!item.is_object()) return Malformed(column);
    auto language = item.find("language");
    auto value = item.find("text");
    if (language == item.end() || value == item.end() || !language->is_string() ||
        !value->is_string()) {
      return Malformed(column);
    }
    texts.push_back({language->get<std::string>(), value->get<std::string>()});
  }
  return texts;
}

void ReadMeta(sql::ResultSet& row, Meta* meta) {
  meta->id = row.getInt64(1);
  meta->version = row.getInt64(2);
  meta->create_time = absl::FromUnixMicros(row.getInt64(3));
  meta->update_time = absl::FromUnixMicros(row.getInt64(4));
}

absl::CivilDay Row::Day() { return Decoded(ParseDay); }

std::vector<LocalizedText> Row::Texts() { return Decoded(DecodeTexts); }

std::optional<int64_t> Row::OptionalInt64() {
  if (IsNull()) {
    ++next_;
    return std::nullopt;
  }
  return Int64();
}

std::optional<absl::CivilDay> Row::OptionalDay() {
  if (IsNull()) {
    ++next_;
    return std::nullopt;
  }
  return Day();
}

namespace internal {

TableSql BuildTableSql(absl::string_view table, absl::string_view alias, bool meta,
                       absl::Span<const ColumnShape> columns) {
  const std::string prefix = alias.empty() ? "" : absl::StrCat(alias, ".");
  std::vector<std::string> selected;  // unqualified
  std::vector<std::string> inserted;
  std::vector<std::string> updated;
  std::vector<std::string> keys;
  absl::flat_hash_set<std::string> times;  // selected as microseconds since the epoch
  if (meta) {
    times = {"create_time", "update_time"};
    selected = {"id", "version", "create_time", "update_time"};
    inserted = {"version", "create_time", "update_time"};
    keys = {"id"};
  }
  TableSql sql;
  sql.first.reserve(columns.size());
  for (const ColumnShape& column : columns) {
    std::vector<std::string> names;
    for (absl::string_view name : absl::StrSplit(column.names, ',', absl::SkipWhitespace())) {
      names.emplace_back(absl::StripAsciiWhitespace(name));
    }
    sql.first.push_back(column.read ? static_cast<uint32_t>(selected.size() + 1) : 0);
    if (column.read) selected.insert(selected.end(), names.begin(), names.end());
    if (column.time) times.insert(names.begin(), names.end());
    if (!column.written) continue;
    inserted.insert(inserted.end(), names.begin(), names.end());
    if (column.write == Write::kAlways) updated.insert(updated.end(), names.begin(), names.end());
    if (column.write == Write::kKey) keys.insert(keys.end(), names.begin(), names.end());
  }
  if (meta) updated.insert(updated.end(), {"version", "update_time"});

  const auto qualified = [&](std::string* out, const std::string& name) {
    if (times.contains(name)) {
      // As microseconds since the epoch (ReadMeta, Row::Time): the connector would format a
      // DATETIME as text with snprintf for every row, a sixth of an export's CPU in the service.
      absl::StrAppend(out, "TIMESTAMPDIFF(MICROSECOND, '1970-01-01', ", prefix, name, ")");
      return;
    }
    absl::StrAppend(out, prefix, name);
  };
  const auto assigned = [](std::string* out, const std::string& name) {
    absl::StrAppend(out, name, " = ?");
  };
  const auto key_assigned = [&](std::string* out, const std::string& name) {
    absl::StrAppend(out, prefix, name, " = ?");
  };
  sql.select = absl::StrCat("SELECT ", absl::StrJoin(selected, ", ", qualified), " FROM ", table,
                            alias.empty() ? "" : " ", alias);
  sql.select_by_key[0] =
      absl::StrCat(sql.select, " WHERE ", absl::StrJoin(keys, " AND ", key_assigned));
  sql.select_by_key[1] = absl::StrCat(sql.select_by_key[0], " FOR UPDATE");
  std::string marks;
  for (size_t i = 0; i < inserted.size(); ++i) absl::StrAppend(&marks, i == 0 ? "?" : ", ?");
  sql.insert = absl::StrCat("INSERT INTO ", table, " (", absl::StrJoin(inserted, ", "),
                            ") VALUES (", marks, ")", meta ? " RETURNING id" : "");
  sql.update = absl::StrCat("UPDATE ", table, " SET ", absl::StrJoin(updated, ", ", assigned),
                            " WHERE ", absl::StrJoin(keys, " AND ", assigned));
  sql.names.reserve(selected.size());
  for (const std::string& name : selected) sql.names.push_back(absl::StrCat(table, ".", name));
  return sql;
}

}  // namespace internal

bool ReadBool(sql::PreparedStatement& statement) {
  auto rows = Session::Query(statement);
  return rows->next() && rows->getInt(1) != 0;
}

const absl::Time kMinSqlTime =
    absl::FromCivil(absl::CivilSecond(1000, 1, 1, 0, 0, 0), absl::UTCTimeZone());
const absl::Time kMaxSqlTime =
    absl::FromCivil(absl::CivilSecond(9999, 12, 31, 23, 59, 59), absl::UTCTimeZone()) +
    absl::Microseconds(999999);

}  // namespace luban::db
