// Output of luban-admin: resources as aligned tables for people, JSON Lines (protobuf's JSON
// mapping, one object per line) or CSV with a header row, for scripts.
//
// Lists are written as they arrive, page by page, so `--all` and exports hold one page at a time:
// a table takes its column widths from the first page and widens them for later pages only when
// a value needs it.
#ifndef LUBAN_TOOLS_ADMIN_RENDER_H_
#define LUBAN_TOOLS_ADMIN_RENDER_H_

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "tools/admin/values.h"

namespace luban::admin {

enum class Format { kTable, kJson, kCsv };

// "table" | "json" | "csv".
absl::StatusOr<Format> ParseFormat(absl::string_view text);

// Terminal cells taken by UTF-8 text: 2 for East Asian wide characters (Chinese), 0 for
// combining marks, 1 otherwise (Latin, Cyrillic, Tajik letters). Invalid bytes count 1 each.
size_t DisplayWidth(absl::string_view text);
// The longest prefix of whole characters that fits `width` cells, with "…" when cut.
std::string FitToWidth(absl::string_view text, size_t width);

struct Column {
  std::string header;  // the field path, e.g. "identity_document.number"
  FieldPath path;
};

// The columns to show of `type`: those named in `spec` (comma-separated field paths; unknown
// ones are INVALID_ARGUMENT), else the table's short list for Format::kTable, else every leaf.
absl::StatusOr<std::vector<Column>> ColumnsFor(const google::protobuf::Descriptor* type,
                                               Format format, absl::string_view spec);

// Rows of text cells as an aligned table: header row in capitals, columns two spaces apart,
// cells cut at `max_width` cells, no trailing spaces.
class TableWriter {
 public:
  TableWriter(std::vector<std::string> headers, std::ostream& out, size_t max_width = 48);
  void AddRow(std::vector<std::string> cells);
  // Writes the rows added since the last flush (the header with the first).
  void Flush();

 private:
  std::vector<std::string> headers_;
  std::ostream& out_;
  const size_t max_width_;
  std::vector<size_t> widths_;
  std::vector<std::vector<std::string>> rows_;
  bool header_written_ = false;
};

// A message as one line of protobuf JSON (lowerCamelCase names, enums by name).
std::string ToJsonLine(const google::protobuf::Message& message);

// Items of a list or an export, in the chosen format.
class ItemWriter {
 public:
  ItemWriter(Format format, std::vector<Column> columns, std::ostream& out);
  void Add(const google::protobuf::Message& item);
  // Ends a page: a table writes its rows; JSON and CSV are flushed to the stream.
  void Flush();
  int64_t count() const { return count_; }

 private:
  const Format format_;
  const std::vector<Column> columns_;
  std::ostream& out_;
  std::unique_ptr<TableWriter> table_;
  bool csv_header_written_ = false;
  int64_t count_ = 0;
};

// One resource (the answer of get, create, update and the custom methods). A table is a list
// of "field: value" lines (every non-empty leaf), unless `columns` were asked for.
void WriteResource(Format format, const google::protobuf::Message& resource,
                   const std::vector<Column>* columns, std::ostream& out);

}  // namespace luban::admin

#endif  // LUBAN_TOOLS_ADMIN_RENDER_H_
