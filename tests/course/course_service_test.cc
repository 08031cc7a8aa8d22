// The course service end to end: a real ServiceHost (callback server, executor, health,
// reflection) on a free loopback port, over a fresh MariaDB schema, called through gRPC stubs
// with each role's bearer token.
#include <limits>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/auth/credentials.h"
#include "common/server/service_main.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "luban/course/v1/course.grpc.pb.h"
#include "services/course/api/course_api.h"
#include "services/course/course_module.h"
#include "tests/support/feed_names.h"
#include "tests/support/test_database.h"

namespace luban::course {
namespace {

namespace pb = ::luban::course::v1;
using ::grpc::StatusCode;
using ::luban::testing::FeedNames;
using ::luban::testing::FeedSequenceOf;
using ::testing::HasSubstr;

constexpr char kAdminToken[] = "token-network-admin";
constexpr char kReporterToken[] = "token-reporter";
constexpr char kServiceToken[] = "token-service";
constexpr char kExchangeServiceToken[] = "token-service-exchange";
constexpr char kCollegeToken[] = "token-college-ttu";       // bound to institutions/2
constexpr char kOtherCollegeToken[] = "token-college-enu";  // bound to institutions/4

// UTF-8 names of the partner countries, which must come back byte-exact.
constexpr char kTajik[] = "Донишгоҳи техникии Тоҷикистон ба номи академик М.С. Осимӣ";
constexpr char kKazakh[] = "Л.Н. Гумилев атындағы Еуразия ұлттық университеті";
constexpr char kRussian[] = "Таджикский технический университет имени академика М.С. Осими";
constexpr char kChinese[] = "天津城市建设管理职业技术学院";

std::string CredentialsText() {
  auto line = [](const char* token, const char* rest) {
    return absl::StrCat(auth::HashToken(token), " ", rest, "\n");
  };
  return absl::StrCat(line(kAdminToken, "network_admin admin"),
                      line(kReporterToken, "reporter reports"),
                      line(kServiceToken, "service svc-enrollment"),
                      line(kExchangeServiceToken, "service svc-exchange"),
                      line(kCollegeToken, "college_admin ttu-admin institutions/2"),
                      line(kOtherCollegeToken, "college_admin enu-admin institutions/4"));
}

class CourseServiceTest : public luban::testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto credentials = auth::CredentialStore::Parse(CredentialsText());
    ASSERT_TRUE(credentials.ok()) << credentials.status();
    HostOptions options;
    options.db = Config(4);
    options.page_token_secret = "test-secret";
    options.health_interval = absl::Milliseconds(50);
    options.shutdown_grace = absl::Seconds(2);
    module_ = std::make_unique<CourseModule>(CourseConfig{});
    auto host = ServiceHost::Start(*module_, options, *std::move(credentials));
    ASSERT_TRUE(host.ok()) << host.status();
    host_ = *std::move(host);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", host_->port()),
                                   grpc::InsecureChannelCredentials());
    stub_ = pb::CourseService::NewStub(channel_);
  }

  void TearDown() override {
    if (host_) host_->Shutdown();
    DatabaseTest::TearDown();
  }

  // Calls `method` with `token` ("" for none); returns the status, fills `response`.
  template <typename Request, typename Response>
  grpc::Status Call(grpc::Status (pb::CourseService::Stub::*method)(grpc::ClientContext*,
                                                                    const Request&, Response*),
                    const std::string& token, const Request& request, Response* response) {
    grpc::ClientContext context;
    if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    return ((*stub_).*method)(&context, request, response);
  }

  std::string NextRequestId() { return absl::StrCat("req-", ++request_counter_); }

  pb::Institution CreateInstitution(pb::InstitutionKind kind, const std::string& country,
                                    const std::string& name) {
    pb::CreateInstitutionRequest request;
    request.set_request_id(NextRequestId());
    request.mutable_institution()->set_kind(kind);
    request.mutable_institution()->set_country_code(country);
    request.mutable_institution()->set_city("Душанбе");
    auto* text = request.mutable_institution()->add_display_names();
    text->set_language_code(country == "CN" ? "zh" : "ru");
    text->set_text(name);
    pb::Institution response;
    const grpc::Status status =
        Call(&pb::CourseService::Stub::CreateInstitution, kAdminToken, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  pb::Workshop CreateWorkshop(const std::string& chinese, const std::string& partner,
                              const std::string& country, bool operate) {
    pb::CreateWorkshopRequest request;
    request.set_request_id(NextRequestId());
    auto* w = request.mutable_workshop();
    w->set_country_code(country);
    w->set_city("Душанбе");
    w->set_chinese_institution(chinese);
    w->set_partner_institution(partner);
    auto* text = w->add_display_names();
    text->set_language_code("tg");
    text->set_text("Устохонаи Лубан");
    w->add_disciplines("urban rail");
    pb::Workshop response;
    grpc::Status status =
        Call(&pb::CourseService::Stub::CreateWorkshop, kAdminToken, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (operate) {
      pb::ChangeWorkshopStatusRequest change;
      change.set_request_id(NextRequestId());
      change.set_name(response.name());
      change.set_status(pb::WORKSHOP_STATUS_OPERATING);
      status = Call(&pb::CourseService::Stub::ChangeWorkshopStatus, kAdminToken, change, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
    }
    return response;
  }

  pb::Course CreateCourse(const std::string& code) {
    pb::CreateCourseRequest request;
    request.set_request_id(NextRequestId());
    auto* c = request.mutable_course();
    c->set_code(code);
    c->set_discipline("urban rail");
    c->set_hours(120);
    c->add_instruction_languages("ru");
    c->add_instruction_languages("tg");
    auto* title = c->add_titles();
    title->set_language_code("zh");
    title->set_text("城市轨道交通运营");
    pb::Course response;
    const grpc::Status status =
        Call(&pb::CourseService::Stub::CreateCourse, kAdminToken, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  pb::CreateCourseRunRequest RunRequest(const std::string& course, const std::string& workshop) {
    pb::CreateCourseRunRequest request;
    request.set_request_id(NextRequestId());
    auto* r = request.mutable_course_run();
    r->set_course(course);
    r->set_workshop(workshop);
    r->set_capacity(20);
    r->set_language_code("tg");
    r->set_pass_score(60);
    r->set_min_attendance_percent(80);
    r->mutable_start_date()->set_year(2027);
    r->mutable_start_date()->set_month(3);
    r->mutable_start_date()->set_day(1);
    r->mutable_end_date()->set_year(2027);
    r->mutable_end_date()->set_month(5);
    r->mutable_end_date()->set_day(31);
    return request;
  }

  // The network of most tests: TTU (institutions/2) and ENU (institutions/4) each co-found an
  // operating workshop with a Chinese college; one course in the catalogue.
  void BuildNetwork() {
    tianjin_ = CreateInstitution(pb::INSTITUTION_KIND_CHINESE_COLLEGE, "CN", kChinese);
    ttu_ = CreateInstitution(pb::INSTITUTION_KIND_LOCAL_PARTNER, "TJ", kTajik);
    rail_ = CreateInstitution(pb::INSTITUTION_KIND_CHINESE_COLLEGE, "CN", "天津铁道职业技术学院");
    enu_ = CreateInstitution(pb::INSTITUTION_KIND_LOCAL_PARTNER, "KZ", kKazakh);
    ASSERT_EQ(ttu_.name(), "institutions/2");
    ASSERT_EQ(enu_.name(), "institutions/4");
    tj_ = CreateWorkshop(tianjin_.name(), ttu_.name(), "TJ", true);
    kz_ = CreateWorkshop(rail_.name(), enu_.name(), "KZ", true);
    course_ = CreateCourse("URT-101");
  }

  pb::CourseRun CreateRun(const std::string& token, const std::string& workshop) {
    pb::CourseRun run;
    const grpc::Status status = Call(&pb::CourseService::Stub::CreateCourseRun, token,
                                     RunRequest(course_.name(), workshop), &run);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return run;
  }

  int64_t AuditRows() { return *db().QueryInt("SELECT COUNT(*) FROM audit_log"); }

  // One page of the audit trail as `token` reads it (`resource` "" for all of it).
  grpc::Status AuditPage(const std::string& token, const std::string& resource, int page_size,
                         const std::string& page_token, pb::ListAuditRecordsResponse* response) {
    pb::ListAuditRecordsRequest request;
    request.set_resource(resource);
    request.set_page_size(page_size);
    request.set_page_token(page_token);
    return Call(&pb::CourseService::Stub::ListAuditRecords, token, request, response);
  }

  // Every record `token` reads of `resource`, page by page, newest first.
  std::vector<luban::common::v1::AuditRecord> AuditTrail(const std::string& token,
                                                         const std::string& resource,
                                                         int page_size = 50) {
    std::vector<luban::common::v1::AuditRecord> records;
    std::string page_token;
    do {
      pb::ListAuditRecordsResponse page;
      const grpc::Status status = AuditPage(token, resource, page_size, page_token, &page);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      EXPECT_LE(page.audit_records_size(), page_size);
      records.insert(records.end(), page.audit_records().begin(), page.audit_records().end());
      page_token = page.next_page_token();
    } while (!page_token.empty());
    return records;
  }

  static std::vector<std::string> Actions(
      const std::vector<luban::common::v1::AuditRecord>& records) {
    std::vector<std::string> actions;
    for (const auto& record : records) actions.push_back(record.action());
    return actions;
  }

  std::unique_ptr<CourseModule> module_;
  std::unique_ptr<ServiceHost> host_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<pb::CourseService::Stub> stub_;
  int request_counter_ = 0;
  pb::Institution tianjin_, ttu_, rail_, enu_;
  pb::Workshop tj_, kz_;
  pb::Course course_;
};

TEST(CoursePolicyTest, EveryMethodOfTheServiceHasARule) {
  const auth::MethodPolicy policy = CoursePolicy();
  ASSERT_TRUE(policy.CheckComplete().ok()) << policy.CheckComplete();
  const auto* service = policy.service();
  ASSERT_EQ(service->full_name(), "luban.course.v1.CourseService");
  const Principal admin{"admin", Role::kNetworkAdmin, 0};
  const Principal anonymous{"anonymous", Role::kAnonymous, 0};
  for (int i = 0; i < service->method_count(); ++i) {
    const std::string method = service->method(i)->name();
    EXPECT_TRUE(policy.Authorize(method, admin).ok()) << method;
    EXPECT_EQ(policy.Authorize(method, anonymous).code(), absl::StatusCode::kUnauthenticated)
        << method << ": no course method is public";
  }
}

TEST_F(CourseServiceTest, HealthIsServingAndReflectionIsOn) {
  auto health = grpc::health::v1::Health::NewStub(channel_);
  // The first probe of the database runs right after start; wait for it with the Watch RPC.
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  grpc::health::v1::HealthCheckRequest request;
  auto reader = health->Watch(&context, request);
  grpc::health::v1::HealthCheckResponse response;
  bool serving = false;
  while (reader->Read(&response)) {
    if (response.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
      serving = true;
      break;
    }
  }
  context.TryCancel();
  EXPECT_TRUE(serving);
}

TEST_F(CourseServiceTest, LifecycleOfARunFromSchedulingToCompletion) {
  BuildNetwork();
  pb::CourseRun run = CreateRun(kCollegeToken, tj_.name());
  EXPECT_EQ(run.status(), pb::COURSE_RUN_STATUS_SCHEDULED);
  EXPECT_EQ(run.country_code(), "TJ");
  EXPECT_EQ(run.etag(), "\"1\"");

  pb::UpdateCourseRunRequest update;
  update.set_request_id(NextRequestId());
  *update.mutable_course_run() = run;
  update.mutable_course_run()->set_capacity(25);
  update.mutable_update_mask()->add_paths("capacity");
  ASSERT_TRUE(Call(&pb::CourseService::Stub::UpdateCourseRun, kCollegeToken, update, &run).ok());
  EXPECT_EQ(run.capacity(), 25);
  EXPECT_EQ(run.etag(), "\"2\"");

  pb::OpenCourseRunRequest open;
  open.set_request_id(NextRequestId());
  open.set_name(run.name());
  open.set_etag(run.etag());
  ASSERT_TRUE(Call(&pb::CourseService::Stub::OpenCourseRun, kCollegeToken, open, &run).ok());
  EXPECT_EQ(run.status(), pb::COURSE_RUN_STATUS_OPEN);

  pb::StartCourseRunRequest start;
  start.set_request_id(NextRequestId());
  start.set_name(run.name());
  ASSERT_TRUE(Call(&pb::CourseService::Stub::StartCourseRun, kCollegeToken, start, &run).ok());
  EXPECT_EQ(run.status(), pb::COURSE_RUN_STATUS_IN_PROGRESS);

  pb::CompleteCourseRunRequest complete;
  complete.set_request_id(NextRequestId());
  complete.set_name(run.name());
  ASSERT_TRUE(
      Call(&pb::CourseService::Stub::CompleteCourseRun, kCollegeToken, complete, &run).ok());
  EXPECT_EQ(run.status(), pb::COURSE_RUN_STATUS_COMPLETED);

  pb::GetCourseRunRequest get;
  get.set_name(run.name());
  pb::CourseRun fetched;
  ASSERT_TRUE(Call(&pb::CourseService::Stub::GetCourseRun, kReporterToken, get, &fetched).ok());
  EXPECT_EQ(fetched.status(), pb::COURSE_RUN_STATUS_COMPLETED);
  EXPECT_EQ(fetched.capacity(), 25);
  EXPECT_EQ(fetched.etag(), run.etag());

  // Completed is past every transition but none.
  pb::CancelCourseRunRequest cancel;
  cancel.set_request_id(NextRequestId());
  cancel.set_name(run.name());
  cancel.set_reason("too late");
  const int64_t audit = AuditRows();
  EXPECT_EQ(
      Call(&pb::CourseService::Stub::CancelCourseRun, kCollegeToken, cancel, &fetched).error_code(),
      StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(AuditRows(), audit);
}

TEST_F(CourseServiceTest, CancelledIsFinalAndRecordsTheReason) {
  BuildNetwork();
  pb::CourseRun run = CreateRun(kCollegeToken, tj_.name());
  pb::CancelCourseRunRequest cancel;
  cancel.set_request_id(NextRequestId());
  cancel.set_name(run.name());
  EXPECT_EQ(
      Call(&pb::CourseService::Stub::CancelCourseRun, kCollegeToken, cancel, &run).error_code(),
      StatusCode::INVALID_ARGUMENT)
      << "a reason is required";
  cancel.set_reason("trainer unavailable");
  ASSERT_TRUE(Call(&pb::CourseService::Stub::CancelCourseRun, kCollegeToken, cancel, &run).ok());
  EXPECT_EQ(run.status(), pb::COURSE_RUN_STATUS_CANCELLED);
  EXPECT_EQ(run.cancel_reason(), "trainer unavailable");
  pb::OpenCourseRunRequest open;
  open.set_request_id(NextRequestId());
  open.set_name(run.name());
  EXPECT_EQ(Call(&pb::CourseService::Stub::OpenCourseRun, kCollegeToken, open, &run).error_code(),
            StatusCode::FAILED_PRECONDITION);
}

TEST_F(CourseServiceTest, RulesAreRefusedWithTheirCodesAndChangeNothing) {
  BuildNetwork();
  const int64_t audit = AuditRows();
  const auto runs_checksum = db().TableChecksum("course_runs");
  pb::CourseRun run;

  // Runs only at an operating workshop.
  const pb::Workshop planned = CreateWorkshop(tianjin_.name(), ttu_.name(), "TJ", false);
  const int64_t audit_after_planned = AuditRows();
  EXPECT_EQ(Call(&pb::CourseService::Stub::CreateCourseRun, kAdminToken,
                 RunRequest(course_.name(), planned.name()), &run)
                .error_code(),
            StatusCode::FAILED_PRECONDITION);

  struct Case {
    const char* what;
    std::function<void(pb::CreateCourseRunRequest&)> spoil;
    StatusCode code;
  };
  const std::vector<Case> cases = {
      {"end before start",
       [](auto& r) { r.mutable_course_run()->mutable_end_date()->set_year(2026); },
       StatusCode::INVALID_ARGUMENT},
      {"no capacity", [](auto& r) { r.mutable_course_run()->set_capacity(0); },
       StatusCode::INVALID_ARGUMENT},
      {"language not taught", [](auto& r) { r.mutable_course_run()->set_language_code("kk"); },
       StatusCode::INVALID_ARGUMENT},
      {"impossible date",
       [](auto& r) {
         r.mutable_course_run()->mutable_start_date()->set_day(30);
         r.mutable_course_run()->mutable_start_date()->set_month(2);
       },
       StatusCode::INVALID_ARGUMENT},
      {"pass score over 100", [](auto& r) { r.mutable_course_run()->set_pass_score(101); },
       StatusCode::INVALID_ARGUMENT},
      {"malformed workshop name",
       [](auto& r) { r.mutable_course_run()->set_workshop("workshop/1"); },
       StatusCode::INVALID_ARGUMENT},
      {"unknown course", [](auto& r) { r.mutable_course_run()->set_course("courses/999"); },
       StatusCode::NOT_FOUND},
      {"no request id", [](auto& r) { r.clear_request_id(); }, StatusCode::INVALID_ARGUMENT},
  };
  for (const Case& c : cases) {
    pb::CreateCourseRunRequest request = RunRequest(course_.name(), tj_.name());
    c.spoil(request);
    const grpc::Status status =
        Call(&pb::CourseService::Stub::CreateCourseRun, kAdminToken, request, &run);
    EXPECT_EQ(status.error_code(), c.code) << c.what << ": " << status.error_message();
    EXPECT_FALSE(status.error_message().empty()) << c.what;
  }
  EXPECT_EQ(AuditRows(), audit_after_planned);
  EXPECT_EQ(db().TableChecksum("course_runs").value(), runs_checksum.value());
  EXPECT_GT(audit_after_planned, audit);

  // A workshop lies in a workshop country, with a partner of that country.
  pb::CreateWorkshopRequest workshop;
  workshop.set_request_id(NextRequestId());
  workshop.mutable_workshop()->set_country_code("CN");
  workshop.mutable_workshop()->set_city("天津");
  workshop.mutable_workshop()->set_chinese_institution(tianjin_.name());
  workshop.mutable_workshop()->set_partner_institution(ttu_.name());
  auto* text = workshop.mutable_workshop()->add_display_names();
  text->set_language_code("zh");
  text->set_text("工坊");
  pb::Workshop created;
  EXPECT_EQ(
      Call(&pb::CourseService::Stub::CreateWorkshop, kAdminToken, workshop, &created).error_code(),
      StatusCode::INVALID_ARGUMENT);
  workshop.mutable_workshop()->set_country_code("KZ");
  const grpc::Status mismatch =
      Call(&pb::CourseService::Stub::CreateWorkshop, kAdminToken, workshop, &created);
  EXPECT_EQ(mismatch.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(mismatch.error_message().find("partner_institution"), std::string::npos)
      << mismatch.error_message();

  // Course codes are unique.
  pb::CreateCourseRequest duplicate;
  duplicate.set_request_id(NextRequestId());
  duplicate.mutable_course()->set_code("URT-101");
  duplicate.mutable_course()->set_discipline("urban rail");
  duplicate.mutable_course()->set_hours(10);
  duplicate.mutable_course()->add_instruction_languages("ru");
  auto* title = duplicate.mutable_course()->add_titles();
  title->set_language_code("ru");
  title->set_text("Дубликат");
  pb::Course course;
  EXPECT_EQ(
      Call(&pb::CourseService::Stub::CreateCourse, kAdminToken, duplicate, &course).error_code(),
      StatusCode::ALREADY_EXISTS);

  // Nothing is deleted while something depends on it.
  CreateRun(kAdminToken, tj_.name());
  pb::DeleteCourseRequest delete_course;
  delete_course.set_request_id(NextRequestId());
  delete_course.set_name(course_.name());
  pb::DeleteCourseResponse deleted;
  EXPECT_EQ(Call(&pb::CourseService::Stub::DeleteCourse, kAdminToken, delete_course, &deleted)
                .error_code(),
            StatusCode::FAILED_PRECONDITION);
  pb::DeleteInstitutionRequest delete_institution;
  delete_institution.set_request_id(NextRequestId());
  delete_institution.set_name(ttu_.name());
  pb::DeleteInstitutionResponse deleted_institution;
  EXPECT_EQ(Call(&pb::CourseService::Stub::DeleteInstitution, kAdminToken, delete_institution,
                 &deleted_institution)
                .error_code(),
            StatusCode::FAILED_PRECONDITION);

  // A workshop with active runs cannot close.
  pb::ChangeWorkshopStatusRequest close;
  close.set_request_id(NextRequestId());
  close.set_name(tj_.name());
  close.set_status(pb::WORKSHOP_STATUS_CLOSED);
  pb::Workshop closed;
  EXPECT_EQ(Call(&pb::CourseService::Stub::ChangeWorkshopStatus, kAdminToken, close, &closed)
                .error_code(),
            StatusCode::FAILED_PRECONDITION);
}

TEST_F(CourseServiceTest, OpenRunCapacityGrowsButDoesNotShrink) {
  BuildNetwork();
  pb::CourseRun run = CreateRun(kCollegeToken, tj_.name());
  pb::OpenCourseRunRequest open;
  open.set_request_id(NextRequestId());
  open.set_name(run.name());
  ASSERT_TRUE(Call(&pb::CourseService::Stub::OpenCourseRun, kCollegeToken, open, &run).ok());
  pb::UpdateCourseRunRequest shrink;
  shrink.set_request_id(NextRequestId());
  *shrink.mutable_course_run() = run;
  shrink.mutable_course_run()->set_capacity(19);
  shrink.mutable_update_mask()->add_paths("capacity");
  pb::CourseRun updated;
  EXPECT_EQ(
      Call(&pb::CourseService::Stub::UpdateCourseRun, kCollegeToken, shrink, &updated).error_code(),
      StatusCode::FAILED_PRECONDITION);
  shrink.set_request_id(NextRequestId());
  shrink.mutable_course_run()->set_capacity(30);
  ASSERT_TRUE(
      Call(&pb::CourseService::Stub::UpdateCourseRun, kCollegeToken, shrink, &updated).ok());
  EXPECT_EQ(updated.capacity(), 30);
}

TEST_F(CourseServiceTest, UpdateMaskNamesOnlyUpdatableFields) {
  BuildNetwork();
  pb::UpdateWorkshopRequest update;
  update.set_request_id(NextRequestId());
  *update.mutable_workshop() = tj_;
  update.mutable_workshop()->set_country_code("KZ");
  update.mutable_update_mask()->add_paths("country_code");
  pb::Workshop workshop;
  const grpc::Status status =
      Call(&pb::CourseService::Stub::UpdateWorkshop, kCollegeToken, update, &workshop);
  EXPECT_EQ(status.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("update_mask"), std::string::npos);
  update.clear_update_mask();
  EXPECT_EQ(
      Call(&pb::CourseService::Stub::UpdateWorkshop, kCollegeToken, update, &workshop).error_code(),
      StatusCode::INVALID_ARGUMENT);
  update.mutable_update_mask()->add_paths("city");
  update.mutable_workshop()->set_city("Хуҷанд");
  ASSERT_TRUE(
      Call(&pb::CourseService::Stub::UpdateWorkshop, kCollegeToken, update, &workshop).ok());
  EXPECT_EQ(workshop.city(), "Хуҷанд");
  EXPECT_EQ(workshop.country_code(), "TJ");
}

TEST_F(CourseServiceTest, StaleEtagIsAbortedAndChangesNothing) {
  BuildNetwork();
  pb::UpdateCourseRequest first;
  first.set_request_id(NextRequestId());
  *first.mutable_course() = course_;
  first.mutable_course()->set_hours(130);
  first.mutable_update_mask()->add_paths("hours");
  pb::Course updated;
  ASSERT_TRUE(Call(&pb::CourseService::Stub::UpdateCourse, kAdminToken, first, &updated).ok());

  pb::UpdateCourseRequest stale = first;  // still carries the first etag
  stale.set_request_id(NextRequestId());
  stale.mutable_course()->set_hours(140);
  const auto checksum = db().TableChecksum("courses");
  const int64_t audit = AuditRows();
  pb::Course refused;
  const grpc::Status status =
      Call(&pb::CourseService::Stub::UpdateCourse, kAdminToken, stale, &refused);
  EXPECT_EQ(status.error_code(), StatusCode::ABORTED);
  EXPECT_NE(status.error_message().find("etag"), std::string::npos);
  EXPECT_EQ(db().TableChecksum("courses").value(), checksum.value());
  EXPECT_EQ(AuditRows(), audit);

  pb::GetCourseRequest get;
  get.set_name(course_.name());
  pb::Course current;
  ASSERT_TRUE(Call(&pb::CourseService::Stub::GetCourse, kCollegeToken, get, &current).ok());
  EXPECT_EQ(current.hours(), 130);
}

TEST_F(CourseServiceTest, RetryWithTheSameRequestIdReturnsTheFirstResponse) {
  pb::CreateInstitutionRequest request;
  request.set_request_id("create-ttu-1");
  request.mutable_institution()->set_kind(pb::INSTITUTION_KIND_LOCAL_PARTNER);
  request.mutable_institution()->set_country_code("TJ");
  request.mutable_institution()->set_city("Душанбе");
  auto* name = request.mutable_institution()->add_display_names();
  name->set_language_code("tg");
  name->set_text(kTajik);
  pb::Institution first, second;
  ASSERT_TRUE(Call(&pb::CourseService::Stub::CreateInstitution, kAdminToken, request, &first).ok());
  const int64_t audit = AuditRows();
  const int64_t events = *db().QueryInt("SELECT COUNT(*) FROM change_events");
  ASSERT_TRUE(
      Call(&pb::CourseService::Stub::CreateInstitution, kAdminToken, request, &second).ok());
  EXPECT_EQ(second.SerializeAsString(), first.SerializeAsString());
  EXPECT_EQ(*db().QueryInt("SELECT COUNT(*) FROM institutions"), 1);
  EXPECT_EQ(AuditRows(), audit);
  EXPECT_EQ(*db().QueryInt("SELECT COUNT(*) FROM change_events"), events);

  // The same id for another request is refused, and nothing is created.
  request.mutable_institution()->set_city("Хуҷанд");
  const grpc::Status reused =
      Call(&pb::CourseService::Stub::CreateInstitution, kAdminToken, request, &second);
  EXPECT_EQ(reused.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(reused.error_message().find("request_id"), std::string::npos);
  EXPECT_EQ(*db().QueryInt("SELECT COUNT(*) FROM institutions"), 1);

  // Concurrent duplicates: one creation, every caller gets it.
  request.set_request_id("create-ttu-2");
  std::vector<std::thread> threads;
  std::vector<pb::Institution> results(6);
  std::vector<grpc::Status> statuses(6);
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] {
      statuses[i] =
          Call(&pb::CourseService::Stub::CreateInstitution, kAdminToken, request, &results[i]);
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(statuses[i].ok()) << statuses[i].error_message();
    EXPECT_EQ(results[i].name(), results[0].name());
  }
  EXPECT_EQ(*db().QueryInt("SELECT COUNT(*) FROM institutions"), 2);
}

TEST_F(CourseServiceTest, EachRoleGetsWhatItMayAndNothingElse) {
  BuildNetwork();
  const pb::CourseRun kz_run = CreateRun(kOtherCollegeToken, kz_.name());
  const auto runs_checksum = db().TableChecksum("course_runs");
  const auto workshops_checksum = db().TableChecksum("workshops");
  const int64_t audit = AuditRows();

  pb::GetWorkshopRequest get_kz;
  get_kz.set_name(kz_.name());
  pb::Workshop workshop;
  // No or a bad credential.
  EXPECT_EQ(Call(&pb::CourseService::Stub::GetWorkshop, "", get_kz, &workshop).error_code(),
            StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(
      Call(&pb::CourseService::Stub::GetWorkshop, "not-a-token", get_kz, &workshop).error_code(),
      StatusCode::UNAUTHENTICATED);
  // Another college's workshop and run do not exist for a college admin...
  const grpc::Status hidden =
      Call(&pb::CourseService::Stub::GetWorkshop, kCollegeToken, get_kz, &workshop);
  EXPECT_EQ(hidden.error_code(), StatusCode::NOT_FOUND);
  pb::GetWorkshopRequest get_missing;
  get_missing.set_name("workshops/999");
  const grpc::Status missing =
      Call(&pb::CourseService::Stub::GetWorkshop, kCollegeToken, get_missing, &workshop);
  EXPECT_EQ(missing.error_code(), StatusCode::NOT_FOUND);
  pb::GetCourseRunRequest get_run;
  get_run.set_name(kz_run.name());
  pb::CourseRun run;
  EXPECT_EQ(Call(&pb::CourseService::Stub::GetCourseRun, kCollegeToken, get_run, &run).error_code(),
            StatusCode::NOT_FOUND);
  // ...nor can it change them.
  pb::CancelCourseRunRequest cancel;
  cancel.set_request_id(NextRequestId());
  cancel.set_name(kz_run.name());
  cancel.set_reason("not mine");
  EXPECT_EQ(
      Call(&pb::CourseService::Stub::CancelCourseRun, kCollegeToken, cancel, &run).error_code(),
      StatusCode::NOT_FOUND);
  pb::UpdateWorkshopRequest update;
  update.set_request_id(NextRequestId());
  *update.mutable_workshop() = kz_;
  update.mutable_workshop()->set_city("Алматы");
  update.mutable_update_mask()->add_paths("city");
  EXPECT_EQ(
      Call(&pb::CourseService::Stub::UpdateWorkshop, kCollegeToken, update, &workshop).error_code(),
      StatusCode::NOT_FOUND);
  EXPECT_EQ(Call(&pb::CourseService::Stub::CreateCourseRun, kCollegeToken,
                 RunRequest(course_.name(), kz_.name()), &run)
                .error_code(),
            StatusCode::NOT_FOUND);
  // The structure of the network and the catalogue belong to network admins.
  pb::CreateCourseRequest course;
  course.set_request_id(NextRequestId());
  pb::Course created_course;
  for (const char* token : {kCollegeToken, kReporterToken, kServiceToken}) {
    EXPECT_EQ(
        Call(&pb::CourseService::Stub::CreateCourse, token, course, &created_course).error_code(),
        StatusCode::PERMISSION_DENIED)
        << token;
  }
  // Reporters and services read but never write.
  for (const char* token : {kReporterToken, kServiceToken}) {
    EXPECT_TRUE(Call(&pb::CourseService::Stub::GetWorkshop, token, get_kz, &workshop).ok());
    cancel.set_request_id(NextRequestId());
    EXPECT_EQ(Call(&pb::CourseService::Stub::CancelCourseRun, token, cancel, &run).error_code(),
              StatusCode::PERMISSION_DENIED);
  }
  // A service reads what its calls need, not lists of the network.
  pb::ListWorkshopsResponse workshops;
  EXPECT_EQ(Call(&pb::CourseService::Stub::ListWorkshops, kServiceToken, pb::ListWorkshopsRequest(),
                 &workshops)
                .error_code(),
            StatusCode::PERMISSION_DENIED);
  // Only a network admin opens a planned workshop.
  const pb::Workshop planned = CreateWorkshop(tianjin_.name(), ttu_.name(), "TJ", false);
  pb::ChangeWorkshopStatusRequest open;
  open.set_request_id(NextRequestId());
  open.set_name(planned.name());
  open.set_status(pb::WORKSHOP_STATUS_OPERATING);
  EXPECT_EQ(Call(&pb::CourseService::Stub::ChangeWorkshopStatus, kCollegeToken, open, &workshop)
                .error_code(),
            StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(db().TableChecksum("course_runs").value(), runs_checksum.value());
  EXPECT_EQ(AuditRows(), audit + 1) << "only the planned workshop was created";
  (void)workshops_checksum;

  // A college admin lists only its own workshops and runs; a reporter all.
  pb::ListWorkshopsRequest list;
  pb::ListWorkshopsResponse listed;
  ASSERT_TRUE(Call(&pb::CourseService::Stub::ListWorkshops, kCollegeToken, list, &listed).ok());
  std::set<std::string> names;
  for (const auto& w : listed.workshops()) names.insert(w.name());
  EXPECT_EQ(names, (std::set<std::string>{tj_.name(), planned.name()}));
  ASSERT_TRUE(Call(&pb::CourseService::Stub::ListWorkshops, kReporterToken, list, &listed).ok());
  EXPECT_EQ(listed.workshops_size(), 3);
  pb::ListCourseRunsRequest runs;
  pb::ListCourseRunsResponse listed_runs;
  ASSERT_TRUE(
      Call(&pb::CourseService::Stub::ListCourseRuns, kCollegeToken, runs, &listed_runs).ok());
  EXPECT_EQ(listed_runs.course_runs_size(), 0);
  ASSERT_TRUE(
      Call(&pb::CourseService::Stub::ListCourseRuns, kOtherCollegeToken, runs, &listed_runs).ok());
  ASSERT_EQ(listed_runs.course_runs_size(), 1);
  EXPECT_EQ(listed_runs.course_runs(0).name(), kz_run.name());
}

TEST_F(CourseServiceTest, PagingWalksAListLargerThanAPage) {
  for (int i = 0; i < 7; ++i) CreateCourse(absl::StrCat("C-", i));
  pb::ListCoursesRequest request;
  request.set_page_size(3);
  std::vector<std::string> seen;
  int pages = 0;
  std::string token;
  do {
    request.set_page_token(token);
    pb::ListCoursesResponse response;
    ASSERT_TRUE(
        Call(&pb::CourseService::Stub::ListCourses, kCollegeToken, request, &response).ok());
    for (const auto& c : response.courses()) seen.push_back(c.code());
    token = response.next_page_token();
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, (std::vector<std::string>{"C-0", "C-1", "C-2", "C-3", "C-4", "C-5", "C-6"}));

  // Tokens are opaque and tamper-evident, and tied to their filters.
  request.set_page_token("");
  pb::ListCoursesResponse first;
  ASSERT_TRUE(Call(&pb::CourseService::Stub::ListCourses, kCollegeToken, request, &first).ok());
  std::string tampered = first.next_page_token();
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  request.set_page_token(tampered);
  pb::ListCoursesResponse refused;
  EXPECT_EQ(
      Call(&pb::CourseService::Stub::ListCourses, kCollegeToken, request, &refused).error_code(),
      StatusCode::INVALID_ARGUMENT);
  // A token is the caller's own: another college replaying it is refused.
  request.set_page_token(first.next_page_token());
  grpc::Status replayed =
      Call(&pb::CourseService::Stub::ListCourses, kOtherCollegeToken, request, &refused);
  EXPECT_EQ(replayed.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(replayed.error_message(), HasSubstr("another caller"));
  EXPECT_TRUE(Call(&pb::CourseService::Stub::ListCourses, kCollegeToken, request, &refused).ok());
  request.set_discipline("robotics");
  EXPECT_EQ(
      Call(&pb::CourseService::Stub::ListCourses, kCollegeToken, request, &refused).error_code(),
      StatusCode::INVALID_ARGUMENT);
  // Huge page sizes are clamped, negative ones refused.
  pb::ListCoursesRequest huge;
  huge.set_page_size(1000000);
  pb::ListCoursesResponse all;
  ASSERT_TRUE(Call(&pb::CourseService::Stub::ListCourses, kCollegeToken, huge, &all).ok());
  EXPECT_EQ(all.courses_size(), 7);
  EXPECT_TRUE(all.next_page_token().empty());
  huge.set_page_size(-1);
  EXPECT_EQ(Call(&pb::CourseService::Stub::ListCourses, kCollegeToken, huge, &all).error_code(),
            StatusCode::INVALID_ARGUMENT);
}

TEST_F(CourseServiceTest, NamesInAnyScriptComeBackByteExact) {
  pb::CreateInstitutionRequest request;
  request.set_request_id(NextRequestId());
  auto* institution = request.mutable_institution();
  institution->set_kind(pb::INSTITUTION_KIND_LOCAL_PARTNER);
  institution->set_country_code("TJ");
  institution->set_city("Ҳисор");
  const std::vector<std::pair<std::string, std::string>> names = {
      {"tg", kTajik}, {"kk", kKazakh}, {"ru", kRussian}, {"zh", kChinese}};
  for (const auto& [language, text] : names) {
    auto* n = institution->add_display_names();
    n->set_language_code(language);
    n->set_text(text);
  }
  pb::Institution created;
  ASSERT_TRUE(
      Call(&pb::CourseService::Stub::CreateInstitution, kAdminToken, request, &created).ok());
  pb::GetInstitutionRequest get;
  get.set_name(created.name());
  pb::Institution fetched;
  ASSERT_TRUE(Call(&pb::CourseService::Stub::GetInstitution, kReporterToken, get, &fetched).ok());
  ASSERT_EQ(fetched.display_names_size(), 4);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(fetched.display_names(i).language_code(), names[i].first);
    EXPECT_EQ(fetched.display_names(i).text(), names[i].second);
  }
  EXPECT_EQ(fetched.city(), "Ҳисор");
  pb::ListInstitutionsRequest list;
  list.set_country_code("TJ");
  pb::ListInstitutionsResponse listed;
  ASSERT_TRUE(Call(&pb::CourseService::Stub::ListInstitutions, kReporterToken, list, &listed).ok());
  ASSERT_EQ(listed.institutions_size(), 1);
  EXPECT_EQ(listed.institutions(0).display_names(3).text(), kChinese);
}

TEST_F(CourseServiceTest, ChangesAreAuditedAndPublishedOnTheFeed) {
  BuildNetwork();
  pb::CourseRun run = CreateRun(kCollegeToken, tj_.name());
  EXPECT_EQ(*db().QueryValue(absl::StrCat("SELECT actor FROM audit_log WHERE resource_name = '",
                                          run.name(), "' AND action = 'created'")),
            "ttu-admin");

  grpc::ClientContext context;
  context.AddMetadata("authorization", absl::StrCat("Bearer ", kServiceToken));
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  pb::WatchChangesRequest watch;
  watch.add_resource_types("courseRuns");
  auto reader = stub_->WatchChanges(&context, watch);
  pb::WatchChangesResponse batch;
  // The first batch may come before the run's event is numbered (the feed numbers committed
  // events just after their commit): then it is empty, and the event follows.
  ASSERT_TRUE(reader->Read(&batch));
  if (batch.events_size() == 0) {
    ASSERT_TRUE(reader->Read(&batch));
  }
  ASSERT_EQ(batch.events_size(), 1);
  EXPECT_EQ(batch.events(0).resource_name(), run.name());
  EXPECT_EQ(batch.events(0).change_type(), luban::common::v1::CHANGE_TYPE_CREATED);
  pb::CourseRun state;
  ASSERT_TRUE(batch.events(0).resource().UnpackTo(&state));
  EXPECT_EQ(state.capacity(), 20);
  const int64_t cursor = batch.last_sequence();

  // A change committed while the stream waits arrives on it.
  pb::UpdateCourseRunRequest grow;
  grow.set_request_id(NextRequestId());
  *grow.mutable_course_run() = run;
  grow.mutable_course_run()->set_capacity(40);
  grow.mutable_update_mask()->add_paths("capacity");
  ASSERT_TRUE(Call(&pb::CourseService::Stub::UpdateCourseRun, kCollegeToken, grow, &run).ok());
  pb::CourseRun live;
  bool seen = false;
  while (!seen && reader->Read(&batch)) {
    for (const auto& event : batch.events()) {
      EXPECT_GT(event.sequence(), cursor);
      ASSERT_TRUE(event.resource().UnpackTo(&live));
      seen = event.change_type() == luban::common::v1::CHANGE_TYPE_UPDATED;
    }
  }
  ASSERT_TRUE(seen);
  EXPECT_EQ(live.capacity(), 40);
  context.TryCancel();
  reader->Finish().IgnoreError();

  // Resuming from a cursor neither repeats nor skips.
  grpc::ClientContext resume_context;
  resume_context.AddMetadata("authorization", absl::StrCat("Bearer ", kReporterToken));
  resume_context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  pb::WatchChangesRequest resume;
  resume.set_after_sequence(cursor);
  resume.add_resource_types("courseRuns");
  auto resumed = stub_->WatchChanges(&resume_context, resume);
  ASSERT_TRUE(resumed->Read(&batch));
  ASSERT_EQ(batch.events_size(), 1);
  EXPECT_EQ(batch.events(0).change_type(), luban::common::v1::CHANGE_TYPE_UPDATED);
  resume_context.TryCancel();
  resumed->Finish().IgnoreError();
}

// A college admin's feed carries the changes to its own records: its institution, the workshops
// it co-founded and their runs; not the catalogue, nor another college's.
TEST_F(CourseServiceTest, CollegeAdminsFollowTheChangesToTheirOwnRecords) {
  BuildNetwork();
  const pb::CourseRun ttu_run = CreateRun(kCollegeToken, tj_.name());
  const pb::CourseRun enu_run = CreateRun(kOtherCollegeToken, kz_.name());
  const int64_t last = FeedSequenceOf(*stub_, kAdminToken, enu_run.name());
  ASSERT_GT(last, 0);

  const std::set<std::string> everything = FeedNames(*stub_, kAdminToken, last);
  EXPECT_TRUE(everything.contains(course_.name()));
  EXPECT_TRUE(everything.contains(tianjin_.name()));
  EXPECT_EQ(FeedNames(*stub_, kCollegeToken, last),
            (std::set<std::string>{ttu_.name(), tj_.name(), ttu_run.name()}));
  EXPECT_EQ(FeedNames(*stub_, kOtherCollegeToken, last),
            (std::set<std::string>{enu_.name(), kz_.name(), enu_run.name()}));
}

TEST_F(CourseServiceTest, DeleteWorksWhereNothingDepends) {
  BuildNetwork();
  const pb::CourseRun run = CreateRun(kCollegeToken, tj_.name());
  pb::DeleteCourseRunRequest delete_run;
  delete_run.set_request_id(NextRequestId());
  delete_run.set_name(run.name());
  delete_run.set_etag(run.etag());
  pb::DeleteCourseRunResponse deleted_run;
  ASSERT_TRUE(
      Call(&pb::CourseService::Stub::DeleteCourseRun, kCollegeToken, delete_run, &deleted_run)
          .ok());
  pb::DeleteCourseRequest delete_course;
  delete_course.set_request_id(NextRequestId());
  delete_course.set_name(course_.name());
  pb::DeleteCourseResponse deleted_course;
  ASSERT_TRUE(
      Call(&pb::CourseService::Stub::DeleteCourse, kAdminToken, delete_course, &deleted_course)
          .ok());
  pb::GetCourseRequest get;
  get.set_name(course_.name());
  pb::Course gone;
  EXPECT_EQ(Call(&pb::CourseService::Stub::GetCourse, kAdminToken, get, &gone).error_code(),
            StatusCode::NOT_FOUND);
  // An operating workshop is closed, not deleted.
  pb::DeleteWorkshopRequest delete_workshop;
  delete_workshop.set_request_id(NextRequestId());
  delete_workshop.set_name(tj_.name());
  pb::DeleteWorkshopResponse deleted_workshop;
  EXPECT_EQ(Call(&pb::CourseService::Stub::DeleteWorkshop, kAdminToken, delete_workshop,
                 &deleted_workshop)
                .error_code(),
            StatusCode::FAILED_PRECONDITION);
  const pb::Workshop planned = CreateWorkshop(tianjin_.name(), ttu_.name(), "TJ", false);
  delete_workshop.set_request_id(NextRequestId());
  delete_workshop.set_name(planned.name());
  EXPECT_TRUE(Call(&pb::CourseService::Stub::DeleteWorkshop, kAdminToken, delete_workshop,
                   &deleted_workshop)
                  .ok());
  EXPECT_EQ(*db().QueryInt("SELECT COUNT(*) FROM change_events WHERE change_type = 3"), 3);
}

TEST_F(CourseServiceTest, GetCallerNamesEverySignedInCallerAndRefusesAnonymousOnes) {
  struct Case {
    const char* token;
    const char* principal;
    luban::common::v1::Role role;
    const char* institution;
  };
  const Case cases[] = {
      {kAdminToken, "admin", luban::common::v1::ROLE_NETWORK_ADMIN, ""},
      {kCollegeToken, "ttu-admin", luban::common::v1::ROLE_COLLEGE_ADMIN, "institutions/2"},
      {kOtherCollegeToken, "enu-admin", luban::common::v1::ROLE_COLLEGE_ADMIN, "institutions/4"},
      {kReporterToken, "reports", luban::common::v1::ROLE_REPORTER, ""},
      {kServiceToken, "svc-enrollment", luban::common::v1::ROLE_SERVICE, ""},
      {kExchangeServiceToken, "svc-exchange", luban::common::v1::ROLE_SERVICE, ""},
  };
  for (const Case& c : cases) {
    luban::common::v1::Caller caller;
    const grpc::Status status =
        Call(&pb::CourseService::Stub::GetCaller, c.token, pb::GetCallerRequest(), &caller);
    ASSERT_TRUE(status.ok()) << c.principal << ": " << status.error_message();
    EXPECT_EQ(caller.principal(), c.principal);
    EXPECT_EQ(caller.role(), c.role) << c.principal;
    EXPECT_EQ(caller.institution(), c.institution) << c.principal;
  }
  for (const char* token : {"", "not-a-token-of-this-network"}) {
    luban::common::v1::Caller caller;
    const grpc::Status status =
        Call(&pb::CourseService::Stub::GetCaller, token, pb::GetCallerRequest(), &caller);
    EXPECT_EQ(status.error_code(), StatusCode::UNAUTHENTICATED) << "token '" << token << "'";
    EXPECT_TRUE(caller.principal().empty());
  }
}

TEST_F(CourseServiceTest, NetworkAdminReadsTheMutationsJustMadeNewestFirstInPages) {
  const absl::Time start = absl::Now() - absl::Seconds(1);
  BuildNetwork();
  pb::CourseRun run = CreateRun(kCollegeToken, tj_.name());
  pb::UpdateCourseRunRequest update;
  update.set_request_id(NextRequestId());
  *update.mutable_course_run() = run;
  update.mutable_course_run()->set_capacity(25);
  update.mutable_update_mask()->add_paths("capacity");
  ASSERT_TRUE(Call(&pb::CourseService::Stub::UpdateCourseRun, kCollegeToken, update, &run).ok());
  pb::OpenCourseRunRequest open;
  open.set_request_id(NextRequestId());
  open.set_name(run.name());
  ASSERT_TRUE(Call(&pb::CourseService::Stub::OpenCourseRun, kCollegeToken, open, &run).ok());
  const absl::Time end = absl::Now() + absl::Seconds(1);

  // The newest record is the opening, as it happened.
  pb::ListAuditRecordsResponse first;
  ASSERT_TRUE(AuditPage(kAdminToken, "", 2, "", &first).ok());
  ASSERT_EQ(first.audit_records_size(), 2);
  EXPECT_FALSE(first.next_page_token().empty());
  const luban::common::v1::AuditRecord& opened = first.audit_records(0);
  EXPECT_EQ(opened.action(), "status:open");
  EXPECT_EQ(opened.resource(), run.name());
  EXPECT_EQ(opened.actor(), "ttu-admin");
  EXPECT_EQ(opened.actor_role(), "college_admin");
  EXPECT_EQ(opened.request_id(), open.request_id());
  EXPECT_EQ(opened.method(), "luban.course.v1.CourseService/OpenCourseRun");
  EXPECT_THAT(opened.details(), HasSubstr(run.name()));
  EXPECT_THAT(opened.name(), ::testing::StartsWith("auditRecords/"));
  const absl::Time when =
      absl::FromUnixSeconds(opened.time().seconds()) + absl::Nanoseconds(opened.time().nanos());
  EXPECT_GE(when, start);
  EXPECT_LE(when, end);
  EXPECT_EQ(first.audit_records(1).action(), "updated");
  EXPECT_EQ(first.audit_records(1).request_id(), update.request_id());

  // Page by page: every record once, newest first, as many as the table holds.
  const std::vector<luban::common::v1::AuditRecord> all = AuditTrail(kAdminToken, "", 2);
  ASSERT_EQ(static_cast<int64_t>(all.size()), AuditRows());
  EXPECT_EQ(all.size(), 12u) << "4 institutions, 2 workshops opened, a course, a run changed twice";
  int64_t previous = std::numeric_limits<int64_t>::max();
  for (const auto& record : all) {
    int64_t id = 0;
    ASSERT_TRUE(absl::SimpleAtoi(absl::StripPrefix(record.name(), "auditRecords/"), &id))
        << record.name();
    EXPECT_LT(id, previous) << "not newest first at " << record.name();
    previous = id;
  }
  EXPECT_EQ(all.back().action(), "created");
  EXPECT_EQ(all.back().resource(), tianjin_.name());

  // One record's history.
  EXPECT_EQ(Actions(AuditTrail(kAdminToken, run.name())),
            (std::vector<std::string>{"status:open", "updated", "created"}));
  EXPECT_EQ(Actions(AuditTrail(kAdminToken, tj_.name(), 1)),
            (std::vector<std::string>{"status:operating", "created"}));
  EXPECT_TRUE(AuditTrail(kAdminToken, "workshops/999").empty());

  // A page token belongs to its query: another resource, another caller.
  pb::ListAuditRecordsResponse refused;
  grpc::Status status = AuditPage(kAdminToken, run.name(), 2, first.next_page_token(), &refused);
  EXPECT_EQ(status.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("page_token"));
  // Bad requests name their field.
  struct Bad {
    const char* resource;
    int page_size;
    const char* field;
  };
  for (const Bad& bad : {Bad{"", -1, "page_size"}, Bad{"workshop/1", 10, "resource"},
                         Bad{"trainees/1", 10, "resource"}, Bad{"courseRuns/0", 10, "resource"}}) {
    status = AuditPage(kAdminToken, bad.resource, bad.page_size, "", &refused);
    EXPECT_EQ(status.error_code(), StatusCode::INVALID_ARGUMENT) << bad.resource;
    EXPECT_THAT(status.error_message(), ::testing::StartsWith(absl::StrCat(bad.field, ": ")));
  }
  status = AuditPage(kAdminToken, "", 0, "not-a-token", &refused);
  EXPECT_EQ(status.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), ::testing::StartsWith("page_token: "));
}

TEST_F(CourseServiceTest, CollegeAdminReadsOnlyTheHistoryOfItsOwnRecords) {
  BuildNetwork();
  const pb::CourseRun run = CreateRun(kCollegeToken, tj_.name());
  const int64_t audit = AuditRows();

  // Its institution, its workshop and the workshop's run.
  const auto own = AuditTrail(kCollegeToken, ttu_.name());
  ASSERT_EQ(Actions(own), std::vector<std::string>{"created"});
  EXPECT_EQ(own[0].actor(), "admin");
  EXPECT_EQ(Actions(AuditTrail(kCollegeToken, tj_.name())),
            (std::vector<std::string>{"status:operating", "created"}));
  const auto run_history = AuditTrail(kCollegeToken, run.name());
  ASSERT_EQ(Actions(run_history), std::vector<std::string>{"created"});
  EXPECT_EQ(run_history[0].actor(), "ttu-admin");

  // Another college's records, and missing ones, are NOT_FOUND alike.
  pb::ListAuditRecordsResponse page;
  const std::pair<const char*, std::string> hidden[] = {
      {kCollegeToken, kz_.name()},       {kCollegeToken, enu_.name()},
      {kCollegeToken, tianjin_.name()},  {kCollegeToken, "workshops/999"},
      {kCollegeToken, "courseRuns/999"}, {kOtherCollegeToken, run.name()},
      {kOtherCollegeToken, tj_.name()},  {kOtherCollegeToken, ttu_.name()},
  };
  for (const auto& [token, resource] : hidden) {
    const grpc::Status status = AuditPage(token, resource, 10, "", &page);
    EXPECT_EQ(status.error_code(), StatusCode::NOT_FOUND) << token << " " << resource;
    EXPECT_EQ(status.error_message(), absl::StrCat(resource, ": not found"));
    EXPECT_EQ(page.audit_records_size(), 0);
  }
  // The other college reads its own workshop.
  EXPECT_EQ(Actions(AuditTrail(kOtherCollegeToken, kz_.name())),
            (std::vector<std::string>{"status:operating", "created"}));

  // The whole trail, or the shared catalogue's history, is not a college's to read.
  grpc::Status status = AuditPage(kCollegeToken, "", 10, "", &page);
  EXPECT_EQ(status.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), ::testing::StartsWith("resource: required"));
  status = AuditPage(kCollegeToken, course_.name(), 10, "", &page);
  EXPECT_EQ(status.error_code(), StatusCode::PERMISSION_DENIED);

  // Reporters and services read no audit trail at all.
  for (const char* token : {kReporterToken, kServiceToken, kExchangeServiceToken}) {
    for (const std::string& resource : {std::string(), tj_.name()}) {
      status = AuditPage(token, resource, 10, "", &page);
      EXPECT_EQ(status.error_code(), StatusCode::PERMISSION_DENIED) << token << " " << resource;
    }
  }
  status = AuditPage("", tj_.name(), 10, "", &page);
  EXPECT_EQ(status.error_code(), StatusCode::UNAUTHENTICATED);
  // Reading wrote nothing.
  EXPECT_EQ(AuditRows(), audit);
}

}  // namespace
}  // namespace luban::course
