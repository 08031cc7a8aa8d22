// RenderReport: the figures of docs/performance.md from the benchmark's JSON lines.
#include "tools/bench/report.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace luban::bench {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Load(absl::string_view target, absl::string_view scenario, int concurrency, double rate,
                 int round) {
  return absl::Substitute(
      R"({"kind":"load","target":"$0","scenario":"$1","concurrency":$2,"round":$4,)"
      R"("calls_per_second":$3,"p50_us":1000,"p90_us":2000,"p99_us":3000,"p999_us":4000,)"
      R"("errors":{}})"
      "\n",
      target, scenario, concurrency, rate, round);
}

// Three rounds of `target`: the median is the middle value whatever the order.
std::string Rounds(absl::string_view target, absl::string_view scenario, double low, double mid,
                   double high) {
  return absl::StrCat(Load(target, scenario, 8, high, 1), Load(target, scenario, 8, low, 2),
                      Load(target, scenario, 8, mid, 3));
}

TEST(RenderReportTest, RatiosToEachCeilingAreOfTheMediansOfTheRounds) {
  const std::string jsonl = absl::StrCat(Rounds("suite", "point", 5000, 6000, 9000),
                                         Rounds("plain", "point", 20000, 24000, 30000),
                                         Rounds("ceiling", "point", 15000, 16000, 17000),
                                         Rounds("database", "point", 7000, 8000, 9500));
  auto report = RenderReport(jsonl);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_THAT(*report,
              HasSubstr("| point | 8 | 6000 | 24000 | 0.25 | 16000 | 0.38 | 8000 | 0.75 | 1.00 |"));
  EXPECT_THAT(*report, HasSubstr("| point read (GetTrainee) at 8 >= 0.4 x plain gRPC | 0.25 x | "
                                 "**not met** |"));
  EXPECT_THAT(*report, HasSubstr("The point read at 8 against the database ceiling: the ceiling "
                                 "reaches 0.33 x plain gRPC, the suite 0.75 x the ceiling."));
}

TEST(RenderReportTest, AScenarioWithoutADatabaseCeilingHasNoRatioToIt) {
  const std::string jsonl = absl::StrCat(Rounds("suite", "page", 2000, 2500, 3000),
                                         Rounds("plain", "page", 10000, 12500, 15000));
  auto report = RenderReport(jsonl);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_THAT(*report, HasSubstr("| page | 8 | 2500 | 12500 | 0.20 | - | - | - | - | 1.00 |"));
  EXPECT_THAT(*report, Not(HasSubstr("against the database ceiling")));
}

TEST(RenderReportTest, EnrollIsSetAgainstTheDatabaseCeilingAndTheCeilingAgainstSysbench) {
  std::string jsonl;
  for (int round = 1; round <= 3; ++round) {
    absl::StrAppend(&jsonl, Load("suite", "write", 4, 900 + 100 * round, round),
                    Load("database", "write", 4, 2100 - 100 * round, round),
                    absl::Substitute(R"({"kind":"sysbench","test":"oltp_insert","threads":4,)"
                                     R"("tps":$0,"round":$1})"
                                     "\n",
                                     7000 + 1000 * (round % 3), round));
  }
  auto report = RenderReport(jsonl);
  ASSERT_TRUE(report.ok()) << report.status();
  // Medians: the suite 1100, the ceiling 1900, sysbench 8000.
  EXPECT_THAT(*report, HasSubstr("| write | 4 | 1100 | - | - | - | - | 1900 | 0.58 |"));
  EXPECT_THAT(*report, HasSubstr("| write (Enroll) at 4 >= 0.4 x sysbench oltp_insert at 4 | "
                                 "0.14 x | **not met** |"));
  EXPECT_THAT(*report,
              HasSubstr("Enroll at 4 against the database ceiling: the ceiling reaches "
                        "0.24 x sysbench oltp_insert at 4, the suite 0.58 x the ceiling."));
}

TEST(RenderReportTest, ALineThatIsNotJsonIsRefusedByItsNumber) {
  auto report = RenderReport(absl::StrCat(Load("suite", "point", 8, 100, 1), "not json\n"));
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(report.status().message()), HasSubstr("line 2"));
}

}  // namespace
}  // namespace luban::bench
