#include "tools/report/report_render.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"
#include "tools/cli/csv.h"

namespace luban::report {
namespace {

using Json = nlohmann::json;

constexpr EnrollmentState kStates[] = {EnrollmentState::kWaitlisted, EnrollmentState::kEnrolled,
                                       EnrollmentState::kCompleted,  EnrollmentState::kFailed,
                                       EnrollmentState::kWithdrawn,  EnrollmentState::kCancelled};
constexpr absl::string_view kStateNames[] = {"waitlisted", "enrolled",  "completed",
                                             "failed",     "withdrawn", "cancelled"};

// ---- names of reference data ----------------------------------------------------------------

std::string WorkshopName(const ReferenceData& reference, int64_t id) {
  auto it = reference.workshops.find(id);
  return it != reference.workshops.end() ? it->second.name : absl::StrCat("workshops/", id);
}
std::string WorkshopCountry(const ReferenceData& reference, int64_t id) {
  auto it = reference.workshops.find(id);
  return it != reference.workshops.end() ? it->second.country : "";
}
std::string WorkshopCity(const ReferenceData& reference, int64_t id) {
  auto it = reference.workshops.find(id);
  return it != reference.workshops.end() ? it->second.city : "";
}
const CourseInfo& CourseOf(const ReferenceData& reference, int64_t id) {
  static const CourseInfo* const kNone = new CourseInfo();
  auto it = reference.courses.find(id);
  return it != reference.courses.end() ? it->second : *kNone;
}
std::string InstitutionName(const ReferenceData& reference, int64_t id) {
  auto it = reference.institutions.find(id);
  return it != reference.institutions.end() ? it->second.name : absl::StrCat("institutions/", id);
}

// ---- CSV --------------------------------------------------------------------------------------

std::vector<std::string> CountHeader() {
  std::vector<std::string> header = {"trainees", "enrollments"};
  for (absl::string_view name : kStateNames) header.emplace_back(name);
  header.emplace_back("completion_rate");
  header.emplace_back("certificates");
  return header;
}

void AppendCounts(const Counts& c, std::vector<std::string>& row) {
  row.push_back(absl::StrCat(c.trainees));
  row.push_back(absl::StrCat(c.enrollments));
  for (EnrollmentState s : kStates) row.push_back(absl::StrCat(c.state(s)));
  row.push_back(FormatRate(c.completion_rate_bp()));
  row.push_back(absl::StrCat(c.certificates));
}

class Table {
 public:
  explicit Table(std::vector<std::string> header) : writer_(out_) { writer_.WriteRow(header); }
  void Row(const std::vector<std::string>& row) { writer_.WriteRow(row); }
  std::string Text() const { return out_.str(); }

