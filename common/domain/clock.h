// Where the domain reads the time: each service's logic holds a Clock (in its config), the
// system's unless a test pins it. "Today" is the day in UTC.
#ifndef LUBAN_COMMON_DOMAIN_CLOCK_H_
#define LUBAN_COMMON_DOMAIN_CLOCK_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>

#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace luban {

class Clock {
 public:
  Clock() : now_([] { return absl::Now(); }) {}  // the system's
  explicit Clock(std::function<absl::Time()> now) : now_(std::move(now)) {}
  // `start`, then `step` later at every reading (tests: a pinned day, times still ascending).
  static Clock Stepping(absl::Time start, absl::Duration step = absl::Milliseconds(1)) {
    auto readings = std::make_shared<std::atomic<int64_t>>(0);
    return Clock([start, step, readings] { return start + step * readings->fetch_add(1); });
  }

  absl::Time Now() const { return now_(); }
  absl::CivilDay Today() const { return absl::ToCivilDay(now_(), absl::UTCTimeZone()); }

 private:
  std::function<absl::Time()> now_;
};

}  // namespace luban

#endif  // LUBAN_COMMON_DOMAIN_CLOCK_H_
