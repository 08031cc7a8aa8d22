// luban-report's pure code: periods, compact tables, figures, the state file and the rendered
// CSV/JSON/HTML, with hand-made data (no network, no database).
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/report/html_check.h"
#include "tools/report/report_data.h"
#include "tools/report/report_render.h"
#include "tools/report/report_state.h"

namespace luban::report {
namespace {

using ::luban::report::testing::ElementCounts;
using ::luban::report::testing::HtmlProblem;

constexpr uint8_t kW = static_cast<uint8_t>(EnrollmentState::kWaitlisted);
constexpr uint8_t kE = static_cast<uint8_t>(EnrollmentState::kEnrolled);
constexpr uint8_t kC = static_cast<uint8_t>(EnrollmentState::kCompleted);
constexpr uint8_t kF = static_cast<uint8_t>(EnrollmentState::kFailed);
constexpr uint8_t kX = static_cast<uint8_t>(EnrollmentState::kWithdrawn);

// ---- periods ----------------------------------------------------------------------------------

TEST(PeriodTest, YearCoversTheWholeYear) {
  auto period = MakePeriod(2026, "", "");
  ASSERT_TRUE(period.ok()) << period.status();
  EXPECT_EQ(period->Label(), "2026");
  EXPECT_TRUE(period->Contains(absl::CivilDay(2026, 1, 1)));
  EXPECT_TRUE(period->Contains(absl::CivilDay(2026, 12, 31)));
  EXPECT_FALSE(period->Contains(absl::CivilDay(2025, 12, 31)));
  EXPECT_FALSE(period->Contains(absl::CivilDay(2027, 1, 1)));
}

TEST(PeriodTest, RangeIsInclusive) {
  auto period = MakePeriod(0, "2026-01-01", "2026-06-30");
  ASSERT_TRUE(period.ok()) << period.status();
  EXPECT_EQ(period->Label(), "2026-01-01..2026-06-30");
  EXPECT_TRUE(period->Contains(absl::CivilDay(2026, 6, 30)));
  EXPECT_FALSE(period->Contains(absl::CivilDay(2026, 7, 1)));
  EXPECT_TRUE(period->Overlaps(absl::CivilDay(2025, 12, 1), absl::CivilDay(2026, 1, 1)));
  EXPECT_TRUE(period->Overlaps(absl::CivilDay(2026, 6, 30), absl::CivilDay(2026, 8, 1)));
  EXPECT_FALSE(period->Overlaps(absl::CivilDay(2025, 1, 1), absl::CivilDay(2025, 12, 31)));
  EXPECT_FALSE(period->Overlaps(absl::CivilDay(2026, 7, 1), absl::CivilDay(2026, 7, 2)));
}

TEST(PeriodTest, RefusesBadFlags) {
  EXPECT_EQ(MakePeriod(0, "", "").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MakePeriod(2026, "2026-01-01", "").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MakePeriod(0, "2026-01-01", "").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MakePeriod(0, "2026-02-30", "2026-03-01").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MakePeriod(0, "2026-07-01", "2026-06-30").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MakePeriod(0, "2026-1-01", "2026-06-30").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MakePeriod(12, "", "").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(ParseDay("2026-06-3x").has_value());
  EXPECT_TRUE(ParseDay("2024-02-29").has_value());
  EXPECT_FALSE(ParseDay("2026-02-29").has_value());
}

// ---- small helpers ----------------------------------------------------------------------------

TEST(ReportDataTest, AgeBandsAtTheirEdges) {
  EXPECT_EQ(AgeBandName(AgeBand(2009, 2026)), "<18");    // 17
  EXPECT_EQ(AgeBandName(AgeBand(2008, 2026)), "18-24");  // 18
  EXPECT_EQ(AgeBandName(AgeBand(2002, 2026)), "18-24");  // 24
  EXPECT_EQ(AgeBandName(AgeBand(2001, 2026)), "25-34");  // 25
  EXPECT_EQ(AgeBandName(AgeBand(1992, 2026)), "25-34");  // 34
  EXPECT_EQ(AgeBandName(AgeBand(1991, 2026)), "35-44");  // 35
  EXPECT_EQ(AgeBandName(AgeBand(1982, 2026)), "35-44");  // 44
  EXPECT_EQ(AgeBandName(AgeBand(1981, 2026)), "45+");    // 45
  EXPECT_EQ(AgeBandName(AgeBand(0, 2026)), "unknown");
  EXPECT_EQ(AgeBandName(AgeBand(2030, 2026)), "unknown");
}

TEST(ReportDataTest, RatesRoundHalfUpWithFourDecimals) {
  EXPECT_EQ(FormatRate(RateBp(2, 3)), "0.6667");
  EXPECT_EQ(FormatRate(RateBp(1, 3)), "0.3333");
  EXPECT_EQ(FormatRate(RateBp(1, 8)), "0.1250");
  EXPECT_EQ(FormatRate(RateBp(1, 16)), "0.0625");     // 625 exactly
  EXPECT_EQ(FormatRate(RateBp(1, 20000)), "0.0001");  // 0.5 bp rounds up
  EXPECT_EQ(FormatRate(RateBp(3, 3)), "1.0000");
  EXPECT_EQ(FormatRate(RateBp(0, 5)), "0.0000");
  EXPECT_EQ(FormatRate(RateBp(1, 0)), "");
}

TEST(ReportDataTest, ResourceIds) {
  EXPECT_EQ(IdOf("workshops/12", "workshops"), 12);
  EXPECT_FALSE(IdOf("workshop/12", "workshops").has_value());
  EXPECT_FALSE(IdOf("workshops/", "workshops").has_value());
  EXPECT_FALSE(IdOf("workshops/1x", "workshops").has_value());
  EXPECT_FALSE(IdOf("workshops/-1", "workshops").has_value());
  EXPECT_EQ(CompactIdOf("trainees/4294967295", "trainees", "t").value(), 4294967295u);
  EXPECT_EQ(CompactIdOf("trainees/4294967296", "trainees", "t").status().code(),
            absl::StatusCode::kOutOfRange);
  EXPECT_EQ(CompactIdOf("x/1", "trainees", "t").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(UnpackCountry(PackCountry("TJ")), "TJ");
  EXPECT_LT(PackCountry("KG"), PackCountry("KZ"));  // packed order is code order
}

TEST(CompactTableTest, LaterPutsReplaceEarlierOnesAndRowsStaySorted) {
  CompactTable<EnrollmentRecord> table;
  table.Put({5, 1, 1, kW, 0});
  table.Put({2, 1, 2, kE, 0});
  table.Put({5, 1, 1, kE, 0});
  table.Flush();
  ASSERT_EQ(table.size(), 2u);
  EXPECT_EQ(table.rows()[0].id, 2u);
  EXPECT_EQ(table.rows()[1].state, kE);
  // A second batch replaces what is merged, in arrival order.
  table.Put({5, 1, 1, kC, 1});
  table.Put({3, 1, 3, kW, 0});
  table.Put({5, 1, 1, kF, 0});
  table.Flush();
  ASSERT_EQ(table.size(), 3u);
  EXPECT_EQ(table.rows()[0].id, 2u);
  EXPECT_EQ(table.rows()[1].id, 3u);
  ASSERT_NE(table.Find(5), nullptr);
  EXPECT_EQ(table.Find(5)->state, kF);
  EXPECT_EQ(table.Find(4), nullptr);
}

TEST(CompactTableTest, MergesOnItsOwnPastTheThreshold) {
  CompactTable<TraineeRecord> table;
  const uint32_t n = CompactTable<TraineeRecord>::kMergeThreshold + 10;
  for (uint32_t i = n; i >= 1; --i) table.Put({i, 2000, 1});
  EXPECT_EQ(table.size(), CompactTable<TraineeRecord>::kMergeThreshold);  // one merge so far
  table.Flush();
  ASSERT_EQ(table.size(), n);
  for (uint32_t i = 0; i < n; ++i) ASSERT_EQ(table.rows()[i].id, i + 1);
}

// ---- figures ----------------------------------------------------------------------------------

// Two countries, three runs (two in 2026, one in 2025), five trainees.
class FiguresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    reference_.workshops[1] = {"Luban Workshop Dushanbe", "TJ", "Душанбе", 10, 11};
    reference_.workshops[2] = {"Luban Workshop Astana", "KZ", "Astana", 10, 12};
    reference_.courses[7] = {"URT-101", "Urban rail", "urban rail"};
    reference_.courses[8] = {"CNC-201", "CNC machining", "CNC"};
    reference_.runs[100] = {1, 7, absl::CivilDay(2026, 3, 1)};
    reference_.runs[101] = {2, 8, absl::CivilDay(2026, 9, 1)};
    reference_.runs[102] = {1, 8, absl::CivilDay(2025, 10, 1)};
    // Trainees: 1 F 2000 (26 in 2026), 2 M 2009 (17), 3 F 1980 (46), 4 M unknown, 5 F 1995.
    for (const TraineeRecord& t :
         {TraineeRecord{1, 2000, 1}, TraineeRecord{2, 2009, 2}, TraineeRecord{3, 1980, 1},
          TraineeRecord{4, 0, 2}, TraineeRecord{5, 1995, 1}}) {
      snapshot_.trainees.Put(t);
    }
    // Run 100 (TJ 2026): 1 completed+cert, 2 failed, 3 enrolled, 4 waitlisted, 5 withdrawn.
    snapshot_.enrollments.Put({1, 100, 1, kC, 1});
    snapshot_.enrollments.Put({2, 100, 2, kF, 0});
    snapshot_.enrollments.Put({3, 100, 3, kE, 0});
    snapshot_.enrollments.Put({4, 100, 4, kW, 0});
    snapshot_.enrollments.Put({5, 100, 5, kX, 0});
    // Run 101 (KZ 2026): trainee 1 again, completed.
    snapshot_.enrollments.Put({6, 101, 1, kC, 1});
    // Run 102 (TJ 2025): out of a 2026 period.
    snapshot_.enrollments.Put({7, 102, 2, kC, 1});
    // A run not in the reference data (not in the period).
    snapshot_.enrollments.Put({8, 999, 3, kC, 1});
    // Programmes: 50 in 2026 (quota 2, 2 approved), 51 across new year, 52 in 2025 only.
    ProgrammeInfo p;
    p.title = "Study visit";
    p.kind = 1;
    p.direction = 1;
    p.start = absl::CivilDay(2026, 5, 1);
    p.end = absl::CivilDay(2026, 5, 20);
    p.quota = 2;
    p.approved_count = 2;
    reference_.programmes[50] = p;
    p.title = "Teacher training";
    p.kind = 2;
    p.direction = 2;
    p.start = absl::CivilDay(2025, 11, 1);
    p.end = absl::CivilDay(2026, 1, 15);
    p.quota = 3;
    p.approved_count = 1;
    reference_.programmes[51] = p;
    p.start = absl::CivilDay(2025, 3, 1);
    p.end = absl::CivilDay(2025, 4, 1);
    reference_.programmes[52] = p;
    const auto trainee = static_cast<uint8_t>(Participant::kTrainee);
    const auto teacher = static_cast<uint8_t>(Participant::kTeacher);
    snapshot_.mobilities.Put({1, 50, 2, trainee});  // approved
    snapshot_.mobilities.Put({2, 50, 5, trainee});  // returned
    snapshot_.mobilities.Put({3, 50, 3, trainee});  // rejected
    snapshot_.mobilities.Put({4, 51, 4, teacher});  // departed
    snapshot_.mobilities.Put({5, 52, 2, teacher});  // out of the period
    snapshot_.Flush();
  }

  Figures Compute2026() { return ComputeFigures(*MakePeriod(2026, "", ""), snapshot_, reference_); }

  ReferenceData reference_;
  Snapshot snapshot_;
};

TEST_F(FiguresTest, CountsPerYearCountryWorkshopAndCourse) {
  const Figures f = Compute2026();
  ASSERT_EQ(f.by_year.size(), 1u);
  const Counts& year = f.by_year.at(2026);
  EXPECT_EQ(year.enrollments, 6);
  EXPECT_EQ(year.trainees, 5);  // trainee 1 twice
  EXPECT_EQ(year.state(EnrollmentState::kCompleted), 2);
  EXPECT_EQ(year.state(EnrollmentState::kFailed), 1);
  EXPECT_EQ(year.state(EnrollmentState::kEnrolled), 1);
  EXPECT_EQ(year.state(EnrollmentState::kWaitlisted), 1);
  EXPECT_EQ(year.state(EnrollmentState::kWithdrawn), 1);
  EXPECT_EQ(year.certificates, 2);
  EXPECT_EQ(year.took_part(), 5);
  EXPECT_EQ(year.completion_rate_bp(), 4000);
  EXPECT_EQ(f.total, year);

  const Counts& tj = f.by_country.at({2026, PackCountry("TJ")});
  EXPECT_EQ(tj.enrollments, 5);
  EXPECT_EQ(tj.trainees, 5);
  EXPECT_EQ(tj.completion_rate_bp(), 2500);  // 1 of 4 who took part
  const Counts& kz = f.by_country.at({2026, PackCountry("KZ")});
  EXPECT_EQ(kz.enrollments, 1);
  EXPECT_EQ(kz.completion_rate_bp(), 10000);
  EXPECT_EQ(f.by_country.size(), 2u);
  EXPECT_EQ(f.by_workshop.at({2026, 1}).enrollments, 5);
  EXPECT_EQ(f.by_course.at({2026, 7}).enrollments, 5);
  EXPECT_EQ(f.by_course.at({2026, 8}).certificates, 1);
  EXPECT_EQ(f.known_enrollments, 8);
}

TEST_F(FiguresTest, SexAndAgeBands) {
  const Figures f = Compute2026();
  const uint16_t tj = PackCountry("TJ");
  // TJ: 1 F 25-34 completed, 2 M <18 failed, 3 F 45+ enrolled, 4 M unknown, 5 F 25-34 (31).
  EXPECT_EQ(f.by_sex_age.at({2026, tj, 1, 2}).enrollments, 2);
  EXPECT_EQ(f.by_sex_age.at({2026, tj, 1, 2}).trainees, 2);
  EXPECT_EQ(f.by_sex_age.at({2026, tj, 2, 0}).state(EnrollmentState::kFailed), 1);
  EXPECT_EQ(f.by_sex_age.at({2026, tj, 1, 4}).enrollments, 1);
  EXPECT_EQ(f.by_sex_age.at({2026, tj, 2, kAgeBandUnknown}).enrollments, 1);
  EXPECT_EQ(f.by_sex_age.size(), 5u);  // four in TJ, one in KZ
}

TEST_F(FiguresTest, YearsOfARangeAreSeparateButTotalCountsPeopleOnce) {
  const Figures f =
      ComputeFigures(*MakePeriod(0, "2025-01-01", "2026-12-31"), snapshot_, reference_);
  ASSERT_EQ(f.by_year.size(), 2u);
  EXPECT_EQ(f.by_year.at(2025).enrollments, 1);
  EXPECT_EQ(f.by_year.at(2025).trainees, 1);
  EXPECT_EQ(f.total.enrollments, 7);
  EXPECT_EQ(f.total.trainees, 5);  // trainee 2 in both years counts once
}

TEST_F(FiguresTest, TraineeUnknownToTheSnapshotCountsAsUnknown) {
  snapshot_.enrollments.Put({9, 101, 77, kE, 0});
  snapshot_.Flush();
  const Figures f = Compute2026();
  EXPECT_EQ(f.by_sex_age.at({2026, PackCountry("KZ"), 0, kAgeBandUnknown}).enrollments, 1);
}

TEST_F(FiguresTest, MobilitiesOfOverlappingProgrammes) {
  const Figures f = Compute2026();
  ASSERT_EQ(f.quotas.size(), 2u);  // 50 and 51; 52 ended in 2025
  EXPECT_EQ(f.quotas[0].programme, 50);
  EXPECT_EQ(f.quotas[0].mobilities, 3);
  EXPECT_EQ(f.quotas[1].programme, 51);
  EXPECT_EQ(f.mobilities.at({1, 1, 2}).mobilities, 1);
  EXPECT_EQ(f.mobilities.at({1, 1, 3}).trainees, 1);
  EXPECT_EQ(f.mobilities.at({2, 2, 4}).teachers, 1);
  EXPECT_EQ(f.mobilities.size(), 4u);
}

TEST_F(FiguresTest, AChangedRowReplacesItsContribution) {
  snapshot_.enrollments.Put({3, 100, 3, kC, 1});  // enrolled -> completed
  snapshot_.Flush();
  const Figures f = Compute2026();
  EXPECT_EQ(f.by_year.at(2026).state(EnrollmentState::kCompleted), 3);
  EXPECT_EQ(f.by_year.at(2026).state(EnrollmentState::kEnrolled), 0);
  EXPECT_EQ(f.by_year.at(2026).enrollments, 6);
}

TEST_F(FiguresTest, CancelledEnrollmentsCountButStayOutOfTheRate) {
  reference_.runs[104] = {2, 8, absl::CivilDay(2026, 10, 1)};
  const auto cancelled = static_cast<uint8_t>(EnrollmentState::kCancelled);
  snapshot_.enrollments.Put({20, 104, 6, cancelled, 0});
  snapshot_.enrollments.Put({21, 104, 7, cancelled, 0});
  snapshot_.Flush();
  const Figures f = Compute2026();
  const Counts& kz = f.by_country.at({2026, PackCountry("KZ")});
  EXPECT_EQ(kz.enrollments, 3);
  EXPECT_EQ(kz.state(EnrollmentState::kCancelled), 2);
  EXPECT_EQ(kz.trainees, 3);
  EXPECT_EQ(kz.completion_rate_bp(), 10000);  // still 1 of 1 who took part
  const std::string csv = RenderCsv(f, reference_).at("by_country.csv");
  EXPECT_TRUE(absl::StrContains(csv, "2026,KZ,3,3,0,0,1,0,0,2,1.0000,1\n")) << csv;
}

TEST(CompactTableTest, ChangesMergeIntoALoadedTable) {
  CompactTable<MobilityRecord> table;
  table.Assign({{1, 5, 1, 1}, {4, 5, 1, 1}, {9, 6, 2, 2}});
  table.Put({4, 5, 2, 1});   // changed
  table.Put({12, 6, 1, 2});  // new
  table.Put({2, 5, 3, 1});   // new, between
  table.Flush();
  std::vector<uint32_t> ids;
  for (const MobilityRecord& m : table.rows()) ids.push_back(m.id);
  EXPECT_EQ(ids, (std::vector<uint32_t>{1, 2, 4, 9, 12}));
  EXPECT_EQ(table.Find(4)->state, 2);
  EXPECT_EQ(table.Find(9)->programme, 6u);
}

// ---- the state file ---------------------------------------------------------------------------

class StateFileTest : public FiguresTest {
 protected:
  void SetUp() override {
    FiguresTest::SetUp();
    char dir[] = "/tmp/luban-report-unit.XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr) << std::strerror(errno);
    dir_ = dir;
    path_ = dir_ + "/state";
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  std::string dir_;
  std::string path_;
};

TEST_F(StateFileTest, RoundTrips) {
  snapshot_.enrollments_cursor = {1767225600, 123456000, "enrollments/8"};
  snapshot_.trainees_cursor = {1767225601, 0, "trainees/5"};
  ASSERT_TRUE(SaveState(path_, snapshot_).ok());
  Snapshot loaded;
  ASSERT_TRUE(LoadState(path_, loaded).ok());
  EXPECT_EQ(loaded.enrollments_cursor, snapshot_.enrollments_cursor);
  EXPECT_EQ(loaded.trainees_cursor, snapshot_.trainees_cursor);
  EXPECT_TRUE(loaded.mobilities_cursor.empty());
  ASSERT_EQ(loaded.enrollments.size(), snapshot_.enrollments.size());
  for (size_t i = 0; i < loaded.enrollments.size(); ++i) {
    const EnrollmentRecord& a = loaded.enrollments.rows()[i];
    const EnrollmentRecord& b = snapshot_.enrollments.rows()[i];
    EXPECT_TRUE(a.id == b.id && a.run == b.run && a.trainee == b.trainee && a.state == b.state &&
                a.certificate == b.certificate)
        << i;
  }
  // Same figures from the loaded state.
  const Figures before = Compute2026();
  const Figures after = ComputeFigures(*MakePeriod(2026, "", ""), loaded, reference_);
  EXPECT_EQ(RenderJson(before, reference_, {}), RenderJson(after, reference_, {}));
  // No temporary file left behind.
  int files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir_)) ++files;
  EXPECT_EQ(files, 1);
}

TEST_F(StateFileTest, MissingIsNotFoundAndDamageIsDataLoss) {
  Snapshot loaded;
  EXPECT_EQ(LoadState(path_, loaded).code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(SaveState(path_, snapshot_).ok());
  const auto size = std::filesystem::file_size(path_);
  // A flipped byte in a record.
  {
    std::fstream file(path_, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(size / 2));
    file.put('\x7f');
  }
  EXPECT_EQ(LoadState(path_, loaded).code(), absl::StatusCode::kDataLoss);
  // Truncated.
  ASSERT_TRUE(SaveState(path_, snapshot_).ok());
  std::filesystem::resize_file(path_, size - 3);
  EXPECT_EQ(LoadState(path_, loaded).code(), absl::StatusCode::kDataLoss);
  // Another file altogether.
  std::ofstream(path_, std::ios::trunc) << "hello";
  const absl::Status other = LoadState(path_, loaded);
  EXPECT_EQ(other.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StrContains(other.message(), path_)) << other;
}

// ---- rendering --------------------------------------------------------------------------------

TEST(RenderHelpersTest, EscapesAndTruncatesOnCodePoints) {
  EXPECT_EQ(HtmlEscape("<a href=\"x\">Tom & 'Jerry'</a>"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;");
  EXPECT_EQ(HtmlEscape("Ҷӯраева 天津"), "Ҷӯраева 天津");
  EXPECT_EQ(TruncateUtf8("Ҷӯраева", 3), "Ҷӯр…");
  EXPECT_EQ(TruncateUtf8("天津城建", 2), "天津…");
  EXPECT_EQ(TruncateUtf8("abc", 3), "abc");
}

TEST(HtmlCheckTest, FindsWhatIsWrong) {
  EXPECT_EQ(HtmlProblem("<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>"
                        "<p>a &amp; b</p><svg><rect x=\"1\"/></svg></body></html>"),
            "");
  EXPECT_NE(HtmlProblem("<div><p></div></p>"), "");
  EXPECT_NE(HtmlProblem("<div>"), "");
  EXPECT_NE(HtmlProblem("</div>"), "");
  EXPECT_NE(HtmlProblem("<p>1 < 2</p>"), "");
  EXPECT_NE(HtmlProblem("<p>Tom & Jerry</p>"), "");
  EXPECT_NE(HtmlProblem("<p class=x>a</p>"), "");
  EXPECT_EQ(HtmlProblem("<style>p > a { }</style>"), "");
}

TEST_F(FiguresTest, CsvFilesHaveHeadersAndExactRows) {
  reference_.workshops[1].name = "Luban, \"Dushanbe\"";  // needs CSV quoting
  const std::map<std::string, std::string> files = RenderCsv(Compute2026(), reference_);
  ASSERT_EQ(files.size(), 7u);
  EXPECT_EQ(files.at("by_year.csv"),
            "year,trainees,enrollments,waitlisted,enrolled,completed,failed,withdrawn,cancelled,"
            "completion_rate,certificates\n"
            "2026,5,6,1,1,2,1,1,0,0.4000,2\n");
  EXPECT_EQ(files.at("by_country.csv"),
            "year,country,trainees,enrollments,waitlisted,enrolled,completed,failed,withdrawn,"
            "cancelled,completion_rate,certificates\n"
            "2026,KZ,1,1,0,0,1,0,0,0,1.0000,1\n"
            "2026,TJ,5,5,1,1,1,1,1,0,0.2500,1\n");
  EXPECT_TRUE(absl::StrContains(files.at("by_workshop.csv"),
                                "2026,TJ,workshops/1,\"Luban, \"\"Dushanbe\"\"\",Душанбе,5,5,"))
      << files.at("by_workshop.csv");
  EXPECT_TRUE(absl::StrContains(files.at("programme_quota.csv"),
                                "programmes/50,Study visit,institutions/0,institutions/0,,"
                                "trainee_study_visit,to_china,unspecified,2026-05-01,2026-05-20,"
                                "2,2,1.0000,3\n"))
      << files.at("programme_quota.csv");
  EXPECT_TRUE(absl::StrContains(files.at("mobilities.csv"),
                                "teacher_training,to_partner_country,departed,1,0,1\n"));
}

TEST_F(FiguresTest, JsonHoldsEveryFigure) {
  const std::string text = RenderJson(Compute2026(), reference_, {"2026-07-01T00:00:00Z"});
  const nlohmann::json doc = nlohmann::json::parse(text);
  EXPECT_EQ(doc["period"]["label"], "2026");
  EXPECT_EQ(doc["period"]["from"], "2026-01-01");
  EXPECT_EQ(doc["generated_at"], "2026-07-01T00:00:00Z");
  EXPECT_EQ(doc["enrollments"]["total"]["trainees"], 5);
  EXPECT_DOUBLE_EQ(doc["enrollments"]["total"]["completion_rate"].get<double>(), 0.4);
  ASSERT_EQ(doc["enrollments"]["by_country"].size(), 2u);
  EXPECT_EQ(doc["enrollments"]["by_country"][1]["country"], "TJ");
  EXPECT_EQ(doc["enrollments"]["by_workshop"][0]["city"], "Душанбе");
  EXPECT_EQ(doc["exchanges"]["programme_quota"][1]["quota_use"].get<double>(), 0.3333);
  // A group nobody took part in has no rate.
  reference_.runs[103] = {2, 7, absl::CivilDay(2026, 11, 1)};
  snapshot_.enrollments.Put({10, 103, 3, kW, 0});  // F, 45+: alone in KZ's 45+ group
  snapshot_.Flush();
  const nlohmann::json again = nlohmann::json::parse(RenderJson(Compute2026(), reference_, {}));
  bool found = false;
  for (const auto& row : again["enrollments"]["by_course"]) {
    if (row["course"] == "courses/7") {
      EXPECT_FALSE(row["completion_rate"].is_null());
    }
  }
  for (const auto& row : again["enrollments"]["by_sex_age"]) {
    if (row["country"] == "KZ" && row["age_band"] == "45+") {
      found = true;
      EXPECT_TRUE(row["completion_rate"].is_null()) << row;
    }
  }
  EXPECT_TRUE(found);
}

TEST_F(FiguresTest, HtmlIsWellFormedSelfContainedAndEscaped) {
  reference_.workshops[1].name = "Ҷ <script>alert(1)</script> & 天津";
  const std::string html = RenderHtml(Compute2026(), reference_, {"2026-07-01T00:00:00Z"});
  EXPECT_EQ(HtmlProblem(html), "");
  const auto counts = ElementCounts(html);
  EXPECT_EQ(counts.count("script"), 0u);
  EXPECT_GE(counts.at("svg"), 6);  // states, completion, age, sex, mobilities, quota
  EXPECT_GE(counts.at("rect"), 10);
  EXPECT_GE(counts.at("table"), 4);
  EXPECT_FALSE(absl::StrContains(html, "src="));
  EXPECT_FALSE(absl::StrContains(html, "href="));
  EXPECT_FALSE(absl::StrContains(html, "@import"));
  EXPECT_FALSE(absl::StrContains(html, "url("));
  EXPECT_TRUE(absl::StrContains(html, "Ҷ &lt;script&gt;alert(1)&lt;/script&gt; &amp; 天津"));
  EXPECT_EQ(html, RenderHtml(Compute2026(), reference_, {"2026-07-01T00:00:00Z"}));
}

TEST(RenderEmptyTest, NoDataStillRendersAWellFormedPage) {
  Snapshot snapshot;
  ReferenceData reference;
  const Figures f = ComputeFigures(*MakePeriod(2030, "", ""), snapshot, reference);
  const std::string html = RenderHtml(f, reference, {});
  EXPECT_EQ(HtmlProblem(html), "");
  EXPECT_TRUE(absl::StrContains(html, "nothing in this period"));
  EXPECT_EQ(RenderCsv(f, reference).at("by_year.csv"),
            "year,trainees,enrollments,waitlisted,enrolled,completed,failed,withdrawn,cancelled,"
            "completion_rate,certificates\n");
  EXPECT_TRUE(
      nlohmann::json::parse(RenderJson(f, reference, {}))["enrollments"]["total"]["completion_rate"]
          .is_null());
}

}  // namespace
}  // namespace luban::report
