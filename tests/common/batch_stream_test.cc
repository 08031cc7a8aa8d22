// BatchStream (common/server/batch_stream.h) behind an in-process gRPC server: the enrollment
// service's ExportEnrollments served from a scripted source, read by a real client. Every wait is
// bounded by a notification's timeout or the call's deadline.
#include "common/server/batch_stream.h"

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "luban/enrollment/v1/enrollment.grpc.pb.h"

namespace luban {
namespace {

namespace pb = ::luban::enrollment::v1;
using Batch = pb::ExportEnrollmentsResponse;

constexpr absl::Duration kWait = absl::Seconds(20);

// The batches an export serves: batch i holds `sizes[i]` enrollments named "<i>/<j>", each
// carrying `padding` bytes; a status in `errors[i]` fails the read of batch i instead. The read of
// batch i with `early[i]` first lets the next read start and, with `await_next`, waits until it
// has (failing with DEADLINE_EXCEEDED if it does not within kWait).
struct Script {
  std::vector<int> sizes = {};
  std::vector<absl::Status> errors = {};
  size_t padding = 0;
  std::vector<bool> early = {};
  bool await_next = false;
};

// What the source saw, shared with the test; released when the reactor (which holds the source)
// is deleted.
class Probe {
 public:
  ~Probe() { released_->Notify(); }

  void CountRead() {
    absl::MutexLock lock(&mu_);
    ++reads_;
  }
  int reads() const {
    absl::MutexLock lock(&mu_);
    return reads_;
  }
  // True once the source was asked for `n` batches, within kWait (reads may wait at once).
  bool AwaitReads(int n) {
    absl::MutexLock lock(&mu_);
    Waiter waiter{this, n};
    return mu_.AwaitWithTimeout(absl::Condition(&Probe::Reached, &waiter), kWait);
  }

  std::shared_ptr<absl::Notification> released_ = std::make_shared<absl::Notification>();

 private:
  struct Waiter {
    const Probe* probe;
    int n;
  };
  // Evaluated by the mutex with mu_ held.
  static bool Reached(Waiter* waiter) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    return waiter->probe->reads_ >= waiter->n;
  }

  mutable absl::Mutex mu_;
  int reads_ ABSL_GUARDED_BY(mu_) = 0;
};

class ScriptedExport final : public pb::EnrollmentService::CallbackService {
 public:
  explicit ScriptedExport(BoundedExecutor* executor) : executor_(executor) {}

  // The next call's script and probe (under a lock: gRPC hands the call to its own thread).
  void Serve(Script script, std::shared_ptr<Probe> probe) {
    absl::MutexLock lock(&mu_);
    script_ = std::move(script);
    probe_ = std::move(probe);
  }

  grpc::ServerWriteReactor<Batch>* ExportEnrollments(grpc::CallbackServerContext*,
                                                     const pb::ExportEnrollmentsRequest*) override {
    absl::MutexLock lock(&mu_);
    auto next = std::make_shared<std::atomic<int>>(0);
    return new BatchStream<Batch>(
        executor_, [script = script_, probe = std::move(probe_), next](
                       Batch* batch, bool* done, absl::FunctionRef<void()> next_may_start) {
          probe->CountRead();
          const int i = next->fetch_add(1);
          if (i < static_cast<int>(script.early.size()) && script.early[i]) {
            next_may_start();
            if (script.await_next && !probe->AwaitReads(i + 2)) {
              return absl::DeadlineExceededError("the next read did not start");
            }
          }
          if (i < static_cast<int>(script.errors.size()) && !script.errors[i].ok()) {
            return script.errors[i];
          }
          if (i >= static_cast<int>(script.sizes.size())) {
            *done = true;
            return absl::OkStatus();
          }
          for (int j = 0; j < script.sizes[i]; ++j) {
            pb::Enrollment* enrollment = batch->add_enrollments();
            enrollment->set_name(absl::StrCat(i, "/", j));
            enrollment->set_reason(std::string(script.padding, 'x'));
          }
          return absl::OkStatus();
        });
  }

 private:
  BoundedExecutor* executor_;
  absl::Mutex mu_;
  Script script_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<Probe> probe_ ABSL_GUARDED_BY(mu_);
};

// The names of every enrollment the export wrote, in order, and how the call ended.
grpc::Status ReadNames(grpc::ClientReader<Batch>& reader, std::vector<std::string>* names) {
  Batch batch;
  while (reader.Read(&batch)) {
    for (const auto& enrollment : batch.enrollments()) names->push_back(enrollment.name());
  }
  return reader.Finish();
}

class BatchStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(-1);  // for the batches larger than any buffer on the way
    stub_ = pb::EnrollmentService::NewStub(grpc::CreateCustomChannel(
        absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials(), args));
  }
  void TearDown() override {
    server_->Shutdown(absl::ToChronoTime(absl::Now() + kWait));
    executor_.Shutdown();
  }

  // Starts an export served by `script`; the probe is the test's view of its source.
  std::unique_ptr<grpc::ClientReader<Batch>> Start(Script script, grpc::ClientContext* context,
                                                   std::shared_ptr<Probe>* probe) {
    *probe = std::make_shared<Probe>();
    service_.Serve(std::move(script), *probe);
    context->set_deadline(absl::ToChronoTime(absl::Now() + kWait));
    return stub_->ExportEnrollments(context, pb::ExportEnrollmentsRequest());
  }

  BoundedExecutor executor_{2, 16};
  ScriptedExport service_{&executor_};
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<pb::EnrollmentService::Stub> stub_;
};

