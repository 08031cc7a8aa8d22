// The benchmark's scenarios over the seeded data (bench_data.h), each a StartCall for the
// closed loop (closed_loop.h), against the enrollment service or the ceiling server (the same
// requests, byte for byte), or against the exchange service (nominate):
//   point    GetTrainee of a random seeded trainee
//   page     ListEnrollments of a random seeded run, 50 a page
//   write    Enroll of a fresh (trainee, run) pair into the write runs (the enrollment service
//            checks the run with the course service and commits one transaction)
//   create   CreateTrainee of a new trainee (a unique document each time)
//   nominate Nominate of a fresh (trainee, programme) pair into the open programmes (the exchange
//            service checks the trainee with the enrollment service and the trainee's workshop
//            with the course service, and commits one transaction)
//   mixed    an admin's mix: 70% point, 20% page, 10% write
#ifndef LUBAN_TOOLS_BENCH_SCENARIOS_H_
#define LUBAN_TOOLS_BENCH_SCENARIOS_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "tools/bench/bench_data.h"
#include "tools/bench/closed_loop.h"

namespace luban::bench {

// `write_cursor` numbers the write pairs; it must outlive the load and start past the pairs
// used before (BenchData::write_cursor). `exchange` may be null (a ceiling run: the ceilings serve
// the enrollment service only) for every scenario but nominate. INVALID_ARGUMENT for an unknown
// scenario name, or nominate without `exchange`; FAILED_PRECONDITION for nominate without
// programmes.
absl::StatusOr<StartCall> MakeScenario(absl::string_view name,
                                       std::shared_ptr<grpc::Channel> enrollment,
                                       std::shared_ptr<grpc::Channel> exchange, std::string token,
                                       const BenchData& data, std::atomic<int64_t>* write_cursor);

struct ExportResult {
  int64_t rows = 0;
  double seconds = 0;
  double rows_per_second = 0;
  std::string error;  // empty when the stream ended OK
};

// Streams every enrollment (ExportEnrollments) and counts the rows, holding one batch at a time.
ExportResult RunExport(const std::shared_ptr<grpc::Channel>& enrollment, const std::string& token);

}  // namespace luban::bench

#endif  // LUBAN_TOOLS_BENCH_SCENARIOS_H_
