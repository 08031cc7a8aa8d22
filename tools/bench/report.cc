#include "tools/bench/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"

namespace luban::bench {
namespace {

using Json = nlohmann::json;

constexpr char kBegin[] = "<!-- luban-bench:begin -->";
constexpr char kEnd[] = "<!-- luban-bench:end -->";

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

std::string Num(double v) {
  if (v >= 100) return absl::StrFormat("%.0f", v);
  if (v >= 10) return absl::StrFormat("%.1f", v);
  return absl::StrFormat("%.2f", v);
}

std::string Ms(double us) { return absl::StrFormat("%.2f", us / 1000.0); }

std::string Verdict(bool met) { return met ? "met" : "**not met**"; }

struct Load {
  std::vector<double> rate, p50, p90, p99, p999;
  std::map<std::string, int64_t> errors;
};

}  // namespace

absl::StatusOr<std::string> RenderReport(absl::string_view jsonl) {
  // (target, scenario, concurrency) -> runs
  std::map<std::tuple<std::string, std::string, int>, Load> loads;
  std::vector<double> export_rate, export_consumer_rss, export_service_rss, cli_rate;
  std::map<std::pair<std::string, int>, std::vector<double>> sysbench;  // (test, threads) -> tps
  std::map<std::string, std::pair<double, double>> services;            // name -> (rss kb, ms)
  std::string machine;
  int64_t export_rows = 0;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(jsonl, '\n', absl::SkipWhitespace())) {
    ++line_number;
    Json j = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
      return absl::InvalidArgumentError(absl::StrCat("results line ", line_number, ": not JSON"));
    }
    const std::string kind = j.value("kind", "");
    if (kind == "load") {
      Load& l = loads[{j.value("target", ""), j.value("scenario", ""), j.value("concurrency", 0)}];
      l.rate.push_back(j.value("calls_per_second", 0.0));
      l.p50.push_back(j.value("p50_us", 0.0));
      l.p90.push_back(j.value("p90_us", 0.0));
      l.p99.push_back(j.value("p99_us", 0.0));
      l.p999.push_back(j.value("p999_us", 0.0));
      if (j.contains("errors") && j["errors"].is_object()) {
        for (auto& [code, count] : j["errors"].items()) l.errors[code] += count.get<int64_t>();
      }
    } else if (kind == "export") {
      export_rows = j.value("rows", int64_t{0});
      export_rate.push_back(j.value("rows_per_second", 0.0));
      export_consumer_rss.push_back(j.value("consumer_peak_rss_kb", 0.0));
      export_service_rss.push_back(j.value("service_peak_rss_kb", 0.0));
    } else if (kind == "export_ceiling") {
      cli_rate.push_back(j.value("rows_per_second", 0.0));
    } else if (kind == "sysbench") {
      sysbench[{j.value("test", ""), j.value("threads", 0)}].push_back(j.value("tps", 0.0));
    } else if (kind == "service") {
      services[j.value("service", "")] = {j.value("idle_rss_kb", 0.0), j.value("ready_ms", 0.0)};
    } else if (kind == "machine") {
      machine = j.value("text", "");
    }
  }

  auto rate = [&](const std::string& target, const std::string& scenario, int c) {
    auto it = loads.find({target, scenario, c});
    return it == loads.end() ? 0.0 : Median(it->second.rate);
  };
  std::ostringstream out;
  out << "## Figures\n\n";
  if (!machine.empty()) out << "Machine: " << machine << "\n\n";
  out << "Medians of the rounds; calls/s count OK calls only; latencies in ms. Three ceilings: "
         "*plain* is gRPC alone (luban-bench serve-plain: the callback API answering from memory, "
         "no project code), *call path* is luban-bench's do-nothing service (the services' call "
         "path and threading, no database), *database* is the plain server doing the suite's "
         "database work (luban-bench serve-database: a hop to a pool thread and the same "
         "statements on Connector/C++, no project code; point reads, pages and Enroll at 4). "
         "Rows marked TLS ran the enrollment service and the plain ceiling over TLS.\n\n";
  out << "| scenario | concurrency | suite calls/s | plain calls/s | ratio | call path calls/s "
         "| ratio | database calls/s | ratio | p50 | p90 | p99 | p99.9 | errors |\n"
         "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n";
  auto ratio_cells = [](double suite, double ceiling) {
    return ceiling > 0 ? absl::StrCat(Num(ceiling), " | ", Num(suite / ceiling))
                       : std::string("- | -");
  };
  for (const auto& [key, l] : loads) {
    const auto& [target, scenario, c] = key;
    if (target != "suite" && target != "suite-tls") continue;
    const bool tls = target == "suite-tls";
    const double suite = Median(l.rate);
    std::string errors;
    for (const auto& [code, count] : l.errors) absl::StrAppend(&errors, code, "=", count, " ");
    out << "| " << scenario << (tls ? " (TLS)" : "") << " | " << c << " | " << Num(suite) << " | "
        << ratio_cells(suite, rate(tls ? "plain-tls" : "plain", scenario, c)) << " | "
        << ratio_cells(suite, tls ? 0.0 : rate("ceiling", scenario, c)) << " | "
        << ratio_cells(suite, tls ? 0.0 : rate("database", scenario, c)) << " | "
        << Ms(Median(l.p50)) << " | " << Ms(Median(l.p90)) << " | " << Ms(Median(l.p99)) << " | "
        << Ms(Median(l.p999)) << " | " << (errors.empty() ? "none" : errors) << "|\n";
  }
  if (!sysbench.empty()) {
    out << "\n| sysbench (database ceiling) | threads | transactions/s |\n|---|---:|---:|\n";
    for (const auto& [key, tps] : sysbench) {
      out << "| " << key.first << " | " << key.second << " | " << Num(Median(tps)) << " |\n";
    }
  }
  if (!export_rate.empty()) {
    out << "\nExport of all enrollments (" << export_rows << " rows): the service "
        << Num(Median(export_rate)) << " rows/s, the `mariadb` client selecting the same rows "
        << (cli_rate.empty() ? "-" : Num(Median(cli_rate))) << " rows/s; peak RSS: consumer "
        << Num(Median(export_consumer_rss) / 1024) << " MB, enrollment service "
        << Num(Median(export_service_rss) / 1024) << " MB.\n";
  }
  if (!services.empty()) {
    out << "\n| service | idle RSS (MB) | ready after the database (ms) |\n|---|---:|---:|\n";
    for (const auto& [name, v] : services) {
      out << "| " << name << " | " << Num(v.first / 1024) << " | " << Num(v.second) << " |\n";
    }
  }

  // The targets: issue 21's (the cost of one call), and the earlier ones that still hold.
  out << "\n## Targets\n\n| target | measured | verdict |\n|---|---|---|\n";
  const double point8 = rate("suite", "point", 8);
  double plain_ratio = 0;
  if (const double plain = rate("plain", "point", 8); plain > 0) {
    plain_ratio = point8 / plain;
    out << "| point read (GetTrainee) at 8 >= 0.4 x plain gRPC | " << Num(plain_ratio) << " x | "
        << Verdict(plain_ratio >= 0.4) << " |\n";
  }
  if (const double page8 = rate("suite", "page", 8); page8 > 0 && point8 > 0) {
    out << "| page of 50 at 8 >= 0.5 x point read at 8 | " << Num(page8 / point8) << " x | "
        << Verdict(page8 / point8 >= 0.5) << " |\n";
  }
  auto insert4 = sysbench.find({"oltp_insert", 4});
  for (const auto& [scenario, name] : {std::pair<std::string, std::string>{"write", "Enroll"},
                                       {"create", "CreateTrainee"},
                                       {"nominate", "Nominate"}}) {
    const double at4 = rate("suite", scenario, 4);
    if (insert4 != sysbench.end() && Median(insert4->second) > 0 && at4 > 0) {
      const double r = at4 / Median(insert4->second);
      out << "| write (" << name << ") at 4 >= 0.4 x sysbench oltp_insert at 4 | " << Num(r)
          << " x | " << Verdict(r >= 0.4) << " |\n";
    }
    auto at64 = loads.find({"suite", scenario, 64});
    if (at64 != loads.end() && at4 > 0) {
      const double r = Median(at64->second.rate) / at4;
      const bool clean = at64->second.errors.empty();
      out << "| write (" << name << ") at 64: no errors, calls/s >= at 4 | " << Num(r) << " x"
          << (clean ? ", no errors" : ", errors") << " | " << Verdict(clean && r >= 1.0) << " |\n";
    }
  }
  if (const double tls = rate("suite-tls", "point", 8), plain_tls = rate("plain-tls", "point", 8);
      tls > 0 && plain_tls > 0 && plain_ratio > 0) {
    const double r = tls / plain_tls;
    out << "| point read over TLS: ratio to plain gRPC over TLS within 10 % of plaintext's | "
        << Num(r) << " x against " << Num(plain_ratio) << " x | "
        << Verdict(std::abs(r - plain_ratio) <= 0.1 * plain_ratio) << " |\n";
  }
  for (const char* scenario : {"point", "page", "mixed"}) {
    auto at64 = loads.find({"suite", scenario, 64});
    auto at8 = loads.find({"suite", scenario, 8});
    if (at64 == loads.end() || at8 == loads.end()) continue;
    const double r = Median(at64->second.rate) / std::max(1e-9, Median(at8->second.rate));
    const bool clean = at64->second.errors.empty();
    out << "| " << scenario << " at 64: no errors, calls/s >= at 8 | " << Num(r) << " x"
        << (clean ? ", no errors" : ", errors") << " | " << Verdict(clean && r >= 1.0) << " |\n";
  }
  if (!export_rate.empty() && !cli_rate.empty()) {
    const double r = Median(export_rate) / std::max(1e-9, Median(cli_rate));
    out << "| export >= 0.8 x mariadb client rows/s | " << Num(r) << " x | " << Verdict(r >= 0.8)
        << " |\n";
    const double consumer = Median(export_consumer_rss) / 1024,
                 service = Median(export_service_rss) / 1024;
    out << "| export peak RSS < 64 MB (service, consumer) | " << Num(service) << " MB, "
        << Num(consumer) << " MB | " << Verdict(service < 64 && consumer < 64) << " |\n";
  }
  for (const auto& [name, v] : services) {
    out << "| " << name << " idle < 30 MB, ready < 1 s | " << Num(v.first / 1024) << " MB, "
        << Num(v.second) << " ms | " << Verdict(v.first < 30 * 1024 && v.second < 1000) << " |\n";
  }
  // What the read ratios are made of: the database round trip (the database ceiling against the
  // plain one) and the project's own code (the suite against the database ceiling).
  for (const auto& [scenario, name] :
       {std::pair<std::string, std::string>{"point", "point read"}, {"page", "page of 50"}}) {
    const double database = rate("database", scenario, 8), plain = rate("plain", scenario, 8),
                 suite = rate("suite", scenario, 8);
    if (database <= 0 || plain <= 0 || suite <= 0) continue;
    out << "\nThe " << name << " at 8 against the database ceiling: the ceiling reaches "
        << Num(database / plain) << " x plain gRPC, the suite " << Num(suite / database)
        << " x the ceiling.\n";
  }
  // And the write's: its statements against sysbench's single-row insert, the project's own code
  // against those statements.
  if (const double database = rate("database", "write", 4), suite = rate("suite", "write", 4);
      database > 0 && suite > 0 && insert4 != sysbench.end() && Median(insert4->second) > 0) {
    out << "\nEnroll at 4 against the database ceiling: the ceiling reaches "
        << Num(database / Median(insert4->second)) << " x sysbench oltp_insert at 4, the suite "
        << Num(suite / database) << " x the ceiling.\n";
  }
  return out.str();
}

