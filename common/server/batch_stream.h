// A finite server-streaming call that writes batches until the source is exhausted: exports.
// The next batch is read while the previous one is being written, and a read that learns early
// where the next batch starts lets that one start too, so the database, this service and the
// consumer work at once. At most three batches are in memory (the one on its way and two being
// read), so memory stays flat however many rows the export holds, and a slow consumer slows the
// reads instead of filling the server's memory. Batches are read on the bounded executor.
#ifndef LUBAN_COMMON_SERVER_BATCH_STREAM_H_
#define LUBAN_COMMON_SERVER_BATCH_STREAM_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/functional/function_ref.h"
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
  // not written). An error ends the call with that status, after the batches before it. A read
  // that learns early where the next batch starts (an export's full batch, selected and not yet
  // decoded) calls `next_may_start` then, once: the next read starts at once, on another
  // executor thread, and the two overlap.
  using NextBatch = std::function<absl::Status(Response* batch, bool* done,
                                               absl::FunctionRef<void()> next_may_start)>;

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
      if (!ok) {
        EndAt(next_write_, grpc::Status(grpc::StatusCode::CANCELLED, "the stream was closed"));
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
  // A batch being read, or read and waiting for its turn to be written. Its batch is touched by
  // its read alone while `reading`, and under mu_ otherwise.
  struct Slot {
    Response batch;
    int64_t seq = 0;              // the batch's place in the stream
    bool reading = false;         // a read is filling it
    bool ready = false;           // filled, waiting to be written
    bool next_may_start = false;  // its read let the next one start
  };

  // What the call does next, decided under mu_ and done outside it.
  struct Step {
    bool write = false;    // write writing_buffer_
    Slot* read = nullptr;  // read the next batch into this slot
    std::optional<grpc::Status> finish;
  };

  // On the executor: fills `slot`.
  void Read(Slot* slot) {
    bool done = false;
    slot->batch.Clear();
    const absl::Status status = next_(&slot->batch, &done, [this, slot] {
      Step step;
      {
        absl::MutexLock lock(&mu_);
        if (slot->next_may_start) return;
        slot->next_may_start = true;
        step = Plan();
      }
      Take(step);
    });
    Step step;
    {
      absl::MutexLock lock(&mu_);
      slot->reading = false;
      if (!status.ok()) {
        EndAt(slot->seq, ToGrpcStatus(status));
      } else if (done) {
        EndAt(slot->seq, grpc::Status::OK);
      } else {
        slot->ready = true;
      }
      step = Plan();
    }
    Take(step);
  }

  // The call ends before batch `seq` with `status` (the earliest end wins; an error over OK).
  void EndAt(int64_t seq, const grpc::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!end_.has_value() || seq < end_->first ||
        (seq == end_->first && end_->second.ok() && !status.ok())) {
      end_.emplace(seq, status);
    }
  }

  bool Reading() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return slots_[0].reading || slots_[1].reading;
  }

  // Writes the batches in order, each once the previous write is done; starts a read when a slot
  // is free and the read before it is over or let it start; finishes once the end is known,
  // every batch before it is written and nothing is in flight: no read or write outlives the
  // reactor, which gRPC deletes after Finish.
  Step Plan() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    Step step;
    if (cancelled_) {
      EndAt(next_write_, grpc::Status(grpc::StatusCode::CANCELLED, "the call was cancelled"));
    }
    const bool writable = !end_.has_value() || next_write_ < end_->first;
    if (!writing_ && writable) {
      for (Slot& slot : slots_) {
        if (!slot.ready || slot.seq != next_write_) continue;
        writing_buffer_.Swap(&slot.batch);
        slot.ready = false;
        ++next_write_;
        writing_ = true;
        step.write = true;
        break;
      }
    }
    if (end_.has_value()) {
      if (next_write_ >= end_->first && !writing_ && !Reading() && !finished_) {
        finished_ = true;
        step.finish = end_->second;
      }
      return step;
    }
    // The read before the next one is over (its batch ready or written) or let it start.
    bool previous_let = true;
    for (const Slot& slot : slots_) {
      if (slot.reading && slot.seq == next_read_ - 1 && !slot.next_may_start) previous_let = false;
    }
    for (Slot& slot : slots_) {
      if (!previous_let || slot.reading || slot.ready) continue;
      slot.seq = next_read_++;
      slot.reading = true;
      slot.next_may_start = false;
      step.read = &slot;
      break;
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
      Slot* slot = step.read;
      if (slot == nullptr || executor_.TrySubmit([this, slot] { Read(slot); })) return;
      absl::MutexLock lock(&mu_);
      slot->reading = false;
      EndAt(slot->seq, grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                    "the service is at capacity; resume the export later"));
      step = Plan();
    }
  }

  BoundedExecutor& executor_;
  NextBatch next_;
  Slot slots_[2];
  Response writing_buffer_;  // the batch gRPC is writing
  absl::Mutex mu_;
  int64_t next_read_ ABSL_GUARDED_BY(mu_) = 0;   // the place of the next batch to read
  int64_t next_write_ ABSL_GUARDED_BY(mu_) = 0;  // the place of the next batch to write
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  // The call ends before this batch, with this status.
  std::optional<std::pair<int64_t, grpc::Status>> end_ ABSL_GUARDED_BY(mu_);
};

// A service's export handler: admits the call (of `request`), then streams batches read by
// `read_batch(const RequestContext&, Cursor&, Response*, absl::FunctionRef<void()>
// next_may_start)` from `start`, which advances the cursor, and calls next_may_start once it has
// (the next batch's read then overlaps the rest of this one: the cursor is not touched again);
// an empty batch ends the export. Each batch is redacted for the caller
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
      [rc = *std::move(rc), cursor, read_batch](
          Response* batch, bool* done, absl::FunctionRef<void()> next_may_start) -> absl::Status {
        RequestContext batch_rc = rc;
        batch_rc.deadline = absl::Now() + absl::Seconds(30);
        if (auto s = read_batch(batch_rc, *cursor, batch, next_may_start); !s.ok()) return s;
        *done = batch->ByteSizeLong() == 0;
        RedactFor(batch_rc.principal, batch);
        return absl::OkStatus();
      });
}

}  // namespace luban

#endif  // LUBAN_COMMON_SERVER_BATCH_STREAM_H_
