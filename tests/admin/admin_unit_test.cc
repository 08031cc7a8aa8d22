// The parts of luban-admin that need no service: the command table against the protos, the
// command-line parser, friendly values through reflection, table rendering and import rows.
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "luban/course/v1/course.pb.h"
#include "luban/enrollment/v1/enrollment.pb.h"
#include "luban/exchange/v1/exchange.pb.h"
#include "tools/admin/admin.h"
#include "tools/admin/commands.h"
#include "tools/admin/import.h"
#include "tools/admin/render.h"
#include "tools/admin/values.h"

namespace luban::admin {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const CommandTable& Table() {
  static const CommandTable* const table = CommandTable::Build()->release();
  return *table;
}

FieldPath Path(const google::protobuf::Descriptor* type, const std::string& dotted) {
  FieldPath path;
  for (absl::string_view part : absl::StrSplit(dotted, '.')) {
    const auto* field = type->FindFieldByName(std::string(part));
    EXPECT_NE(field, nullptr) << dotted;
    if (field == nullptr) return path;
    path.push_back(field);
    type = field->message_type();
  }
  return path;
}

TEST(CommandTableTest, EveryRpcOfTheThreeServicesHasACommand) {
  ASSERT_TRUE(CommandTable::Build().ok());
  std::set<std::string> covered;
  for (const Command& command : Table().commands()) covered.insert(command.method->full_name());
  const google::protobuf::ServiceDescriptor* services[] = {
      course::v1::GetCourseRequest::descriptor()->file()->FindServiceByName("CourseService"),
      enrollment::v1::GetTraineeRequest::descriptor()->file()->FindServiceByName(
          "EnrollmentService"),
      exchange::v1::GetProgrammeRequest::descriptor()->file()->FindServiceByName(
          "ExchangeService")};
  int methods = 0;
  for (const auto* service : services) {
    ASSERT_NE(service, nullptr);
    for (int i = 0; i < service->method_count(); ++i) {
      const auto* method = service->method(i);
      if (method->name() == "WatchChanges") continue;  // the services' feed, not an admin task
      ++methods;
      EXPECT_TRUE(covered.count(method->full_name()) > 0) << method->full_name();
    }
  }
  EXPECT_GE(methods, 50);
}

TEST(CommandTableTest, FlagsAreTheRequestsFieldsWithFriendlyNames) {
  const Command* list = Table().Find("runs", "list");
  ASSERT_NE(list, nullptr);
  EXPECT_NE(list->FindFlag("workshop"), nullptr);
  EXPECT_NE(list->FindFlag("status"), nullptr);
  EXPECT_NE(list->FindFlag("start-date-from"), nullptr);
  EXPECT_NE(list->FindFlag("page-size"), nullptr);
  EXPECT_FALSE(list->mutating);

  const Command* create = Table().Find("trainees", "create");
  ASSERT_NE(create, nullptr);
  EXPECT_TRUE(create->mutating);
  ASSERT_NE(create->FindFlag("identity-document-number"), nullptr);
  ASSERT_NE(create->FindFlag("document-number"), nullptr);
  EXPECT_EQ(create->FindFlag("document-number")->path,
            create->FindFlag("identity-document-number")->path);
  EXPECT_EQ(PathName(create->FindFlag("email")->path), "trainee.contacts.email");
  // Output-only fields are not offered.
  EXPECT_EQ(create->FindFlag("etag"), nullptr);
  EXPECT_EQ(create->FindFlag("status"), nullptr);
  EXPECT_EQ(create->FindFlag("request-id"), nullptr);  // a common option, not a field flag
}

TEST(ParseTest, BindsFlagsAndPositionals) {
  auto invocation =
      Table().Parse({"runs", "list", "--workshop", "workshops/3", "--status=open", "--all"});
  ASSERT_TRUE(invocation.ok()) << invocation.status();
  ASSERT_NE(invocation->command, nullptr);
  EXPECT_EQ(invocation->command->FullName(), "runs list");
  ASSERT_EQ(invocation->values.size(), 2u);
  EXPECT_EQ(invocation->values[0].first->flag, "workshop");
  EXPECT_EQ(invocation->values[0].second, "workshops/3");
  EXPECT_EQ(invocation->values[1].second, "open");
  EXPECT_TRUE(invocation->options.all);

  auto get = Table().Parse({"--output", "json", "workshops", "get", "7"});
  ASSERT_TRUE(get.ok()) << get.status();
  EXPECT_EQ(get->options.output, "json");
  EXPECT_EQ(get->positionals, std::vector<std::string>{"7"});
}

TEST(ParseTest, ShortcutsAndAliases) {
  auto enroll = Table().Parse({"enroll", "--trainee", "4", "--run", "2"});
  ASSERT_TRUE(enroll.ok()) << enroll.status();
  EXPECT_EQ(enroll->command->method->name(), "Enroll");
  ASSERT_EQ(enroll->values.size(), 2u);
  EXPECT_EQ(PathName(enroll->values[1].first->path), "course_run");
  auto verify = Table().Parse({"verify", "LW-1"});
  ASSERT_TRUE(verify.ok()) << verify.status();
  EXPECT_EQ(verify->command->method->name(), "VerifyCertificate");
}

TEST(ParseTest, WhoamiAndEachServicesAuditTrail) {
  auto whoami = Table().Parse({"whoami"});
  ASSERT_TRUE(whoami.ok()) << whoami.status();
  EXPECT_EQ(whoami->command->method->full_name(), "luban.course.v1.CourseService.GetCaller");
  const std::pair<const char*, const char*> services[] = {{"course", "CourseService"},
                                                          {"enrollment", "EnrollmentService"},
                                                          {"exchange", "ExchangeService"}};
  for (const auto& [verb, service] : services) {
    auto audit = Table().Parse({"audit", verb, "--resource", "trainees/12", "--all"});
    ASSERT_TRUE(audit.ok()) << audit.status();
    EXPECT_EQ(audit->command->method->name(), "ListAuditRecords");
    EXPECT_EQ(audit->command->method->service()->name(), service);
    ASSERT_EQ(audit->values.size(), 1u);
    EXPECT_EQ(PathName(audit->values[0].first->path), "resource");
    EXPECT_EQ(audit->values[0].second, "trainees/12");
    EXPECT_TRUE(audit->options.all);
  }
}

TEST(ParseTest, SettingsFlagsAreSetAside) {
  auto invocation =
      Table().Parse({"--course_addr=127.0.0.1:1", "runs", "get", "2", "--timeout", "2s", "--tls"});
  ASSERT_TRUE(invocation.ok()) << invocation.status();
  using Setting = std::pair<std::string, std::string>;
  EXPECT_EQ(
      invocation->settings,
      (std::vector<Setting>{{"course_addr", "127.0.0.1:1"}, {"timeout", "2s"}, {"tls", "true"}}));
  EXPECT_TRUE(invocation->values.empty());
}

TEST(ParseTest, UsageErrorsAreOneClearSentence) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"frobnicate"}, "unknown command 'frobnicate'"},
      {{"runs", "explode"}, "unknown command 'runs explode'"},
      {{"runs"}, "'runs' needs a verb"},
      {{"runs", "list", "--colour", "red"}, "unknown flag --colour"},
      {{"runs", "list", "--status"}, "--status needs a value"},
      {{"runs", "get"}, "missing NAME"},
      {{"runs", "get", "1", "2"}, "unexpected argument '2'"},
      {{"runs", "get", "1", "--all"}, "unknown flag --all"},
      {{"runs", "list", "--output", "xml"}, "--output must be table, json or csv"},
      {{"trainees", "import", "f.csv", "--batch-size", "501"}, "--batch-size must be 1..500"},
      {{"runs", "list", "--token", "secret"}, "never taken from the command line"},
  };
  for (const auto& [args, message] : cases) {
    auto invocation = Table().Parse(args);
    ASSERT_FALSE(invocation.ok()) << args[0];
    EXPECT_EQ(invocation.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(invocation.status().message(), HasSubstr(message));
    EXPECT_THAT(invocation.status().message(), Not(HasSubstr("\n")));
  }
}

