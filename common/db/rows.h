// Reading rows into the model and binding parameters: the helpers every MySQL store shares.
#ifndef LUBAN_COMMON_DB_ROWS_H_
#define LUBAN_COMMON_DB_ROWS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/db/sql_ledger.h"
#include "common/db/transaction.h"
#include "common/domain/resource_name.h"
#include "common/domain/types.h"
#include "cppconn/datatype.h"
#include "cppconn/prepared_statement.h"
#include "cppconn/resultset.h"
#include "nlohmann/json.hpp"

namespace luban::db {

// INVALID_ARGUMENT unless a list's limit is at least 1.
absl::Status CheckLimit(int limit);

// Text columns: the connector's strings as std::string, byte for byte.
std::string GetText(sql::ResultSet& row, uint32_t column);

// DATE columns as text ("2024-03-01") and back; a stored date that does not parse is INTERNAL,
// naming `column`.
std::string FormatDay(absl::CivilDay day);
absl::StatusOr<absl::CivilDay> ParseDay(absl::string_view column, const std::string& text);

// INTERNAL: the JSON stored in `column` does not have the expected shape.
absl::Status Malformed(absl::string_view column);

// `value` as JSON text for the column of `field`. Serialization is strict: text that is not
// UTF-8 (which validation refuses before it gets here) is INVALID_ARGUMENT, never silently
// replaced.
absl::StatusOr<std::string> DumpJson(absl::string_view field, const nlohmann::json& value);

// Localized texts as JSON: [{"language": "en", "text": "..."}], and back (Malformed unless the
// stored text has that shape).
absl::StatusOr<std::string> EncodeTexts(absl::string_view field,
                                        const std::vector<LocalizedText>& texts);
absl::StatusOr<std::vector<LocalizedText>> DecodeTexts(absl::string_view column,
                                                       const std::string& text);

// The id, version, create_time and update_time every table selects first, in that order.
void ReadMeta(sql::ResultSet& row, Meta* meta);

// The single row `statement` selects, or NOT_FOUND for `collection`/`id`.
template <typename T, typename Reader>
absl::StatusOr<T> ReadOne(sql::PreparedStatement& statement, absl::string_view collection,
                          int64_t id, Reader read) {
  auto rows = Session::Query(statement);
  if (!rows->next()) return ResourceNotFound(collection, id);
  return read(*rows);
}

// Every row `statement` selects.
template <typename T, typename Reader>
absl::StatusOr<std::vector<T>> ReadAll(sql::PreparedStatement& statement, Reader read) {
  auto rows = Session::Query(statement);
  std::vector<T> items;
  while (rows->next()) {
    auto item = read(*rows);
    if (!item.ok()) return item.status();
    items.push_back(*std::move(item));
  }
  return items;
}

// A page from `statement`, which selects at most limit + 1 rows: the extra one only says that
// more follow.
template <typename T, typename Reader>
absl::StatusOr<Page<T>> ReadPage(sql::PreparedStatement& statement, int limit, Reader read) {
  auto rows = Session::Query(statement);
  Page<T> page;
  while (rows->next()) {
    if (static_cast<int64_t>(page.items.size()) == limit) {
      page.more = true;
      break;
    }
    auto item = read(*rows);
    if (!item.ok()) return item.status();
    page.items.push_back(*std::move(item));
  }
  return page;
}

// Whether `statement` selects a row whose first column is non-zero.
bool ReadBool(sql::PreparedStatement& statement);

// Binds parameters in order, so a query built from optional fragments binds in the same order
// it was built. A store that binds service-specific values derives its own binder,
// `class Binder : public db::BasicBinder<Binder>`, so that chains keep its own type.
template <typename Self>
class BasicBinder {
 public:
  explicit BasicBinder(sql::PreparedStatement& statement) : statement_(statement) {}
  Self& Int(int value) {
    statement_.setInt(next_++, value);
    return self();
  }
  Self& Int64(int64_t value) {
    statement_.setInt64(next_++, value);
    return self();
  }
  Self& Text(const std::string& value) {
    statement_.setString(next_++, value);
    return self();
  }
  // NULL of the column type `type` (a sql::DataType).
  Self& Null(int type) {
    statement_.setNull(next_++, type);
    return self();
  }
  Self& Time(absl::Time value) { return Text(FormatSqlTime(value)); }
  Self& Day(absl::CivilDay value) { return Text(FormatDay(value)); }
  // nullopt is NULL in the table.
  Self& OptionalDay(const std::optional<absl::CivilDay>& value) {
    if (!value.has_value()) return Null(sql::DataType::DATE);
    return Day(*value);
  }

 private:
  Self& self() { return static_cast<Self&>(*this); }

  sql::PreparedStatement& statement_;
  unsigned int next_ = 1;
};

// The binder of the stores that bind nothing service-specific.
class Binder : public BasicBinder<Binder> {
 public:
  using BasicBinder::BasicBinder;
};

// DATETIME's range: a cursor before it bounds nothing, one after it leaves nothing.
extern const absl::Time kMinSqlTime;
extern const absl::Time kMaxSqlTime;

// Rows of `table` (selecting `columns`) changed after `cursor`, in (update_time, id) order, at
// most `limit` of them.
template <typename T, typename Reader>
absl::StatusOr<std::vector<T>> Export(Session& session, absl::string_view table,
                                      absl::string_view columns, const ExportCursor& cursor,
                                      int limit, Reader read) {
  if (cursor.updated_since > kMaxSqlTime) return std::vector<T>();
  const bool bounded = cursor.updated_since >= kMinSqlTime;
  auto& select = session.Prepare(
      absl::StrCat("SELECT ", columns, " FROM ", table,
                   bounded ? " WHERE (update_time > ? OR (update_time = ? AND id > ?))" : "",
                   " ORDER BY update_time, id LIMIT ?"));
  Binder bind(select);
  if (bounded) {
    bind.Time(cursor.updated_since).Time(cursor.updated_since).Int64(cursor.after_id);
  }
  bind.Int64(limit);
  return ReadAll<T>(select, read);
}

}  // namespace luban::db

#endif  // LUBAN_COMMON_DB_ROWS_H_