TEST_F(BatchStreamTest, WritesEveryBatchInOrderAndEndsOk) {
  grpc::ClientContext context;
  std::shared_ptr<Probe> probe;
  auto reader = Start({.sizes = {3, 1, 4, 1, 5}}, &context, &probe);
  std::vector<std::string> names;
  const grpc::Status status = ReadNames(*reader, &names);
  EXPECT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(names.size(), 14u);
  EXPECT_EQ(names.front(), "0/0");
  EXPECT_EQ(names[3], "1/0");
  EXPECT_EQ(names.back(), "4/4");
  EXPECT_EQ(probe->reads(), 6);  // five batches and the empty one that ends the export
}

// The source is asked for the next batch while the previous one is still on its way: here the
// first (24 MiB, more than the socket buffers and flow control let through unread) waits for a
// consumer that reads nothing until the source has been asked twice.
TEST_F(BatchStreamTest, ReadsTheNextBatchWhileThePreviousIsOnItsWay) {
  grpc::ClientContext context;
  std::shared_ptr<Probe> probe;
  auto reader = Start({.sizes = {3, 3, 3}, .padding = 8 << 20}, &context, &probe);
  EXPECT_TRUE(probe->AwaitReads(2));
  int batches = 0;
  Batch batch;
  while (reader->Read(&batch)) ++batches;
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_EQ(batches, 3);
}

TEST_F(BatchStreamTest, AFailedReadEndsTheCallAfterTheBatchesBeforeIt) {
  grpc::ClientContext context;
  std::shared_ptr<Probe> probe;
  auto reader = Start(
      {.sizes = {2, 2, 2},
       .errors = {absl::OkStatus(), absl::OkStatus(), absl::UnavailableError("the database")}},
      &context, &probe);
  int batches = 0;
  Batch batch;
  while (reader->Read(&batch)) ++batches;
  const grpc::Status status = reader->Finish();
  EXPECT_EQ(batches, 2);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(status.error_message(), "the database");
}

// A read that lets the next one start overlaps it (here each waits for the next to start: without
// the overlap it would wait in vain), and the batches are still written in their order.
TEST_F(BatchStreamTest, AReadThatLetsTheNextStartOverlapsItAndTheOrderHolds) {
  grpc::ClientContext context;
  std::shared_ptr<Probe> probe;
  auto reader = Start({.sizes = {2, 3, 1}, .early = {true, true, false}, .await_next = true},
                      &context, &probe);
  std::vector<std::string> names;
  const grpc::Status status = ReadNames(*reader, &names);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(names, (std::vector<std::string>{"0/0", "0/1", "1/0", "1/1", "1/2", "2/0"}));
  EXPECT_EQ(probe->reads(), 4);
}

// A read that failed after letting the next one start ends the call after the batches before it:
// the next batch, read meanwhile, is not written.
TEST_F(BatchStreamTest, AFailedReadThatLetTheNextStartEndsTheCallBeforeIt) {
  grpc::ClientContext context;
  std::shared_ptr<Probe> probe;
  auto reader = Start({.sizes = {2, 2, 2},
                       .errors = {absl::OkStatus(), absl::UnavailableError("the database")},
                       .early = {false, true},
                       .await_next = true},
                      &context, &probe);
  std::vector<std::string> names;
  const grpc::Status status = ReadNames(*reader, &names);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(names, (std::vector<std::string>{"0/0", "0/1"}));
  EXPECT_EQ(probe->reads(), 3);
}

// A consumer that leaves mid-export ends the call; the reactor, and the source it holds, go.
TEST_F(BatchStreamTest, AConsumerThatLeavesEndsTheCall) {
  std::shared_ptr<absl::Notification> released;
  {
    grpc::ClientContext context;
    std::shared_ptr<Probe> probe;
    auto reader = Start({.sizes = std::vector<int>(1000, 50), .padding = 1000}, &context, &probe);
    Batch batch;
    ASSERT_TRUE(reader->Read(&batch));
    context.TryCancel();
    while (reader->Read(&batch)) {
    }
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
    EXPECT_LT(probe->reads(), 1000);
    released = probe->released_;
  }
  EXPECT_TRUE(released->WaitForNotificationWithTimeout(kWait));
}

}  // namespace
}  // namespace luban
