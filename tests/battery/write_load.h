// The battery's write load and what a fault must not break, shared by the fault tests on one
// database (faults_test.cc) and on a Galera cluster (galera_test.cc).
#ifndef LUBAN_TESTS_BATTERY_WRITE_LOAD_H_
#define LUBAN_TESTS_BATTERY_WRITE_LOAD_H_

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/battery/battery_network.h"

namespace luban::testing {

// How long `addr`'s health took to become `want`, watched with Health/Watch (no polling).
absl::StatusOr<absl::Duration> AwaitHealth(
    LocalSuite& suite, const std::string& addr,
    grpc::health::v1::HealthCheckResponse::ServingStatus want, absl::Duration timeout);

// Enrollments of `trainees` into `run` from `threads` threads, each with its own request_id,
// retried with the same request_id until acknowledged (a client that does what the API asks of
// it). Records what every attempt answered.
class EnrollLoad {
 public:
  EnrollLoad(BatteryNetwork& network, std::string run, std::vector<std::string> trainees,
             std::string tag)
      : network_(network),
        run_(std::move(run)),
        trainees_(std::move(trainees)),
        tag_(std::move(tag)),
        answers_(trainees_.size()) {}
  ~EnrollLoad() { Stop(); }

  // A new run with `writes` seats and `writes` new trainees of its workshop, one write each.
  static absl::StatusOr<std::unique_ptr<EnrollLoad>> Prepare(BatteryNetwork& network, int writes,
                                                             const std::string& tag) {
    auto run = network.CreateRun(writes, tag);
    if (!run.ok()) return run.status();
    auto trainees = network.CreateTrainees(writes, tag);
    if (!trainees.ok()) return trainees.status();
    return std::make_unique<EnrollLoad>(network, run->name(), *std::move(trainees), tag);
  }
  const std::string& run() const { return run_; }

  void Start(int threads) {
    for (int t = 0; t < threads; ++t) threads_.emplace_back([this] { Work(); });
  }

  // Waits until `count` writes are acknowledged.
  bool AwaitAcknowledged(int count, absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto reached = [this, count]()
                       ABSL_SHARED_LOCKS_REQUIRED(mu_) { return acknowledged_ >= count; };
    return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
  }
  bool AwaitAll(absl::Duration timeout) {
    return AwaitAcknowledged(static_cast<int>(trainees_.size()), timeout);
  }
  // Ends the load (what is not acknowledged stays so) and joins.
  void Stop() {
    stopping_ = true;
    for (std::thread& thread : threads_) thread.join();
    threads_.clear();
  }

  int acknowledged() const {
    absl::MutexLock lock(&mu_);
    return acknowledged_;
  }
  // The enrollment each trainee was acknowledged with ("" if none).
  const std::vector<std::string>& answers() const { return answers_; }
  std::map<grpc::StatusCode, int> codes() const {
    absl::MutexLock lock(&mu_);
    return codes_;
  }
  // "code: message" of the first failure of each code.
  std::string Failures() const {
    absl::MutexLock lock(&mu_);
    std::string text;
    for (const auto& [code, message] : messages_) absl::StrAppend(&text, "\n", code, ": ", message);
    return text;
  }
  int attempts() const {
    absl::MutexLock lock(&mu_);
    int total = 0;
    for (const auto& [code, count] : codes_) total += count;
    return total;
  }
  // How long each acknowledged call took (its last attempt), shortest first.
  std::vector<absl::Duration> OkLatencies() const {
    absl::MutexLock lock(&mu_);
    std::vector<absl::Duration> latencies;
    latencies.reserve(ok_spans_.size());
    for (const auto& [start, end] : ok_spans_) latencies.push_back(end - start);
    std::sort(latencies.begin(), latencies.end());
    return latencies;
  }
  // Calls that were in flight at `when` and answered OK.
  int OkAcross(absl::Time when) const {
    absl::MutexLock lock(&mu_);
    int count = 0;
    for (const auto& [start, end] : ok_spans_) count += start < when && end > when;
    return count;
  }

 private:
  void Work() {
    for (int i = next_++; i < static_cast<int>(trainees_.size()) && !stopping_; i = next_++) {
      enrollment_pb::EnrollRequest enroll;
      enroll.set_trainee(trainees_[i]);
      enroll.set_course_run(run_);
      enroll.set_request_id(absl::StrCat("load-", tag_, "-", i));
      while (!stopping_) {
        enrollment_pb::Enrollment answer;
        const absl::Time start = absl::Now();
        grpc::Status status =
            network_.enrollment().Enroll(network_.Context(absl::Seconds(5)).get(), enroll, &answer);
        const absl::Time end = absl::Now();
        {
          absl::MutexLock lock(&mu_);
          if (++codes_[status.error_code()] == 1 && !status.ok()) {
            messages_[status.error_code()] = status.error_message();
          }
          if (status.ok()) {
            answers_[i] = answer.name();
            ++acknowledged_;
            ok_spans_.emplace_back(start, end);
          }
        }
        if (status.ok()) break;
        absl::SleepFor(absl::Milliseconds(50));  // client backoff: the service or database is away
      }
    }
  }

  BatteryNetwork& network_;
  const std::string run_;
  const std::vector<std::string> trainees_;
  const std::string tag_;
  std::vector<std::string> answers_;  // by index; each written by one thread, read after Stop
  std::atomic<int> next_{0};
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
  mutable absl::Mutex mu_;
  int acknowledged_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<grpc::StatusCode, int> codes_ ABSL_GUARDED_BY(mu_);
  std::map<grpc::StatusCode, std::string> messages_ ABSL_GUARDED_BY(mu_);  // the first of each
  std::vector<std::pair<absl::Time, absl::Time>> ok_spans_ ABSL_GUARDED_BY(mu_);
};

// " code:count" for each code, for failure messages.
std::string Codes(const std::map<grpc::StatusCode, int>& codes);

// Every acknowledged enrollment of the load is stored, once per trainee, and its run's seat
// counter agrees with the rows: what a crash must not break. Records the figures in `section`.
void ExpectAcknowledgedWritesStored(BatteryNetwork& network, const EnrollLoad& load,
                                    absl::string_view section);

// Waits until the enrollment service has applied every event of the course feed: the course's
// events are all numbered, the enrollment's cursor is the course's head, and `run_name`'s mirror
// agrees with the course's run.
void ExpectFeedCaughtUp(BatteryNetwork& network, const std::string& run_name,
                        absl::string_view section);

// Waits until every change event of the three services is numbered, then checks that each
// feed is dense: its events carry the numbers 1..N, none missing or repeated (what two replicas
// writing through different nodes must not break).
void ExpectFeedsDense(BatteryNetwork& network, absl::string_view section);

}  // namespace luban::testing

#endif  // LUBAN_TESTS_BATTERY_WRITE_LOAD_H_
