// Reading rows into the model and binding parameters: the helpers every MySQL store shares.
#ifndef LUBAN_COMMON_DB_ROWS_H_
#define LUBAN_COMMON_DB_ROWS_H_

#include <concepts>
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
#include "absl/types/span.h"
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

// The id, version, create_time and update_time every table selects first, in that order, the
// times as microseconds since the epoch (Columns selects them so).
void ReadMeta(sql::ResultSet& row, Meta* meta);

// A reader is a function, a lambda or a Columns table (below) that turns a row into a
// StatusOr<T>; it is taken by reference, so a table is never copied.

// The single row `statement` selects, or NOT_FOUND for `collection`/`id`.
template <typename T, typename Reader>
absl::StatusOr<T> ReadOne(sql::PreparedStatement& statement, absl::string_view collection,
                          int64_t id, const Reader& read) {
  auto rows = Session::Query(statement);
  if (!rows->next()) return ResourceNotFound(collection, id);
  return read(*rows);
}

// Every row of `rows` from its current position on.
template <typename T, typename Reader>
absl::StatusOr<std::vector<T>> ReadRows(sql::ResultSet& rows, const Reader& read) {
  std::vector<T> items;
  while (rows.next()) {
    auto item = read(rows);
    if (!item.ok()) return item.status();
    items.push_back(*std::move(item));
  }
  return items;
}

// Every row `statement` selects.
template <typename T, typename Reader>
absl::StatusOr<std::vector<T>> ReadAll(sql::PreparedStatement& statement, const Reader& read) {
  auto rows = Session::Query(statement);
  return ReadRows<T>(*rows, read);
}

// A page from `statement`, which selects at most limit + 1 rows: the extra one only says that
// more follow.
template <typename T, typename Reader>
absl::StatusOr<Page<T>> ReadPage(sql::PreparedStatement& statement, int limit, const Reader& read) {
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
// Encoded values (JSON columns) may fail to encode: the binder keeps the first failure in
// status(), which whoever binds them checks before executing the statement.
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
  // Text encoded for a column (EncodeTexts, DumpJson): a failure binds nothing and is kept,
  // the first one, in status().
  Self& Encoded(const absl::StatusOr<std::string>& text) {
    if (text.ok()) return Text(*text);
    if (status_.ok()) status_ = text.status();
    ++next_;
    return self();
  }
  // Localized texts as JSON (EncodeTexts, naming `field` in its error).
  Self& Texts(absl::string_view field, const std::vector<LocalizedText>& texts) {
    return Encoded(EncodeTexts(field, texts));
  }
  // OK unless an Encoded value failed; the statement must not run then.
  const absl::Status& status() const { return status_; }

 private:
  Self& self() { return static_cast<Self&>(*this); }

  sql::PreparedStatement& statement_;
  unsigned int next_ = 1;
  absl::Status status_;
};

// The binder of the stores that bind nothing service-specific.
class Binder : public BasicBinder<Binder> {
 public:
  using BasicBinder::BasicBinder;
};

// DATETIME's range: a cursor before it bounds nothing, one after it leaves nothing.
extern const absl::Time kMinSqlTime;
extern const absl::Time kMaxSqlTime;

// A selected row as a Columns table reads it: each read takes the next column, so a column's
// reads never name an index. A stored value that does not parse makes status() an error naming
// the column ("table.column"), and the read returns the type's default.
class Row {
 public:
  // `names`: "table.column" for each selected column, in order.
  Row(sql::ResultSet& result, absl::Span<const std::string> names)
      : result_(result), names_(names) {}

  // Whether the next column is NULL (without taking it).
  bool IsNull() const { return result_.isNull(next_); }
  int Int() { return result_.getInt(next_++); }
  int64_t Int64() { return result_.getInt64(next_++); }
  std::string Text() { return GetText(result_, next_++); }
  // A column declared with Column::time, selected as microseconds since the epoch.
  absl::Time Time() { return absl::FromUnixMicros(Int64()); }
  absl::CivilDay Day();
  // NULL is nullopt.
  std::optional<int64_t> OptionalInt64();
  std::optional<absl::CivilDay> OptionalDay();
  // Localized texts stored as JSON (EncodeTexts).
  std::vector<LocalizedText> Texts();
  // The next column's text through `decode(column, text)`, which returns a StatusOr naming
  // `column` in its errors (as DecodeTexts and ParseDay do).
  template <typename Decode>
  auto Decoded(Decode decode) {
    const uint32_t column = next_++;
    auto value = decode(names_[column - 1], GetText(result_, column));
    using Value = typename decltype(value)::value_type;
    if (value.ok()) return Value(*std::move(value));
    if (status_.ok()) status_ = value.status();
    return Value();
  }

