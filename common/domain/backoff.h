// Pauses between the attempts of a retry loop: growing, and jittered so that callers that failed
// together (a conflict between two transactions, replicas losing the same peer) do not try again
// together.
//
//   Backoff backoff(absl::Milliseconds(10), absl::Seconds(1));
//   while (...) {
//     const absl::Duration pause = backoff.Next();   // in [10ms/2, 10ms], then [20ms/2, 20ms]...
//     if (absl::Now() + pause >= deadline) break;
//     absl::SleepFor(pause);
//   }
#ifndef LUBAN_COMMON_DOMAIN_BACKOFF_H_
#define LUBAN_COMMON_DOMAIN_BACKOFF_H_

#include "absl/time/time.h"

namespace luban {

// A pause drawn uniformly from [pause/2, pause].
absl::Duration Jittered(absl::Duration pause);

// One retry loop's pauses (not shared between threads): Next() is Jittered(current), and current
// doubles after each, up to `max`; Reset() starts over after progress.
class Backoff {
 public:
  Backoff(absl::Duration initial, absl::Duration max)
      : initial_(initial), max_(max), current_(initial) {}

  absl::Duration Next();
  void Reset() { current_ = initial_; }

 private:
  absl::Duration initial_;
  absl::Duration max_;
  absl::Duration current_;
};

}  // namespace luban

#endif  // LUBAN_COMMON_DOMAIN_BACKOFF_H_
