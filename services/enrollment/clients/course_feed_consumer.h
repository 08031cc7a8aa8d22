// Follows the course service's change feed of course runs (CourseService/WatchChanges with
// resource_types ["courseRuns"]) and hands each run's new state to the enrollment domain, in
// order, exactly once in effect:
//
//   CourseFeedConsumer consumer(
//       channel, token, [&] { return store.LoadFeedCursor(); },
//       [&](int64_t sequence, const CourseRun& run) { return logic.OnRunChanged(sequence, run); });
//   consumer.Start();
//   ...
//   consumer.Stop();
//
// The contract with the callbacks: `apply` stores `sequence` as the new cursor in the same
// transaction as its effect, and ignores a sequence at or below the stored cursor. The consumer
// calls `apply` from one thread, in ascending sequence. After anything goes wrong (the stream
// ends or fails, `apply` fails, the cursor cannot be loaded) it closes the stream, backs off
// (bounded exponential with jitter; Stop interrupts it), reloads the cursor and reconnects after
// it, so an event is re-delivered until `apply` succeeds and never applied twice.
//
// Deletions arrive like other changes, with the run's last state (only scheduled runs can be
// deleted). Events whose payload is not a CourseRun are skipped. The stream has no deadline:
// give the channel keepalive settings so a silently dead connection is noticed.
#ifndef LUBAN_SERVICES_ENROLLMENT_CLIENTS_COURSE_FEED_CONSUMER_H_
#define LUBAN_SERVICES_ENROLLMENT_CLIENTS_COURSE_FEED_CONSUMER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "luban/course/v1/course.grpc.pb.h"

namespace luban::enrollment {

struct CourseFeedOptions {
  // Pause before reconnecting after a failure; doubled on each failure in a row (a connection
  // that applied something or got a heartbeat starts over) up to max_backoff. Each pause is
  // drawn uniformly from [backoff/2, backoff].
  absl::Duration initial_backoff = absl::Milliseconds(200);
  absl::Duration max_backoff = absl::Seconds(30);
  // Events per response message asked of the course service (it clamps to 1000).
  int max_batch_size = 100;
};

class CourseFeedConsumer {
 public:
  using LoadCursor = std::function<absl::StatusOr<int64_t>()>;
  using Apply =
      std::function<absl::Status(int64_t sequence, const luban::course::v1::CourseRun& run)>;

  // `token` is the enrollment service's bearer token at the course service.
  CourseFeedConsumer(std::shared_ptr<grpc::Channel> channel, std::string token,
                     LoadCursor load_cursor, Apply apply, CourseFeedOptions options = {});
  // Stops.
  ~CourseFeedConsumer();
  CourseFeedConsumer(const CourseFeedConsumer&) = delete;
  CourseFeedConsumer& operator=(const CourseFeedConsumer&) = delete;

  // Starts following on a background thread. Once only: a stopped consumer stays stopped (make
  // a new one to resume; it starts from the stored cursor).
  void Start();
  // Cancels the stream, interrupts a backoff and joins the thread. Returns as soon as an
  // `apply` in progress returns. Idempotent.
  void Stop();
  // Whether the consumer is following: Start has run and Stop has not.
  bool running() const;

  // The highest sequence known applied: the stored cursor as last loaded, or the last event
  // applied since. 0 before the first load.
  int64_t applied_sequence() const;
  // Waits until applied_sequence() >= `sequence`; false when `timeout` passes first.
  bool WaitForSequence(int64_t sequence, absl::Duration timeout) const;
  // Streams opened so far (each reconnect opens one).
  int64_t connections() const;
  // Whether a stream is open and its last message (events, or a heartbeat when nothing changes)
  // arrived within `window`: then every change the course service made more than about its feed
  // delay ago has been applied. Give a window longer than the course service's heartbeat.
  bool HeardWithin(absl::Duration window) const;
  // Time since the last batch or heartbeat was applied (since Start before the first; zero
  // before Start): the feed's lag as the consumer sees it.
  absl::Duration SinceLastMessage() const;

 private:
  void Run();
  // One stream from `cursor` until it ends; true when it got a batch through without failure.
  bool Follow(int64_t cursor);
  // Raises applied_sequence() to `sequence` and wakes waiters.
  void Publish(int64_t sequence);
  // Waits `pause` or until Stop; false when stopping.
  bool Pause(absl::Duration pause);

  const std::unique_ptr<luban::course::v1::CourseService::Stub> stub_;
  const std::string authorization_;
  const LoadCursor load_cursor_;
  const Apply apply_;
  const CourseFeedOptions options_;

  mutable absl::Mutex mu_;
  mutable absl::CondVar changed_;  // applied_ rose or stopping_ was set
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t applied_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t connections_ ABSL_GUARDED_BY(mu_) = 0;
  // When the open stream last delivered a batch that was applied; InfinitePast between streams.
  absl::Time last_heard_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  // When a batch or heartbeat was last applied, on any stream (Start's time before the first).
  absl::Time last_message_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  // The open stream's context, for Stop to cancel; null between streams.
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::thread thread_;
};

}  // namespace luban::enrollment

#endif  // LUBAN_SERVICES_ENROLLMENT_CLIENTS_COURSE_FEED_CONSUMER_H_
