// luban-admin end to end: the binary run as a process against the three services (LocalSuite:
// real binaries on the test MariaDB), with data seeded through luban-admin itself. Checks the
// table, JSON and CSV output (parsed, values compared, a Tajik name byte-exact), paging with
// --all, exit codes, the trainee import and its re-run, verification without a token and help.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/child_process.h"
#include "tests/support/local_suite.h"
#include "tools/cli/csv.h"

#ifndef LUBAN_ADMIN_BINARY
#error "LUBAN_ADMIN_BINARY must name the luban-admin binary"
#endif

namespace luban::admin {
namespace {

using ::luban::testing::LocalSuite;
using ::luban::testing::RunResult;
using ::testing::HasSubstr;
using ::testing::Not;
using Records = std::vector<std::vector<std::string>>;

// Tajik in Cyrillic with its own letters (ҷ, ӯ, ҳ, ӣ): must come back byte-exact.
constexpr char kTajikFamily[] = "Ҷӯраев";
constexpr char kTajikGiven[] = "Фарҳоди Ӣ";
constexpr char kChineseCollege[] = "天津城市建设管理职业技术学院";

std::string MakeTempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "luban-admin-test.XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) return "";
  return pattern;
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

std::vector<nlohmann::json> JsonLines(const std::string& text) {
  std::vector<nlohmann::json> lines;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    lines.push_back(nlohmann::json::parse(line));
  }
  return lines;
}

Records Csv(const std::string& text) {
  Records records;
  const absl::Status status = cli::ParseCsv(text, &records);
  EXPECT_TRUE(status.ok()) << status << "\n" << text;
  return records;
}

// The index of `name` in a CSV header (fails the test when absent).
size_t ColumnIndex(const std::vector<std::string>& header, const std::string& name) {
  const auto found = std::find(header.begin(), header.end(), name);
  EXPECT_NE(found, header.end()) << name;
  return static_cast<size_t>(found - header.begin());
}

std::string Describe(const RunResult& result) {
  return absl::StrCat("exit ", result.exit_code.value_or(-1), "\nstdout:\n", result.out,
                      "\nstderr:\n", result.err);
}

// Tests that need no service.
class AdminCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    ASSERT_FALSE(dir_.empty());
  }
  void TearDown() override {
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }

  RunResult Admin(std::vector<std::string> args) {
    args.insert(args.begin(), LUBAN_ADMIN_BINARY);
    return testing::RunToEnd(args, testing::CleanEnvironment(), dir_,
                             absl::StrCat("admin-", ++runs_), absl::Seconds(60));
  }

  std::string dir_;
  int runs_ = 0;
};

TEST_F(AdminCliTest, HelpOnEveryLevel) {
  const RunResult top = Admin({"--help"});
  EXPECT_EQ(top.exit_code, 0) << Describe(top);
  for (const char* resource : {"institutions", "workshops", "courses", "runs", "trainees",
                               "enrollments", "certificates", "programmes", "mobilities"}) {
    EXPECT_THAT(top.out, HasSubstr(absl::StrCat("\n  ", resource, " "))) << resource;
  }
  EXPECT_THAT(top.out, HasSubstr("Exit codes"));

  const RunResult runs = Admin({"runs", "--help"});
  EXPECT_EQ(runs.exit_code, 0) << Describe(runs);
  for (const char* verb :
       {"get", "list", "create", "update", "delete", "open", "start", "complete", "cancel"}) {
    EXPECT_THAT(runs.out, HasSubstr(absl::StrCat("\n  ", verb, " "))) << verb;
  }

  const RunResult list = Admin({"runs", "list", "--help"});
  EXPECT_EQ(list.exit_code, 0) << Describe(list);
  EXPECT_THAT(list.out, HasSubstr("--workshop workshops/ID"));
  EXPECT_THAT(list.out, HasSubstr("--all"));

  const RunResult import = Admin({"trainees", "import", "--help"});
  EXPECT_EQ(import.exit_code, 0);
  for (const char* column :
       {"family_name_latin", "birth_date", "document_type", "document_number", "home_workshop"}) {
    EXPECT_THAT(import.out, HasSubstr(column));
  }
}

TEST_F(AdminCliTest, UsageErrorsExitTwoWithOneLine) {
  const std::vector<std::vector<std::string>> cases = {
      {"teleport"},
      {"runs", "list", "--colour", "red"},
      {"runs"},
      {"runs", "get"},
      {"trainees", "create", "--birth-date", "2001-02-30"}};
  for (const std::vector<std::string>& args : cases) {
    const RunResult result = Admin(args);
    EXPECT_EQ(result.exit_code, 2) << Describe(result);
    EXPECT_EQ(result.out, "");
    EXPECT_TRUE(absl::StartsWith(result.err, "luban-admin: ")) << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  }
}

