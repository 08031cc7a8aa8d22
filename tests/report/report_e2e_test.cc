// luban-report end to end: the three services as processes on the test MariaDB (LocalSuite),
// known data seeded through their APIs as the network admin, luban-report run as a process with
// the reporter's token, and its CSV/JSON checked against figures this test computes on its own
// from the seeded data (a naive model with string keys, not the report's code); the HTML checked
// for well-formedness, charts and no external references; byte-identical reruns; an incremental
// run after changes equal to a fresh full run; the documented exit codes.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "luban/course/v1/course.grpc.pb.h"
#include "luban/enrollment/v1/enrollment.grpc.pb.h"
#include "luban/exchange/v1/exchange.grpc.pb.h"
#include "nlohmann/json.hpp"
#include "tests/report/html_check.h"
#include "tests/support/child_process.h"
#include "tests/support/local_suite.h"
#include "tools/cli/csv.h"

#ifndef LUBAN_REPORT_BINARY
#error "LUBAN_REPORT_BINARY must name the luban-report binary"
#endif
#ifndef LUBAN_DEMO_SEED_BINARY
#error "LUBAN_DEMO_SEED_BINARY must name the luban-demo-seed binary"
#endif

namespace luban::report {
namespace {

namespace cpb = ::luban::course::v1;
namespace epb = ::luban::enrollment::v1;
namespace xpb = ::luban::exchange::v1;
using ::luban::testing::ChildProcess;
using ::luban::testing::LocalSuite;
using ::luban::testing::RunResult;
using ::luban::testing::RunToEnd;

constexpr char kGeneratedAt[] = "2026-07-01T02:00:00Z";
// Names in their own scripts: they must come out byte-exact.
constexpr char kTajikWorkshop[] = "Устохонаи Лубан — Тоҷикистон";
constexpr char kChineseCourse[] = "数控加工";

// ---- the expected figures, computed independently --------------------------------------------

struct ModelRun {
  std::string country;
  std::string workshop_name;
  std::string course_code;
  int year;
};
struct ModelTrainee {
  std::string sex;  // "female", "male"
  int birth_year;
};
struct ModelEnrollment {
  std::string trainee;  // key in the model's trainees
  std::string run;      // key in the model's runs
  std::string state;    // "completed"...
};

struct ModelCounts {
  std::set<std::string> trainees;
  std::map<std::string, int> states;
  int enrollments = 0;
};

std::string Band(int birth_year, int year) {
  const int age = year - birth_year;
  if (age < 18) return "<18";
  if (age < 25) return "18-24";
  if (age < 35) return "25-34";
  if (age < 45) return "35-44";
  return "45+";
}

// One CSV row's figures as the report should print them.
std::map<std::string, std::string> Expected(const ModelCounts& c) {
  std::map<std::string, std::string> row;
  row["trainees"] = absl::StrCat(c.trainees.size());
  row["enrollments"] = absl::StrCat(c.enrollments);
  for (const char* s :
       {"waitlisted", "enrolled", "completed", "failed", "withdrawn", "cancelled"}) {
    auto it = c.states.find(s);
    row[s] = absl::StrCat(it == c.states.end() ? 0 : it->second);
  }
  const auto get = [&](const char* s) {
    auto it = c.states.find(s);
    return it == c.states.end() ? 0 : it->second;
  };
  const int took_part = get("enrolled") + get("completed") + get("failed") + get("withdrawn");
  row["completion_rate"] =
      took_part == 0 ? "" : absl::StrFormat("%.4f", 1.0 * get("completed") / took_part);
  row["certificates"] = absl::StrCat(get("completed"));  // every completion issued one
  return row;
}

struct Model {
  std::map<std::string, ModelRun> runs;
  std::map<std::string, ModelTrainee> trainees;
  std::vector<ModelEnrollment> enrollments;

  // Key columns joined by '|' -> figures, for the enrollments of runs starting in [from, to]
  // (years only: the seeded runs' days decide nothing else here).
  std::map<std::string, std::map<std::string, std::string>> Table(
      const std::string& level, int first_year, int last_year,
      const std::set<std::string>& excluded_runs = {}) const {
    std::map<std::string, ModelCounts> groups;
    for (const ModelEnrollment& e : enrollments) {
      const ModelRun& run = runs.at(e.run);
      if (run.year < first_year || run.year > last_year || excluded_runs.count(e.run)) continue;
      const ModelTrainee& t = trainees.at(e.trainee);
      const std::string year = absl::StrCat(run.year);
      std::string key;
      if (level == "by_year") key = year;
      if (level == "by_country") key = absl::StrCat(year, "|", run.country);
      if (level == "by_workshop") key = absl::StrCat(year, "|", run.workshop_name);
      if (level == "by_course") key = absl::StrCat(year, "|", run.course_code);
      if (level == "by_sex_age") {
        key = absl::StrCat(year, "|", run.country, "|", t.sex, "|", Band(t.birth_year, run.year));
      }
      ModelCounts& g = groups[key];
      g.trainees.insert(e.trainee);
      ++g.enrollments;
      ++g.states[e.state];
    }
    std::map<std::string, std::map<std::string, std::string>> out;
    for (const auto& [key, c] : groups) out[key] = Expected(c);
    return out;
  }
};

// ---- reading the report -----------------------------------------------------------------------

// A CSV file as key ('|'-joined `key_columns`) -> column -> value; the header as read.
struct CsvTable {
  std::vector<std::string> header;
  std::map<std::string, std::map<std::string, std::string>> rows;
};

CsvTable ReadCsv(const std::string& path, const std::vector<std::string>& key_columns) {
  CsvTable table;
  std::vector<std::vector<std::string>> records;
  const absl::Status parsed = cli::ParseCsv(luban::testing::ReadWholeFile(path), &records);
  EXPECT_TRUE(parsed.ok()) << path << ": " << parsed;
  if (records.empty()) {
    ADD_FAILURE() << path << ": no header";
    return table;
  }
  table.header = records[0];
  for (size_t r = 1; r < records.size(); ++r) {
    EXPECT_EQ(records[r].size(), table.header.size()) << path << " row " << r;
    std::map<std::string, std::string> row;
    for (size_t i = 0; i < table.header.size() && i < records[r].size(); ++i) {
      row[table.header[i]] = records[r][i];
    }
    std::vector<std::string> key;
    for (const std::string& k : key_columns) key.push_back(row[k]);
    const std::string joined = absl::StrJoin(key, "|");
    EXPECT_EQ(table.rows.count(joined), 0u) << path << ": duplicate row " << joined;
    table.rows[joined] = row;
  }
  return table;
}

// Every expected row is there with the expected figures, and no other row.
void ExpectTable(const std::string& dir, const std::string& level,
                 const std::vector<std::string>& key_columns,
                 const std::map<std::string, std::map<std::string, std::string>>& expected) {
  const CsvTable actual = ReadCsv(absl::StrCat(dir, "/", level, ".csv"), key_columns);
  std::set<std::string> expected_keys;
  for (const auto& [key, figures] : expected) {
    expected_keys.insert(key);
    auto it = actual.rows.find(key);
    if (it == actual.rows.end()) {
      ADD_FAILURE() << level << ": no row " << key;
      continue;
    }
    for (const auto& [column, value] : figures) {
      EXPECT_EQ(it->second.at(column), value) << level << " " << key << " " << column;
    }
  }
  for (const auto& [key, row] : actual.rows) {
    EXPECT_TRUE(expected_keys.count(key)) << level << ": unexpected row " << key;
  }
}

std::map<std::string, std::string> ReadOutputs(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    files[entry.path().filename().string()] = luban::testing::ReadWholeFile(entry.path());
  }
  return files;
}

// ---- seeding ----------------------------------------------------------------------------------

// Unary calls as the network admin; a failure throws (the test fails with the call named).
class Seeder {
 public:
  explicit Seeder(LocalSuite& suite) : token_(suite.Token(LocalSuite::kNetworkAdmin)) {
    const auto credentials = grpc::InsecureChannelCredentials();
    course_ = cpb::CourseService::NewStub(grpc::CreateChannel(suite.course_addr(), credentials));
    enrollment_ =
        epb::EnrollmentService::NewStub(grpc::CreateChannel(suite.enrollment_addr(), credentials));
    exchange_ =
        xpb::ExchangeService::NewStub(grpc::CreateChannel(suite.exchange_addr(), credentials));
  }

