#include "common/domain/backoff.h"

#include <algorithm>

#include "absl/random/random.h"

namespace luban {

absl::Duration Jittered(absl::Duration pause) {
  // One generator per thread: seeding one from the OS on every retry would cost more than the
  // pause is worth.
  thread_local absl::BitGen random;
  return pause * absl::Uniform(random, 0.5, 1.0);
}

absl::Duration Backoff::Next() {
  const absl::Duration pause = Jittered(current_);
  current_ = std::min(current_ * 2, max_);
  return pause;
}

}  // namespace luban