TEST_F(AdminCliTest, NothingListeningIsUnavailable) {
  const std::string address = absl::StrCat("127.0.0.1:", testing::FreePort());
  const RunResult result =
      Admin({"--course_addr", address, "--timeout", "2s", "workshops", "get", "1"});
  EXPECT_EQ(result.exit_code, 5) << Describe(result);
  EXPECT_THAT(result.err, HasSubstr("UNAVAILABLE"));
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
}

// Tests against the services.
class AdminSuiteTest : public AdminCliTest {
 protected:
  void SetUp() override {
    LUBAN_REQUIRE_TEST_DATABASE();
    AdminCliTest::SetUp();
    if (HasFatalFailure()) return;
    auto suite = LocalSuite::Start(dir_);
    ASSERT_TRUE(suite.ok()) << suite.status();
    suite_ = *std::move(suite);
  }

  void TearDown() override {
    suite_.reset();
    AdminCliTest::TearDown();
  }

  RunResult As(LocalSuite::Caller caller, std::vector<std::string> args) {
    args.insert(args.begin(), LUBAN_ADMIN_BINARY);
    return testing::RunToEnd(args, suite_->ClientEnvironment(caller), dir_,
                             absl::StrCat("admin-", ++runs_), absl::Seconds(120));
  }

  // Runs a command that must succeed with -o json and returns its one object.
  nlohmann::json Json(LocalSuite::Caller caller, std::vector<std::string> args) {
    args.push_back("--output=json");
    const RunResult result = As(caller, args);
    EXPECT_EQ(result.exit_code, 0) << args[0] << " " << args[1] << "\n"
                                   << Describe(result) << suite_->Logs();
    const std::vector<nlohmann::json> lines = JsonLines(result.out);
    EXPECT_EQ(lines.size(), 1u) << result.out;
    return lines.empty() ? nlohmann::json::object() : lines[0];
  }

  // institutions/1 Chinese college; institutions/2 the college admin's TJ partner, institutions/3
  // the other college's KZ partner; workshops/1 (TJ, operating) and workshops/2 (KZ, operating);
  // courses/1; courseRuns/1 open at workshops/1 with `capacity` seats.
  void SeedNetwork(int capacity = 5) {
    const auto admin = LocalSuite::kNetworkAdmin;
    EXPECT_EQ(Json(admin, {"institutions", "create", "--kind", "chinese_college", "--country", "CN",
                           "--city", "天津", "--display-name", absl::StrCat("zh=", kChineseCollege),
                           "--display-name", "en=Tianjin Urban Construction College"})["name"],
              "institutions/1");
    EXPECT_EQ(Json(admin, {"institutions", "create", "--kind", "local_partner", "--country", "TJ",
                           "--city", "Душанбе", "--display-name",
                           "tg=Донишгоҳи техникии Тоҷикистон"})["name"],
              "institutions/2");
    EXPECT_EQ(Json(admin, {"institutions", "create", "--kind", "local_partner", "--country", "KZ",
                           "--city", "Almaty", "--display-name", "en=Almaty College"})["name"],
              "institutions/3");
    EXPECT_EQ(
        Json(admin, {"workshops", "create", "--country", "TJ", "--city", "Душанбе",
                     "--chinese-institution", "1", "--partner-institution", "2", "--display-name",
                     "zh=塔吉克斯坦鲁班工坊", "--disciplines", "urban rail,surveying"})["name"],
        "workshops/1");
    EXPECT_EQ(Json(admin, {"workshops", "create", "--country", "KZ", "--city", "Almaty",
                           "--chinese-institution", "1", "--partner-institution", "3",
                           "--display-name", "en=Kazakhstan Luban Workshop"})["name"],
              "workshops/2");
    for (const char* workshop : {"1", "2"}) {
      EXPECT_EQ(
          Json(admin, {"workshops", "set-status", workshop, "--status", "operating"})["status"],
          "WORKSHOP_STATUS_OPERATING");
    }
    EXPECT_EQ(Json(admin, {"courses", "create", "--code", "URT-101", "--discipline", "urban rail",
                           "--hours", "72", "--languages", "ru,tg", "--title",
                           "en=Urban rail basics"})["name"],
              "courses/1");
    EXPECT_EQ(
        Json(admin, {"runs", "create", "--course", "1", "--workshop", "1", "--start", "2026-03-02",
                     "--end", "2026-05-29", "--capacity", absl::StrCat(capacity), "--language",
                     "ru", "--pass-score", "60", "--min-attendance", "80"})["name"],
        "courseRuns/1");
    EXPECT_EQ(Json(admin, {"runs", "open", "courseRuns/1"})["status"], "COURSE_RUN_STATUS_OPEN");
  }

  // Creates a trainee at workshops/1 as the college admin; returns its name.
  std::string CreateTrainee(const std::string& family, const std::string& given,
                            const std::string& document) {
    return Json(LocalSuite::kCollegeAdmin, {"trainees",
                                            "create",
                                            "--family-name",
                                            family,
                                            "--given-name",
                                            given,
                                            "--family-name-latin",
                                            "Juraev",
                                            "--given-name-latin",
                                            "Farhod",
                                            "--sex",
                                            "male",
                                            "--birth-date",
                                            "2003-07-14",
                                            "--citizenship",
                                            "TJ",
                                            "--document-country",
                                            "TJ",
                                            "--document-type",
                                            "passport",
                                            "--document-number",
                                            document,
                                            "--email",
                                            "farhod@example.tj",
                                            "--workshop",
                                            "1"})["name"];
  }

