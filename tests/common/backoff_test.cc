#include "common/domain/backoff.h"

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace luban {
namespace {

TEST(BackoffTest, PausesAreJitteredWithinTheUpperHalf) {
  bool below_top = false;
  for (int i = 0; i < 1000; ++i) {
    const absl::Duration pause = Jittered(absl::Milliseconds(100));
    EXPECT_GE(pause, absl::Milliseconds(50));
    EXPECT_LE(pause, absl::Milliseconds(100));
    below_top = below_top || pause < absl::Milliseconds(95);
  }
  EXPECT_TRUE(below_top) << "no jitter in 1000 draws";
}

TEST(BackoffTest, DoublesUpToTheCeilingAndStartsOverAfterReset) {
  Backoff backoff(absl::Milliseconds(10), absl::Milliseconds(35));
  const absl::Duration tops[] = {absl::Milliseconds(10), absl::Milliseconds(20),
                                 absl::Milliseconds(35), absl::Milliseconds(35)};
  for (absl::Duration top : tops) {
    const absl::Duration pause = backoff.Next();
    EXPECT_GE(pause, top / 2);
    EXPECT_LE(pause, top);
  }
  backoff.Reset();
  EXPECT_LE(backoff.Next(), absl::Milliseconds(10));
}

}  // namespace
}  // namespace luban
