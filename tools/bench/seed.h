// `luban-bench seed`: loads benchmark data of realistic size through the services' public APIs
// (a network admin's token): the five countries' workshops, a catalogue, open course runs, open
// exchange programmes, `trainees` trainees (ImportTrainees) and `enrollments_per_trainee`
// enrollments each (Enroll, many at once). Every call has a fixed request_id, so seeding again
// changes nothing. The enrollment service's trainees must be the seed's only ones (ids in one
// block).
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
  int write_runs = 20;   // kept empty for the write scenario; as many programmes for nominate
  int concurrency = 16;  // Enroll calls at once
};

absl::StatusOr<BenchData> Seed(cli::Connections& connections, const SeedOptions& options);

// `luban-bench write-runs`: opens `count` new runs of 10,000 seats for the write scenario in place
// of data->write_runs, and `count` new open programmes for the nominate scenario in place of
// data->programmes. Every benchmark writes into empty runs, so its figures do not depend on
// how full earlier benchmarks left the old ones (past capacity each Enroll joins a waitlist and
// counts its place in it: a cost that grows with the waitlist, not what the write measures); and
// nominates into programmes none of its (trainee, programme) pairs was nominated to before (the
// write cursor goes on from benchmark to benchmark, and its pairs repeat after trainees x count).
absl::Status OpenWriteRuns(cli::Connections& connections, int count, BenchData* data);

}  // namespace luban::bench

#endif  // LUBAN_TOOLS_BENCH_SEED_H_
