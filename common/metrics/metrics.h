// The process's metrics, exposed for Prometheus at /metrics (--metrics_listen), behind an
// interface of our own: the code that counts sees only luban::metrics types.
//
//   // once, where the metric is known (construction, not per call):
//   metrics::Counter replays = metrics::Global().GetCounter(
//       "luban_idempotent_replays_total", "...", {{"method", method}});
//   // then, on the hot path: an atomic add, no lookup and no lock of ours.
//   replays.Increment();
//
// Values computed when scraped (pool occupancy, feed lag) register a callback instead:
//
//   metrics::Global().AddCallbackGauge("luban_db_pool_in_use", "...", {}, [&] { ... });
//
// Every metric lives as long as the process (the registry never forgets one); handles are cheap
// values, safe to copy and to use from any thread. A default-constructed handle does nothing.
#ifndef LUBAN_COMMON_METRICS_METRICS_H_
#define LUBAN_COMMON_METRICS_METRICS_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace prometheus {
class Counter;
class Histogram;
class Registry;
class Exposer;
}  // namespace prometheus

namespace luban::metrics {

using Labels = std::map<std::string, std::string>;

class Counter {
 public:
  Counter() = default;
  void Increment(double by = 1.0) const;

 private:
  friend class Registry;
  explicit Counter(prometheus::Counter* impl) : impl_(impl) {}
  prometheus::Counter* impl_ = nullptr;
};

class Histogram {
 public:
  Histogram() = default;
  void Observe(double value) const;

 private:
  friend class Registry;
  explicit Histogram(prometheus::Histogram* impl) : impl_(impl) {}
  prometheus::Histogram* impl_ = nullptr;
};

// Latency buckets in seconds, 1 ms to 10 s.
const std::vector<double>& LatencyBuckets();

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // The metric `name` with `labels`, created on first use (help and buckets then fixed). Takes a
  // lock: resolve handles once, outside hot paths.
  Counter GetCounter(absl::string_view name, absl::string_view help, const Labels& labels);
  Histogram GetHistogram(absl::string_view name, absl::string_view help, const Labels& labels,
                         const std::vector<double>& buckets);

  // A gauge (or, with `counter`, a counter) whose value `read` gives when scraped. `read` runs on
  // the HTTP server's thread and must stay valid until RemoveCallbacks(owner) (owner: any
  // pointer identifying the registrant, e.g. `this`).
  void AddCallbackGauge(absl::string_view name, absl::string_view help, const Labels& labels,
                        std::function<double()> read, const void* owner, bool counter = false);
  void RemoveCallbacks(const void* owner);

  // Serves every metric at http://<address>/metrics ("host:port"; port 0 picks one). Returns the
  // port it listens on; UNAVAILABLE when it cannot listen. At most once per registry.
  absl::StatusOr<int> Serve(const std::string& address);

 private:
  class Callbacks;
  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<Callbacks> callbacks_;
  mutable absl::Mutex mu_;
  std::unique_ptr<prometheus::Exposer> exposer_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, void*> families_ ABSL_GUARDED_BY(mu_);
};

// The process's registry: what --metrics_listen serves.
Registry& Global();

}  // namespace luban::metrics

#endif  // LUBAN_COMMON_METRICS_METRICS_H_
