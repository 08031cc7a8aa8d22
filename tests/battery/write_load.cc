#include "tests/battery/write_load.h"

#include <set>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/battery/battery_report.h"

namespace luban::testing {

using ::grpc::health::v1::HealthCheckResponse;

absl::StatusOr<absl::Duration> AwaitHealth(LocalSuite& suite, const std::string& addr,
                                           HealthCheckResponse::ServingStatus want,
                                           absl::Duration timeout) {
  auto channel = suite.Channel(addr);
  if (!channel.ok()) return channel.status();
  auto stub = grpc::health::v1::Health::NewStub(*channel);
  const absl::Time start = absl::Now();
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(start + timeout));
  auto reader = stub->Watch(&context, {});
  HealthCheckResponse response;
  while (reader->Read(&response)) {
    if (response.status() == want) {
      context.TryCancel();
      reader->Finish();  // CANCELLED: we ended it
      return absl::Now() - start;
    }
  }
  grpc::Status status = reader->Finish();
  return absl::DeadlineExceededError(
      absl::StrCat(addr, " did not report ", HealthCheckResponse::ServingStatus_Name(want), " in ",
                   absl::FormatDuration(timeout), ": ", status.error_message()));
}

std::string Codes(const std::map<grpc::StatusCode, int>& codes) {
  std::string text;
  for (const auto& [code, count] : codes) absl::StrAppend(&text, " ", code, ":", count);
  return text;
}

void ExpectAcknowledgedWritesStored(BatteryNetwork& network, const EnrollLoad& load,
                                    absl::string_view section) {
  auto stored = network.EnrollmentsOf(load.run());
  ASSERT_TRUE(stored.ok()) << stored.status();
  std::map<std::string, int> per_trainee;
  std::set<std::string> names;
  for (const auto& enrollment : *stored) {
    ++per_trainee[enrollment.trainee()];
    names.insert(enrollment.name());
  }
  int found = 0;
  for (const std::string& answer : load.answers()) {
    if (answer.empty()) continue;
    EXPECT_TRUE(names.contains(answer))
        << answer << " was acknowledged but is not stored; in the database: "
        << network.suite()
               .enrollment_db()
               .QueryValue(absl::StrCat(
                   "SELECT CONCAT_WS(' ', COUNT(*), MIN(trainee_id), MIN(run_id), MIN(state)) "
                   "FROM enrollments WHERE id = ",
                   answer.substr(answer.find('/') + 1)))
               .value_or("?")
        << "; MariaDB's log:\n"
        << (network.database() != nullptr ? network.database()->Log() : "");
    found += names.contains(answer);
  }
  int duplicates = 0;
  for (const auto& [trainee, count] : per_trainee) duplicates += count - 1;
  EXPECT_EQ(duplicates, 0);
  auto inconsistent = network.InconsistentRunSeats();
  ASSERT_TRUE(inconsistent.ok()) << inconsistent.status();
  EXPECT_EQ(*inconsistent, 0)
      << "run_seats.enrolled disagrees with the enrollments: "
      << network.suite()
             .enrollment_db()
             .QueryValue(
                 "SELECT GROUP_CONCAT(CONCAT('run ', r.run_id, ' counts ', r.enrolled, ', holds ', "
                 "(SELECT COUNT(*) FROM enrollments AS e WHERE e.run_id = r.run_id AND e.state IN "
                 "(2, 3, 4)), ' (version ', r.run_version, ', capacity ', r.capacity, ')')) FROM "
                 "run_seats AS r WHERE r.enrolled <> (SELECT COUNT(*) FROM enrollments AS e WHERE "
                 "e.run_id = r.run_id AND e.state IN (2, 3, 4))")
             .value_or("?")
      << " (the load's run: " << load.run() << ")";
  RecordFigure(section, "writes acknowledged", int64_t{load.acknowledged()});
  RecordFigure(section, "acknowledged writes found in the database", int64_t{found});
  RecordFigure(section, "enrollments stored twice", int64_t{duplicates});
  RecordFigure(section, "runs whose seat counter disagrees with its rows", *inconsistent);
  RecordFigure(section, "Enroll attempts (retries with the same request_id included)",
               int64_t{load.attempts()});
}