absl::Status WriteReport(const std::string& results_path, const std::string& doc_path) {
  std::ifstream results(results_path);
  if (!results) return absl::FailedPreconditionError(absl::StrCat("cannot read ", results_path));
  std::stringstream jsonl;
  jsonl << results.rdbuf();
  absl::StatusOr<std::string> generated = RenderReport(jsonl.str());
  if (!generated.ok()) return generated.status();

  std::string before = "# Performance\n\n", after = "\n";
  {
    std::ifstream doc(doc_path);
    if (doc) {
      std::stringstream text;
      text << doc.rdbuf();
      const std::string s = text.str();
      const size_t b = s.find(kBegin), e = s.find(kEnd);
      if (b != std::string::npos && e != std::string::npos && b < e) {
        before = s.substr(0, b);
        after = s.substr(e + sizeof(kEnd) - 1);
      } else {
        before = s + "\n";
      }
    }
  }
  const std::string temp = doc_path + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << before << kBegin << "\n" << *generated << kEnd << after;
    if (!out.good()) return absl::FailedPreconditionError(absl::StrCat("cannot write ", temp));
  }
  if (std::rename(temp.c_str(), doc_path.c_str()) != 0) {
    return absl::FailedPreconditionError(absl::StrCat("cannot write ", doc_path));
  }
  return absl::OkStatus();
}

}  // namespace luban::bench