  template <typename Stub, typename Request, typename Response>
  Response Call(Stub& stub,
                grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                Request request, absl::string_view what) {
    if constexpr (requires { request.set_request_id(""); }) {
      request.set_request_id(absl::StrCat("report-test-", ++calls_));
    }
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token_);
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    Response response;
    const grpc::Status status = (stub.*method)(&context, request, &response);
    if (!status.ok()) {
      throw std::runtime_error(
          absl::StrCat(what, ": ", status.error_code(), " ", status.error_message()));
    }
    return response;
  }

  cpb::CourseService::Stub& course() { return *course_; }
  epb::EnrollmentService::Stub& enrollment() { return *enrollment_; }
  xpb::ExchangeService::Stub& exchange() { return *exchange_; }

 private:
  std::string token_;
  int calls_ = 0;
  std::unique_ptr<cpb::CourseService::Stub> course_;
  std::unique_ptr<epb::EnrollmentService::Stub> enrollment_;
  std::unique_ptr<xpb::ExchangeService::Stub> exchange_;
};

void Name(google::protobuf::RepeatedPtrField<luban::common::v1::LocalizedString>* names,
          const char* language, const char* text) {
  auto* name = names->Add();
  name->set_language_code(language);
  name->set_text(text);
}

void SetDate(luban::common::v1::Date* date, int year, int month, int day) {
  date->set_year(year);
  date->set_month(month);
  date->set_day(day);
}

class ReportEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LUBAN_REQUIRE_TEST_DATABASE();
    char dir[] = "/tmp/luban-report-e2e.XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr) << std::strerror(errno);
    dir_ = dir;
    auto suite = LocalSuite::Start(dir_);
    ASSERT_TRUE(suite.ok()) << suite.status();
    suite_ = *std::move(suite);
    seeder_ = std::make_unique<Seeder>(*suite_);
  }

  void TearDown() override {
    seeder_.reset();
    suite_.reset();
    if (dir_.empty()) return;
    // Kept for a look after a failure, or when asked (LUBAN_KEEP_TEST_OUTPUT=1).
    const char* keep = std::getenv("LUBAN_KEEP_TEST_OUTPUT");
    if (HasFailure() || (keep != nullptr && std::string(keep) == "1")) {
      std::fprintf(stderr, "test files kept in %s\n", dir_.c_str());
      return;
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  // luban-report with `args`, as `caller`; stdout and stderr kept.
  RunResult Report(const std::vector<std::string>& args,
                   LocalSuite::Caller caller = LocalSuite::kReporter,
                   std::vector<std::string> extra_env = {}) {
    std::vector<std::string> argv = {LUBAN_REPORT_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<std::string> env = suite_->ClientEnvironment(caller);
    // First match wins in getenv(): overrides go first.
    env.insert(env.begin(), extra_env.begin(), extra_env.end());
    return RunToEnd(argv, env, dir_, absl::StrCat("report-", ++runs_));
  }

  // Seeds the network, recording what the figures must be in `model_`.
  void Seed();
  // Changes after the first report: one more completion, a departure, a corrected birth date.
  void Change();

  Seeder& s() { return *seeder_; }

  std::string dir_;
  std::unique_ptr<LocalSuite> suite_;
  std::unique_ptr<Seeder> seeder_;
  int runs_ = 0;
  Model model_;
  std::map<std::string, std::string> names_;             // model key -> resource name
  std::map<std::string, std::string> enrollment_names_;  // "trainee/run" -> resource name
  std::string mobility_to_depart_;
  // Records results of an enrolled trainee: passes at 60 or more (the runs' pass score).
  std::function<void(const char*, const char*, int)> complete_;
};

void ReportEndToEndTest::Seed() {
  // Institutions: a Chinese college and partners in Tajikistan and Kazakhstan.
  const auto institution = [&](const char* key, cpb::InstitutionKind kind, const char* country,
                               const char* city,
                               std::vector<std::pair<const char*, const char*>> display) {
    cpb::CreateInstitutionRequest r;
    r.mutable_institution()->set_kind(kind);
    r.mutable_institution()->set_country_code(country);
    r.mutable_institution()->set_city(city);
    for (const auto& [language, text] : display) {
      Name(r.mutable_institution()->mutable_display_names(), language, text);
    }
    names_[key] =
        s().Call(s().course(), &cpb::CourseService::Stub::CreateInstitution, r, key).name();
  };
  institution("cn", cpb::INSTITUTION_KIND_CHINESE_COLLEGE, "CN", "天津",
              {{"zh", "天津城市建设管理职业技术学院"},
               {"en", "Tianjin Urban Construction Management & Vocation Technology College"}});
  institution("ttu", cpb::INSTITUTION_KIND_LOCAL_PARTNER, "TJ", "Душанбе",
              {{"tg", "Донишгоҳи техникии Тоҷикистон"}, {"en", "Tajik Technical University"}});
  institution("enu", cpb::INSTITUTION_KIND_LOCAL_PARTNER, "KZ", "Астана",
              {{"en", "L.N. Gumilyov Eurasian National University"}});

  // Workshops, operating.
  const auto workshop = [&](const char* key, const char* country, const char* city,
                            const char* partner, const char* language, const char* name) {
    cpb::CreateWorkshopRequest r;
    r.mutable_workshop()->set_country_code(country);
    r.mutable_workshop()->set_city(city);
    r.mutable_workshop()->set_chinese_institution(names_["cn"]);
    r.mutable_workshop()->set_partner_institution(names_[partner]);
    Name(r.mutable_workshop()->mutable_display_names(), language, name);
    names_[key] = s().Call(s().course(), &cpb::CourseService::Stub::CreateWorkshop, r, key).name();
    cpb::ChangeWorkshopStatusRequest operate;
    operate.set_name(names_[key]);
    operate.set_status(cpb::WORKSHOP_STATUS_OPERATING);
    s().Call(s().course(), &cpb::CourseService::Stub::ChangeWorkshopStatus, operate, key);
  };
  workshop("w_tj", "TJ", "Душанбе", "ttu", "tg", kTajikWorkshop);
  workshop("w_kz", "KZ", "Астана", "enu", "en", "Luban Workshop Astana");

  const auto course = [&](const char* key, const char* code, const char* language,
                          const char* title, const char* discipline) {
    cpb::CreateCourseRequest r;
    r.mutable_course()->set_code(code);
    Name(r.mutable_course()->mutable_titles(), language, title);
    r.mutable_course()->set_discipline(discipline);
    r.mutable_course()->set_hours(120);
    r.mutable_course()->add_instruction_languages("ru");
    names_[key] = s().Call(s().course(), &cpb::CourseService::Stub::CreateCourse, r, key).name();
  };
  course("urt", "URT-101", "en", "Urban rail transit operation", "urban rail");
  course("cnc", "CNC-201", "zh", kChineseCourse, "CNC");

  // Runs: two starting in 2026, one in 2025; opened for enrollment.
  const auto run = [&](const char* key, const char* workshop_key, const char* course_key, int year,
                       int month, int capacity, const char* country, const char* workshop_name,
                       const char* code) {
    cpb::CreateCourseRunRequest r;
    cpb::CourseRun* cr = r.mutable_course_run();
    cr->set_course(names_[course_key]);
    cr->set_workshop(names_[workshop_key]);
    SetDate(cr->mutable_start_date(), year, month, 2);
    SetDate(cr->mutable_end_date(), year, month + 2, 28);
    cr->set_capacity(capacity);
    cr->set_language_code("ru");
    cr->set_pass_score(60);
    cr->set_min_attendance_percent(75);
    names_[key] = s().Call(s().course(), &cpb::CourseService::Stub::CreateCourseRun, r, key).name();
    cpb::OpenCourseRunRequest open;
    open.set_name(names_[key]);
    s().Call(s().course(), &cpb::CourseService::Stub::OpenCourseRun, open, key);
    model_.runs[key] = {country, workshop_name, code, year};
  };
  run("r1", "w_tj", "urt", 2026, 3, 3, "TJ", kTajikWorkshop, "URT-101");
  run("r2", "w_kz", "cnc", 2026, 9, 5, "KZ", "Luban Workshop Astana", "CNC-201");
  run("r3", "w_tj", "cnc", 2025, 10, 5, "TJ", kTajikWorkshop, "CNC-201");

  // Trainees with known sex and birth dates.
  struct T {
    const char* key;
    const char* workshop;
    const char* family;
    const char* given;
    epb::Sex sex;
    int birth_year;
    const char* document;
  };
  const T trainees[] = {
      {"t1", "w_tj", "Қодирова", "Зарина", epb::SEX_FEMALE, 2001, "A01000001"},
      {"t2", "w_tj", "Исмоилов", "Бахтиёр", epb::SEX_MALE, 2009, "A01000002"},
      {"t3", "w_tj", "Иванов", "Сергей", epb::SEX_MALE, 1980, "A01000003"},
      {"t4", "w_tj", "Раҳимова", "Ҷамила", epb::SEX_FEMALE, 1998, "A01000004"},
      {"t5", "w_tj", "Сафаров", "Умед", epb::SEX_MALE, 2004, "A01000005"},
      {"t6", "w_kz", "Жұмабекова", "Әсел", epb::SEX_FEMALE, 1991, "N01000006"},
      {"t7", "w_kz", "Оспанов", "Нұрсұлтан", epb::SEX_MALE, 2002, "N01000007"},
      {"t8", "w_kz", "Смирнова", "Екатерина", epb::SEX_FEMALE, 2000, "N01000008"},
  };
  for (const T& t : trainees) {
    epb::CreateTraineeRequest r;
    epb::Trainee* tr = r.mutable_trainee();
    tr->set_family_name(t.family);
    tr->set_given_name(t.given);
    tr->set_family_name_latin("Latin");
    tr->set_given_name_latin("Name");
    tr->set_sex(t.sex);
    SetDate(tr->mutable_birth_date(), t.birth_year, 6, 15);
    tr->set_citizenship(t.workshop == std::string("w_tj") ? "TJ" : "KZ");
    tr->mutable_identity_document()->set_country_code(tr->citizenship());
    tr->mutable_identity_document()->set_type(epb::DOCUMENT_TYPE_PASSPORT);
    tr->mutable_identity_document()->set_number(t.document);
    tr->set_home_workshop(names_[t.workshop]);
    names_[t.key] =
        s().Call(s().enrollment(), &epb::EnrollmentService::Stub::CreateTrainee, r, t.key).name();
    model_.trainees[t.key] = {t.sex == epb::SEX_FEMALE ? "female" : "male", t.birth_year};
  }

  const auto enroll = [&](const char* trainee, const char* run_key, epb::EnrollmentState want) {
    epb::EnrollRequest r;
    r.set_trainee(names_[trainee]);
    r.set_course_run(names_[run_key]);
    const epb::Enrollment e =
        s().Call(s().enrollment(), &epb::EnrollmentService::Stub::Enroll, r, "enroll");
    EXPECT_EQ(e.state(), want) << trainee << " in " << run_key;
    enrollment_names_[absl::StrCat(trainee, "/", run_key)] = e.name();
  };
  const auto withdraw = [&](const char* trainee, const char* run_key) {
    epb::WithdrawRequest r;
    r.set_name(enrollment_names_[absl::StrCat(trainee, "/", run_key)]);
    r.set_reason("moved away");
    s().Call(s().enrollment(), &epb::EnrollmentService::Stub::Withdraw, r, "withdraw");
  };
  const auto start = [&](const char* run_key) {
    cpb::StartCourseRunRequest r;
    r.set_name(names_[run_key]);
    s().Call(s().course(), &cpb::CourseService::Stub::StartCourseRun, r, "start");
  };
  complete_ = [this](const char* trainee, const char* run_key, int score) {
    epb::CompleteRequest r;
    r.set_name(enrollment_names_[absl::StrCat(trainee, "/", run_key)]);
    r.set_final_score(score);
    r.set_attendance_percent(90);
    const epb::Enrollment e =
        s().Call(s().enrollment(), &epb::EnrollmentService::Stub::Complete, r, "complete");
    EXPECT_EQ(e.state(),
              score >= 60 ? epb::ENROLLMENT_STATE_COMPLETED : epb::ENROLLMENT_STATE_FAILED);
    EXPECT_EQ(e.certificate().empty(), score < 60);
  };

  // r1 (TJ, 2026, 3 seats): t1 t2 t3 take seats, t4 t5 wait; t3 withdraws and t4 moves up; t5
  // stays on the waitlist; t1 passes, t2 fails.
  enroll("t1", "r1", epb::ENROLLMENT_STATE_ENROLLED);
  enroll("t2", "r1", epb::ENROLLMENT_STATE_ENROLLED);
  enroll("t3", "r1", epb::ENROLLMENT_STATE_ENROLLED);
  enroll("t4", "r1", epb::ENROLLMENT_STATE_WAITLISTED);
  enroll("t5", "r1", epb::ENROLLMENT_STATE_WAITLISTED);
  withdraw("t3", "r1");
  start("r1");
  complete_("t1", "r1", 90);
  complete_("t2", "r1", 40);
  // r2 (KZ, 2026): t6 t7 pass, t8 withdraws, t1 (from Tajikistan) stays enrolled.
  enroll("t6", "r2", epb::ENROLLMENT_STATE_ENROLLED);
  enroll("t7", "r2", epb::ENROLLMENT_STATE_ENROLLED);
  enroll("t8", "r2", epb::ENROLLMENT_STATE_ENROLLED);
  enroll("t1", "r2", epb::ENROLLMENT_STATE_ENROLLED);
  withdraw("t8", "r2");
  start("r2");
  complete_("t6", "r2", 75);
  complete_("t7", "r2", 88);
  // r3 (TJ, 2025): t2 passes, t5 enrolled.
  enroll("t2", "r3", epb::ENROLLMENT_STATE_ENROLLED);
  enroll("t5", "r3", epb::ENROLLMENT_STATE_ENROLLED);
  start("r3");
  complete_("t2", "r3", 70);
  model_.enrollments = {
      {"t1", "r1", "completed"}, {"t2", "r1", "failed"},     {"t3", "r1", "withdrawn"},
      {"t4", "r1", "enrolled"},  {"t5", "r1", "waitlisted"}, {"t6", "r2", "completed"},
      {"t7", "r2", "completed"}, {"t8", "r2", "withdrawn"},  {"t1", "r2", "enrolled"},
      {"t2", "r3", "completed"}, {"t5", "r3", "enrolled"},
  };

  // Exchanges: a study visit to China in May 2026 (quota 2: two approved, one rejected); a
  // teacher training across the new year (one teacher departed); a technical exchange in 2025.
  const auto programme = [&](const char* key, const char* partner, xpb::ProgrammeKind kind,
                             xpb::Direction direction, int y1, int m1, int d1, int y2, int m2,
                             int d2, int quota, const char* title) {
    xpb::CreateProgrammeRequest r;
    xpb::Programme* p = r.mutable_programme();
    Name(p->mutable_titles(), "en", title);
    p->set_chinese_institution(names_["cn"]);
    p->set_partner_institution(names_[partner]);
    p->set_kind(kind);
    p->set_direction(direction);
    SetDate(p->mutable_start_date(), y1, m1, d1);
    SetDate(p->mutable_end_date(), y2, m2, d2);
    p->set_quota(quota);
    names_[key] =
        s().Call(s().exchange(), &xpb::ExchangeService::Stub::CreateProgramme, r, key).name();
    xpb::ChangeProgrammeStatusRequest open;
    open.set_name(names_[key]);
    open.set_status(xpb::PROGRAMME_STATUS_OPEN);
    s().Call(s().exchange(), &xpb::ExchangeService::Stub::ChangeProgrammeStatus, open, key);
  };
  programme("p1", "ttu", xpb::PROGRAMME_KIND_TRAINEE_STUDY_VISIT, xpb::DIRECTION_TO_CHINA, 2026, 5,
            1, 2026, 5, 20, 2, "Study visit to Tianjin <2026>");
  programme("p2", "enu", xpb::PROGRAMME_KIND_TEACHER_TRAINING, xpb::DIRECTION_TO_PARTNER_COUNTRY,
            2025, 11, 1, 2026, 1, 15, 3, "Teacher training in Astana");
  programme("p3", "enu", xpb::PROGRAMME_KIND_TECHNICAL_EXCHANGE, xpb::DIRECTION_TO_CHINA, 2025, 3,
            1, 2025, 3, 10, 1, "Technical exchange 2025");
  const auto nominate_trainee = [&](const char* programme_key, const char* trainee) {
    xpb::NominateRequest r;
    r.set_programme(names_[programme_key]);
    r.set_trainee(names_[trainee]);
    return s().Call(s().exchange(), &xpb::ExchangeService::Stub::Nominate, r, "nominate").name();
  };
  const auto nominate_teacher = [&](const char* programme_key, const char* name) {
    xpb::NominateRequest r;
    r.set_programme(names_[programme_key]);
    r.mutable_teacher()->set_full_name(name);
    r.mutable_teacher()->set_full_name_latin("Wang Wei");
    r.mutable_teacher()->set_position("lecturer");
    return s().Call(s().exchange(), &xpb::ExchangeService::Stub::Nominate, r, "nominate").name();
  };
  const auto approve = [&](const std::string& mobility) {
    xpb::ApproveMobilityRequest r;
    r.set_name(mobility);
    s().Call(s().exchange(), &xpb::ExchangeService::Stub::ApproveMobility, r, "approve");
  };
  const std::string m1 = nominate_trainee("p1", "t1");
  const std::string m2 = nominate_trainee("p1", "t4");
  const std::string m3 = nominate_trainee("p1", "t3");
  approve(m1);
  approve(m2);
  {
    xpb::RejectMobilityRequest r;
    r.set_name(m3);
    r.set_reason("the quota is full");
    s().Call(s().exchange(), &xpb::ExchangeService::Stub::RejectMobility, r, "reject");
  }
  const std::string m4 = nominate_teacher("p2", "王伟");
  approve(m4);
  {
    xpb::DepartMobilityRequest r;
    r.set_name(m4);
    s().Call(s().exchange(), &xpb::ExchangeService::Stub::DepartMobility, r, "depart");
  }
  nominate_teacher("p3", "李娜");
  mobility_to_depart_ = m1;
}

void ReportEndToEndTest::Change() {
  complete_("t1", "r2", 95);  // one more completion (and certificate) in Kazakhstan
  for (ModelEnrollment& e : model_.enrollments) {
    if (e.trainee == "t1" && e.run == "r2") e.state = "completed";
  }
  xpb::DepartMobilityRequest depart;
  depart.set_name(mobility_to_depart_);
  s().Call(s().exchange(), &xpb::ExchangeService::Stub::DepartMobility, depart, "depart");
  // t8's birth date corrected: from 2000 (25-34 in 2026) to 1985 (35-44).
  epb::GetTraineeRequest get;
  get.set_name(names_["t8"]);
  epb::Trainee t8 =
      s().Call(s().enrollment(), &epb::EnrollmentService::Stub::GetTrainee, get, "t8");
  epb::UpdateTraineeRequest update;
  update.mutable_trainee()->set_name(t8.name());
  update.mutable_trainee()->set_etag(t8.etag());
  SetDate(update.mutable_trainee()->mutable_birth_date(), 1985, 2, 1);
  update.mutable_update_mask()->add_paths("birth_date");
  s().Call(s().enrollment(), &epb::EnrollmentService::Stub::UpdateTrainee, update, "update t8");
  model_.trainees["t8"].birth_year = 1985;
}

// Checks every enrollment table of `dir` for the years given against the model.
void ExpectEnrollmentTables(const Model& model, const std::string& dir, int first_year,
                            int last_year, const std::set<std::string>& excluded_runs = {}) {
  ExpectTable(dir, "by_year", {"year"},
              model.Table("by_year", first_year, last_year, excluded_runs));
  ExpectTable(dir, "by_country", {"year", "country"},
              model.Table("by_country", first_year, last_year, excluded_runs));
  ExpectTable(dir, "by_workshop", {"year", "workshop_name"},
              model.Table("by_workshop", first_year, last_year, excluded_runs));
  ExpectTable(dir, "by_course", {"year", "course_code"},
              model.Table("by_course", first_year, last_year, excluded_runs));
  ExpectTable(dir, "by_sex_age", {"year", "country", "sex", "age_band"},
              model.Table("by_sex_age", first_year, last_year, excluded_runs));
}

TEST_F(ReportEndToEndTest, FiguresMatchTheSeededDataAndRerunsAreByteIdentical) {
  ASSERT_NO_THROW(Seed());
  const std::string out = dir_ + "/out";
  const RunResult run =
      Report({"--year=2026", "--out=" + out, "--generated_at=" + std::string(kGeneratedAt)});
  ASSERT_EQ(run.exit_code, 0) << run.err << suite_->Logs();
  EXPECT_TRUE(absl::StrContains(run.err, "enrollments: 11 rows read")) << run.err;

  ExpectEnrollmentTables(model_, out, 2026, 2026);
  // Spot checks by hand, in case the model and the report share a misunderstanding: Tajikistan
  // 2026 has t1 completed, t2 failed, t3 withdrawn, t4 enrolled (moved up), t5 waitlisted.
  const CsvTable countries = ReadCsv(out + "/by_country.csv", {"year", "country"});
  ASSERT_EQ(countries.rows.count("2026|TJ"), 1u);
  EXPECT_EQ(countries.rows.at("2026|TJ").at("completion_rate"), "0.2500");
  EXPECT_EQ(countries.rows.at("2026|TJ").at("waitlisted"), "1");
  EXPECT_EQ(countries.rows.at("2026|KZ").at("completion_rate"), "0.5000");
  const CsvTable years = ReadCsv(out + "/by_year.csv", {"year"});
  EXPECT_EQ(years.rows.at("2026").at("trainees"), "8");  // t1 in both countries counts once
  EXPECT_EQ(years.rows.at("2026").at("certificates"), "3");

  // Exchanges: p1 and p2 overlap 2026, p3 does not.
  const CsvTable mobilities =
      ReadCsv(out + "/mobilities.csv", {"programme_kind", "direction", "state"});
  EXPECT_EQ(mobilities.rows.size(), 3u);
  EXPECT_EQ(mobilities.rows.at("trainee_study_visit|to_china|approved").at("trainees"), "2");
  EXPECT_EQ(mobilities.rows.at("trainee_study_visit|to_china|rejected").at("mobilities"), "1");
  EXPECT_EQ(mobilities.rows.at("teacher_training|to_partner_country|departed").at("teachers"), "1");
  const CsvTable quota = ReadCsv(out + "/programme_quota.csv", {"programme"});
  ASSERT_EQ(quota.rows.size(), 2u);
  EXPECT_EQ(quota.rows.at(names_["p1"]).at("quota_use"), "1.0000");
  EXPECT_EQ(quota.rows.at(names_["p1"]).at("mobilities"), "3");
  EXPECT_EQ(quota.rows.at(names_["p1"]).at("title"), "Study visit to Tianjin <2026>");
  EXPECT_EQ(quota.rows.at(names_["p2"]).at("quota_use"), "0.3333");
  EXPECT_EQ(quota.rows.at(names_["p2"]).at("partner_institution"),
            "L.N. Gumilyov Eurasian National University");

  // The JSON document holds the same figures and the period.
  const nlohmann::json doc =
      nlohmann::json::parse(luban::testing::ReadWholeFile(out + "/report.json"));
  EXPECT_EQ(doc["period"]["from"], "2026-01-01");
  EXPECT_EQ(doc["period"]["to"], "2026-12-31");
  EXPECT_EQ(doc["generated_at"], kGeneratedAt);
  EXPECT_EQ(doc["enrollments"]["total"]["enrollments"], 9);
  EXPECT_EQ(doc["enrollments"]["total"]["trainees"], 8);
  EXPECT_DOUBLE_EQ(doc["enrollments"]["total"]["completion_rate"].get<double>(), 0.375);
  EXPECT_EQ(doc["exchanges"]["programme_quota"].size(), 2u);

  // The page: well-formed, with its charts, names byte-exact and escaped, nothing external.
  const std::string html = luban::testing::ReadWholeFile(out + "/report.html");
  EXPECT_EQ(testing::HtmlProblem(html), "");
  const auto elements = testing::ElementCounts(html);
  EXPECT_GE(elements.at("svg"), 6);
  EXPECT_GE(elements.at("rect"), 12);
  EXPECT_EQ(elements.count("script"), 0u);
  EXPECT_EQ(elements.count("img"), 0u);
  EXPECT_EQ(elements.count("link"), 0u);
  EXPECT_FALSE(absl::StrContains(html, "src=\"http"));
  EXPECT_FALSE(absl::StrContains(html, "<script"));
  EXPECT_FALSE(absl::StrContains(html, "url("));
  EXPECT_TRUE(absl::StrContains(html, kTajikWorkshop));
  EXPECT_TRUE(absl::StrContains(html, kChineseCourse));
  EXPECT_TRUE(absl::StrContains(html, "Study visit to Tianjin &lt;2026&gt;"));

  // The same data again: byte-identical files.
  const std::string again = dir_ + "/again";
  const RunResult second =
      Report({"--year=2026", "--out=" + again, "--generated_at=" + std::string(kGeneratedAt)});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  const auto first_files = ReadOutputs(out);
  EXPECT_EQ(first_files.size(), 9u);
  EXPECT_EQ(first_files, ReadOutputs(again));

  // A date range across two years: runs starting 2025-10-01..2026-03-31 are r3 and r1.
  const std::string range = dir_ + "/range";
  const RunResult ranged =
      Report({"--from=2025-10-01", "--to=2026-03-31", "--out=" + range, "--generated_at=x"});
  ASSERT_EQ(ranged.exit_code, 0) << ranged.err;
  ExpectEnrollmentTables(model_, range, 2025, 2026, {"r2"});
  const nlohmann::json ranged_doc =
      nlohmann::json::parse(luban::testing::ReadWholeFile(range + "/report.json"));
  EXPECT_EQ(ranged_doc["period"]["label"], "2025-10-01..2026-03-31");
  EXPECT_EQ(ranged_doc["enrollments"]["total"]["trainees"], 5);  // t1..t5; t2, t5 in both years
  EXPECT_EQ(ranged_doc["enrollments"]["total"]["enrollments"], 7);
}

TEST_F(ReportEndToEndTest, IncrementalRunAfterChangesEqualsAFreshFullRun) {
  ASSERT_NO_THROW(Seed());
  const std::string state = dir_ + "/report.state";
  const std::string generated = "--generated_at=" + std::string(kGeneratedAt);
  const RunResult first =
      Report({"--year=2026", "--out=" + dir_ + "/first", "--state=" + state, generated});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  ASSERT_TRUE(std::filesystem::exists(state));

  ASSERT_NO_THROW(Change());
  // Exactly from the cursors (no overlap): only the changed rows are read.
  const RunResult incremental = Report({"--year=2026", "--out=" + dir_ + "/incremental",
                                        "--state=" + state, "--overlap=0s", generated});
  ASSERT_EQ(incremental.exit_code, 0) << incremental.err;
  // One enrollment, one mobility, one trainee.
  EXPECT_TRUE(absl::StrContains(incremental.err, "enrollments: 1 rows read")) << incremental.err;
  EXPECT_TRUE(absl::StrContains(incremental.err, "mobilities: 1 rows read")) << incremental.err;
  EXPECT_TRUE(absl::StrContains(incremental.err, "trainees: 1 rows read")) << incremental.err;

  const RunResult full = Report({"--year=2026", "--out=" + dir_ + "/full", generated});
  ASSERT_EQ(full.exit_code, 0) << full.err;
  EXPECT_TRUE(absl::StrContains(full.err, "enrollments: 11 rows read")) << full.err;
  const auto incremental_files = ReadOutputs(dir_ + "/incremental");
  EXPECT_EQ(incremental_files.size(), 9u);
  EXPECT_EQ(incremental_files, ReadOutputs(dir_ + "/full"));
  EXPECT_NE(incremental_files, ReadOutputs(dir_ + "/first"));

  // And the figures are the changed ones.
  ExpectEnrollmentTables(model_, dir_ + "/incremental", 2026, 2026);
  const CsvTable countries = ReadCsv(dir_ + "/incremental/by_country.csv", {"year", "country"});
  EXPECT_EQ(countries.rows.at("2026|KZ").at("completion_rate"), "0.7500");
  EXPECT_EQ(countries.rows.at("2026|KZ").at("certificates"), "3");
  const CsvTable sex_age =
      ReadCsv(dir_ + "/incremental/by_sex_age.csv", {"year", "country", "sex", "age_band"});
  EXPECT_EQ(sex_age.rows.count("2026|KZ|female|35-44"), 1u);  // t6 (1991) and now t8 (1985)
  EXPECT_EQ(sex_age.rows.at("2026|KZ|female|35-44").at("trainees"), "2");
  const CsvTable mobilities =
      ReadCsv(dir_ + "/incremental/mobilities.csv", {"programme_kind", "direction", "state"});
  EXPECT_EQ(mobilities.rows.at("trainee_study_visit|to_china|approved").at("mobilities"), "1");
  EXPECT_EQ(mobilities.rows.at("trainee_study_visit|to_china|departed").at("mobilities"), "1");

  // Nothing changed since: a third run reads nothing and writes the same files.
  const RunResult idle = Report(
      {"--year=2026", "--out=" + dir_ + "/idle", "--state=" + state, "--overlap=0s", generated});
  ASSERT_EQ(idle.exit_code, 0) << idle.err;
  EXPECT_TRUE(absl::StrContains(idle.err, "enrollments: 0 rows read")) << idle.err;
  EXPECT_EQ(ReadOutputs(dir_ + "/idle"), incremental_files);

  // With the default overlap the rows of the last minutes are read again (all of them here) and
  // replace their records: the same figures.
  const RunResult overlapping =
      Report({"--year=2026", "--out=" + dir_ + "/overlapping", "--state=" + state, generated});
  ASSERT_EQ(overlapping.exit_code, 0) << overlapping.err;
  EXPECT_TRUE(absl::StrContains(overlapping.err, "enrollments: 11 rows read")) << overlapping.err;
  EXPECT_EQ(ReadOutputs(dir_ + "/overlapping"), incremental_files);
}

// Every page of a List call as the network admin.
template <typename Stub, typename Request, typename Response, typename Items>
void ForEachPage(Seeder& seeder, Stub& stub,
                 grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                 Request request, Items items) {
  request.set_page_size(1000);
  while (true) {
    const Response page = seeder.Call(stub, method, request, "list");
    items(page);
    if (page.next_page_token().empty()) return;
    request.set_page_token(page.next_page_token());
  }
}

// The demo network (luban-demo-seed: five countries, waitlists, certificates, full quotas):
// the report's figures against the same figures computed here from the List methods as the
// network admin, a path that shares nothing with the report's exports.
TEST_F(ReportEndToEndTest, DemoNetworkFiguresMatchTheListMethods) {
  const RunResult seed =
      RunToEnd({LUBAN_DEMO_SEED_BINARY, "--target=" + suite_->course_addr(),
                "--enrollment_target=" + suite_->enrollment_addr(),
                "--exchange_target=" + suite_->exchange_addr()},
               suite_->ClientEnvironment(LocalSuite::kNetworkAdmin), dir_, "demo-seed");
  ASSERT_EQ(seed.exit_code, 0) << seed.out << seed.err;

  // Independent figures: runs and trainees by id, then every enrollment.
  struct Run {
    std::string country;
    int year;
  };
  std::map<std::string, Run> runs;
  ForEachPage(s(), s().course(), &cpb::CourseService::Stub::ListCourseRuns,
              cpb::ListCourseRunsRequest(), [&](const cpb::ListCourseRunsResponse& page) {
                for (const auto& r : page.course_runs()) {
                  runs[r.name()] = {r.country_code(), r.start_date().year()};
                }
              });
  Model model;
  ForEachPage(s(), s().enrollment(), &epb::EnrollmentService::Stub::ListTrainees,
              epb::ListTraineesRequest(), [&](const epb::ListTraineesResponse& page) {
                for (const auto& t : page.trainees()) {
                  model.trainees[t.name()] = {t.sex() == epb::SEX_FEMALE ? "female" : "male",
                                              t.birth_date().year()};
                }
              });
  const std::map<epb::EnrollmentState, std::string> state_names = {
      {epb::ENROLLMENT_STATE_WAITLISTED, "waitlisted"},
      {epb::ENROLLMENT_STATE_ENROLLED, "enrolled"},
      {epb::ENROLLMENT_STATE_COMPLETED, "completed"},
      {epb::ENROLLMENT_STATE_FAILED, "failed"},
      {epb::ENROLLMENT_STATE_WITHDRAWN, "withdrawn"},
      {epb::ENROLLMENT_STATE_CANCELLED, "cancelled"}};
  ForEachPage(
      s(), s().enrollment(), &epb::EnrollmentService::Stub::ListEnrollments,
      epb::ListEnrollmentsRequest(), [&](const epb::ListEnrollmentsResponse& page) {
        for (const auto& e : page.enrollments()) {
          const Run& run = runs.at(e.course_run());
          model.runs[e.course_run()] = {run.country, "", "", run.year};
          model.enrollments.push_back({e.trainee(), e.course_run(), state_names.at(e.state())});
        }
      });
  ASSERT_GE(model.enrollments.size(), 30u);  // the demo's enrollments are there

  const std::string out = dir_ + "/demo";
  const RunResult report = Report({"--from=2000-01-01", "--to=2099-12-31", "--out=" + out});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  EXPECT_TRUE(absl::StrContains(
      report.err, absl::StrCat("enrollments: ", model.enrollments.size(), " rows read")))
      << report.err;
  ExpectTable(out, "by_year", {"year"}, model.Table("by_year", 2000, 2099));
  ExpectTable(out, "by_country", {"year", "country"}, model.Table("by_country", 2000, 2099));
  ExpectTable(out, "by_sex_age", {"year", "country", "sex", "age_band"},
              model.Table("by_sex_age", 2000, 2099));

  // Mobilities by programme kind, direction and state.
  std::map<std::string, std::pair<int, int>> programmes;  // name -> kind, direction
  ForEachPage(s(), s().exchange(), &xpb::ExchangeService::Stub::ListProgrammes,
              xpb::ListProgrammesRequest(), [&](const xpb::ListProgrammesResponse& page) {
                for (const auto& p : page.programmes()) {
                  programmes[p.name()] = {p.kind(), p.direction()};
                }
              });
  std::map<std::string, int> mobilities;
  ForEachPage(s(), s().exchange(), &xpb::ExchangeService::Stub::ListMobilities,
              xpb::ListMobilitiesRequest(), [&](const xpb::ListMobilitiesResponse& page) {
                for (const auto& m : page.mobilities()) {
                  const auto [kind, direction] = programmes.at(m.programme());
                  std::string key = absl::StrCat(xpb::ProgrammeKind_Name(kind), "|",
                                                 xpb::Direction_Name(direction), "|",
                                                 xpb::MobilityState_Name(m.state()));
                  // PROGRAMME_KIND_TEACHER_TRAINING -> teacher_training, as the report names them.
                  for (const char* prefix : {"PROGRAMME_KIND_", "DIRECTION_", "MOBILITY_STATE_"}) {
                    const size_t at = key.find(prefix);
                    if (at != std::string::npos) key.erase(at, std::strlen(prefix));
                  }
                  for (char& c : key) c = static_cast<char>(std::tolower(c));
                  ++mobilities[key];
                }
              });
  ASSERT_FALSE(mobilities.empty());
  const CsvTable actual =
      ReadCsv(out + "/mobilities.csv", {"programme_kind", "direction", "state"});
  EXPECT_EQ(actual.rows.size(), mobilities.size());
  for (const auto& [key, count] : mobilities) {
    ASSERT_EQ(actual.rows.count(key), 1u) << key;
    EXPECT_EQ(actual.rows.at(key).at("mobilities"), absl::StrCat(count)) << key;
  }
  EXPECT_EQ(testing::HtmlProblem(luban::testing::ReadWholeFile(out + "/report.html")), "");
}

TEST_F(ReportEndToEndTest, FailuresGiveTheDocumentedExitCodes) {
  const std::string out = dir_ + "/out";
  // No token at all: permission, before any call.
  const RunResult anonymous = Report({"--year=2026", "--out=" + out}, LocalSuite::kAnonymous);
  EXPECT_EQ(anonymous.exit_code, 4) << anonymous.err;
  EXPECT_TRUE(absl::StrContains(anonymous.err, "LUBAN_TOKEN")) << anonymous.err;
  // A college admin may not export: PERMISSION_DENIED from the service.
  const RunResult college = Report({"--year=2026", "--out=" + out}, LocalSuite::kCollegeAdmin);
  EXPECT_EQ(college.exit_code, 4) << college.err;
  EXPECT_TRUE(absl::StrContains(college.err, "PERMISSION_DENIED")) << college.err;
  // A token the services do not know: UNAUTHENTICATED, the same exit code.
  const RunResult unknown = Report({"--year=2026", "--out=" + out}, LocalSuite::kReporter,
                                   {"LUBAN_TOKEN=not-a-known-token"});
  EXPECT_EQ(unknown.exit_code, 4) << unknown.err;
  // The enrollment service down: unavailable.
  const RunResult down =
      Report({"--year=2026", "--out=" + out}, LocalSuite::kReporter,
             {absl::StrCat("LUBAN_ENROLLMENT_ADDR=127.0.0.1:", luban::testing::FreePort())});
  EXPECT_EQ(down.exit_code, 5) << down.err;
  EXPECT_TRUE(absl::StrContains(down.err, "UNAVAILABLE")) << down.err;
  // Bad usage.
  EXPECT_EQ(Report({"--out=" + out}).exit_code, 2);
  EXPECT_EQ(Report({"--year=2026"}).exit_code, 2);
  EXPECT_EQ(Report({"--from=2026-02-30", "--to=2026-03-01", "--out=" + out}).exit_code, 2);
  // A damaged state file: a clear failure, not silently wrong figures.
  const std::string state = dir_ + "/damaged.state";
  { std::ofstream(state) << "not a state file"; }
  const RunResult damaged = Report({"--year=2026", "--out=" + out, "--state=" + state});
  EXPECT_EQ(damaged.exit_code, 1) << damaged.err;
  EXPECT_TRUE(absl::StrContains(damaged.err, state)) << damaged.err;
  // None of the failures wrote a report.
  EXPECT_FALSE(std::filesystem::exists(out + "/report.json"));
  // Every failure is one line.
  for (const RunResult* r : {&anonymous, &college, &unknown, &down, &damaged}) {
    EXPECT_EQ(std::count(r->err.begin(), r->err.end(), '\n'), 1) << r->err;
  }
}

TEST(ReportHelpTest, HelpDocumentsFlagsDefinitionsOutputsAndExitCodes) {
  char dir[] = "/tmp/luban-report-help.XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const RunResult help =
      RunToEnd({LUBAN_REPORT_BINARY, "--help"}, luban::testing::CleanEnvironment(), dir, "help");
  EXPECT_EQ(help.exit_code, 0) << help.err;
  const std::string text = help.out;
  for (const char* expected :
       {"--year", "--from", "--to", "--out", "--state", "--generated_at", "--full", "--overlap",
        "--export_timeout", "--course_addr", "completion rate", "age band", "by_country.csv",
        "report.html", "report.json", "Exit codes", "LUBAN_TOKEN"}) {
    EXPECT_TRUE(absl::StrContains(text, expected)) << expected << "\n" << text;
  }
  // A bad command line is a usage error (2), with one line saying what is wrong.
  const RunResult bad = RunToEnd({LUBAN_REPORT_BINARY, "--year=twenty", "--out=x"},
                                 luban::testing::CleanEnvironment(), dir, "bad");
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_TRUE(absl::StrContains(bad.err, "--year")) << bad.err;
  const RunResult unknown = RunToEnd({LUBAN_REPORT_BINARY, "--yaer=2026", "--out=x"},
                                     luban::testing::CleanEnvironment(), dir, "unknown");
  EXPECT_EQ(unknown.exit_code, 2) << unknown.err;
  EXPECT_TRUE(absl::StrContains(unknown.err, "--yaer")) << unknown.err;
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

}  // namespace
}  // namespace luban::report
