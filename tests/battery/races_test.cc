// Races for the last places (the battery): many concurrent Enroll calls for the last seats of a
// run, each trainee twice at once, and many concurrent ApproveMobility calls for the last
// places of a programme's quota. Never over capacity or quota, never two open enrollments of
// one trainee in a run, every waitlist position once, and the stored counters agree with the
// rows.
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "tests/battery/battery_network.h"
#include "tests/battery/battery_report.h"

namespace luban::testing {
namespace {

constexpr char kSection[] = "Races for the last places";

class RacesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LUBAN_REQUIRE_TEST_DATABASE();
    dir_ = MakeTempDir("luban-races");
    ASSERT_FALSE(dir_.empty()) << std::strerror(errno);
    // More connections than usual, so that the calls really meet in the database.
    BatteryNetwork::Options options;
    options.pool_size = 8;
    auto network = BatteryNetwork::Start(dir_, options);
    ASSERT_TRUE(network.ok()) << network.status();
    network_ = *std::move(network);
  }
  void TearDown() override {
    network_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  std::string dir_;
  std::unique_ptr<BatteryNetwork> network_;
};

TEST_F(RacesTest, ConcurrentEnrollsNeverOverbookTheLastSeats) {
  const int capacity = BatteryScale(5, 20);
  const int trainees = BatteryScale(40, 300);
  const int threads = 16;
  auto run = network_->CreateRun(capacity, "race");
  ASSERT_TRUE(run.ok()) << run.status();
  auto names = network_->CreateTrainees(trainees, "race");
  ASSERT_TRUE(names.ok()) << names.status();

  // Every trainee twice, with different request ids, interleaved so that both copies are in
  // flight together.
  std::atomic<int> next{0};
  absl::Mutex mu;
  std::map<grpc::StatusCode, int> codes;
  std::map<std::string, std::set<std::string>> enrollment_of;  // trainee -> names answered
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i = next++; i < 2 * trainees; i = next++) {
        enrollment_pb::EnrollRequest enroll;
        enroll.set_trainee((*names)[i / 2]);
        enroll.set_course_run(run->name());
        enroll.set_request_id(absl::StrCat("race-", i));
        enrollment_pb::Enrollment answer;
        grpc::Status status =
            network_->enrollment().Enroll(network_->Context().get(), enroll, &answer);
        absl::MutexLock lock(&mu);
        ++codes[status.error_code()];
        if (status.ok()) enrollment_of[enroll.trainee()].insert(answer.name());
      }
    });
  }
  for (std::thread& thread : pool) thread.join();

  // Each trainee's second call is ALREADY_EXISTS (or, if it came first, the first one is).
  EXPECT_EQ(codes[grpc::StatusCode::OK], trainees);
  EXPECT_EQ(codes[grpc::StatusCode::ALREADY_EXISTS], trainees);
  EXPECT_EQ(codes.size(), 2u) << "codes other than OK and ALREADY_EXISTS";

  auto stored = network_->EnrollmentsOf(run->name());
  ASSERT_TRUE(stored.ok()) << stored.status();
  int enrolled = 0;
  std::set<int> positions;
  std::map<std::string, int> per_trainee;
  for (const auto& enrollment : *stored) {
    ++per_trainee[enrollment.trainee()];
    if (enrollment.state() == enrollment_pb::ENROLLMENT_STATE_ENROLLED) ++enrolled;
    if (enrollment.state() == enrollment_pb::ENROLLMENT_STATE_WAITLISTED) {
      EXPECT_TRUE(positions.insert(enrollment.waitlist_position()).second)
          << "waitlist position " << enrollment.waitlist_position() << " given twice";
    }
  }
  int duplicates = 0;
  for (const auto& [trainee, count] : per_trainee) duplicates += count - 1;
  EXPECT_EQ(enrolled, capacity);
  EXPECT_EQ(static_cast<int>(stored->size()), trainees);
  EXPECT_EQ(duplicates, 0);
  EXPECT_EQ(static_cast<int>(positions.size()), trainees - capacity);
  if (!positions.empty()) {
    EXPECT_EQ(*positions.begin(), 1);
    EXPECT_EQ(*positions.rbegin(), trainees - capacity);
  }
  for (const auto& [trainee, answered] : enrollment_of) {
    EXPECT_EQ(answered.size(), 1u) << trainee << " got two enrollments";
  }
  auto inconsistent = network_->InconsistentRunSeats();
  ASSERT_TRUE(inconsistent.ok()) << inconsistent.status();
  EXPECT_EQ(*inconsistent, 0) << "run_seats.enrolled disagrees with the enrollments";

  RecordFigure(kSection, "Enroll calls, each trainee twice at once", int64_t{2} * trainees);
  RecordFigure(kSection, "seats in the run", int64_t{capacity});
  RecordFigure(kSection, "enrolled after the race", int64_t{enrolled});
  RecordFigure(kSection, "waitlisted after the race, positions distinct",
               static_cast<int64_t>(positions.size()));
  RecordFigure(kSection, "duplicate enrollments", int64_t{duplicates});
  RecordFigure(kSection, "enrolled over capacity", int64_t{std::max(0, enrolled - capacity)});
}