TEST(ParseTest, HelpOnEveryLevel) {
  auto top = Table().Parse({"--help"});
  ASSERT_TRUE(top.ok());
  ASSERT_TRUE(top->help.has_value());
  EXPECT_THAT(*top->help, HasSubstr("mobilities"));
  EXPECT_THAT(*top->help, HasSubstr("Exit codes"));
  auto resource = Table().Parse({"runs", "--help"});
  ASSERT_TRUE(resource.ok());
  EXPECT_THAT(*resource->help, HasSubstr("cancel"));
  auto command = Table().Parse({"runs", "list", "--help"});
  ASSERT_TRUE(command.ok());
  EXPECT_THAT(*command->help, HasSubstr("--start-date-from YYYY-MM-DD"));
  EXPECT_THAT(*command->help, HasSubstr("--status {scheduled|open|in_progress|completed|"));
  auto import = Table().Parse({"trainees", "import", "-h"});
  ASSERT_TRUE(import.ok());
  EXPECT_THAT(*import->help, HasSubstr("document_number"));
}

TEST(ValuesTest, SetsFieldsFromFriendlyText) {
  enrollment::v1::Trainee trainee;
  const auto* type = enrollment::v1::Trainee::descriptor();
  ASSERT_TRUE(SetFromText(&trainee, Path(type, "sex"), "female").ok());
  ASSERT_TRUE(SetFromText(&trainee, Path(type, "birth_date"), "2004-02-29").ok());
  ASSERT_TRUE(SetFromText(&trainee, Path(type, "home_workshop"), "3").ok());
  ASSERT_TRUE(SetFromText(&trainee, Path(type, "identity_document.type"), "national-id").ok());
  ASSERT_TRUE(SetFromText(&trainee, Path(type, "name"), "12", "trainees").ok());
  EXPECT_EQ(trainee.sex(), enrollment::v1::SEX_FEMALE);
  EXPECT_EQ(trainee.birth_date().year(), 2004);
  EXPECT_EQ(trainee.birth_date().day(), 29);
  EXPECT_EQ(trainee.home_workshop(), "workshops/3");
  EXPECT_EQ(trainee.identity_document().type(), enrollment::v1::DOCUMENT_TYPE_NATIONAL_ID);
  EXPECT_EQ(trainee.name(), "trainees/12");

  EXPECT_EQ(FormatPath(trainee, Path(type, "sex")), "female");
  EXPECT_EQ(FormatPath(trainee, Path(type, "birth_date")), "2004-02-29");
  EXPECT_EQ(FormatPath(trainee, Path(type, "identity_document.type")), "national_id");
  EXPECT_EQ(FormatPath(trainee, Path(type, "contacts.email")), "");
}