void ExpectFeedCaughtUp(BatteryNetwork& network, const std::string& run_name,
                        absl::string_view section) {
  int64_t run_id = 0;
  ASSERT_TRUE(absl::SimpleAtoi(run_name.substr(run_name.find('/') + 1), &run_id)) << run_name;
  const absl::Time give_up = absl::Now() + absl::Seconds(60);
  std::string last;
  while (true) {
    auto unnumbered = network.suite().course_db().QueryInt(
        "SELECT COUNT(*) FROM change_events WHERE sequence IS NULL");
    auto head = network.suite().course_db().QueryInt("SELECT last_sequence FROM change_feed_head");
    auto cursor =
        network.suite().enrollment_db().QueryInt("SELECT MAX(last_sequence) FROM feed_cursors");
    auto source = network.suite().course_db().QueryValue(
        absl::StrCat("SELECT CONCAT(capacity, '/', version) FROM course_runs WHERE id = ", run_id));
    auto mirror = network.suite().enrollment_db().QueryValue(absl::StrCat(
        "SELECT CONCAT(capacity, '/', run_version) FROM run_seats WHERE run_id = ", run_id));
    ASSERT_TRUE(unnumbered.ok() && head.ok() && cursor.ok() && source.ok() && mirror.ok())
        << unnumbered.status() << head.status() << cursor.status() << source.status()
        << mirror.status();
    last = absl::StrCat("unnumbered ", *unnumbered, ", head ", *head, ", cursor ", *cursor,
                        ", run ", *source, ", mirror ", *mirror);
    if (*unnumbered == 0 && *head == *cursor && *source == *mirror) {
      RecordFigure(section, "course feed events, all applied by the enrollment service", *head);
      return;
    }
    ASSERT_LT(absl::Now(), give_up) << "the feed did not catch up: " << last;
    absl::SleepFor(absl::Milliseconds(50));  // a poll interval, not a synchronisation
  }
}

void ExpectFeedsDense(BatteryNetwork& network, absl::string_view section) {
  LocalSuite& suite = network.suite();
  int64_t events = 0;
  for (TestDatabase* db : {&suite.course_db(), &suite.enrollment_db(), &suite.exchange_db()}) {
    const absl::Time give_up = absl::Now() + absl::Seconds(60);
    while (true) {
      auto unnumbered = db->QueryInt("SELECT COUNT(*) FROM change_events WHERE sequence IS NULL");
      ASSERT_TRUE(unnumbered.ok()) << unnumbered.status();
      if (*unnumbered == 0) break;
      ASSERT_LT(absl::Now(), give_up)
          << *unnumbered << " events of " << db->schema() << " still unnumbered";
      absl::SleepFor(absl::Milliseconds(50));  // a poll interval, not a synchronisation
    }
    auto shape = db->QueryValue(
        "SELECT CONCAT(COUNT(*), ' ', COUNT(DISTINCT sequence), ' ', IFNULL(MIN(sequence), 1), ' ',"
        " IFNULL(MAX(sequence), 0)) FROM change_events");
    ASSERT_TRUE(shape.ok()) << shape.status();
    auto head = db->QueryInt("SELECT last_sequence FROM change_feed_head");
    ASSERT_TRUE(head.ok()) << head.status();
    // "count distinct first last": dense when count = distinct = last and first = 1.
    std::vector<std::string> parts = absl::StrSplit(*shape, ' ');
    ASSERT_EQ(parts.size(), 4u) << *shape;
    EXPECT_EQ(parts[0], parts[1]) << db->schema() << ": a number given twice (" << *shape << ")";
    EXPECT_EQ(parts[2], "1") << db->schema() << ": the feed does not start at 1 (" << *shape << ")";
    EXPECT_EQ(parts[3], parts[0]) << db->schema() << ": numbers missing (" << *shape << ")";
    EXPECT_EQ(parts[3], absl::StrCat(*head)) << db->schema() << ": the head is elsewhere";
    events += *head;
  }
  RecordFigure(section, "change events of the three feeds, numbered 1..N without a gap", events);
}

}  // namespace luban::testing