TEST_F(RacesTest, ConcurrentApprovalsNeverExceedTheQuota) {
  const int quota = BatteryScale(3, 10);
  const int nominees = BatteryScale(24, 150);
  const int threads = 16;
  auto programme = network_->CreateProgramme(quota, "race");
  ASSERT_TRUE(programme.ok()) << programme.status();
  auto mobilities = network_->NominateTeachers(programme->name(), nominees, "race");
  ASSERT_TRUE(mobilities.ok()) << mobilities.status();

  std::atomic<int> next{0};
  absl::Mutex mu;
  std::map<grpc::StatusCode, int> codes;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i = next++; i < nominees; i = next++) {
        exchange_pb::ApproveMobilityRequest approve;
        approve.set_name((*mobilities)[i]);
        approve.set_request_id(absl::StrCat("race-approve-", i));
        exchange_pb::Mobility answer;
        grpc::Status status =
            network_->exchange().ApproveMobility(network_->Context().get(), approve, &answer);
        absl::MutexLock lock(&mu);
        ++codes[status.error_code()];
      }
    });
  }
  for (std::thread& thread : pool) thread.join();

  EXPECT_EQ(codes[grpc::StatusCode::OK], quota);
  EXPECT_EQ(codes[grpc::StatusCode::FAILED_PRECONDITION], nominees - quota);
  EXPECT_EQ(codes.size(), 2u) << "codes other than OK and FAILED_PRECONDITION";

  exchange_pb::GetProgrammeRequest get;
  get.set_name(programme->name());
  exchange_pb::Programme after;
  ASSERT_TRUE(network_->exchange().GetProgramme(network_->Context().get(), get, &after).ok());
  EXPECT_EQ(after.approved_count(), quota);
  exchange_pb::ListMobilitiesRequest list;
  list.set_programme(programme->name());
  list.set_page_size(1000);
  exchange_pb::ListMobilitiesResponse listed;
  ASSERT_TRUE(network_->exchange().ListMobilities(network_->Context().get(), list, &listed).ok());
  int approved = 0;
  for (const auto& mobility : listed.mobilities()) {
    if (mobility.state() == exchange_pb::MOBILITY_STATE_APPROVED) ++approved;
  }
  EXPECT_EQ(approved, quota);
  EXPECT_EQ(listed.mobilities_size(), nominees);

  RecordFigure(kSection, "ApproveMobility calls at once", int64_t{nominees});
  RecordFigure(kSection, "places in the quota", int64_t{quota});
  RecordFigure(kSection, "approved after the race", int64_t{approved});
  RecordFigure(kSection, "approved over the quota", int64_t{std::max(0, approved - quota)});
}

}  // namespace
}  // namespace luban::testing
