// A fixed pool of threads with a bounded queue, for blocking work (database calls) that must not
// run on gRPC's callback threads. Submitting to a full queue fails at once, so overload turns
// into RESOURCE_EXHAUSTED for the caller instead of unbounded queueing.
#ifndef LUBAN_COMMON_SERVER_EXECUTOR_H_
#define LUBAN_COMMON_SERVER_EXECUTOR_H_

#include <deque>
#include <thread>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace luban {

class BoundedExecutor {
 public:
  BoundedExecutor(int threads, int max_queued);
  // Runs what is queued, then joins.
  ~BoundedExecutor();
  BoundedExecutor(const BoundedExecutor&) = delete;
  BoundedExecutor& operator=(const BoundedExecutor&) = delete;

  // False (and `task` not run) when the queue is full or the executor is shutting down.
  bool TrySubmit(absl::AnyInvocable<void() &&> task);
  // Stops accepting work, runs what is queued and joins the threads. Idempotent.
  void Shutdown();

  int threads() const { return static_cast<int>(threads_.size()); }
  int queued() const;

 private:
  void Loop();

  const int max_queued_;
  mutable absl::Mutex mu_;
  std::deque<absl::AnyInvocable<void() &&>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace luban

#endif  // LUBAN_COMMON_SERVER_EXECUTOR_H_
