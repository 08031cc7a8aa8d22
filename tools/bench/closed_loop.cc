#include "tools/bench/closed_loop.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/api/status.h"
#include "common/domain/backoff.h"

namespace luban::bench {
namespace {

// One slot's calls run one after the other, so its record needs no lock while the load runs.
struct Slot {
  std::vector<uint32_t> latencies_us;
  std::map<std::string, int64_t> errors;
  int64_t calls = 0;
  int64_t ok = 0;
  uint64_t next = 0;
};

class Loop {
 public:
  Loop(const LoadOptions& options, StartCall start)
      : options_(options), start_(std::move(start)), slots_(options.concurrency) {}

  LoadResult Run() {
    begin_ = absl::Now();
    window_start_ = begin_ + options_.warmup;
    window_end_ = window_start_ + options_.window;
    running_.store(options_.concurrency);
    for (int slot = 0; slot < options_.concurrency; ++slot) Next(slot);
    drained_.WaitForNotification();

    LoadResult result;
    result.concurrency = options_.concurrency;
    result.seconds = absl::ToDoubleSeconds(options_.window);
    std::vector<uint32_t> all;
    for (Slot& slot : slots_) {
      result.calls += slot.calls;
      result.ok += slot.ok;
      for (const auto& [code, count] : slot.errors) result.errors[code] += count;
      all.insert(all.end(), slot.latencies_us.begin(), slot.latencies_us.end());
    }
    std::sort(all.begin(), all.end());
    result.calls_per_second = static_cast<double>(result.ok) / result.seconds;
    result.p50_us = Quantile(all, 0.50);
    result.p90_us = Quantile(all, 0.90);
    result.p99_us = Quantile(all, 0.99);
    result.p999_us = Quantile(all, 0.999);
    result.max_us = all.empty() ? 0 : all.back();
    return result;
  }

 private:
  void Next(int slot) {
    const absl::Time started = absl::Now();
    if (started >= window_end_) {
      if (running_.fetch_sub(1) == 1) drained_.Notify();
      return;
    }
    start_(slot, slots_[slot].next++, [this, slot, started](const grpc::Status& status) {
      Record(slot, started, status);
      Next(slot);
    });
  }

  void Record(int slot, absl::Time started, const grpc::Status& status) {
    const absl::Time ended = absl::Now();
    if (ended < window_start_ || ended > window_end_) return;
    Slot& s = slots_[slot];
    ++s.calls;
    if (status.ok()) {
      ++s.ok;
      s.latencies_us.push_back(static_cast<uint32_t>(
          std::min<int64_t>(absl::ToInt64Microseconds(ended - started), UINT32_MAX)));
    } else {
      ++s.errors[std::string(StatusCodeName(status.error_code()))];
    }
  }

  const LoadOptions options_;
  StartCall start_;
  std::vector<Slot> slots_;
  absl::Time begin_, window_start_, window_end_;
  std::atomic<int> running_{0};
  absl::Notification drained_;
};

}  // namespace

double Quantile(const std::vector<uint32_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  const double rank = q * static_cast<double>(sorted.size() - 1);
  return sorted[static_cast<size_t>(std::llround(rank))];
}

LoadResult RunClosedLoop(const LoadOptions& options, StartCall start) {
  Loop loop(options, std::move(start));
  return loop.Run();
}

int64_t AllCallsResult::retries() const {
  int64_t sum = 0;
  for (const auto& [code, count] : retried) sum += count;
  return sum;
}

std::string AllCallsResult::Summary(const std::map<std::string, int64_t>& counts) {
  std::string out;
  for (const auto& [code, count] : counts) {
    absl::StrAppend(&out, out.empty() ? "" : " ", code, "=", count);
  }
  return out;
}

AllCallsResult RunAllCalls(int64_t total, int concurrency, int attempts,
                           std::function<bool(const grpc::Status&)> retryable,
                           absl::AnyInvocable<void(int64_t n, CallDone done)> start) {
  struct State {
    absl::AnyInvocable<void(int64_t, CallDone)> start;
    std::function<bool(const grpc::Status&)> retryable;
    int64_t total;
    int attempts;
    std::atomic<int64_t> next{0};
    std::atomic<int> running{0};
    absl::Mutex mu;
    AllCallsResult result ABSL_GUARDED_BY(mu);
    absl::Notification drained;

    void Next() {
      const int64_t n = next.fetch_add(1);
      if (n >= total) {
        if (running.fetch_sub(1) == 1) drained.Notify();
        return;
      }
      Attempt(n, 1);
    }

    void Attempt(int64_t n, int attempt) {
      start(n, [this, n, attempt](const grpc::Status& status) {
        if (status.ok()) {
          Next();
          return;
        }
        const std::string code(StatusCodeName(status.error_code()));
        if (attempt < attempts && retryable(status)) {
          {
            absl::MutexLock lock(&mu);
            ++result.retried[code];
          }
          absl::SleepFor(Jittered(absl::Milliseconds(10 << std::min(attempt, 6))));
          Attempt(n, attempt + 1);
          return;
        }
        {
          absl::MutexLock lock(&mu);
          if (result.failed.empty()) {
            result.first_failure = absl::StrCat(code, ": ", status.error_message());
          }
          ++result.failed[code];
        }
        Next();
      });
    }
  };
  if (total <= 0) return {};
  State state;
  state.start = std::move(start);
  state.retryable = std::move(retryable);
  state.total = total;
  state.attempts = std::max(1, attempts);
  state.running.store(concurrency);
  for (int i = 0; i < concurrency; ++i) state.Next();
  state.drained.WaitForNotification();
  absl::MutexLock lock(&state.mu);
  return state.result;
}

}  // namespace luban::bench
