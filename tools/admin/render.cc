#include "tools/admin/render.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "common/domain/status_macros.h"
#include "google/protobuf/util/json_util.h"
#include "tools/cli/csv.h"

namespace luban::admin {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// Decodes the UTF-8 sequence at `text[*i]`, advancing `*i`; U+FFFD for an invalid byte.
char32_t NextCodePoint(absl::string_view text, size_t* i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(*i);
  int length = 0;
  char32_t code = 0;
  if (lead < 0x80) {
    ++*i;
    return lead;
  } else if ((lead & 0xE0) == 0xC0) {
    length = 2;
    code = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
    code = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4;
    code = lead & 0x07;
  } else {
    ++*i;
    return 0xFFFD;
  }
  if (*i + static_cast<size_t>(length) > text.size()) {
    ++*i;
    return 0xFFFD;
  }
  for (int k = 1; k < length; ++k) {
    const unsigned char next = byte(*i + static_cast<size_t>(k));
    if ((next & 0xC0) != 0x80) {
      ++*i;
      return 0xFFFD;
    }
    code = (code << 6) | (next & 0x3F);
  }
  *i += static_cast<size_t>(length);
  return code;
}

int CodePointWidth(char32_t c) {
  struct Range {
    char32_t first;
    char32_t last;
  };
  static constexpr Range kZero[] = {{0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD},
                                    {0x0610, 0x061A}, {0x064B, 0x065F}, {0x1AB0, 0x1AFF},
                                    {0x1DC0, 0x1DFF}, {0x200B, 0x200F}, {0x20D0, 0x20FF},
                                    {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}};
  static constexpr Range kWide[] = {{0x1100, 0x115F},   {0x2E80, 0x303E},   {0x3041, 0x33FF},
                                    {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},
                                    {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},   {0xFE30, 0xFE4F},
                                    {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x1F300, 0x1F64F},
                                    {0x1F900, 0x1F9FF}, {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD}};
  for (const Range& range : kZero) {
    if (c >= range.first && c <= range.last) return 0;
  }
  for (const Range& range : kWide) {
    if (c >= range.first && c <= range.last) return 2;
  }
  return 1;
}

// Short column lists for tables, by resource type; other types show every leaf.
const std::map<std::string, std::vector<std::string>>& TableColumns() {
  static const auto* const columns = new std::map<std::string, std::vector<std::string>>{
      {"luban.course.v1.Institution", {"name", "kind", "country_code", "city", "display_names"}},
      {"luban.course.v1.Workshop",
       {"name", "status", "country_code", "city", "chinese_institution", "partner_institution",
        "display_names"}},
      {"luban.course.v1.Course", {"name", "code", "discipline", "hours", "titles"}},
      {"luban.course.v1.CourseRun",
       {"name", "course", "workshop", "status", "start_date", "end_date", "capacity",
        "language_code"}},
      {"luban.enrollment.v1.Trainee",
       {"name", "family_name", "given_name", "sex", "birth_date", "citizenship", "home_workshop",
        "status"}},
      {"luban.enrollment.v1.Enrollment",
       {"name", "trainee", "course_run", "state", "waitlist_position", "final_score",
        "attendance_percent", "certificate"}},
      {"luban.enrollment.v1.Certificate",
       {"name", "number", "trainee", "holder_name", "course_code", "issue_date", "status"}},
      {"luban.exchange.v1.Programme",
       {"name", "status", "kind", "direction", "chinese_institution", "partner_institution",
        "start_date", "end_date", "quota", "approved_count"}},
      {"luban.exchange.v1.Mobility",
       {"name", "programme", "trainee", "teacher.full_name", "state", "sending_institution",
        "receiving_institution"}},
      {"luban.common.v1.AuditRecord",
       {"name", "time", "actor", "actor_role", "resource", "action", "request_id"}},
  };
  return *columns;
}

absl::StatusOr<FieldPath> ResolvePath(const Descriptor* type, absl::string_view path_text) {
  FieldPath path;
  const Descriptor* current = type;
  for (absl::string_view part : absl::StrSplit(path_text, '.')) {
    const FieldDescriptor* field =
        current == nullptr ? nullptr : current->FindFieldByName(std::string(part));
    if (field == nullptr && current != nullptr) {
      field = current->FindFieldByLowercaseName(std::string(part));
    }
    if (field == nullptr && current != nullptr) {
      field = current->FindFieldByCamelcaseName(std::string(part));
    }
    if (field == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("--columns: ", type->name(), " has no field '", path_text, "'"));
    }
    path.push_back(field);
    current = field->message_type();
    if (IsLeaf(field)) current = nullptr;
  }
  if (!path.empty() && !IsLeaf(path.back())) {
    return absl::InvalidArgumentError(
        absl::StrCat("--columns: '", path_text, "' is a group of fields; name one of its fields"));
  }
  return path;
}