  // OK unless a stored value did not parse.
  const absl::Status& status() const { return status_; }
  // Continues at the 1-based selected `column`.
  void Seek(uint32_t column) { next_ = column; }

 private:
  sql::ResultSet& result_;
  absl::Span<const std::string> names_;
  uint32_t next_ = 1;
  absl::Status status_;
};

// Entities with a `Meta meta`: their tables start with the id, version, create_time and
// update_time columns, which Columns handles itself.
template <typename T>
concept HasMeta = requires(T& item) {
  { item.meta } -> std::same_as<Meta&>;
};

// When a column is written.
enum class Write {
  kAlways,    // by INSERT and UPDATE
  kOnInsert,  // by INSERT only: UPDATE leaves what is stored (a counter moved elsewhere)
  kKey,       // by INSERT, and UPDATE finds the row by it (the key of a table without Meta)
};

namespace internal {

// What the statements need to know of a column.
struct ColumnShape {
  absl::string_view names;
  bool written;
  bool read;
  Write write;
  bool time;
};

// A table's statements, built once.
struct TableSql {
  std::string select;            // SELECT <columns> FROM <table> [<alias>]
  std::string select_by_key[2];  // ... WHERE <key> = ?, then with FOR UPDATE
  std::string insert;
  std::string update;
  std::vector<std::string> names;  // "table.column" per selected column
  std::vector<uint32_t> first;     // per column entry: its first selected column, 0 if not read
};

TableSql BuildTableSql(absl::string_view table, absl::string_view alias, bool meta,
                       absl::Span<const ColumnShape> columns);

}  // namespace internal

// A table's columns, each named once next to how it binds and how it reads; the statements'
// text is built from them once, when the table is made, so it is the same on every call (and
// the per-connection statement cache keeps hitting). A store keeps one table per entity, made
// once (a function-local static) and never copied.
//
// For an entity with Meta, the table selects and inserts id, version, create_time and
// update_time first, updates version and update_time after the other columns, finds the row by
// id, and its INSERT returns the new id ("INSERT ... RETURNING id"). A table without Meta names
// its key columns with Write::kKey, and its INSERT returns nothing.
//
// `B` is the store's binder (BasicBinder or a class derived from it), so a column may bind with
// the store's own methods, several values at once.
template <typename T, typename B = Binder>
class Columns {
 public:
  struct Column {
    // The column's name, or the comma-separated names of the columns it binds and reads
    // together ("workshop_id, chinese_institution_id, partner_institution_id").
    absl::string_view names;
    // Binds the column's values, one per name, in order; null: never written by the store.
    void (*bind)(B& bind, const T& item) = nullptr;
    // Reads the column's values into `item`, starting at its first column; it need not take
    // them all (a NULL that stands for all of them). Null: written, never read back (a value
    // derived from other columns, for lookups).
    void (*read)(Row& row, T& item) = nullptr;
    Write write = Write::kAlways;
    // A DATETIME, selected as microseconds since the epoch for Row::Time(): the connector would
    // format it as text with snprintf for every row, to be parsed back.
    bool time = false;
  };

  // `alias`: the name the select statements give the table (its columns are qualified with it),
  // for queries that join other tables.
  Columns(absl::string_view table, std::vector<Column> columns, absl::string_view alias = "")
      : columns_(std::move(columns)) {
    std::vector<internal::ColumnShape> shapes;
    shapes.reserve(columns_.size());
    for (const Column& column : columns_) {
      shapes.push_back({column.names, column.bind != nullptr, column.read != nullptr, column.write,
                        column.time});
    }
    sql_ = internal::BuildTableSql(table, alias, HasMeta<T>, shapes);
  }
  Columns(const Columns&) = delete;
  Columns& operator=(const Columns&) = delete;