  std::unique_ptr<LocalSuite> suite_;
};

TEST_F(AdminSuiteTest, TajikNameRoundTripsInJsonCsvAndTable) {
  SeedNetwork();
  const std::string trainee = CreateTrainee(kTajikFamily, kTajikGiven, "A1234567");
  ASSERT_EQ(trainee, "trainees/1");

  // JSON: protobuf's JSON mapping, byte-exact names, friendly enum input stored.
  const nlohmann::json got = Json(LocalSuite::kCollegeAdmin, {"trainees", "get", "1"});
  EXPECT_EQ(got["familyName"], kTajikFamily);
  EXPECT_EQ(got["givenName"], kTajikGiven);
  EXPECT_EQ(got["sex"], "SEX_MALE");
  EXPECT_EQ(got["birthDate"]["year"], 2003);
  EXPECT_EQ(got["identityDocument"]["number"], "A1234567");
  EXPECT_EQ(got["homeWorkshop"], "workshops/1");

  // CSV: a header row, every leaf column, values in the friendly forms.
  const RunResult csv = As(LocalSuite::kCollegeAdmin, {"trainees", "list", "-o", "csv"});
  ASSERT_EQ(csv.exit_code, 0) << Describe(csv);
  const Records records = Csv(csv.out);
  ASSERT_EQ(records.size(), 2u) << csv.out;
  const auto& header = records[0];
  EXPECT_EQ(records[1][ColumnIndex(header, "name")], "trainees/1");
  EXPECT_EQ(records[1][ColumnIndex(header, "family_name")], kTajikFamily);
  EXPECT_EQ(records[1][ColumnIndex(header, "given_name")], kTajikGiven);
  EXPECT_EQ(records[1][ColumnIndex(header, "sex")], "male");
  EXPECT_EQ(records[1][ColumnIndex(header, "birth_date")], "2003-07-14");
  EXPECT_EQ(records[1][ColumnIndex(header, "identity_document.type")], "passport");
  EXPECT_EQ(records[1][ColumnIndex(header, "contacts.email")], "farhod@example.tj");

  // Table: the name is there whole, and the columns after it line up (widths in cells).
  CreateTrainee("Li", "Wei", "B7654321");
  const RunResult table = As(LocalSuite::kCollegeAdmin, {"trainees", "list"});
  ASSERT_EQ(table.exit_code, 0) << Describe(table);
  const std::vector<std::string> lines = absl::StrSplit(table.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 3u) << table.out;
  EXPECT_TRUE(absl::StartsWith(lines[0], "NAME ")) << lines[0];
  EXPECT_THAT(lines[1], HasSubstr(kTajikFamily));
  // GIVEN_NAME starts at the same cell on every line: after "trainees/1  Ҷӯраев" the padding
  // must count the Cyrillic letters as one cell each, not two bytes.
  const size_t header_offset = lines[0].find("GIVEN_NAME");
  ASSERT_NE(header_offset, std::string::npos);
  const std::string first_prefix = lines[1].substr(0, lines[1].find(kTajikGiven));
  const std::string second_prefix = lines[2].substr(0, lines[2].find("Wei"));
  const auto cells = [](const std::string& text) {
    size_t count = 0;
    for (const char c : text) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return count;
  };
  EXPECT_EQ(cells(first_prefix), header_offset) << table.out;
  EXPECT_EQ(cells(second_prefix), header_offset) << table.out;

  // A Chinese display name in a table of workshops and institutions.
  const RunResult institutions = As(LocalSuite::kNetworkAdmin, {"institutions", "get", "1"});
  ASSERT_EQ(institutions.exit_code, 0) << Describe(institutions);
  EXPECT_THAT(institutions.out, HasSubstr(absl::StrCat("zh=", kChineseCollege)));
}

TEST_F(AdminSuiteTest, ImportShowsItsProgressOnATerminal) {
  SeedNetwork();
  const std::string file = dir_ + "/two.csv";
  WriteFile(file,
            "family_name,given_name,family_name_latin,given_name_latin,sex,birth_date,"
            "citizenship,document_country,document_type,document_number,home_workshop\n"
            "Каримов,Алишер,Karimov,Alisher,male,2002-01-01,TJ,TJ,passport,T001,workshops/1\n"
            "Каримова,Нигина,Karimova,Nigina,female,2003-02-02,TJ,TJ,passport,T002,workshops/1\n");
  // script(1) gives the client a pseudo-terminal and copies what it writes to our stdout.
  const RunResult run = testing::RunToEnd(
      {"/usr/bin/script", "-qec",
       absl::StrCat(LUBAN_ADMIN_BINARY, " trainees import ", file, " --batch-size 1"), "/dev/null"},
      suite_->ClientEnvironment(LocalSuite::kCollegeAdmin), dir_, "admin-tty", absl::Seconds(120));
  ASSERT_EQ(run.exit_code, 0) << Describe(run);
  // The line is redrawn in place after each batch and ends with the totals.
  EXPECT_THAT(run.out, HasSubstr("\rluban-admin: importing: 1 rows, 1 created")) << run.out;
  EXPECT_THAT(run.out, HasSubstr("\rluban-admin: importing: 2 rows, 2 created, 0 already existed,"
                                 " 0 refused"))
      << run.out;
}

