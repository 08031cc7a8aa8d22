// `luban-bench seed`: loads benchmark data of realistic size through the services' public APIs
// (a network admin's token): the five countries' workshops, a catalogue, open course runs,
// `trainees` trainees (ImportTrainees) and `enrollments_per_trainee` enrollments each (Enroll,
// many at once). Every call has a fixed request_id, so seeding again changes nothing. The
// enrollment service's trainees must be the seed's only ones (ids in one block).
#ifndef LUBAN_TOOLS_BENCH_SEED_H_
#define LUBAN_TOOLS_BENCH_SEED_H_

#include "absl/status/statusor.h"
#include "tools/bench/bench_data.h"
#include "tools/cli/client_config.h"

namespace luban::bench {

struct SeedOptions {
  int64_t trainees = 100000;
  int enrollments_per_trainee = 3;
  int read_runs = 600;   // the enrollments spread over these
  int write_runs = 20;   // kept empty for the write scenario
  int concurrency = 16;  // Enroll calls at once
};

absl::StatusOr<BenchData> Seed(cli::Connections& connections, const SeedOptions& options);

}  // namespace luban::bench

#endif  // LUBAN_TOOLS_BENCH_SEED_H_
