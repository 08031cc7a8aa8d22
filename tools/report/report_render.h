// The report's output files, rendered from the figures: CSV tables, one JSON document and one
// self-contained HTML page. Pure functions of their inputs: the same figures, reference data and
// options give byte-identical files (rows sorted by their keys, JSON keys sorted, no clock).
#ifndef LUBAN_TOOLS_REPORT_REPORT_RENDER_H_
#define LUBAN_TOOLS_REPORT_REPORT_RENDER_H_

#include <map>
#include <string>

#include "absl/strings/string_view.h"
#include "tools/report/report_data.h"

namespace luban::report {

struct RenderOptions {
  // When the report was made (RFC 3339, UTC), shown in the JSON and HTML; may be empty.
  std::string generated_at;
};

// The CSV files by file name: by_year.csv, by_country.csv, by_workshop.csv, by_course.csv,
// by_sex_age.csv, mobilities.csv, programme_quota.csv. Each starts with a header row; rows in
// key order (year, then country code / id...). Rates as "0.6667", empty when undefined.
std::map<std::string, std::string> RenderCsv(const Figures& figures,
                                             const ReferenceData& reference);

// report.json: {"report", "period", "generated_at", "definitions", "known_rows", "enrollments":
// {"total", "by_year", "by_country", "by_workshop", "by_course", "by_sex_age"}, "exchanges":
// {"mobilities", "programme_quota"}}, keys sorted, 2-space indent. Rates are numbers (4
// decimals) or null; counts are integers.
std::string RenderJson(const Figures& figures, const ReferenceData& reference,
                       const RenderOptions& options);

// report.html: one page, inline CSS, charts as inline SVG, no scripts and no external
// references; all text escaped.
std::string RenderHtml(const Figures& figures, const ReferenceData& reference,
                       const RenderOptions& options);

// Text safe inside HTML/SVG elements and quoted attributes (& < > " ' escaped).
std::string HtmlEscape(absl::string_view text);

// At most `max_chars` code points of UTF-8 `text`, cut on a code point boundary, with "…" when
// cut.
std::string TruncateUtf8(absl::string_view text, size_t max_chars);

}  // namespace luban::report

#endif  // LUBAN_TOOLS_REPORT_REPORT_RENDER_H_
