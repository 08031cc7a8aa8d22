// Serves a service's change feed (the outbox of common/db/sql_ledger.h) as server-streaming
// WatchChanges calls: the backlog after the caller's cursor, then new changes as they commit,
// and an empty batch carrying the cursor as a heartbeat at once (the stream is live) and whenever
// nothing happens for a while.
//
// Streams do not hold threads while they wait: one hub thread polls the feed's head for all of
// them and wakes those with something to read; reads run on the service's bounded executor.
//
// The same thread is the feed's sequencer: mutations insert their events unnumbered (writers
// share no lock), and as soon as one commits the pool tells the hub, which numbers every
// committed event in one short transaction (db::NumberCommittedChanges). It also sweeps once a
// second, for events whose writer stopped between its commit and the numbering.
#ifndef LUBAN_COMMON_SERVER_CHANGE_FEED_H_
#define LUBAN_COMMON_SERVER_CHANGE_FEED_H_

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/api/personal_data.h"
#include "common/db/pool.h"
#include "common/domain/ledger.h"
#include "common/domain/request_context.h"
#include "common/server/batch_stream.h"
#include "common/server/executor.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "luban/common/v1/types.pb.h"

namespace luban {

struct FeedBatch {
  std::vector<StoredChange> changes;
  int64_t last_sequence = 0;  // highest sequence examined
};

class ChangeFeedHub {
 public:
  // Registers itself as `pool`'s changes-committed listener until destroyed.
  ChangeFeedHub(db::ConnectionPool* pool, BoundedExecutor* executor,
                absl::Duration poll_interval = absl::Milliseconds(100),
                absl::Duration heartbeat = absl::Seconds(10));
  ~ChangeFeedHub();
  ChangeFeedHub(const ChangeFeedHub&) = delete;
  ChangeFeedHub& operator=(const ChangeFeedHub&) = delete;

  // Reads one batch after `after_sequence` (on the calling thread): at most `limit` events that
  // pass `filter`; last_sequence covers the events examined, filtered out or not.
  absl::StatusOr<FeedBatch> Read(int64_t after_sequence, const ChangeFilter& filter, int limit,
                                 absl::Time deadline);

  // Calls `wake` (on the executor) once the feed's head passes `after_sequence` or the
  // heartbeat interval elapses. Returns a ticket for Cancel.
  int64_t WaitBeyond(int64_t after_sequence, std::function<void()> wake);
  // Forgets a waiter; true when it had not been woken yet.
  bool Cancel(int64_t ticket);

  // Admits one more WatchChanges stream unless `max_streams` are open (each holds a reactor, a
  // response buffer and a waiter: memory grows with them). Every admitted stream calls
  // StreamEnded exactly once.
  bool TryOpenStream();
  void StreamEnded();
  int open_streams() const;
  static constexpr int kMaxStreams = 1024;

  // Ends every stream promptly (UNAVAILABLE: resume from your cursor) instead of letting them
  // hold the server's shutdown for its whole grace period. New waits wake at once.
  void BeginShutdown();
  bool shutting_down() const;

  BoundedExecutor& executor() { return *executor_; }
  absl::Duration heartbeat() const { return heartbeat_; }

 private:
  struct Waiter {
    int64_t ticket;
    int64_t after_sequence;
    absl::Time since;
    std::function<void()> wake;
  };
  void Loop();
  bool ShouldWake() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || nudged_; }

  db::ConnectionPool* pool_;
  BoundedExecutor* executor_;
  const absl::Duration poll_interval_;
  const absl::Duration heartbeat_;
  mutable absl::Mutex mu_;
  std::vector<Waiter> waiters_ ABSL_GUARDED_BY(mu_);
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
  int64_t next_ticket_ ABSL_GUARDED_BY(mu_) = 1;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool nudged_ ABSL_GUARDED_BY(mu_) = false;  // events committed since the last numbering
  int open_streams_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

// Fills a service's WatchChangesResponse (fields `events`, `last_sequence`) from a batch.
template <typename Response>
void FillFeedResponse(const FeedBatch& batch, Response* response) {
  response->Clear();
  for (const StoredChange& change : batch.changes) {
    luban::common::v1::ChangeEvent* event = response->add_events();
    event->set_sequence(change.sequence);
    const int64_t micros = absl::ToUnixMicros(change.time);
    event->mutable_time()->set_seconds(micros / 1000000);
    event->mutable_time()->set_nanos(static_cast<int32_t>((micros % 1000000) * 1000));
    event->set_resource_type(change.record.resource_type);
    event->set_resource_name(change.record.resource_name);
    event->set_change_type(static_cast<luban::common::v1::ChangeType>(change.record.kind));
    event->mutable_resource()->ParseFromString(change.record.payload);
    event->set_request_id(change.record.request_id);
    event->set_actor(change.record.actor);
  }
  response->set_last_sequence(batch.last_sequence);
}

// Rewrites an event before it goes to one caller (e.g. clears personal data the caller may not
// see); empty for none.
using FeedRedaction = std::function<void(luban::common::v1::ChangeEvent*)>;

// One WatchChanges stream. Deletes itself when the call is done.
template <typename Response>
class FeedStream final : public grpc::ServerWriteReactor<Response> {
 public:
  FeedStream(ChangeFeedHub* hub, int64_t after_sequence, ChangeFilter filter, int batch_size,
             FeedRedaction redact)
      : hub_(hub),
        cursor_(after_sequence),
        filter_(std::move(filter)),
        batch_size_(batch_size),
        redact_(std::move(redact)) {
    ScheduleFetch();
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      FinishOnce(grpc::Status(grpc::StatusCode::CANCELLED, "the stream was closed"));
      return;
    }
    if (last_batch_full_) {
      ScheduleFetch();
    } else {
      Wait();
    }
  }

