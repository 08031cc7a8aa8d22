#include "tools/bench/bench_data.h"

#include <cstdio>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace luban::bench {

absl::Status SaveBenchData(const BenchData& data, const std::string& path) {
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << "# luban-bench data (written by luban-bench seed)\n"
        << "trainee_first = " << data.trainee_first << "\n"
        << "trainee_last = " << data.trainee_last << "\n"
        << "enrollments = " << data.enrollments << "\n"
        << "write_cursor = " << data.write_cursor << "\n"
        << "read_runs = " << absl::StrJoin(data.read_runs, ",") << "\n"
        << "write_runs = " << absl::StrJoin(data.write_runs, ",") << "\n"
        << "workshops = " << absl::StrJoin(data.workshops, ",") << "\n"
        << "programmes = " << absl::StrJoin(data.programmes, ",") << "\n";
    if (!out.good()) return absl::FailedPreconditionError(absl::StrCat("cannot write ", temp));
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    return absl::FailedPreconditionError(absl::StrCat("cannot rename ", temp, " to ", path));
  }
  return absl::OkStatus();
}

absl::StatusOr<BenchData> LoadBenchData(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read ", path, ": run `luban-bench seed` first"));
  }
  BenchData data;
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view text = absl::StripAsciiWhitespace(line);
    if (text.empty() || text.front() == '#') continue;
    std::pair<std::string, std::string> kv = absl::StrSplit(text, absl::MaxSplits('=', 1));
    const std::string key(absl::StripAsciiWhitespace(kv.first));
    const std::string value(absl::StripAsciiWhitespace(kv.second));
    bool ok = true;
    if (key == "trainee_first") {
      ok = absl::SimpleAtoi(value, &data.trainee_first);
    } else if (key == "trainee_last") {
      ok = absl::SimpleAtoi(value, &data.trainee_last);
    } else if (key == "enrollments") {
      ok = absl::SimpleAtoi(value, &data.enrollments);
    } else if (key == "write_cursor") {
      ok = absl::SimpleAtoi(value, &data.write_cursor);
    } else if (key == "read_runs") {
      data.read_runs = absl::StrSplit(value, ',', absl::SkipEmpty());
    } else if (key == "write_runs") {
      data.write_runs = absl::StrSplit(value, ',', absl::SkipEmpty());
    } else if (key == "workshops") {
      data.workshops = absl::StrSplit(value, ',', absl::SkipEmpty());
    } else if (key == "programmes") {
      data.programmes = absl::StrSplit(value, ',', absl::SkipEmpty());
    }
    if (!ok) return absl::InvalidArgumentError(absl::StrCat(path, ": bad value of ", key));
  }
  if (data.trainee_last < data.trainee_first || data.trainee_first <= 0 || data.read_runs.empty() ||
      data.write_runs.empty() || data.workshops.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": incomplete; seed again"));
  }
  return data;
}

}  // namespace luban::bench