TEST_F(AdminSuiteTest, ListShowsOnePageAndAllStreamsEveryPage) {
  SeedNetwork();
  std::string csv =
      "family_name,given_name,family_name_latin,given_name_latin,sex,birth_date,"
      "citizenship,document_country,document_type,document_number,home_workshop\n";
  const char* given[] = {"Алишер", "Бахром", "Гулнора", "Дилшод", "Зафар", "Нигина", "Рустам"};
  for (int i = 1; i <= 7; ++i) {
    absl::StrAppend(&csv, "Каримов,", given[i - 1], ",Karimov,Name,male,2002-01-0", i,
                    ",TJ,TJ,passport,P00", i, ",workshops/1\n");
  }
  const std::string file = dir_ + "/seven.csv";
  WriteFile(file, csv);
  // Three calls (3 + 3 + 1 rows): the results still follow the file's lines.
  const RunResult import =
      As(LocalSuite::kCollegeAdmin, {"trainees", "import", file, "--batch-size", "3"});
  ASSERT_EQ(import.exit_code, 0) << Describe(import)
                                 << testing::ReadWholeFile(file + ".results.csv");
  // Not a terminal: no progress line.
  EXPECT_THAT(import.err, Not(HasSubstr("importing:"))) << import.err;
  const Records results = Csv(testing::ReadWholeFile(file + ".results.csv"));
  ASSERT_EQ(results.size(), 8u);
  for (size_t i = 1; i < results.size(); ++i) {
    EXPECT_EQ(results[i][0], absl::StrCat(i + 1));
    EXPECT_EQ(results[i][1], "CREATED");
    EXPECT_EQ(results[i][2], absl::StrCat("trainees/", i));
  }

  const RunResult page = As(LocalSuite::kCollegeAdmin, {"trainees", "list", "--page-size", "3"});
  ASSERT_EQ(page.exit_code, 0) << Describe(page);
  EXPECT_EQ(std::count(page.out.begin(), page.out.end(), '\n'), 4) << page.out;  // header + 3
  EXPECT_THAT(page.err, HasSubstr("--page-token "));
  EXPECT_THAT(page.err, HasSubstr("--all"));

  const RunResult all = As(LocalSuite::kCollegeAdmin,
                           {"trainees", "list", "--page-size", "3", "--all", "-o", "json"});
  ASSERT_EQ(all.exit_code, 0) << Describe(all);
  std::set<std::string> names;
  for (const nlohmann::json& trainee : JsonLines(all.out)) {
    names.insert(trainee["name"].get<std::string>());
  }
  EXPECT_EQ(names.size(), 7u) << all.out;
  EXPECT_EQ(all.err, "");

  const RunResult all_csv =
      As(LocalSuite::kCollegeAdmin, {"trainees", "list", "--page-size", "2", "--all", "-o", "csv",
                                     "--columns", "name,given_name"});
  ASSERT_EQ(all_csv.exit_code, 0) << Describe(all_csv);
  const Records records = Csv(all_csv.out);
  ASSERT_EQ(records.size(), 8u) << all_csv.out;  // one header, seven rows
  EXPECT_EQ(records[0], (std::vector<std::string>{"name", "given_name"}));
  std::set<std::string> given_names;
  for (size_t i = 1; i < records.size(); ++i) given_names.insert(records[i][1]);
  EXPECT_EQ(given_names.size(), 7u);
  EXPECT_TRUE(given_names.count("Рустам") > 0);

  // The next page by its token gives the rest.
  const size_t at = page.err.find("--page-token ");
  ASSERT_NE(at, std::string::npos);
  const std::string rest = page.err.substr(at + 13);
  const std::string token = rest.substr(0, rest.find(' '));
  const RunResult next = As(LocalSuite::kCollegeAdmin, {"trainees", "list", "--page-size", "3",
                                                        "--page-token", token, "-o", "json"});
  ASSERT_EQ(next.exit_code, 0) << Describe(next);
  EXPECT_EQ(JsonLines(next.out).size(), 3u);
}

