// What `luban-bench seed` loaded, for the scenarios to address: the trainees' id range, the runs
// holding the seeded enrollments (page reads), the runs kept for the write scenario and the
// programmes for the nominate scenario. Stored as `key = value` lines next to the data.
#ifndef LUBAN_TOOLS_BENCH_BENCH_DATA_H_
#define LUBAN_TOOLS_BENCH_BENCH_DATA_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace luban::bench {

struct BenchData {
  int64_t trainee_first = 0;  // trainees/<first>..trainees/<last>, all active
  int64_t trainee_last = 0;
  int64_t enrollments = 0;              // seeded enrollments, spread over read_runs
  std::vector<std::string> read_runs;   // "courseRuns/<id>", open, holding the enrollments
  std::vector<std::string> write_runs;  // "courseRuns/<id>", open, for Enroll under load
  std::vector<std::string> workshops;   // "workshops/<id>": homes of the created trainees
  // "programmes/<id>", open, taking nominations of every seeded trainee, for Nominate under load;
  // none in data seeded before the scenario, until `luban-bench write-runs` opens them
  std::vector<std::string> programmes;
  int64_t write_cursor = 0;  // write pairs used so far (the write scenarios go on from here)

  int64_t trainees() const { return trainee_last - trainee_first + 1; }
};

absl::Status SaveBenchData(const BenchData& data, const std::string& path);
absl::StatusOr<BenchData> LoadBenchData(const std::string& path);

}  // namespace luban::bench

#endif  // LUBAN_TOOLS_BENCH_BENCH_DATA_H_
