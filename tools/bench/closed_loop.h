// A closed-loop load: a fixed number of calls outstanding, each slot starting its next call as
// soon as its last one ends, on gRPC's asynchronous (callback) client API. A warm-up whose calls
// are not counted, then a measured window; calls ending in the window count toward the rate and
// the latencies, and every status that is not OK is counted by its code.
//
//   LoadResult result = RunClosedLoop(
//       {.concurrency = 8, .warmup = absl::Seconds(2), .window = absl::Seconds(10)},
//       [&](int slot, uint64_t n, CallDone done) { scenario.Start(slot, n, std::move(done)); });
#ifndef LUBAN_TOOLS_BENCH_CLOSED_LOOP_H_
#define LUBAN_TOOLS_BENCH_CLOSED_LOOP_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/time/time.h"
#include "grpcpp/support/status.h"

namespace luban::bench {

// Called exactly once per started call, with its final status, from any thread.
using CallDone = absl::AnyInvocable<void(const grpc::Status&) &&>;
// Starts call number `n` (0, 1, 2... per slot) of `slot`; must end by calling `done`.
using StartCall = absl::AnyInvocable<void(int slot, uint64_t n, CallDone done)>;

// gRPC's callback API takes a copyable std::function; this holds the move-only `done` behind a
// shared pointer so it can be handed over.
inline std::function<void(grpc::Status)> Copyable(
    absl::AnyInvocable<void(const grpc::Status&)> done) {
  auto shared = std::make_shared<absl::AnyInvocable<void(const grpc::Status&)>>(std::move(done));
  return [shared](grpc::Status status) { (*shared)(status); };
}

struct LoadOptions {
  int concurrency = 1;
  absl::Duration warmup = absl::Seconds(2);
  absl::Duration window = absl::Seconds(10);
};

struct LoadResult {
  int concurrency = 0;
  double seconds = 0;  // the measured window as it was
  int64_t calls = 0;   // calls that ended in the window (any status)
  int64_t ok = 0;
  std::map<std::string, int64_t> errors;  // status code name -> count, in the window
  double calls_per_second = 0;            // OK calls per second of the window
  // Latency of the calls that ended OK in the window, in microseconds.
  double p50_us = 0, p90_us = 0, p99_us = 0, p999_us = 0, max_us = 0;
};

LoadResult RunClosedLoop(const LoadOptions& options, StartCall start);

// What RunAllCalls saw.
struct AllCallsResult {
  std::map<std::string, int64_t> failed;   // calls that failed in the end, by status code name
  std::string first_failure;               // "CODE: message" of the first of them
  std::map<std::string, int64_t> retried;  // attempts started again, by the code they ended with
  int64_t retries() const;
  // "ABORTED=2 UNAVAILABLE=1" of `counts`.
  static std::string Summary(const std::map<std::string, int64_t>& counts);
};

// Runs calls 0..total-1 (each number once, in any order), `concurrency` at a time, to the end
// (for seeding). A call that ends with a status `retryable` accepts is started again, with the
// same number and so the same request (its request_id with it: the service answers a retry of a
// committed request from its ledger), after a short jittered pause on the thread that saw it
// end, up to `attempts` times in all.
AllCallsResult RunAllCalls(int64_t total, int concurrency, int attempts,
                           std::function<bool(const grpc::Status&)> retryable,
                           absl::AnyInvocable<void(int64_t n, CallDone done)> start);

// The value at quantile q (0..1) of `sorted` (ascending); 0 when empty.
double Quantile(const std::vector<uint32_t>& sorted, double q);

}  // namespace luban::bench

#endif  // LUBAN_TOOLS_BENCH_CLOSED_LOOP_H_