TEST_F(AdminSuiteTest, RunsListFiltersByWorkshopAndStatus) {
  SeedNetwork();
  const auto admin = LocalSuite::kNetworkAdmin;
  Json(admin, {"runs", "create", "--course", "courses/1", "--workshop", "workshops/1", "--start",
               "2026-09-01", "--end", "2026-10-30", "--capacity", "10", "--language", "tg"});
  const RunResult open = As(admin, {"runs", "list", "--workshop", "workshops/1", "--status", "open",
                                    "-o", "csv", "--columns", "name,status,capacity"});
  ASSERT_EQ(open.exit_code, 0) << Describe(open);
  EXPECT_EQ(Csv(open.out),
            (Records{{"name", "status", "capacity"}, {"courseRuns/1", "open", "5"}}));
  const RunResult scheduled =
      As(admin, {"runs", "list", "--workshop", "1", "--status", "scheduled", "-o", "json"});
  ASSERT_EQ(scheduled.exit_code, 0) << Describe(scheduled);
  const auto lines = JsonLines(scheduled.out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["name"], "courseRuns/2");
  EXPECT_EQ(lines[0]["languageCode"], "tg");
}

TEST_F(AdminSuiteTest, UpdateSendsOnlyTheFieldsGivenAndChecksTheEtag) {
  SeedNetwork();
  const auto admin = LocalSuite::kNetworkAdmin;
  const nlohmann::json before = Json(admin, {"workshops", "get", "1"});
  const nlohmann::json after = Json(admin, {"workshops", "update", "1", "--city", "Хуҷанд"});
  EXPECT_EQ(after["city"], "Хуҷанд");
  EXPECT_EQ(after["displayNames"], before["displayNames"]);
  EXPECT_EQ(after["disciplines"], before["disciplines"]);
  EXPECT_NE(after["etag"], before["etag"]);

  const RunResult stale = As(admin, {"workshops", "update", "1", "--city", "Душанбе", "--etag",
                                     before["etag"].get<std::string>()});
  EXPECT_EQ(stale.exit_code, 6) << Describe(stale);
  EXPECT_THAT(stale.err, HasSubstr("ABORTED"));
  EXPECT_EQ(Json(admin, {"workshops", "get", "1"})["city"], "Хуҷанд");

  const RunResult nothing = As(admin, {"workshops", "update", "1"});
  EXPECT_EQ(nothing.exit_code, 2) << Describe(nothing);
}

TEST_F(AdminSuiteTest, FromJsonCreatesAndUpdatesWithFlagsOnTop) {
  SeedNetwork();
  const auto admin = LocalSuite::kNetworkAdmin;
  const std::string file = dir_ + "/course.json";
  WriteFile(file, R"({"code": "CNC-201", "titles": [{"languageCode": "zh", "text": "数控加工"}],
                      "discipline": "CNC", "hours": 40, "instructionLanguages": ["ru"]})");
  const nlohmann::json created =
      Json(admin, {"courses", "create", "--from-json", file, "--hours", "48"});
  EXPECT_EQ(created["code"], "CNC-201");
  EXPECT_EQ(created["titles"][0]["text"], "数控加工");
  EXPECT_EQ(created["hours"], 48);  // the flag wins over the file

  const std::string change = dir_ + "/change.json";
  WriteFile(change, R"({"description": "Программаи таълимӣ"})");
  const std::string name = created["name"];
  const nlohmann::json updated = Json(admin, {"courses", "update", name, "--from-json", change});
  EXPECT_EQ(updated["description"], "Программаи таълимӣ");
  EXPECT_EQ(updated["hours"], 48);
  EXPECT_EQ(updated["titles"], created["titles"]);
}