TEST(ValuesTest, RefusesMalformedValuesNamingTheField) {
  enrollment::v1::Trainee trainee;
  const auto* type = enrollment::v1::Trainee::descriptor();
  const absl::Status date = SetFromText(&trainee, Path(type, "birth_date"), "2003-02-29");
  EXPECT_EQ(date.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(date.message(), HasSubstr("birth_date"));
  EXPECT_FALSE(SetFromText(&trainee, Path(type, "birth_date"), "29.02.2004").ok());
  const absl::Status sex = SetFromText(&trainee, Path(type, "sex"), "unspecified");
  EXPECT_THAT(sex.message(), HasSubstr("female, male"));
  course::v1::CourseRun run;
  EXPECT_FALSE(
      SetFromText(&run, Path(course::v1::CourseRun::descriptor(), "capacity"), "ten").ok());
}

TEST(ValuesTest, RepeatedAndLocalizedValues) {
  course::v1::Workshop workshop;
  const auto* type = course::v1::Workshop::descriptor();
  ASSERT_TRUE(SetFromText(&workshop, Path(type, "display_names"), "tg=Устохонаи Лу Бан").ok());
  ASSERT_TRUE(SetFromText(&workshop, Path(type, "display_names"), "zh=鲁班工坊").ok());
  ASSERT_TRUE(SetFromText(&workshop, Path(type, "disciplines"), "urban rail, CNC").ok());
  ASSERT_EQ(workshop.display_names_size(), 2);
  EXPECT_EQ(workshop.display_names(1).text(), "鲁班工坊");
  EXPECT_EQ(FormatPath(workshop, Path(type, "display_names")), "tg=Устохонаи Лу Бан; zh=鲁班工坊");
  EXPECT_EQ(FormatPath(workshop, Path(type, "display_names"), /*compact=*/true),
            "Устохонаи Лу Бан / 鲁班工坊");
  EXPECT_EQ(FormatPath(workshop, Path(type, "disciplines")), "urban rail,CNC");
  EXPECT_FALSE(SetFromText(&workshop, Path(type, "display_names"), "no language").ok());
}

TEST(RenderTest, DisplayWidthCountsCellsNotBytes) {
  EXPECT_EQ(DisplayWidth("abc"), 3u);
  EXPECT_EQ(DisplayWidth("Ҷӯраев"), 6u);
  EXPECT_EQ(DisplayWidth("鲁班工坊"), 8u);
  EXPECT_EQ(DisplayWidth("e\xCC\x81"), 1u);  // e + combining acute
  EXPECT_EQ(FitToWidth("鲁班工坊", 5), "鲁班…");
  EXPECT_EQ(FitToWidth("Ҷӯраев", 6), "Ҷӯраев");
  EXPECT_EQ(FitToWidth("Ҷӯраев", 4), "Ҷӯр…");
}

TEST(RenderTest, TableColumnsAlignWithCyrillicAndChinese) {
  std::ostringstream out;
  TableWriter table({"name", "city"}, out);
  table.AddRow({"Ҷӯраев", "Dushanbe"});
  table.AddRow({"王小明", "天津"});
  table.AddRow({"ab", "x"});
  table.Flush();
  const std::vector<std::string> lines = absl::StrSplit(out.str(), '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], "NAME    CITY");
  // The second column starts at the same cell in every line.
  for (const std::string& line : lines) {
    const size_t split = line.rfind("  ");
    ASSERT_NE(split, std::string::npos) << line;
    EXPECT_EQ(DisplayWidth(line.substr(0, split + 2)), 8u) << line;
    EXPECT_NE(line.back(), ' ');
  }
}

TEST(RenderTest, ItemWriterCsvAndJson) {
  course::v1::CourseRun run;
  run.set_name("courseRuns/2");
  run.set_status(course::v1::COURSE_RUN_STATUS_IN_PROGRESS);
  run.set_capacity(12);
  run.mutable_start_date()->set_year(2026);
  run.mutable_start_date()->set_month(3);
  run.mutable_start_date()->set_day(1);
  auto columns = ColumnsFor(run.GetDescriptor(), Format::kCsv, "name,status,start_date,capacity");
  ASSERT_TRUE(columns.ok()) << columns.status();
  std::ostringstream csv;
  ItemWriter csv_writer(Format::kCsv, *columns, csv);
  csv_writer.Add(run);
  csv_writer.Flush();
  EXPECT_EQ(csv.str(), "name,status,start_date,capacity\ncourseRuns/2,in_progress,2026-03-01,12\n");

  std::ostringstream json;
  ItemWriter json_writer(Format::kJson, {}, json);
  json_writer.Add(run);
  EXPECT_THAT(json.str(), HasSubstr("\"status\":\"COURSE_RUN_STATUS_IN_PROGRESS\""));
  EXPECT_THAT(json.str(), HasSubstr("\"startDate\":{\"year\":2026"));

  EXPECT_FALSE(ColumnsFor(run.GetDescriptor(), Format::kCsv, "name,colour").ok());
}

TEST(ImportColumnsTest, MapsHeaderNamesToTraineeFields) {
  auto columns = ImportColumns::FromHeader({"Family_Name", "given-name", "sex", "birth_date",
                                            "document_country", "document_type", "document_number",
                                            "email", "home_workshop"});
  ASSERT_TRUE(columns.ok()) << columns.status();
  enrollment::v1::Trainee trainee;
  ASSERT_TRUE(columns
                  ->Fill({"Раҳимова", "Зарина", "F", "2001-05-17", "TJ", "passport", "A123",
                          "z@example.tj", "2"},
                         &trainee)
                  .ok());
  EXPECT_EQ(trainee.family_name(), "Раҳимова");
  EXPECT_EQ(trainee.sex(), enrollment::v1::SEX_FEMALE);
  EXPECT_EQ(trainee.identity_document().number(), "A123");
  EXPECT_EQ(trainee.contacts().email(), "z@example.tj");
  EXPECT_EQ(trainee.home_workshop(), "workshops/2");

  enrollment::v1::Trainee bad;
  const absl::Status date =
      columns->Fill({"X", "Y", "", "2001-13-01", "TJ", "passport", "B1", "", "2"}, &bad);
  EXPECT_THAT(date.message(), HasSubstr("birth_date"));
  EXPECT_FALSE(columns->Fill({"X", "Y"}, &bad).ok());
  EXPECT_FALSE(ImportColumns::FromHeader({"family_name", "shoe_size"}).ok());
  EXPECT_FALSE(ImportColumns::FromHeader({"sex", "SEX"}).ok());
}

TEST(RunAdminTest, UsageErrorsExitTwoWithOneLine) {
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(RunAdmin({"runs", "list", "--bogus", "1"}, out, err), 2);
  EXPECT_EQ(out.str(), "");
  EXPECT_EQ(err.str(),
            "luban-admin: runs list: unknown flag --bogus; see luban-admin runs list --help\n");
  std::ostringstream help;
  EXPECT_EQ(RunAdmin({"mobilities", "--help"}, help, err), 0);
  EXPECT_THAT(help.str(), HasSubstr("nominate"));
}

}  // namespace
}  // namespace luban::admin