std::string CellText(absl::string_view text) {
  // A table row stays one line.
  return absl::StrReplaceAll(text, {{"\r\n", " "}, {"\n", " "}, {"\r", " "}, {"\t", " "}});
}

}  // namespace

absl::StatusOr<Format> ParseFormat(absl::string_view text) {
  if (text == "table") return Format::kTable;
  if (text == "json") return Format::kJson;
  if (text == "csv") return Format::kCsv;
  return absl::InvalidArgumentError(
      absl::StrCat("--output must be table, json or csv, not '", text, "'"));
}

size_t DisplayWidth(absl::string_view text) {
  size_t width = 0;
  for (size_t i = 0; i < text.size();) {
    width += static_cast<size_t>(CodePointWidth(NextCodePoint(text, &i)));
  }
  return width;
}

std::string FitToWidth(absl::string_view text, size_t width) {
  if (DisplayWidth(text) <= width) return std::string(text);
  if (width == 0) return "";
  size_t used = 0;
  size_t end = 0;
  for (size_t i = 0; i < text.size();) {
    const size_t start = i;
    const int cells = CodePointWidth(NextCodePoint(text, &i));
    if (used + static_cast<size_t>(cells) > width - 1) {
      end = start;
      break;
    }
    used += static_cast<size_t>(cells);
    end = i;
  }
  return absl::StrCat(text.substr(0, end), "…");
}

absl::StatusOr<std::vector<Column>> ColumnsFor(const Descriptor* type, Format format,
                                               absl::string_view spec) {
  std::vector<Column> columns;
  if (!spec.empty()) {
    for (absl::string_view part : absl::StrSplit(spec, ',', absl::SkipWhitespace())) {
      part = absl::StripAsciiWhitespace(part);
      LUBAN_ASSIGN_OR_RETURN(auto path, ResolvePath(type, part));
      columns.push_back({PathName(path), std::move(path)});
    }
    return columns;
  }
  if (format == Format::kTable) {
    const auto found = TableColumns().find(type->full_name());
    if (found != TableColumns().end()) {
      for (const std::string& name : found->second) {
        LUBAN_ASSIGN_OR_RETURN(auto path, ResolvePath(type, name));
        columns.push_back({name, std::move(path)});
      }
      return columns;
    }
  }
  for (FieldPath& path : LeafPaths(type)) {
    std::string header = PathName(path);
    columns.push_back({std::move(header), std::move(path)});
  }
  return columns;
}

TableWriter::TableWriter(std::vector<std::string> headers, std::ostream& out, size_t max_width)
    : headers_(std::move(headers)), out_(out), max_width_(max_width) {
  for (std::string& header : headers_) {
    header = absl::AsciiStrToUpper(header);
    widths_.push_back(DisplayWidth(header));
  }
}

void TableWriter::AddRow(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  for (size_t i = 0; i < cells.size(); ++i) {
    cells[i] = FitToWidth(CellText(cells[i]), max_width_);
  }
  rows_.push_back(std::move(cells));
}

