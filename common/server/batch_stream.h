// A finite server-streaming call that writes batches until the source is exhausted: exports.
// One batch is in memory at a time and the next is read only after the previous was written,
// so memory stays flat however many rows the export holds, and a slow consumer slows the
// reads instead of filling the server's memory. Batches are read on the bounded executor.
#ifndef LUBAN_COMMON_SERVER_BATCH_STREAM_H_
#define LUBAN_COMMON_SERVER_BATCH_STREAM_H_

#include <functional>
#include <memory>
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
  // not written). An error ends the call with that status.
  using NextBatch = std::function<absl::Status(Response* batch, bool* done)>;

  // Starts reading at once. Deletes itself when the call is done.
  BatchStream(BoundedExecutor* executor, NextBatch next)
      : executor_(*executor), next_(std::move(next)) {
    Schedule();
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      FinishOnce(grpc::Status(grpc::StatusCode::CANCELLED, "the stream was closed"));
      return;
    }
    Schedule();
  }

  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
  }

  void OnDone() override { delete this; }

 private:
  void Schedule() {
    if (!executor_.TrySubmit([this] { Step(); })) {
      FinishOnce(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                              "the service is at capacity; resume the export later"));
    }
  }

  void Step() {
    bool cancelled = false;
    {
      absl::MutexLock lock(&mu_);
      cancelled = cancelled_;
    }
    if (cancelled) {
      FinishOnce(grpc::Status(grpc::StatusCode::CANCELLED, "the call was cancelled"));
      return;
    }
    batch_.Clear();
    bool done = false;
    const absl::Status status = next_(&batch_, &done);
    if (!status.ok()) {
      FinishOnce(ToGrpcStatus(status));
    } else if (done) {
      FinishOnce(grpc::Status::OK);
    } else {
      this->StartWrite(&batch_);
    }
  }

  void FinishOnce(const grpc::Status& status) {
    {
      absl::MutexLock lock(&mu_);
      if (finished_) return;
      finished_ = true;
    }
    this->Finish(status);
  }

  BoundedExecutor& executor_;
  NextBatch next_;
  Response batch_;
  absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
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
