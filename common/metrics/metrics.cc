#include "common/metrics/metrics.h"

#include <algorithm>
#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"
#include "prometheus/collectable.h"
#include "prometheus/counter.h"
#include "prometheus/exposer.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace luban::metrics {

void Counter::Increment(double by) const {
  if (impl_ != nullptr) impl_->Increment(by);
}

void Histogram::Observe(double value) const {
  if (impl_ != nullptr) impl_->Observe(value);
}

const std::vector<double>& LatencyBuckets() {
  static const std::vector<double> buckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                              0.25,  0.5,    1,     2.5,  5,     10};
  return buckets;
}

// The values computed at scrape time, as one more collectable of the exposer.
class Registry::Callbacks final : public prometheus::Collectable {
 public:
  struct Entry {
    std::string name;
    std::string help;
    Labels labels;
    std::function<double()> read;
    const void* owner;
    bool counter;
  };

  void Add(Entry entry) {
    absl::MutexLock lock(&mu_);
    entries_.push_back(std::move(entry));
  }

  void Remove(const void* owner) {
    absl::MutexLock lock(&mu_);
    std::erase_if(entries_, [owner](const Entry& e) { return e.owner == owner; });
  }

  std::vector<prometheus::MetricFamily> Collect() const override {
    absl::MutexLock lock(&mu_);
    std::vector<prometheus::MetricFamily> families;
    for (const Entry& entry : entries_) {
      prometheus::ClientMetric metric;
      for (const auto& [name, value] : entry.labels) metric.label.push_back({name, value});
      const double value = entry.read();
      if (entry.counter) {
        metric.counter.value = value;
      } else {
        metric.gauge.value = value;
      }
      // Entries of one name share a family (one HELP/TYPE header).
      auto it = std::find_if(families.begin(), families.end(),
                             [&](const auto& f) { return f.name == entry.name; });
      if (it == families.end()) {
        prometheus::MetricFamily family;
        family.name = entry.name;
        family.help = entry.help;
        family.type =
            entry.counter ? prometheus::MetricType::Counter : prometheus::MetricType::Gauge;
        families.push_back(std::move(family));
        it = families.end() - 1;
      }
      it->metric.push_back(std::move(metric));
    }
    return families;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<Entry> entries_ ABSL_GUARDED_BY(mu_);
};

Registry::Registry()
    : registry_(std::make_shared<prometheus::Registry>()),
      callbacks_(std::make_shared<Callbacks>()) {}

Registry::~Registry() = default;

Counter Registry::GetCounter(absl::string_view name, absl::string_view help, const Labels& labels) {
  absl::MutexLock lock(&mu_);
  void*& family = families_[std::string(name)];
  if (family == nullptr) {
    family = &prometheus::BuildCounter()
                  .Name(std::string(name))
                  .Help(std::string(help))
                  .Register(*registry_);
  }
  return Counter(&static_cast<prometheus::Family<prometheus::Counter>*>(family)->Add(
      prometheus::Labels(labels.begin(), labels.end())));
}

Histogram Registry::GetHistogram(absl::string_view name, absl::string_view help,
                                 const Labels& labels, const std::vector<double>& buckets) {
  absl::MutexLock lock(&mu_);
  void*& family = families_[std::string(name)];
  if (family == nullptr) {
    family = &prometheus::BuildHistogram()
                  .Name(std::string(name))
                  .Help(std::string(help))
                  .Register(*registry_);
  }
  return Histogram(&static_cast<prometheus::Family<prometheus::Histogram>*>(family)->Add(
      prometheus::Labels(labels.begin(), labels.end()), buckets));
}

void Registry::AddCallbackGauge(absl::string_view name, absl::string_view help,
                                const Labels& labels, std::function<double()> read,
                                const void* owner, bool counter) {
  callbacks_->Add({std::string(name), std::string(help), labels, std::move(read), owner, counter});
}

void Registry::RemoveCallbacks(const void* owner) { callbacks_->Remove(owner); }

absl::StatusOr<int> Registry::Serve(const std::string& address) {
  absl::MutexLock lock(&mu_);
  if (exposer_ != nullptr) return absl::FailedPreconditionError("metrics are served already");
  try {
    auto exposer = std::make_unique<prometheus::Exposer>(address, /*num_threads=*/1);
    exposer->RegisterCollectable(registry_);
    exposer->RegisterCollectable(callbacks_);
    const std::vector<int> ports = exposer->GetListeningPorts();
    if (ports.empty()) {
      return absl::UnavailableError(absl::StrCat("cannot serve metrics on ", address));
    }
    exposer_ = std::move(exposer);
    return ports.front();
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", address, ": ", e.what()));
  }
}

Registry& Global() {
  static Registry* const registry = new Registry();
  return *registry;
}

}  // namespace luban::metrics