  void OnCancel() override {
    int64_t ticket = 0;
    {
      absl::MutexLock lock(&mu_);
      cancelled_ = true;
      ticket = ticket_;
    }
    if (ticket != 0 && hub_->Cancel(ticket)) {
      FinishOnce(grpc::Status(grpc::StatusCode::CANCELLED, "the call was cancelled"));
    }
  }

  void OnDone() override {
    hub_->StreamEnded();
    delete this;
  }

 private:
  void ScheduleFetch() {
    if (!hub_->executor().TrySubmit([this] { Fetch(); })) {
      FinishOnce(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                              "the service is at capacity; resume from your cursor later"));
    }
  }

  void Fetch() {
    bool cancelled = false;
    {
      absl::MutexLock lock(&mu_);
      ticket_ = 0;
      cancelled = cancelled_;
    }
    if (cancelled) {
      FinishOnce(grpc::Status(grpc::StatusCode::CANCELLED, "the call was cancelled"));
      return;
    }
    if (hub_->shutting_down()) {
      FinishOnce(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                              "the server is shutting down; resume from your cursor"));
      return;
    }
    auto batch = hub_->Read(cursor_, filter_, batch_size_, absl::Now() + absl::Seconds(10));
    if (!batch.ok()) {
      FinishOnce(grpc::Status(static_cast<grpc::StatusCode>(batch.status().code()),
                              std::string(batch.status().message())));
      return;
    }
    last_batch_full_ = static_cast<int>(batch->changes.size()) >= batch_size_;
    const bool heartbeat_due = absl::Now() - last_write_ >= hub_->heartbeat();
    if (batch->changes.empty() && batch->last_sequence <= cursor_ && !heartbeat_due) {
      Wait();
      return;
    }
    cursor_ = std::max(cursor_, batch->last_sequence);
    FillFeedResponse(*batch, &response_);
    if (redact_) {
      for (luban::common::v1::ChangeEvent& event : *response_.mutable_events()) redact_(&event);
    }
    last_write_ = absl::Now();
    this->StartWrite(&response_);
  }

  void Wait() {
    bool cancelled = false;
    {
      // Registering under the stream's lock orders it before the wake-up's Fetch (which takes
      // the lock first), so ticket_ always names the live registration.
      absl::MutexLock lock(&mu_);
      cancelled = cancelled_;
      if (!cancelled) ticket_ = hub_->WaitBeyond(cursor_, [this] { Fetch(); });
    }
    if (cancelled) {
      FinishOnce(grpc::Status(grpc::StatusCode::CANCELLED, "the call was cancelled"));
    }
  }

  // Finish is called outside the lock: OnDone (which deletes this) may follow at any time.
  void FinishOnce(const grpc::Status& status) {
    {
      absl::MutexLock lock(&mu_);
      if (finished_) return;
      finished_ = true;
    }
    this->Finish(status);
  }

  ChangeFeedHub* hub_;
  int64_t cursor_;
  const ChangeFilter filter_;
  const int batch_size_;
  const FeedRedaction redact_;
  Response response_;
  bool last_batch_full_ = false;
  // The first batch goes out at once, even empty: the subscriber learns that its stream is live
  // (the enrollment service decides on mirrored runs only while its feed is).
  absl::Time last_write_ = absl::InfinitePast();
  absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  int64_t ticket_ ABSL_GUARDED_BY(mu_) = 0;
};

// The checks of a WatchChangesRequest (any service's): INVALID_ARGUMENT naming the field.
// Separate from ServeWatchChanges so that tests/fuzz drives it without a feed.
template <typename Request>
absl::Status CheckWatchChangesRequest(const Request& request) {
  if (request.after_sequence() < 0) {
    return absl::InvalidArgumentError("after_sequence: must not be negative");
  }
  if (request.max_batch_size() < 0) {
    return absl::InvalidArgumentError("max_batch_size: must not be negative");
  }
  if (request.resource_types_size() > 16) {
    return absl::InvalidArgumentError("resource_types: at most 16 types");
  }
  return absl::OkStatus();
}

// A service's WatchChanges handler: admits the call (`admission`, from CallRunner::Admit),
// checks the request and starts a FeedStream, or refuses the call with the reason. The feed
// holds its resources in full: a caller who does not see personal data follows it redacted.
template <typename Request, typename Response>
grpc::ServerWriteReactor<Response>* ServeWatchChanges(
    const absl::StatusOr<RequestContext>& admission, ChangeFeedHub* hub, const Request& request) {
  absl::Status status = admission.status();
  if (status.ok()) status = CheckWatchChangesRequest(request);
  if (status.ok() && !hub->TryOpenStream()) {
    status = absl::ResourceExhaustedError(
        absl::StrCat("WatchChanges: ", ChangeFeedHub::kMaxStreams,
                     " streams are open, the most this service serves; retry with backoff"));
  }
  if (!status.ok()) return RefuseStream<Response>(status);
  const int batch = request.max_batch_size() == 0 ? 100 : std::min(request.max_batch_size(), 1000);
  ChangeFilter filter;
  filter.resource_types.assign(request.resource_types().begin(), request.resource_types().end());
  // A college admin follows the changes to its own institution's records, as it reads them.
  if (!admission->principal.ReadsEverything()) {
    filter.owner_institution = admission->principal.institution_id;
  }
  FeedRedaction redact;
  if (!admission->principal.SeesPersonalData()) {
    redact = [](luban::common::v1::ChangeEvent* event) { RedactPersonalData(event); };
  }
  return new FeedStream<Response>(hub, request.after_sequence(), std::move(filter), batch,
                                  std::move(redact));
}

}  // namespace luban

#endif  // LUBAN_COMMON_SERVER_CHANGE_FEED_H_
