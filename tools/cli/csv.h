// CSV as RFC 4180 has it: fields separated by ',', a field quoted with '"' when it holds ',',
// '"', CR or LF, a '"' inside a quoted field doubled; records end with CRLF or LF. UTF-8 passes
// through byte-exact (a UTF-8 byte-order mark at the very start of the input is skipped).
#ifndef LUBAN_TOOLS_CLI_CSV_H_
#define LUBAN_TOOLS_CLI_CSV_H_

#include <cstdint>
#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace luban::cli {

// Writes one record per call, terminated by "\n" (what spreadsheets and `csvkit` accept).
class CsvWriter {
 public:
  explicit CsvWriter(std::ostream& out) : out_(out) {}
  void WriteRow(absl::Span<const std::string> fields);
  void WriteRow(std::initializer_list<absl::string_view> fields);

 private:
  void WriteField(absl::string_view field);
  std::ostream& out_;
};

// One field, quoted if it needs to be.
std::string CsvField(absl::string_view field);

// Reads records one at a time from a stream, holding only the current record.
class CsvReader {
 public:
  // Records longer than `max_record_bytes` are refused (a damaged file must not exhaust memory).
  explicit CsvReader(std::istream& in, size_t max_record_bytes = 1 << 20)
      : in_(in), max_record_bytes_(max_record_bytes) {}

  // Reads the next record into `fields`. Returns true with a record, false at the end of the
  // input (`fields` empty) or on an error (then status() is INVALID_ARGUMENT naming the line:
  // an unterminated quote, a stray '"' inside an unquoted field, a record too long).
  bool Next(std::vector<std::string>* fields);
  const absl::Status& status() const { return status_; }
  // 1-based line on which the record last returned started.
  int64_t line() const { return record_line_; }

 private:
  std::istream& in_;
  const size_t max_record_bytes_;
  absl::Status status_;
  int64_t next_line_ = 1;
  int64_t record_line_ = 0;
  bool at_start_ = true;
};

// Parses a whole CSV text (for tests and small inputs).
absl::Status ParseCsv(absl::string_view text, std::vector<std::vector<std::string>>* records);

}  // namespace luban::cli

#endif  // LUBAN_TOOLS_CLI_CSV_H_
