#include "common/db/rows.h"

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
  meta->create_time = ParseSqlTime(GetText(row, 3));
  meta->update_time = ParseSqlTime(GetText(row, 4));
}

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
