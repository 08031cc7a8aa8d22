#include "tests/battery/races.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "tests/battery/battery_report.h"

namespace luban::testing {
namespace {

// "\n<code>: <message>" for the first answer of each code.
std::string Answers(const std::map<grpc::StatusCode, std::string>& messages) {
  std::string text;
  for (const auto& [code, message] : messages) absl::StrAppend(&text, "\n", code, ": ", message);
  return text;
}

}  // namespace

void RaceForTheLastSeats(BatteryNetwork& network, absl::string_view section) {
  const int capacity = BatteryScale(5, 20);
  const int trainees = BatteryScale(40, 300);
  const int threads = 16;
  auto run = network.CreateRun(capacity, "race");
  ASSERT_TRUE(run.ok()) << run.status();
  auto names = network.CreateTrainees(trainees, "race");
  ASSERT_TRUE(names.ok()) << names.status();

  // Every trainee twice, with different request ids, interleaved so that both copies are in
  // flight together.
  std::atomic<int> next{0};
  absl::Mutex mu;
  std::map<grpc::StatusCode, int> codes;
  std::map<grpc::StatusCode, std::string> messages;            // the first of each code
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
        grpc::Status status = network.enrollment().Enroll(network.Context().get(), enroll, &answer);
        absl::MutexLock lock(&mu);
        if (++codes[status.error_code()] == 1)
          messages[status.error_code()] = status.error_message();
        if (status.ok()) enrollment_of[enroll.trainee()].insert(answer.name());
      }
    });
  }
  for (std::thread& thread : pool) thread.join();

  // Each trainee's second call is ALREADY_EXISTS (or, if it came first, the first one is).
  EXPECT_EQ(codes[grpc::StatusCode::OK], trainees);
  EXPECT_EQ(codes[grpc::StatusCode::ALREADY_EXISTS], trainees);
  EXPECT_EQ(codes.size(), 2u) << "codes other than OK and ALREADY_EXISTS:" << Answers(messages);

  auto stored = network.EnrollmentsOf(run->name());
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
  auto inconsistent = network.InconsistentRunSeats();
  ASSERT_TRUE(inconsistent.ok()) << inconsistent.status();
  EXPECT_EQ(*inconsistent, 0) << "run_seats.enrolled disagrees with the enrollments";

  RecordFigure(section, "Enroll calls, each trainee twice at once", int64_t{2} * trainees);
  RecordFigure(section, "seats in the run", int64_t{capacity});
  RecordFigure(section, "enrolled after the race", int64_t{enrolled});
  RecordFigure(section, "waitlisted after the race, positions distinct",
               static_cast<int64_t>(positions.size()));
  RecordFigure(section, "duplicate enrollments", int64_t{duplicates});
  RecordFigure(section, "enrolled over capacity", int64_t{std::max(0, enrolled - capacity)});
}

void RaceForTheLastPlaces(BatteryNetwork& network, absl::string_view section) {
  const int quota = BatteryScale(3, 10);
  const int nominees = BatteryScale(24, 150);
  const int threads = 16;
  auto programme = network.CreateProgramme(quota, "race");
  ASSERT_TRUE(programme.ok()) << programme.status();
  auto mobilities = network.NominateTeachers(programme->name(), nominees, "race");
  ASSERT_TRUE(mobilities.ok()) << mobilities.status();

  std::atomic<int> next{0};
  absl::Mutex mu;
  std::map<grpc::StatusCode, int> codes;
  std::map<grpc::StatusCode, std::string> messages;  // the first of each code
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i = next++; i < nominees; i = next++) {
        exchange_pb::ApproveMobilityRequest approve;
        approve.set_name((*mobilities)[i]);
        approve.set_request_id(absl::StrCat("race-approve-", i));
        exchange_pb::Mobility answer;
        grpc::Status status =
            network.exchange().ApproveMobility(network.Context().get(), approve, &answer);
        absl::MutexLock lock(&mu);
        if (++codes[status.error_code()] == 1)
          messages[status.error_code()] = status.error_message();
      }
    });
  }
  for (std::thread& thread : pool) thread.join();

  EXPECT_EQ(codes[grpc::StatusCode::OK], quota);
  EXPECT_EQ(codes[grpc::StatusCode::FAILED_PRECONDITION], nominees - quota);
  EXPECT_EQ(codes.size(), 2u) << "codes other than OK and FAILED_PRECONDITION:"
                              << Answers(messages);

  exchange_pb::GetProgrammeRequest get;
  get.set_name(programme->name());
  exchange_pb::Programme after;
  ASSERT_TRUE(network.exchange().GetProgramme(network.Context().get(), get, &after).ok());
  EXPECT_EQ(after.approved_count(), quota);
  exchange_pb::ListMobilitiesRequest list;
  list.set_programme(programme->name());
  list.set_page_size(1000);
  exchange_pb::ListMobilitiesResponse listed;
  ASSERT_TRUE(network.exchange().ListMobilities(network.Context().get(), list, &listed).ok());
  int approved = 0;
  for (const auto& mobility : listed.mobilities()) {
    if (mobility.state() == exchange_pb::MOBILITY_STATE_APPROVED) ++approved;
  }
  EXPECT_EQ(approved, quota);
  EXPECT_EQ(listed.mobilities_size(), nominees);

  RecordFigure(section, "ApproveMobility calls at once", int64_t{nominees});
  RecordFigure(section, "places in the quota", int64_t{quota});
  RecordFigure(section, "approved after the race", int64_t{approved});
  RecordFigure(section, "approved over the quota", int64_t{std::max(0, approved - quota)});
}

}  // namespace luban::testing
