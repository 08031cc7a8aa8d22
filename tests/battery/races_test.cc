// Races for the last places (the battery): many concurrent Enroll calls for the last seats of a
// run, each trainee twice at once, and many concurrent ApproveMobility calls for the last
// places of a programme's quota. Never over capacity or quota, never two open enrollments of
// one trainee in a run, every waitlist position once, and the stored counters agree with the
// rows.
#include "tests/battery/races.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

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
  RaceForTheLastSeats(*network_, kSection);
}

TEST_F(RacesTest, ConcurrentApprovalsNeverExceedTheQuota) {
  RaceForTheLastPlaces(*network_, kSection);
}

}  // namespace
}  // namespace luban::testing
