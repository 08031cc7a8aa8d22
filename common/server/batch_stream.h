// A finite server-streaming call that writes batches until the source is exhausted: exports.
// The next batch is read while the previous one is being written, so the database, this service
// and the consumer work at once; at most two batches are in memory (the one on its way and the
// next), so memory stays flat however many rows the export holds, and a slow consumer slows the
// reads instead of filling the server's memory. Batches are read on the bounded executor.
#ifndef LUBAN_COMMON_SERVER_BATCH_STREAM_H_
#define LUBAN_COMMON_SERVER_BATCH_STREAM_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "common/api/personal_data.h"
#include "common/api/status.h"
#include "common/server/call.h"
#include "common/server/executor.h"
#include "grpcpp/support/server_callback.h"

namespace luban {

// A server-streaming call refused before it started (bad request, no access).
template <typename Response>
grpc::ServerWriteReactor<Response>* RefuseStream(const absl::Status& status) {
  class Refusal final : public grpc::ServerWriteReactor<Response> {
   public:
    explicit Refusal(const grpc::Status& s) { this->Finish(s); }
    void OnDone() override { delete this; }
  };
  return new Refusal(ToGrpcStatus(status));
}

template <typename Response>
class BatchStream final : public grpc::ServerWriteReactor<Response> {
 public:
  // Fills the next batch; OK with `*done` set when nothing is left (the batch is then empty and
  // not written). An error ends the call with that status, after the batch being written.
  using NextBatch = std::function<absl::Status(Response* batch, bool* done)>;

  // Starts reading at once. Deletes itself when the call is done.
  BatchStream(BoundedExecutor* executor, NextBatch next)
      : executor_(*executor), next_(std::move(next)) {
    Step step;
    {
      absl::MutexLock lock(&mu_);
      step = Plan();
    }
    Take(step);
  }

  void OnWriteDone(bool ok) override {
    Step step;
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!ok && (!final_.has_value() || final_->ok())) {
        final_ = grpc::Status(grpc::StatusCode::CANCELLED, "the stream was closed");
      }
      step = Plan();
    }
    Take(step);
  }

  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
  }

  void OnDone() override {
    // gRPC orders OnDone after the last read's Finish, but out of TSan's sight: taking mu_ shows
    // it that every member's last write (under mu_, or before it was taken) happened before.
    { absl::MutexLock lock(&mu_); }
    delete this;
  }

 private:
  // What the call does next, decided under mu_ and done outside it.
  struct Step {
    bool write = false;  // write writing_buffer_
    bool read = false;   // read the next batch into reading_
    std::optional<grpc::Status> finish;
  };

  // On the executor: fills reading_, which nothing else touches while a read is in flight.
  void Read() {
    bool done = false;
    reading_.Clear();
    const absl::Status status = next_(&reading_, &done);
    Step step;
    {
      absl::MutexLock lock(&mu_);
      read_in_flight_ = false;
      if (cancelled_) {
        final_ = grpc::Status(grpc::StatusCode::CANCELLED, "the call was cancelled");
      } else if (!status.ok()) {
        final_ = ToGrpcStatus(status);
      } else if (done) {
        if (!final_.has_value()) final_ = grpc::Status::OK;
      } else {
        read_ready_ = true;
      }
      step = Plan();
    }
    Take(step);
  }

  // Writes a read batch once the previous write is done, reads the next once the read buffer is
  // free, and finishes once the final status is known and nothing is in flight: no read or write
  // outlives the reactor, which gRPC deletes after Finish.
  Step Plan() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    Step step;
    if (final_.has_value()) {
      if (!read_in_flight_ && !writing_ && !finished_) {
        finished_ = true;
        step.finish = *final_;
      }
      return step;
    }
    if (read_ready_ && !writing_) {
      writing_buffer_.Swap(&reading_);
      read_ready_ = false;
      writing_ = true;
      step.write = true;
    }
    if (!read_in_flight_ && !read_ready_ && !cancelled_) {
      read_in_flight_ = true;
      step.read = true;
    }
    return step;
  }

  // Takes `step` and the steps a refused read leads to. Touches nothing of `this` after the
  // last action: the call may be over (and the reactor deleted) by then.
  void Take(Step step) {
    while (true) {
      if (step.finish.has_value()) {
        this->Finish(*step.finish);
        return;
      }
      if (step.write) this->StartWrite(&writing_buffer_);
      // The read in flight keeps the reactor alive until it ends.
      if (!step.read || executor_.TrySubmit([this] { Read(); })) return;
      absl::MutexLock lock(&mu_);
      read_in_flight_ = false;
      final_ = grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                            "the service is at capacity; resume the export later");
      step = Plan();
    }
  }

  BoundedExecutor& executor_;
  NextBatch next_;
  Response reading_;         // filled by the read in flight; then waits for the write slot
  Response writing_buffer_;  // the batch gRPC is writing
  absl::Mutex mu_;
  bool read_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  bool read_ready_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<grpc::Status> final_ ABSL_GUARDED_BY(mu_);
};

// A service's export handler: admits the call (of `request`), then streams batches read by
// `read_batch(const RequestContext&, Cursor&, Response*)` from `start`, which advances the
// cursor; an empty batch ends the export. Each batch is redacted for the caller
// (personal_data.h), and each batch gets its own deadline: an export may
// outlast any single call's.
template <typename Response, typename Cursor, typename ReadBatch>
grpc::ServerWriteReactor<Response>* ServeExport(
    CallRunner& calls, grpc::CallbackServerContext* context, absl::string_view method,
    const google::protobuf::Message& request, absl::StatusOr<Cursor> start, ReadBatch read_batch) {
  auto rc = calls.Admit(context, method, request);
  if (!rc.ok()) return RefuseStream<Response>(rc.status());
  if (!start.ok()) return RefuseStream<Response>(start.status());
  auto cursor = std::make_shared<Cursor>(*std::move(start));
  return new BatchStream<Response>(
      &calls.executor(),
      [rc = *std::move(rc), cursor, read_batch](Response* batch, bool* done) -> absl::Status {
        RequestContext batch_rc = rc;
        batch_rc.deadline = absl::Now() + absl::Seconds(30);
        if (auto s = read_batch(batch_rc, *cursor, batch); !s.ok()) return s;
        *done = batch->ByteSizeLong() == 0;
        RedactFor(batch_rc.principal, batch);
        return absl::OkStatus();
      });
}

}  // namespace luban

#endif  // LUBAN_COMMON_SERVER_BATCH_STREAM_H_
