#include "common/server/executor.h"

#include <atomic>
#include <thread>

#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace luban {
namespace {

TEST(BoundedExecutorTest, RunsTasksOnItsThreads) {
  BoundedExecutor executor(4, 100);
  EXPECT_EQ(executor.threads(), 4);
  constexpr int kTasks = 50;
  absl::BlockingCounter done(kTasks);
  std::atomic<int> off_caller{0};
  const std::thread::id caller = std::this_thread::get_id();
  for (int i = 0; i < kTasks; ++i) {
    ASSERT_TRUE(executor.TrySubmit([&] {
      if (std::this_thread::get_id() != caller) off_caller.fetch_add(1);
      done.DecrementCount();
    }));
  }
  done.Wait();
  EXPECT_EQ(off_caller.load(), kTasks);
}

TEST(BoundedExecutorTest, RefusesWorkWhenTheQueueIsFull) {
  BoundedExecutor executor(1, 2);
  absl::Notification started;
  absl::Notification release;
  std::atomic<int> ran{0};
  // Occupy the only thread, and know it has taken its task off the queue.
  ASSERT_TRUE(executor.TrySubmit([&] {
    started.Notify();
    release.WaitForNotification();
    ran.fetch_add(1);
  }));
  started.WaitForNotification();
  EXPECT_EQ(executor.queued(), 0);

  EXPECT_TRUE(executor.TrySubmit([&] { ran.fetch_add(1); }));
  EXPECT_TRUE(executor.TrySubmit([&] { ran.fetch_add(1); }));
  EXPECT_EQ(executor.queued(), 2);
  bool extra_ran = false;
  EXPECT_FALSE(executor.TrySubmit([&] { extra_ran = true; }));
  EXPECT_EQ(executor.queued(), 2);

  release.Notify();
  executor.Shutdown();
  EXPECT_EQ(ran.load(), 3);
  EXPECT_FALSE(extra_ran);
}

TEST(BoundedExecutorTest, ShutdownDrainsTheQueueThenRefuses) {
  BoundedExecutor executor(2, 64);
  absl::Notification release;
  absl::BlockingCounter both_started(2);
  std::atomic<int> ran{0};
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(executor.TrySubmit([&] {
      both_started.DecrementCount();
      release.WaitForNotification();
      ran.fetch_add(1);
    }));
  }
  both_started.Wait();
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(executor.TrySubmit([&] { ran.fetch_add(1); }));
  }
  // Release the blockers concurrently with Shutdown: whichever comes first, Shutdown may only
  // return once all 22 tasks have run.
  std::thread releaser([&] { release.Notify(); });
  executor.Shutdown();
  releaser.join();
  EXPECT_EQ(ran.load(), 22);
  EXPECT_EQ(executor.queued(), 0);
  EXPECT_FALSE(executor.TrySubmit([&] { ran.fetch_add(1); }));
  executor.Shutdown();  // idempotent
  EXPECT_EQ(ran.load(), 22);
}

TEST(BoundedExecutorTest, DestructorRunsWhatIsQueued) {
  std::atomic<int> ran{0};
  absl::Notification release;
  {
    BoundedExecutor executor(1, 8);
    ASSERT_TRUE(executor.TrySubmit([&] {
      release.WaitForNotification();
      ran.fetch_add(1);
    }));
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(executor.TrySubmit([&] { ran.fetch_add(1); }));
    release.Notify();
  }
  EXPECT_EQ(ran.load(), 6);
}

TEST(BoundedExecutorTest, TasksMaySubmitMoreWork) {
  BoundedExecutor executor(2, 8);
  absl::Notification second_ran;
  ASSERT_TRUE(
      executor.TrySubmit([&] { EXPECT_TRUE(executor.TrySubmit([&] { second_ran.Notify(); })); }));
  EXPECT_TRUE(second_ran.WaitForNotificationWithTimeout(absl::Seconds(30)));
}

}  // namespace
}  // namespace luban