TEST_F(AdminSuiteTest, ExchangeNominationsThroughTheirLifecycle) {
  SeedNetwork();
  const auto admin = LocalSuite::kNetworkAdmin;
  const auto college = LocalSuite::kCollegeAdmin;
  CreateTrainee(kTajikFamily, kTajikGiven, "X1");
  CreateTrainee("Li", "Wei", "X2");
  const nlohmann::json programme =
      Json(admin,
           {"programmes", "create", "--title", "en=Study visit to Tianjin", "--chinese-institution",
            "1", "--partner-institution", "2", "--kind", "trainee_study_visit", "--direction",
            "to_china", "--start", "2026-07-01", "--end", "2026-07-14", "--quota", "1"});
  ASSERT_EQ(programme["name"], "programmes/1");
  EXPECT_EQ(Json(admin, {"programmes", "set-status", "1", "--status", "open"})["status"],
            "PROGRAMME_STATUS_OPEN");

  // The partner (institutions/2) sends: its admin nominates; the Chinese college approves.
  const nlohmann::json first =
      Json(college, {"nominate", "--programme", "1", "--trainee", "1", "--reason", "best"});
  EXPECT_EQ(first["state"], "MOBILITY_STATE_NOMINATED");
  EXPECT_EQ(first["trainee"], "trainees/1");
  const nlohmann::json second = Json(college, {"mobilities", "nominate", "--programme",
                                               "programmes/1", "--trainee", "trainees/2"});
  EXPECT_EQ(second["name"], "mobilities/2");
  EXPECT_EQ(Json(admin, {"mobilities", "approve", "1"})["state"], "MOBILITY_STATE_APPROVED");

  // The quota of one is used: a second approval is refused (a conflict) and changes nothing.
  const RunResult over = As(admin, {"mobilities", "approve", "2"});
  EXPECT_EQ(over.exit_code, 6) << Describe(over);
  EXPECT_EQ(Json(admin, {"mobilities", "reject", "2", "--reason", "quota"})["state"],
            "MOBILITY_STATE_REJECTED");

  const RunResult approved =
      As(admin, {"mobilities", "list", "--programme", "1", "--state", "approved", "-o", "csv",
                 "--columns", "name,trainee,state,sending_institution"});
  ASSERT_EQ(approved.exit_code, 0) << Describe(approved);
  EXPECT_EQ(Csv(approved.out),
            (Records{{"name", "trainee", "state", "sending_institution"},
                     {"mobilities/1", "trainees/1", "approved", "institutions/2"}}));
  EXPECT_EQ(Json(admin, {"programmes", "get", "1"})["approvedCount"], 1);
  EXPECT_EQ(Json(college, {"mobilities", "depart", "1"})["state"], "MOBILITY_STATE_DEPARTED");
  EXPECT_EQ(Json(college, {"mobilities", "return", "1"})["state"], "MOBILITY_STATE_RETURNED");

  // A teacher, the other member of the participant oneof, in a teacher-training programme.
  Json(admin, {"programmes", "create", "--title", "zh=教师培训", "--chinese-institution", "1",
               "--partner-institution", "2", "--kind", "teacher_training", "--direction",
               "to_china", "--start", "2026-08-01", "--end", "2026-08-20", "--quota", "3"});
  Json(admin, {"programmes", "set-status", "2", "--status", "open"});
  const nlohmann::json teacher = Json(
      college, {"nominate", "--programme", "2", "--teacher-name", "Раҳмонов Саид",
                "--teacher-name-latin", "Rahmonov Said", "--teacher-position", "senior lecturer"});
  EXPECT_EQ(teacher["teacher"]["fullName"], "Раҳмонов Саид");
  EXPECT_EQ(teacher["teacher"]["position"], "senior lecturer");
  EXPECT_FALSE(teacher.contains("trainee"));
}

TEST_F(AdminSuiteTest, ExitCodesSayWhatFailed) {
  SeedNetwork();
  const RunResult missing = As(LocalSuite::kNetworkAdmin, {"workshops", "get", "workshops/99"});
  EXPECT_EQ(missing.exit_code, 3) << Describe(missing);
  EXPECT_THAT(missing.err, HasSubstr("NOT_FOUND"));
  EXPECT_EQ(std::count(missing.err.begin(), missing.err.end(), '\n'), 1);

  // The college admin of institutions/2 touching the other college's workshop: refused, and the
  // refusal reveals nothing (NOT_FOUND or PERMISSION_DENIED), and nothing changes.
  const RunResult other = As(LocalSuite::kCollegeAdmin,
                             {"workshops", "set-status", "workshops/2", "--status", "suspended"});
  EXPECT_TRUE(other.exit_code == 3 || other.exit_code == 4) << Describe(other);
  EXPECT_EQ(Json(LocalSuite::kNetworkAdmin, {"workshops", "get", "2"})["status"],
            "WORKSHOP_STATUS_OPERATING");
  // Network-admin-only operations: PERMISSION_DENIED for a college admin.
  const RunResult denied = As(LocalSuite::kCollegeAdmin,
                              {"institutions", "create", "--kind", "local_partner", "--country",
                               "TJ", "--city", "Khujand", "--display-name", "en=X"});
  EXPECT_EQ(denied.exit_code, 4) << Describe(denied);
  EXPECT_THAT(denied.err, HasSubstr("PERMISSION_DENIED"));

  // A conflict: the same trainee enrolled twice in one run.
  CreateTrainee(kTajikFamily, kTajikGiven, "C1");
  ASSERT_EQ(Json(LocalSuite::kCollegeAdmin, {"enroll", "--trainee", "1", "--run", "1"})["state"],
            "ENROLLMENT_STATE_ENROLLED");
  const RunResult twice = As(LocalSuite::kCollegeAdmin, {"enroll", "--trainee", "1", "--run", "1"});
  EXPECT_EQ(twice.exit_code, 6) << Describe(twice);

  // INVALID_ARGUMENT from the service is a usage error too.
  const RunResult invalid =
      As(LocalSuite::kNetworkAdmin,
         {"workshops", "create", "--country", "FR", "--city", "Paris", "--chinese-institution", "1",
          "--partner-institution", "2", "--display-name", "en=Nope"});
  EXPECT_EQ(invalid.exit_code, 2) << Describe(invalid);
  EXPECT_THAT(invalid.err, HasSubstr("INVALID_ARGUMENT"));
}

