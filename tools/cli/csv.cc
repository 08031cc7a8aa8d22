#include "tools/cli/csv.h"

#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace luban::cli {
namespace {

bool NeedsQuotes(absl::string_view field) {
  // A field starting with a byte-order mark is quoted: at the start of a file, unquoted, a
  // reader (ours included) would take it for the file's BOM and drop it.
  return field.find_first_of(",\"\r\n") != absl::string_view::npos ||
         absl::StartsWith(field, "\xEF\xBB\xBF");
}

}  // namespace

std::string CsvField(absl::string_view field) {
  if (!NeedsQuotes(field)) return std::string(field);
  std::string quoted;
  quoted.reserve(field.size() + 2);
  quoted.push_back('"');
  for (const char c : field) {
    if (c == '"') quoted.push_back('"');
    quoted.push_back(c);
  }
  quoted.push_back('"');
  return quoted;
}

void CsvWriter::WriteField(absl::string_view field) { out_ << CsvField(field); }

void CsvWriter::WriteRow(absl::Span<const std::string> fields) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out_ << ',';
    WriteField(fields[i]);
  }
  out_ << '\n';
}

void CsvWriter::WriteRow(std::initializer_list<absl::string_view> fields) {
  bool first = true;
  for (const absl::string_view field : fields) {
    if (!first) out_ << ',';
    first = false;
    WriteField(field);
  }
  out_ << '\n';
}

bool CsvReader::Next(std::vector<std::string>* fields) {
  fields->clear();
  if (!status_.ok()) return false;
  // A UTF-8 byte-order mark (EF BB BF), as spreadsheets write it, is not part of the data;
  // bytes of a lookalike start are kept as the first field's start.
  std::string field;
  if (at_start_) {
    at_start_ = false;
    if (in_.peek() == 0xEF) {
      field.push_back(static_cast<char>(in_.get()));
      if (in_.peek() == 0xBB) {
        field.push_back(static_cast<char>(in_.get()));
        if (in_.peek() == 0xBF) {
          in_.get();
          field.clear();
        }
      }
    }
  }
  if (field.empty() && in_.peek() == std::char_traits<char>::eof()) return false;

  record_line_ = next_line_;
  size_t record_bytes = 0;
  bool quoted = false;      // inside a quoted field
  bool was_quoted = false;  // the current field was quoted (only a separator may follow)
  auto fail = [&](absl::string_view what) {
    status_ = absl::InvalidArgumentError(absl::StrCat("line ", record_line_, ": ", what));
    fields->clear();
    return false;
  };
  for (;;) {
    const int next = in_.get();
    if (next == std::char_traits<char>::eof()) {
      if (quoted) return fail("unterminated quoted field");
      fields->push_back(std::move(field));
      return true;
    }
    const char c = static_cast<char>(next);
    if (++record_bytes > max_record_bytes_) {
      return fail(absl::StrCat("record longer than ", max_record_bytes_, " bytes"));
    }
    if (quoted) {
      if (c == '"') {
        if (in_.peek() == '"') {
          in_.get();
          field.push_back('"');
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++next_line_;
        field.push_back(c);
      }
      continue;
    }
    switch (c) {
      case ',':
        fields->push_back(std::move(field));
        field.clear();
        was_quoted = false;
        break;
      case '\r':
        if (in_.peek() == '\n') in_.get();
        [[fallthrough]];
      case '\n':
        ++next_line_;
        fields->push_back(std::move(field));
        return true;
      case '"':
        if (!field.empty() || was_quoted) return fail("'\"' inside an unquoted field");
        quoted = true;
        was_quoted = true;
        break;
      default:
        if (was_quoted) return fail("text after the closing '\"' of a quoted field");
        field.push_back(c);
    }
  }
}

absl::Status ParseCsv(absl::string_view text, std::vector<std::vector<std::string>>* records) {
  records->clear();
  std::istringstream in{std::string(text)};
  CsvReader reader(in);
  std::vector<std::string> fields;
  while (reader.Next(&fields)) records->push_back(fields);
  return reader.status();
}

}  // namespace luban::cli