 private:
  std::ostringstream out_;
  cli::CsvWriter writer_;
};

std::vector<std::string> Concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// ---- JSON -------------------------------------------------------------------------------------

Json RateJson(std::optional<int64_t> bp) {
  if (!bp) return nullptr;
  // Four decimals, as in the CSV; printed as the shortest decimal that reads back the same.
  return static_cast<double>(*bp) / 10000.0;
}

Json CountsJson(const Counts& c) {
  Json j;
  j["trainees"] = c.trainees;
  j["enrollments"] = c.enrollments;
  for (size_t i = 0; i < std::size(kStates); ++i) {
    j[std::string(kStateNames[i])] = c.state(kStates[i]);
  }
  j["completion_rate"] = RateJson(c.completion_rate_bp());
  j["certificates"] = c.certificates;
  return j;
}

// ---- HTML -------------------------------------------------------------------------------------

// Colours of the enrollment states (in kStates order), age bands and sexes.
constexpr absl::string_view kStateColors[] = {"#c9c3b8", "#5b8fd6", "#2e9e6b",
                                              "#d9822b", "#b85c8a", "#8a8f98"};
constexpr absl::string_view kBandColors[] = {"#f2c14e", "#5b8fd6", "#2e9e6b",
                                             "#d9822b", "#7d5ba6", "#b8b8b8"};
constexpr absl::string_view kSexColors[] = {"#b8b8b8", "#c8507a", "#3f7fbf"};
constexpr absl::string_view kMobilityColors[] = {"#b8b8b8", "#f2c14e", "#5b8fd6", "#c0504d",
                                                 "#7d5ba6", "#2e9e6b", "#8a8f98"};

struct Bar {
  std::string label;
  std::vector<int64_t> values;  // one per series
  std::string note;             // printed after the bar
};

struct Chart {
  std::string title;
  std::vector<std::string> series;
  std::vector<absl::string_view> colors;
  std::vector<Bar> bars;
  // The value of a full-width bar; 0: the largest bar's total.
  int64_t scale = 0;
};

constexpr int kChartWidth = 760;
constexpr int kLabelWidth = 230;
constexpr int kBarArea = 420;
constexpr int kRowHeight = 26;
constexpr int kBarHeight = 18;

// A horizontal (stacked) bar chart as inline SVG. Coordinates are integers computed with integer
// arithmetic: the same figures always give the same bytes.
std::string SvgBarChart(const Chart& chart) {
  if (chart.bars.empty()) {
    return absl::StrCat("<p class=\"empty\">", HtmlEscape(chart.title),
                        ": nothing in this period.</p>\n");
  }
  int64_t scale = chart.scale;
  if (scale <= 0) {
    for (const Bar& bar : chart.bars) {
      int64_t total = 0;
      for (int64_t v : bar.values) total += v;
      scale = std::max(scale, total);
    }
  }
  if (scale <= 0) scale = 1;
  const bool legend = chart.series.size() > 1;
  const int top = legend ? 34 : 8;
  const int height = top + static_cast<int>(chart.bars.size()) * kRowHeight + 8;
  std::string svg = absl::StrFormat(
      "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
      "width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"%s\">\n",
      kChartWidth, height, kChartWidth, height, HtmlEscape(chart.title));
  absl::StrAppend(&svg, "<title>", HtmlEscape(chart.title), "</title>\n");
  if (legend) {
    int x = kLabelWidth;
    for (size_t s = 0; s < chart.series.size(); ++s) {
      absl::StrAppendFormat(&svg,
                            "<rect x=\"%d\" y=\"8\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                            "<text x=\"%d\" y=\"19\" class=\"legend\">%s</text>\n",
                            x, chart.colors[s % chart.colors.size()], x + 16,
                            HtmlEscape(chart.series[s]));
      x += 24 + 8 * static_cast<int>(TruncateUtf8(chart.series[s], 40).size());
    }
  }
  int y = top;
  for (const Bar& bar : chart.bars) {
    absl::StrAppendFormat(&svg,
                          "<text x=\"%d\" y=\"%d\" class=\"label\" text-anchor=\"end\">%s"
                          "<title>%s</title></text>\n",
                          kLabelWidth - 8, y + 14, HtmlEscape(TruncateUtf8(bar.label, 34)),
                          HtmlEscape(bar.label));
    int64_t cumulative = 0;
    int x_end = kLabelWidth;
    for (size_t s = 0; s < bar.values.size(); ++s) {
      const int64_t value = bar.values[s];
      if (value <= 0) continue;
      const int x0 = kLabelWidth + static_cast<int>(cumulative * kBarArea / scale);
      cumulative += value;
      const int x1 = kLabelWidth + static_cast<int>(std::min(cumulative, scale) * kBarArea / scale);
      const int width = std::max(x1 - x0, 1);
      const std::string tip = chart.series.empty()
                                  ? absl::StrCat(bar.label, ": ", value)
                                  : absl::StrCat(bar.label, " · ", chart.series[s], ": ", value);
      absl::StrAppendFormat(&svg,
                            "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\">"
                            "<title>%s</title></rect>\n",
                            x0, y, width, kBarHeight, chart.colors[s % chart.colors.size()],
                            HtmlEscape(tip));
      x_end = x0 + width;
    }
    absl::StrAppendFormat(&svg, "<text x=\"%d\" y=\"%d\" class=\"value\">%s</text>\n", x_end + 6,
                          y + 14, HtmlEscape(bar.note));
    y += kRowHeight;
  }
  absl::StrAppend(&svg, "</svg>\n");
  return svg;
}

std::string Percent(std::optional<int64_t> bp) {
  if (!bp) return "–";
  return absl::StrFormat("%d.%d%%", *bp / 100, (*bp % 100) / 10);
}

std::string Tile(absl::string_view label, absl::string_view value) {
  return absl::StrCat("<div class=\"tile\"><div class=\"n\">", HtmlEscape(value),
                      "</div><div class=\"l\">", HtmlEscape(label), "</div></div>\n");
}

// A table of counts: key columns then the count columns.
std::string CountsTable(const std::vector<std::string>& key_header,
                        const std::vector<std::pair<std::vector<std::string>, Counts>>& rows) {
  std::string html = "<table>\n<thead><tr>";
  for (const std::string& h : key_header) absl::StrAppend(&html, "<th>", HtmlEscape(h), "</th>");
  for (absl::string_view h : {"trainees", "enrollments", "waitlisted", "enrolled", "completed",
                              "failed", "withdrawn", "cancelled", "completion", "certificates"}) {
    absl::StrAppend(&html, "<th class=\"num\">", h, "</th>");
  }
  absl::StrAppend(&html, "</tr></thead>\n<tbody>\n");
  for (const auto& [keys, c] : rows) {
    absl::StrAppend(&html, "<tr>");
    for (const std::string& k : keys) absl::StrAppend(&html, "<td>", HtmlEscape(k), "</td>");
    std::vector<int64_t> numbers = {c.trainees, c.enrollments};
    for (EnrollmentState s : kStates) numbers.push_back(c.state(s));
    for (size_t i = 0; i < numbers.size(); ++i) {
      absl::StrAppend(&html, "<td class=\"num\">", numbers[i], "</td>");
    }
    absl::StrAppend(&html, "<td class=\"num\">", Percent(c.completion_rate_bp()),
                    "</td><td class=\"num\">", c.certificates, "</td></tr>\n");
  }
  absl::StrAppend(&html, "</tbody>\n</table>\n");
  return html;
}

void Add(Counts& into, const Counts& c) {
  into.enrollments += c.enrollments;
  for (int i = 0; i < 7; ++i) into.by_state[i] += c.by_state[i];
  into.certificates += c.certificates;
}

std::vector<int64_t> StateValues(const Counts& c) {
  std::vector<int64_t> values;
  for (EnrollmentState s : kStates) values.push_back(c.state(s));
  return values;
}

constexpr char kStyle[] = R"css(
:root { color-scheme: light; }
body { font-family: "Segoe UI", "Noto Sans", "Helvetica Neue", Arial, sans-serif; margin: 0;
  background: #f6f4ef; color: #22252a; }
header { background: #8c1c13; color: #fff; padding: 28px 40px 22px; }
header h1 { margin: 0 0 6px; font-size: 26px; font-weight: 600; }
header p { margin: 0; opacity: .9; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 40px 40px; }
.tiles { display: flex; flex-wrap: wrap; gap: 14px; margin: 8px 0 24px; }
.tile { background: #fff; border-radius: 8px; padding: 14px 18px; min-width: 130px;
  box-shadow: 0 1px 3px rgba(0,0,0,.08); }
.tile .n { font-size: 28px; font-weight: 600; color: #8c1c13; }
.tile .l { font-size: 13px; color: #5a5f66; }
section { background: #fff; border-radius: 8px; padding: 18px 22px; margin: 0 0 20px;
  box-shadow: 0 1px 3px rgba(0,0,0,.08); }
h2 { font-size: 19px; margin: 0 0 4px; }
p.note { margin: 0 0 10px; color: #5a5f66; font-size: 13px; }
svg.chart { max-width: 100%; height: auto; display: block; margin: 6px 0 14px; }
svg text { font-size: 12px; fill: #22252a; }
svg text.value { fill: #5a5f66; }
p.empty { color: #5a5f66; font-style: italic; }
table { border-collapse: collapse; width: 100%; font-size: 12.5px; margin: 6px 0 14px; }
th, td { padding: 4px 8px; border-bottom: 1px solid #e4e0d8; text-align: left; }
th { background: #f0ece4; font-weight: 600; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
footer { font-size: 12px; color: #5a5f66; max-width: 1100px; margin: 0 auto;
  padding: 0 40px 30px; }
footer li { margin: 2px 0; }
)css";

}  // namespace

std::string HtmlEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string TruncateUtf8(absl::string_view text, size_t max_chars) {
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    // A code point starts at every byte that is not a continuation byte (10xxxxxx).
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      if (chars == max_chars) return absl::StrCat(text.substr(0, i), "…");
      ++chars;
    }
  }
  return std::string(text);
}

std::map<std::string, std::string> RenderCsv(const Figures& figures,
                                             const ReferenceData& reference) {
  std::map<std::string, std::string> files;
  const std::vector<std::string> counts = CountHeader();
  {
    Table t(Concat({"year"}, counts));
    for (const auto& [year, c] : figures.by_year) {
      std::vector<std::string> row = {absl::StrCat(year)};
      AppendCounts(c, row);
      t.Row(row);
    }
    files["by_year.csv"] = t.Text();
  }
  {
    Table t(Concat({"year", "country"}, counts));
    for (const auto& [key, c] : figures.by_country) {
      std::vector<std::string> row = {absl::StrCat(key.first), UnpackCountry(key.second)};
      AppendCounts(c, row);
      t.Row(row);
    }
    files["by_country.csv"] = t.Text();
  }
  {
    Table t(Concat({"year", "country", "workshop", "workshop_name", "city"}, counts));
    for (const auto& [key, c] : figures.by_workshop) {
      std::vector<std::string> row = {
          absl::StrCat(key.first), WorkshopCountry(reference, key.second),
          absl::StrCat("workshops/", key.second), WorkshopName(reference, key.second),
          WorkshopCity(reference, key.second)};
      AppendCounts(c, row);
      t.Row(row);
    }
    files["by_workshop.csv"] = t.Text();
  }
  {
    Table t(Concat({"year", "course", "course_code", "course_title", "discipline"}, counts));
    for (const auto& [key, c] : figures.by_course) {
      const CourseInfo& course = CourseOf(reference, key.second);
      std::vector<std::string> row = {absl::StrCat(key.first), absl::StrCat("courses/", key.second),
                                      course.code, course.title, course.discipline};
      AppendCounts(c, row);
      t.Row(row);
    }
    files["by_course.csv"] = t.Text();
  }
  {
    Table t(Concat({"year", "country", "sex", "age_band"}, counts));
    for (const auto& [key, c] : figures.by_sex_age) {
      const auto& [year, country, sex, band] = key;
      std::vector<std::string> row = {absl::StrCat(year), UnpackCountry(country),
                                      std::string(SexName(sex)), std::string(AgeBandName(band))};
      AppendCounts(c, row);
      t.Row(row);
    }
    files["by_sex_age.csv"] = t.Text();
  }
  {
    Table t({"programme_kind", "direction", "state", "mobilities", "trainees", "teachers"});
    for (const auto& [key, c] : figures.mobilities) {
      const auto& [kind, direction, state] = key;
      t.Row({std::string(ProgrammeKindName(kind)), std::string(DirectionName(direction)),
             std::string(MobilityStateName(state)), absl::StrCat(c.mobilities),
             absl::StrCat(c.trainees), absl::StrCat(c.teachers)});
    }
    files["mobilities.csv"] = t.Text();
  }
  {
    Table t({"programme", "title", "chinese_institution", "partner_institution", "partner_country",
             "programme_kind", "direction", "status", "start_date", "end_date", "quota", "approved",
             "quota_use", "mobilities"});
    for (const ProgrammeQuota& q : figures.quotas) {
      const ProgrammeInfo& p = reference.programmes.at(q.programme);
      t.Row({absl::StrCat("programmes/", q.programme), p.title,
             InstitutionName(reference, p.chinese_institution),
             InstitutionName(reference, p.partner_institution), p.partner_country,
             std::string(ProgrammeKindName(p.kind)), std::string(DirectionName(p.direction)),
             std::string(ProgrammeStatusName(p.status)), FormatDay(p.start), FormatDay(p.end),
             absl::StrCat(q.quota), absl::StrCat(q.approved_count),
             FormatRate(RateBp(q.approved_count, q.quota)), absl::StrCat(q.mobilities)});
    }
    files["programme_quota.csv"] = t.Text();
  }
  return files;
}

std::string RenderJson(const Figures& figures, const ReferenceData& reference,
                       const RenderOptions& options) {
  Json doc;
  doc["report"] = "luban-report";
  doc["format_version"] = 1;
  doc["generated_at"] = options.generated_at;
  doc["period"] = {{"label", figures.period.Label()},
                   {"from", FormatDay(figures.period.from)},
                   {"to", FormatDay(figures.period.to)}};
  doc["definitions"] = {
      {"period",
       "an enrollment counts when its course run starts in the period; year = the "
       "run's start year; a mobility counts when its programme's dates overlap the "
       "period"},
      {"trainees", "distinct people with at least one counted enrollment in the group"},
      {"completion_rate", "completed / (enrolled + completed + failed + withdrawn)"},
      {"certificates", "completed enrollments that issued a certificate"},
      {"age_band", "start year of the run - birth year: <18, 18-24, 25-34, 35-44, 45+, unknown"},
      {"quota_use", "approved (approved, departed, returned) mobilities / quota"}};
  doc["known_rows"] = {{"enrollments", figures.known_enrollments},
                       {"trainees", figures.known_trainees},
                       {"mobilities", figures.known_mobilities}};

  Json enrollments;
  enrollments["total"] = CountsJson(figures.total);
  enrollments["by_year"] = Json::array();
  for (const auto& [year, c] : figures.by_year) {
    Json row = CountsJson(c);
    row["year"] = year;
    enrollments["by_year"].push_back(std::move(row));
  }
  enrollments["by_country"] = Json::array();
  for (const auto& [key, c] : figures.by_country) {
    Json row = CountsJson(c);
    row["year"] = key.first;
    row["country"] = UnpackCountry(key.second);
    enrollments["by_country"].push_back(std::move(row));
  }
  enrollments["by_workshop"] = Json::array();
  for (const auto& [key, c] : figures.by_workshop) {
    Json row = CountsJson(c);
    row["year"] = key.first;
    row["workshop"] = absl::StrCat("workshops/", key.second);
    row["workshop_name"] = WorkshopName(reference, key.second);
    row["country"] = WorkshopCountry(reference, key.second);
    row["city"] = WorkshopCity(reference, key.second);
    enrollments["by_workshop"].push_back(std::move(row));
  }
  enrollments["by_course"] = Json::array();
  for (const auto& [key, c] : figures.by_course) {
    const CourseInfo& course = CourseOf(reference, key.second);
    Json row = CountsJson(c);
    row["year"] = key.first;
    row["course"] = absl::StrCat("courses/", key.second);
    row["course_code"] = course.code;
    row["course_title"] = course.title;
    row["discipline"] = course.discipline;
    enrollments["by_course"].push_back(std::move(row));
  }
  enrollments["by_sex_age"] = Json::array();
  for (const auto& [key, c] : figures.by_sex_age) {
    const auto& [year, country, sex, band] = key;
    Json row = CountsJson(c);
    row["year"] = year;
    row["country"] = UnpackCountry(country);
    row["sex"] = std::string(SexName(sex));
    row["age_band"] = std::string(AgeBandName(band));
    enrollments["by_sex_age"].push_back(std::move(row));
  }
  doc["enrollments"] = std::move(enrollments);

  Json exchanges;
  exchanges["mobilities"] = Json::array();
  for (const auto& [key, c] : figures.mobilities) {
    const auto& [kind, direction, state] = key;
    exchanges["mobilities"].push_back({{"programme_kind", std::string(ProgrammeKindName(kind))},
                                       {"direction", std::string(DirectionName(direction))},
                                       {"state", std::string(MobilityStateName(state))},
                                       {"mobilities", c.mobilities},
                                       {"trainees", c.trainees},
                                       {"teachers", c.teachers}});
  }
  exchanges["programme_quota"] = Json::array();
  for (const ProgrammeQuota& q : figures.quotas) {
    const ProgrammeInfo& p = reference.programmes.at(q.programme);
    exchanges["programme_quota"].push_back(
        {{"programme", absl::StrCat("programmes/", q.programme)},
         {"title", p.title},
         {"chinese_institution", InstitutionName(reference, p.chinese_institution)},
         {"partner_institution", InstitutionName(reference, p.partner_institution)},
         {"partner_country", p.partner_country},
         {"programme_kind", std::string(ProgrammeKindName(p.kind))},
         {"direction", std::string(DirectionName(p.direction))},
         {"status", std::string(ProgrammeStatusName(p.status))},
         {"start_date", FormatDay(p.start)},
         {"end_date", FormatDay(p.end)},
         {"quota", q.quota},
         {"approved", q.approved_count},
         {"quota_use", RateJson(RateBp(q.approved_count, q.quota))},
         {"mobilities", q.mobilities}});
  }
  doc["exchanges"] = std::move(exchanges);
  // Invalid UTF-8 (never expected: the services store UTF-8) is replaced, not thrown.
  return doc.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

std::string RenderHtml(const Figures& figures, const ReferenceData& reference,
                       const RenderOptions& options) {
  const std::string period = figures.period.Label();
  std::string html = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>Luban Workshops – report ",
      HtmlEscape(period), "</title>\n<style>", kStyle, "</style>\n</head>\n<body>\n");
  absl::StrAppend(&html,
                  "<header>\n<h1>Luban Workshops in Central Asia</h1>\n<p>Training and "
                  "exchange figures for ",
                  HtmlEscape(period), " (", HtmlEscape(FormatDay(figures.period.from)), " to ",
                  HtmlEscape(FormatDay(figures.period.to)), ")");
  if (!options.generated_at.empty()) {
    absl::StrAppend(&html, " · generated ", HtmlEscape(options.generated_at));
  }
  absl::StrAppend(&html, "</p>\n</header>\n<main>\n");

  // Key figures.
  int64_t mobilities = 0;
  for (const auto& [key, c] : figures.mobilities) mobilities += c.mobilities;
  const Counts& total = figures.total;
  absl::StrAppend(&html, "<div class=\"tiles\">\n", Tile("trainees", absl::StrCat(total.trainees)),
                  Tile("enrollments", absl::StrCat(total.enrollments)),
                  Tile("completed", absl::StrCat(total.state(EnrollmentState::kCompleted))),
                  Tile("completion rate", Percent(total.completion_rate_bp())),
                  Tile("certificates issued", absl::StrCat(total.certificates)),
                  Tile("workshops teaching", absl::StrCat([&] {
                         std::vector<int64_t> ids;
                         for (const auto& [key, c] : figures.by_workshop) ids.push_back(key.second);
                         std::sort(ids.begin(), ids.end());
                         return std::unique(ids.begin(), ids.end()) - ids.begin();
                       }())),
                  Tile("exchange mobilities", absl::StrCat(mobilities)), "</div>\n");

  // Enrollments per country, stacked by state (summed over the period's years).
  std::map<std::string, Counts> per_country;
  for (const auto& [key, c] : figures.by_country) Add(per_country[UnpackCountry(key.second)], c);
  {
    Chart chart{"Enrollments per country, by state", {}, {}, {}, 0};
    for (absl::string_view s : kStateNames) chart.series.emplace_back(s);
    chart.colors.assign(std::begin(kStateColors), std::end(kStateColors));
    std::vector<std::pair<std::string, Counts>> rows(per_country.begin(), per_country.end());
    std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
      return a.second.enrollments > b.second.enrollments;
    });
    for (const auto& [country, c] : rows) {
      chart.bars.push_back(
          {country.empty() ? "?" : country, StateValues(c), absl::StrCat(c.enrollments)});
    }
    absl::StrAppend(&html,
                    "<section>\n<h2>Enrollments per country</h2>\n<p class=\"note\">"
                    "Enrollments in runs starting in the period, by their state today."
                    "</p>\n",
                    SvgBarChart(chart), "</section>\n");
  }

  // Completion rate per workshop.
  {
    std::map<int64_t, Counts> per_workshop;
    for (const auto& [key, c] : figures.by_workshop) Add(per_workshop[key.second], c);
    std::vector<std::pair<int64_t, Counts>> rows(per_workshop.begin(), per_workshop.end());
    std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
      return a.second.completion_rate_bp().value_or(-1) >
             b.second.completion_rate_bp().value_or(-1);
    });
    Chart chart{"Completion rate per workshop", {"completion rate"}, {"#2e9e6b"}, {}, 10000};
    for (const auto& [id, c] : rows) {
      const std::optional<int64_t> bp = c.completion_rate_bp();
      chart.bars.push_back(
          {absl::StrCat(WorkshopName(reference, id), " (", WorkshopCountry(reference, id), ")"),
           {bp.value_or(0)},
           absl::StrCat(Percent(bp), " of ", c.took_part())});
    }
    absl::StrAppend(&html,
                    "<section>\n<h2>Completion rate per workshop</h2>\n<p class=\"note\">"
                    "Completed / (enrolled + completed + failed + withdrawn): of those "
                    "who took part, the share who completed.</p>\n",
                    SvgBarChart(chart), "</section>\n");
  }

  // Who takes part: per country, by age band and by sex.
  {
    std::map<std::string, std::vector<int64_t>> by_band;
    std::map<std::string, std::vector<int64_t>> by_sex;
    for (const auto& [key, c] : figures.by_sex_age) {
      const auto& [year, country, sex, band] = key;
      std::vector<int64_t>& bands = by_band[UnpackCountry(country)];
      bands.resize(kAgeBandCount);
      bands[band] += c.enrollments;
      std::vector<int64_t>& sexes = by_sex[UnpackCountry(country)];
      sexes.resize(kSexCount);
      sexes[sex] += c.enrollments;
    }
    Chart bands{"Enrollments per country by age band", {}, {}, {}, 0};
    for (int b = 0; b < kAgeBandCount; ++b) bands.series.emplace_back(AgeBandName(b));
    bands.colors.assign(std::begin(kBandColors), std::end(kBandColors));
    for (const auto& [country, values] : by_band) {
      int64_t sum = 0;
      for (int64_t v : values) sum += v;
      bands.bars.push_back({country.empty() ? "?" : country, values, absl::StrCat(sum)});
    }
    // Female and male first: "unspecified" last in the stack.
    Chart sexes{"Enrollments per country by sex", {"female", "male", "unspecified"}, {}, {}, 0};
    sexes.colors = {kSexColors[1], kSexColors[2], kSexColors[0]};
    for (const auto& [country, values] : by_sex) {
      sexes.bars.push_back(
          {country.empty() ? "?" : country,
           {values[1], values[2], values[0]},
           absl::StrCat(Percent(RateBp(values[1], values[0] + values[1] + values[2])), " female")});
    }
    absl::StrAppend(&html,
                    "<section>\n<h2>Who takes part</h2>\n<p class=\"note\">Age reached in "
                    "the year the run starts; enrollments, not people.</p>\n",
                    SvgBarChart(bands), SvgBarChart(sexes), "</section>\n");
  }

  // Exchanges.
  {
    std::map<std::pair<int, int>, std::vector<int64_t>> flows;
    for (const auto& [key, c] : figures.mobilities) {
      const auto& [kind, direction, state] = key;
      std::vector<int64_t>& values = flows[{kind, direction}];
      values.resize(kMobilityStateCount);
      if (state >= 0 && state < kMobilityStateCount) values[state] += c.mobilities;
    }
    Chart chart{"Mobilities by programme kind and direction", {}, {}, {}, 0};
    for (int s = 1; s < kMobilityStateCount; ++s) chart.series.emplace_back(MobilityStateName(s));
    chart.colors.assign(std::begin(kMobilityColors) + 1, std::end(kMobilityColors));
    for (const auto& [key, values] : flows) {
      int64_t sum = 0;
      for (int64_t v : values) sum += v;
      std::string label =
          absl::StrCat(ProgrammeKindName(key.first), ", ", DirectionName(key.second));
      std::replace(label.begin(), label.end(), '_', ' ');
      chart.bars.push_back(
          {label, std::vector<int64_t>(values.begin() + 1, values.end()), absl::StrCat(sum)});
    }
    Chart quota{"Quota use per programme", {"approved"}, {"#5b8fd6"}, {}, 10000};
    for (const ProgrammeQuota& q : figures.quotas) {
      const ProgrammeInfo& p = reference.programmes.at(q.programme);
      const std::optional<int64_t> bp = RateBp(q.approved_count, q.quota);
      quota.bars.push_back({absl::StrCat(p.title, " (", p.partner_country, ")"),
                            {std::min<int64_t>(bp.value_or(0), 10000)},
                            absl::StrCat(q.approved_count, " of ", q.quota, " places")});
    }
    absl::StrAppend(&html,
                    "<section>\n<h2>Exchanges</h2>\n<p class=\"note\">Mobilities of "
                    "programmes whose dates overlap the period, by their state today."
                    "</p>\n",
                    SvgBarChart(chart), SvgBarChart(quota), "</section>\n");
  }

  // The tables.
  {
    std::vector<std::pair<std::vector<std::string>, Counts>> years;
    for (const auto& [year, c] : figures.by_year) years.push_back({{absl::StrCat(year)}, c});
    std::vector<std::pair<std::vector<std::string>, Counts>> countries;
    for (const auto& [key, c] : figures.by_country) {
      countries.push_back({{absl::StrCat(key.first), UnpackCountry(key.second)}, c});
    }
    std::vector<std::pair<std::vector<std::string>, Counts>> workshops;
    for (const auto& [key, c] : figures.by_workshop) {
      workshops.push_back({{absl::StrCat(key.first), WorkshopCountry(reference, key.second),
                            WorkshopName(reference, key.second)},
                           c});
    }
    std::vector<std::pair<std::vector<std::string>, Counts>> courses;
    for (const auto& [key, c] : figures.by_course) {
      const CourseInfo& course = CourseOf(reference, key.second);
      courses.push_back({{absl::StrCat(key.first), course.code, course.title}, c});
    }
    absl::StrAppend(
        &html, "<section>\n<h2>Figures</h2>\n<h3>Per year</h3>\n", CountsTable({"year"}, years),
        "<h3>Per country</h3>\n", CountsTable({"year", "country"}, countries),
        "<h3>Per workshop</h3>\n", CountsTable({"year", "country", "workshop"}, workshops),
        "<h3>Per course</h3>\n", CountsTable({"year", "code", "course"}, courses), "</section>\n");
  }
  absl::StrAppend(
      &html, "</main>\n<footer>\n<ul>\n",
      "<li>An enrollment counts in the period when its course run starts in it; its year is the "
      "run's start year.</li>\n",
      "<li>Trainees are distinct people with a counted enrollment; one person may count in "
      "several countries, workshops or age bands.</li>\n",
      "<li>Completion rate = completed / (enrolled + completed + failed + withdrawn).</li>\n",
      "<li>Certificates: completed enrollments that issued one (revocations not deducted).</li>\n",
      "<li>A mobility counts when its programme's dates overlap the period; quota use = approved "
      "(approved, departed, returned) / quota.</li>\n",
      "</ul>\n</footer>\n</body>\n</html>\n");
  return html;
}

}  // namespace luban::report