TEST_F(AdminSuiteTest, ImportReportsEachRowAndReRunningChangesNothing) {
  SeedNetwork();
  const std::string file = dir_ + "/trainees.csv";
  WriteFile(file,
            "family_name,given_name,family_name_latin,given_name_latin,sex,birth_date,"
            "citizenship,document_country,document_type,document_number,email,phone,address,"
            "home_workshop\n"
            "Ҷӯраев,Фарҳод,Juraev,Farhod,male,2003-07-14,TJ,TJ,passport,TJ100,f@example.tj,"
            "+992 93 000 0001,\"Душанбе, кӯчаи Рӯдакӣ 1\",workshops/1\n"
            "Раҳимова,Зарина,Rahimova,Zarina,female,2001-13-01,TJ,TJ,passport,TJ101,,,,1\n"
            "Назаров,Далер,Nazarov,Daler,male,2002-03-03,TJ,TJ,passport,TJ102,,,,workshops/2\n"
            "Салимова,Мадина,Salimova,Madina,F,2004-12-31,TJ,TJ,national_id,TJ103,,,,1\n");
  const std::string results = dir_ + "/results.csv";

  const RunResult first =
      As(LocalSuite::kCollegeAdmin, {"trainees", "import", file, "--results", results});
  EXPECT_EQ(first.exit_code, 7) << Describe(first);  // partial: rows refused
  EXPECT_THAT(first.out, HasSubstr("4 rows, 2 created, 0 already existed, 2 refused"));
  EXPECT_EQ(first.err, "");  // no progress line: stderr is not a terminal
  Records rows = Csv(testing::ReadWholeFile(results));
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"line", "outcome", "trainee", "error_code",
                                               "error_message"}));
  EXPECT_EQ(rows[1][0], "2");
  EXPECT_EQ(rows[1][1], "CREATED");
  EXPECT_EQ(rows[1][2], "trainees/1");
  EXPECT_EQ(rows[2][0], "3");
  EXPECT_EQ(rows[2][1], "REFUSED");
  EXPECT_EQ(rows[2][3], "INVALID_ARGUMENT");
  EXPECT_THAT(rows[2][4], HasSubstr("birth_date"));
  EXPECT_EQ(rows[3][1], "REFUSED");  // another college's workshop
  EXPECT_EQ(rows[3][2], "");
  EXPECT_FALSE(rows[3][3].empty());
  EXPECT_EQ(rows[4][0], "5");
  EXPECT_EQ(rows[4][1], "CREATED");

  const nlohmann::json imported = Json(LocalSuite::kCollegeAdmin, {"trainees", "get", "1"});
  EXPECT_EQ(imported["familyName"], "Ҷӯраев");
  EXPECT_EQ(imported["contacts"]["address"], "Душанбе, кӯчаи Рӯдакӣ 1");

  auto checksum = suite_->enrollment_db().TableChecksum("trainees");
  ASSERT_TRUE(checksum.ok()) << checksum.status();
  const RunResult again = As(LocalSuite::kCollegeAdmin, {"trainees", "import", file});
  EXPECT_EQ(again.exit_code, 7) << Describe(again);
  EXPECT_THAT(again.out, HasSubstr("4 rows, 0 created, 2 already existed, 2 refused"));
  auto checksum_again = suite_->enrollment_db().TableChecksum("trainees");
  ASSERT_TRUE(checksum_again.ok());
  EXPECT_EQ(*checksum_again, *checksum);
  rows = Csv(testing::ReadWholeFile(file + ".results.csv"));  // the default results path
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[1][1], "ALREADY_EXISTED");
  EXPECT_EQ(rows[1][2], "trainees/1");
  EXPECT_EQ(rows[2][1], "REFUSED");
  EXPECT_EQ(rows[3][1], "REFUSED");
  EXPECT_EQ(rows[4][1], "ALREADY_EXISTED");

  const RunResult listed = As(LocalSuite::kNetworkAdmin, {"trainees", "list", "-o", "json"});
  EXPECT_EQ(JsonLines(listed.out).size(), 2u);

  const RunResult bad_header =
      As(LocalSuite::kCollegeAdmin, {"trainees", "import", results});  // not an import file
  EXPECT_EQ(bad_header.exit_code, 2) << Describe(bad_header);
  EXPECT_THAT(bad_header.err, HasSubstr("unknown column"));
}

