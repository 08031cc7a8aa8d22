// RunAllCalls, the seeding loop of luban-bench: every number runs to an end, retryable failures
// start the same number again (and so the same request and request_id), others are counted.
#include "tools/bench/closed_loop.h"

#include <map>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"

namespace luban::bench {
namespace {

bool AbortedOnly(const grpc::Status& status) {
  return status.error_code() == grpc::StatusCode::ABORTED;
}

// Answers each call at once with the next status scripted for its number (OK once the script
// runs out), and records how often each number was started.
class ScriptedCalls {
 public:
  explicit ScriptedCalls(std::map<int64_t, std::vector<grpc::Status>> script)
      : script_(std::move(script)) {}

  void Start(int64_t n, CallDone done) {
    grpc::Status status;
    {
      absl::MutexLock lock(&mu_);
      const int attempt = starts_[n]++;
      auto it = script_.find(n);
      if (it != script_.end() && attempt < static_cast<int>(it->second.size())) {
        status = it->second[attempt];
      }
    }
    std::move(done)(status);
  }

  std::map<int64_t, int> starts() {
    absl::MutexLock lock(&mu_);
    return starts_;
  }

 private:
  const std::map<int64_t, std::vector<grpc::Status>> script_;
  absl::Mutex mu_;
  std::map<int64_t, int> starts_ ABSL_GUARDED_BY(mu_);
};

const grpc::Status kConflict(grpc::StatusCode::ABORTED, "conflicting concurrent change");

TEST(RunAllCallsTest, RetryableFailuresStartTheSameCallAgainAndAreCounted) {
  ScriptedCalls calls({{3, {kConflict, kConflict}}});
  const AllCallsResult result = RunAllCalls(
      10, 4, 5, AbortedOnly, [&](int64_t n, CallDone done) { calls.Start(n, std::move(done)); });
  EXPECT_TRUE(result.failed.empty()) << result.first_failure;
  EXPECT_EQ(result.retries(), 2);
  EXPECT_EQ(AllCallsResult::Summary(result.retried), "ABORTED=2");
  const std::map<int64_t, int> starts = calls.starts();
  ASSERT_EQ(starts.size(), 10u);
  for (const auto& [n, count] : starts) EXPECT_EQ(count, n == 3 ? 3 : 1) << n;
}

TEST(RunAllCallsTest, OtherFailuresAndExhaustedRetriesAreReportedWithTheFirstMessage) {
  ScriptedCalls calls({{1, {grpc::Status(grpc::StatusCode::NOT_FOUND, "trainees/9: not found")}},
                       {2, {kConflict, kConflict, kConflict}}});
  const AllCallsResult result = RunAllCalls(
      4, 1, 3, AbortedOnly, [&](int64_t n, CallDone done) { calls.Start(n, std::move(done)); });
  EXPECT_EQ(AllCallsResult::Summary(result.failed), "ABORTED=1 NOT_FOUND=1");
  EXPECT_EQ(result.first_failure, "NOT_FOUND: trainees/9: not found");
  EXPECT_EQ(AllCallsResult::Summary(result.retried), "ABORTED=2");
  const std::map<int64_t, int> starts = calls.starts();
  EXPECT_EQ(starts.at(1), 1) << "NOT_FOUND is not retried";
  EXPECT_EQ(starts.at(2), 3) << "three attempts in all";
  EXPECT_EQ(starts.at(3), 1);
}

}  // namespace
}  // namespace luban::bench
