// The figures table of docs/performance.md, from the JSON lines the benchmark run collected
// (luban-bench run/export and scripts/bench append them):
//   {"kind":"load","target":"suite|suite-tls|plain|plain-tls|ceiling|database",
//    "scenario":"point","concurrency":8,"round":1,
//    "calls_per_second":..,"p50_us":..,"p90_us":..,"p99_us":..,"p999_us":..,"errors":{..}}
//   {"kind":"export","rows":..,"rows_per_second":..,"consumer_peak_rss_kb":..,
//    "service_peak_rss_kb":..,"round":1}
//   {"kind":"export_ceiling","rows":..,"rows_per_second":..,"round":1}   (the mariadb client)
//   {"kind":"sysbench","test":"oltp_insert","threads":4,"tps":..,"qps":..,"round":1}
//   {"kind":"service","service":"course","idle_rss_kb":..,"ready_ms":..}
//   {"kind":"machine","text":".."}
// Figures are medians over the rounds. The generated part of the document lies between the
// markers `<!-- luban-bench:begin -->` and `<!-- luban-bench:end -->`; what is outside them (the
// account of what was changed and what it bought) is kept.
#ifndef LUBAN_TOOLS_BENCH_REPORT_H_
#define LUBAN_TOOLS_BENCH_REPORT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace luban::bench {

// The generated markdown (without the markers) for the results in `jsonl`.
absl::StatusOr<std::string> RenderReport(absl::string_view jsonl);

// Replaces the generated part of the document at `path` (creating it if absent).
absl::Status WriteReport(const std::string& results_path, const std::string& doc_path);

}  // namespace luban::bench

#endif  // LUBAN_TOOLS_BENCH_REPORT_H_