TEST_F(AdminSuiteTest, CertificateVerifiesWithoutAToken) {
  SeedNetwork();
  CreateTrainee(kTajikFamily, kTajikGiven, "V1");
  const auto college = LocalSuite::kCollegeAdmin;
  const nlohmann::json enrollment = Json(college, {"enroll", "--trainee", "1", "--run", "1"});
  ASSERT_EQ(enrollment["name"], "enrollments/1");
  Json(LocalSuite::kNetworkAdmin, {"runs", "start", "1"});
  const nlohmann::json completed =
      Json(college, {"enrollments", "complete", "1", "--score", "91", "--attendance", "97"});
  EXPECT_EQ(completed["state"], "ENROLLMENT_STATE_COMPLETED");
  ASSERT_TRUE(completed.contains("certificate")) << completed;

  const nlohmann::json certificate =
      Json(college, {"certificates", "get", completed["certificate"].get<std::string>()});
  const std::string number = certificate["number"];
  ASSERT_FALSE(number.empty());

  const RunResult valid = As(LocalSuite::kAnonymous, {"certificates", "verify", number});
  ASSERT_EQ(valid.exit_code, 0) << Describe(valid);
  EXPECT_THAT(valid.out, HasSubstr("status:"));
  EXPECT_THAT(valid.out, HasSubstr("valid"));
  EXPECT_THAT(valid.out, HasSubstr("URT-101"));
  EXPECT_THAT(valid.out, Not(HasSubstr(kTajikFamily)));  // only the masked name
  EXPECT_THAT(valid.out, Not(HasSubstr("V1")));

  const RunResult unknown = As(LocalSuite::kAnonymous, {"verify", "NO-SUCH-NUMBER", "-o", "json"});
  ASSERT_EQ(unknown.exit_code, 0) << Describe(unknown);
  EXPECT_EQ(JsonLines(unknown.out).at(0)["status"], "CERTIFICATE_STATUS_UNKNOWN");

  // Without a token nothing else works.
  const RunResult anonymous = As(LocalSuite::kAnonymous, {"trainees", "get", "1"});
  EXPECT_EQ(anonymous.exit_code, 4) << Describe(anonymous);
}

TEST_F(AdminSuiteTest, WhoamiAndTheAuditTrail) {
  SeedNetwork();
  const auto admin = LocalSuite::kNetworkAdmin;
  const auto college = LocalSuite::kCollegeAdmin;
  const nlohmann::json me = Json(college, {"whoami"});
  EXPECT_EQ(me["role"], "ROLE_COLLEGE_ADMIN");
  EXPECT_EQ(me["institution"], "institutions/2");
  EXPECT_FALSE(me.value("principal", "").empty()) << me;
  EXPECT_EQ(Json(admin, {"caller", "get"})["role"], "ROLE_NETWORK_ADMIN");

  // The college reads its trainee's history; one JSON line per record.
  const std::string trainee = CreateTrainee(kTajikFamily, kTajikGiven, "AU1");
  const RunResult history =
      As(college, {"audit", "enrollment", "--resource", trainee, "-o", "json"});
  ASSERT_EQ(history.exit_code, 0) << Describe(history);
  const std::vector<nlohmann::json> records = JsonLines(history.out);
  ASSERT_EQ(records.size(), 1u) << history.out;
  EXPECT_EQ(records[0]["action"], "created");
  EXPECT_EQ(records[0]["resource"], trainee);
  EXPECT_EQ(records[0]["method"], "luban.enrollment.v1.EnrollmentService/CreateTrainee");

  // The network admin reads the course service's whole trail, every page: the seeding, newest
  // first (3 institutions, 2 workshops and their opening, a course, a run and its opening).
  const RunResult trail = As(admin, {"audit", "course", "--all", "--page-size", "3", "-o", "json"});
  ASSERT_EQ(trail.exit_code, 0) << Describe(trail);
  const std::vector<nlohmann::json> all = JsonLines(trail.out);
  ASSERT_EQ(all.size(), 10u) << trail.out;
  EXPECT_EQ(all.front()["action"], "status:open");
  EXPECT_EQ(all.front()["resource"], "courseRuns/1");
  EXPECT_EQ(all.back()["action"], "created");
  EXPECT_EQ(all.back()["resource"], "institutions/1");

  // A college names the record; the reporter reads no trail.
  EXPECT_EQ(As(college, {"audit", "course"}).exit_code, 2);
  EXPECT_EQ(As(college, {"audit", "course", "--resource", "workshops/2"}).exit_code, 3);
  EXPECT_EQ(As(LocalSuite::kReporter, {"audit", "exchange"}).exit_code, 4);
}

TEST_F(AdminSuiteTest, ExportsStreamEveryRecord) {
  SeedNetwork();
  CreateTrainee(kTajikFamily, kTajikGiven, "E1");
  CreateTrainee("Li", "Wei", "E2");
  const RunResult trainees = As(LocalSuite::kNetworkAdmin, {"trainees", "export", "-o", "csv",
                                                            "--columns", "name,family_name"});
  ASSERT_EQ(trainees.exit_code, 0) << Describe(trainees);
  EXPECT_EQ(Csv(trainees.out),
            (Records{{"name", "family_name"}, {"trainees/1", kTajikFamily}, {"trainees/2", "Li"}}));
  Json(LocalSuite::kCollegeAdmin, {"enroll", "--trainee", "2", "--run", "1"});
  const RunResult enrollments =
      As(LocalSuite::kNetworkAdmin, {"enrollments", "export", "-o", "json"});
  ASSERT_EQ(enrollments.exit_code, 0) << Describe(enrollments);
  const auto lines = JsonLines(enrollments.out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["trainee"], "trainees/2");
  const RunResult mobilities = As(LocalSuite::kNetworkAdmin, {"mobilities", "export", "-o", "csv"});
  ASSERT_EQ(mobilities.exit_code, 0) << Describe(mobilities);
  EXPECT_EQ(Csv(mobilities.out).size(), 1u);  // the header only
}

}  // namespace
}  // namespace luban::admin