void TableWriter::Flush() {
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size(); ++i) widths_[i] = std::max(widths_[i], DisplayWidth(row[i]));
  }
  const auto write = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) line.append("  ");
      line.append(cells[i]);
      if (i + 1 < cells.size()) line.append(widths_[i] - DisplayWidth(cells[i]), ' ');
    }
    // The last column's padding is not written; strip what empty trailing cells leave.
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out_ << line << '\n';
  };
  if (!header_written_) {
    write(headers_);
    header_written_ = true;
  }
  for (const auto& row : rows_) write(row);
  rows_.clear();
  out_.flush();
}

std::string ToJsonLine(const Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = false;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(message, &json, options).ok()) {
    return "{}";  // only for messages that cannot be mapped, which ours are not
  }
  return json;
}

ItemWriter::ItemWriter(Format format, std::vector<Column> columns, std::ostream& out)
    : format_(format), columns_(std::move(columns)), out_(out) {
  if (format_ == Format::kTable) {
    std::vector<std::string> headers;
    for (const Column& column : columns_) headers.push_back(column.header);
    table_ = std::make_unique<TableWriter>(std::move(headers), out_);
  }
}

void ItemWriter::Add(const Message& item) {
  ++count_;
  switch (format_) {
    case Format::kJson:
      out_ << ToJsonLine(item) << '\n';
      return;
    case Format::kCsv: {
      cli::CsvWriter csv(out_);
      if (!csv_header_written_) {
        std::vector<std::string> headers;
        for (const Column& column : columns_) headers.push_back(column.header);
        csv.WriteRow(headers);
        csv_header_written_ = true;
      }
      std::vector<std::string> cells;
      for (const Column& column : columns_) cells.push_back(FormatPath(item, column.path));
      csv.WriteRow(cells);
      return;
    }
    case Format::kTable: {
      std::vector<std::string> cells;
      for (const Column& column : columns_) {
        cells.push_back(FormatPath(item, column.path, /*compact=*/true));
      }
      table_->AddRow(std::move(cells));
      return;
    }
  }
}

void ItemWriter::Flush() {
  if (table_ != nullptr) {
    table_->Flush();
    return;
  }
  if (format_ == Format::kCsv && !csv_header_written_) {
    // An empty list still gets its header, so a script reads zero rows rather than nothing.
    std::vector<std::string> headers;
    for (const Column& column : columns_) headers.push_back(column.header);
    cli::CsvWriter(out_).WriteRow(headers);
    csv_header_written_ = true;
  }
  out_.flush();
}

void WriteResource(Format format, const Message& resource, const std::vector<Column>* columns,
                   std::ostream& out) {
  if (format == Format::kJson) {
    out << ToJsonLine(resource) << '\n';
    return;
  }
  if (format == Format::kCsv || columns != nullptr) {
    std::vector<Column> chosen;
    if (columns != nullptr) {
      chosen = *columns;
    } else {
      chosen = *ColumnsFor(resource.GetDescriptor(), Format::kCsv, "");
    }
    ItemWriter writer(format, std::move(chosen), out);
    writer.Add(resource);
    writer.Flush();
    return;
  }
  // One resource for people: "field: value" lines, aligned.
  std::vector<std::pair<std::string, std::string>> lines;
  size_t width = 0;
  for (const FieldPath& path : LeafPaths(resource.GetDescriptor())) {
    std::string value = FormatPath(resource, path);
    if (value.empty()) continue;
    std::string key = PathName(path);
    width = std::max(width, key.size());
    lines.emplace_back(std::move(key), std::move(value));
  }
  for (const auto& [key, value] : lines) {
    out << key << ':' << std::string(width - key.size() + 1, ' ') << CellText(value) << '\n';
  }
  out.flush();
}

}  // namespace luban::admin