  // "SELECT <the read columns> FROM <table> [<alias>]", to add WHERE and ORDER BY to.
  const std::string& SelectSql() const { return sql_.select; }
  // The row with a given key (one parameter per key column), locked if `for_update`.
  const std::string& SelectByKeySql(bool for_update) const {
    return sql_.select_by_key[for_update ? 1 : 0];
  }
  // "INSERT INTO <table> (...) VALUES (...)", with " RETURNING id" for an entity with Meta.
  const std::string& InsertSql() const { return sql_.insert; }
  // "UPDATE <table> SET ... WHERE <key> = ?": every column but kOnInsert and key ones.
  const std::string& UpdateSql() const { return sql_.update; }

  // Binds `item` to InsertSql's or UpdateSql's statement; an error from encoding a value
  // (B::Encoded), and then the statement must not run.
  absl::Status BindInsert(sql::PreparedStatement& statement, const T& item) const {
    B bind(statement);
    if constexpr (HasMeta<T>) {
      bind.Int64(item.meta.version).Time(item.meta.create_time).Time(item.meta.update_time);
    }
    for (const Column& column : columns_) {
      if (column.bind != nullptr) column.bind(bind, item);
    }
    return bind.status();
  }
  absl::Status BindUpdate(sql::PreparedStatement& statement, const T& item) const {
    B bind(statement);
    for (const Column& column : columns_) {
      if (column.bind != nullptr && column.write == Write::kAlways) column.bind(bind, item);
    }
    if constexpr (HasMeta<T>) {
      bind.Int64(item.meta.version).Time(item.meta.update_time).Int64(item.meta.id);
    } else {
      for (const Column& column : columns_) {
        if (column.bind != nullptr && column.write == Write::kKey) column.bind(bind, item);
      }
    }
    return bind.status();
  }

  // The entity in a row SelectSql selected; INTERNAL naming the column when a stored value
  // does not parse.
  absl::StatusOr<T> Read(sql::ResultSet& result) const {
    T item;
    if constexpr (HasMeta<T>) ReadMeta(result, &item.meta);
    Row row(result, sql_.names);
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (columns_[i].read == nullptr) continue;
      row.Seek(sql_.first[i]);
      columns_[i].read(row, item);
      if (!row.status().ok()) return row.status();
    }
    return item;
  }
  // The table as a reader, for ReadOne, ReadAll, ReadPage and Export.
  absl::StatusOr<T> operator()(sql::ResultSet& result) const { return Read(result); }

 private:
  std::vector<Column> columns_;
  internal::TableSql sql_;
};

// Rows of `table` changed after `cursor`, in (update_time, id) order, at most `limit` of them.
// When there are `limit`, `next` hears where the next batch starts (the last row's update_time
// and id) before the rows are decoded.
template <typename T, typename B>
absl::StatusOr<std::vector<T>> Export(Session& session, const Columns<T, B>& table,
                                      const ExportCursor& cursor, int limit, ExportNext next) {
  if (cursor.updated_since > kMaxSqlTime) return std::vector<T>();
  const bool bounded = cursor.updated_since >= kMinSqlTime;
  auto& select = session.Prepare(absl::StrCat(
      table.SelectSql(), bounded ? " WHERE (update_time > ? OR (update_time = ? AND id > ?))" : "",
      " ORDER BY update_time, id LIMIT ?"));
  Binder bind(select);
  if (bounded) {
    bind.Time(cursor.updated_since).Time(cursor.updated_since).Int64(cursor.after_id);
  }
  bind.Int64(limit);
  auto rows = Session::Query(select);
  // The result is held whole by the connector: its last row is a seek away.
  if (static_cast<int64_t>(rows->rowsCount()) == limit && rows->last()) {
    Meta last;
    ReadMeta(*rows, &last);
    rows->beforeFirst();
    next({last.update_time, last.id});
  }
  return ReadRows<T>(*rows, table);
}

}  // namespace luban::db

#endif  // LUBAN_COMMON_DB_ROWS_H_
