// The enrollment service end to end: a real course service and a real enrollment service, each
// in its own ServiceHost over its own MariaDB schema, called through gRPC with each role's token.
#include <algorithm>
#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/auth/credentials.h"
#include "common/db/sql_ledger.h"
#include "common/server/service_main.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "luban/course/v1/course.grpc.pb.h"
#include "luban/enrollment/v1/enrollment.grpc.pb.h"
#include "services/course/course_module.h"
#include "services/enrollment/api/enrollment_api.h"
#include "services/enrollment/enrollment_module.h"
#include "tests/support/all_at_once.h"
#include "tests/support/feed_names.h"
#include "tests/support/test_database.h"

namespace luban::enrollment {
namespace {

namespace cpb = ::luban::course::v1;
using ::grpc::StatusCode;
using ::luban::testing::FeedEvents;
using ::luban::testing::FeedNames;
using ::luban::testing::FeedSequenceOf;

constexpr char kAdmin[] = "t-admin";
constexpr char kCollege[] = "t-college-ttu";  // institutions/2
constexpr char kOther[] = "t-college-enu";    // institutions/4
constexpr char kReporter[] = "t-reporter";
constexpr char kService[] = "t-service";                   // svc-enrollment
constexpr char kExchangeService[] = "t-exchange-service";  // svc-exchange

std::string CredentialsText() {
  auto line = [](const char* token, const char* rest) {
    return absl::StrCat(auth::HashToken(token), " ", rest, "\n");
  };
  return absl::StrCat(
      line(kAdmin, "network_admin admin"), line(kCollege, "college_admin ttu-admin institutions/2"),
      line(kOther, "college_admin enu-admin institutions/4"), line(kReporter, "reporter reports"),
      line(kService, "service svc-enrollment"), line(kExchangeService, "service svc-exchange"));
}

template <typename Stub, typename Request, typename Response>
grpc::Status Invoke(Stub& stub,
                    grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                    const std::string& token, const Request& request, Response* response) {
  grpc::ClientContext context;
  if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  return (stub.*method)(&context, request, response);
}

class EnrollmentServiceTest : public luban::testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto course_db = luban::testing::TestDatabase::Create();
    ASSERT_TRUE(course_db.ok()) << course_db.status();
    course_db_ = *std::move(course_db);

    HostOptions course_options;
    course_options.db = course_db_->Config();
    course_options.page_token_secret = "course-secret";
    course_options.shutdown_grace = absl::Seconds(1);
    course_module_ = std::make_unique<course::CourseModule>(course::CourseConfig{});
    auto course_host = ServiceHost::Start(*course_module_, course_options,
                                          *auth::CredentialStore::Parse(CredentialsText()));
    ASSERT_TRUE(course_host.ok()) << course_host.status();
    course_host_ = *std::move(course_host);

    EnrollmentModuleOptions module_options;
    module_options.course_target = absl::StrCat("127.0.0.1:", course_host_->port());
    module_options.service_token = kService;
    module_options.feed.initial_backoff = absl::Milliseconds(20);
    module_options.feed.max_backoff = absl::Milliseconds(200);
    module_options.directory.call_timeout = absl::Seconds(1);
    module_ = std::make_unique<EnrollmentModule>(std::move(module_options));
    HostOptions options;
    options.db = Config(8);
    options.page_token_secret = "enrollment-secret";
    options.shutdown_grace = absl::Seconds(1);
    auto host =
        ServiceHost::Start(*module_, options, *auth::CredentialStore::Parse(CredentialsText()));
    ASSERT_TRUE(host.ok()) << host.status();
    host_ = *std::move(host);

    course_ = cpb::CourseService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", course_host_->port()), grpc::InsecureChannelCredentials()));
    stub_ = pb::EnrollmentService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", host_->port()), grpc::InsecureChannelCredentials()));
    BuildNetwork();
  }

  void TearDown() override {
    if (host_) host_->Shutdown();
    host_.reset();
    module_.reset();  // stops the feed consumer before the course service goes
    if (course_host_) course_host_->Shutdown();
    course_host_.reset();
    course_db_.reset();
    DatabaseTest::TearDown();
  }

  std::string Id() { return absl::StrCat("r-", ++counter_); }

  template <typename Request, typename Response>
  grpc::Status Call(grpc::Status (pb::EnrollmentService::Stub::*method)(grpc::ClientContext*,
                                                                        const Request&, Response*),
                    const std::string& token, const Request& request, Response* response) {
    return Invoke(*stub_, method, token, request, response);
  }

  template <typename Request, typename Response>
  Response CourseCall(grpc::Status (cpb::CourseService::Stub::*method)(grpc::ClientContext*,
                                                                       const Request&, Response*),
                      const Request& request) {
    Response response;
    const grpc::Status status = Invoke(*course_, method, kAdmin, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  std::string Institution(cpb::InstitutionKind kind, const char* country) {
    cpb::CreateInstitutionRequest r;
    r.set_request_id(Id());
    r.mutable_institution()->set_kind(kind);
    r.mutable_institution()->set_country_code(country);
    r.mutable_institution()->set_city("Душанбе");
    auto* n = r.mutable_institution()->add_display_names();
    n->set_language_code("ru");
    n->set_text(absl::StrCat("Институт ", counter_.load()));
    return CourseCall(&cpb::CourseService::Stub::CreateInstitution, r).name();
  }

  std::string Workshop(const std::string& chinese, const std::string& partner,
                       const char* country) {
    cpb::CreateWorkshopRequest r;
    r.set_request_id(Id());
    auto* w = r.mutable_workshop();
    w->set_country_code(country);
    w->set_city("Душанбе");
    w->set_chinese_institution(chinese);
    w->set_partner_institution(partner);
    auto* n = w->add_display_names();
    n->set_language_code("tg");
    n->set_text("Устохонаи Лубан");
    const std::string name = CourseCall(&cpb::CourseService::Stub::CreateWorkshop, r).name();
    cpb::ChangeWorkshopStatusRequest open;
    open.set_request_id(Id());
    open.set_name(name);
    open.set_status(cpb::WORKSHOP_STATUS_OPERATING);
    CourseCall(&cpb::CourseService::Stub::ChangeWorkshopStatus, open);
    return name;
  }

  void BuildNetwork() {
    const std::string tianjin = Institution(cpb::INSTITUTION_KIND_CHINESE_COLLEGE, "CN");
    const std::string ttu = Institution(cpb::INSTITUTION_KIND_LOCAL_PARTNER, "TJ");
    const std::string rail = Institution(cpb::INSTITUTION_KIND_CHINESE_COLLEGE, "CN");
    const std::string enu = Institution(cpb::INSTITUTION_KIND_LOCAL_PARTNER, "KZ");
    ASSERT_EQ(ttu, "institutions/2");
    ASSERT_EQ(enu, "institutions/4");
    tj_ = Workshop(tianjin, ttu, "TJ");
    kz_ = Workshop(rail, enu, "KZ");
    cpb::CreateCourseRequest c;
    c.set_request_id(Id());
    c.mutable_course()->set_code("URT-101");
    c.mutable_course()->set_discipline("urban rail");
    c.mutable_course()->set_hours(120);
    c.mutable_course()->add_instruction_languages("tg");
    auto* t = c.mutable_course()->add_titles();
    t->set_language_code("zh");
    t->set_text("城市轨道交通运营");
    course_name_ = CourseCall(&cpb::CourseService::Stub::CreateCourse, c).name();
  }

  // A run at `workshop` with `capacity` seats, opened unless `open` is false.
  cpb::CourseRun Run(const std::string& workshop, int capacity, bool open = true) {
    cpb::CreateCourseRunRequest r;
    r.set_request_id(Id());
    auto* run = r.mutable_course_run();
    run->set_course(course_name_);
    run->set_workshop(workshop);
    run->set_capacity(capacity);
    run->set_language_code("tg");
    run->set_pass_score(60);
    run->set_min_attendance_percent(80);
    run->mutable_start_date()->set_year(2027);
    run->mutable_start_date()->set_month(3);
    run->mutable_start_date()->set_day(1);
    run->mutable_end_date()->set_year(2027);
    run->mutable_end_date()->set_month(5);
    run->mutable_end_date()->set_day(1);
    cpb::CourseRun created = CourseCall(&cpb::CourseService::Stub::CreateCourseRun, r);
    if (open) {
      cpb::OpenCourseRunRequest o;
      o.set_request_id(Id());
      o.set_name(created.name());
      created = CourseCall(&cpb::CourseService::Stub::OpenCourseRun, o);
    }
    return created;
  }

  pb::CreateTraineeRequest TraineeRequest(const std::string& workshop, const std::string& doc) {
    pb::CreateTraineeRequest r;
    r.set_request_id(Id());
    auto* t = r.mutable_trainee();
    t->set_family_name("Саидов");
    t->set_given_name("Раҳимҷон");
    t->set_family_name_latin("Saidov");
    t->set_given_name_latin("Rahimjon");
    t->set_sex(pb::SEX_MALE);
    t->mutable_birth_date()->set_year(2003);
    t->mutable_birth_date()->set_month(4);
    t->mutable_birth_date()->set_day(17);
    t->set_citizenship("TJ");
    t->mutable_identity_document()->set_country_code("TJ");
    t->mutable_identity_document()->set_type(pb::DOCUMENT_TYPE_PASSPORT);
    t->mutable_identity_document()->set_number(doc);
    t->mutable_contacts()->set_phone("+992 93 123 4567");
    t->set_home_workshop(workshop);
    return r;
  }

  pb::Trainee Trainee(const std::string& token, const std::string& workshop,
                      const std::string& doc) {
    pb::Trainee t;
    const grpc::Status status =
        Call(&pb::EnrollmentService::Stub::CreateTrainee, token, TraineeRequest(workshop, doc), &t);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return t;
  }

  grpc::Status Enroll(const std::string& token, const std::string& trainee, const std::string& run,
                      pb::Enrollment* out, std::string request_id = "") {
    pb::EnrollRequest r;
    r.set_request_id(request_id.empty() ? Id() : request_id);
    r.set_trainee(trainee);
    r.set_course_run(run);
    return Call(&pb::EnrollmentService::Stub::Enroll, token, r, out);
  }

  pb::Enrollment GetEnrollment(const std::string& name) {
    pb::GetEnrollmentRequest r;
    r.set_name(name);
    pb::Enrollment e;
    EXPECT_TRUE(Call(&pb::EnrollmentService::Stub::GetEnrollment, kAdmin, r, &e).ok());
    return e;
  }

  // Every record of the audit trail `token` reads of `resource` ("" for all), newest first; or
  // the status of the first page that failed.
  grpc::Status AuditTrail(const std::string& token, const std::string& resource,
                          std::vector<luban::common::v1::AuditRecord>* records) {
    records->clear();
    pb::ListAuditRecordsRequest request;
    request.set_resource(resource);
    request.set_page_size(2);
    do {
      pb::ListAuditRecordsResponse page;
      const grpc::Status status =
          Call(&pb::EnrollmentService::Stub::ListAuditRecords, token, request, &page);
      if (!status.ok()) return status;
      records->insert(records->end(), page.audit_records().begin(), page.audit_records().end());
      request.set_page_token(page.next_page_token());
    } while (!request.page_token().empty());
    return grpc::Status::OK;
  }

  // "<action> <resource>" of each record, in order.
  static std::vector<std::string> Changes(
      const std::vector<luban::common::v1::AuditRecord>& records) {
    std::vector<std::string> changes;
    for (const auto& record : records) {
      changes.push_back(absl::StrCat(record.action(), " ", record.resource()));
    }
    return changes;
  }

  // The course feed's head once every event committed so far is numbered.
  int64_t CourseFeedHead() {
    EXPECT_TRUE(db::NumberCommittedChanges(course_host_->pool()).ok());
    return *course_db_->QueryInt("SELECT last_sequence FROM change_feed_head");
  }

  std::unique_ptr<luban::testing::TestDatabase> course_db_;
  std::unique_ptr<course::CourseModule> course_module_;
  std::unique_ptr<ServiceHost> course_host_;
  std::unique_ptr<EnrollmentModule> module_;
  std::unique_ptr<ServiceHost> host_;
  std::unique_ptr<cpb::CourseService::Stub> course_;
  std::unique_ptr<pb::EnrollmentService::Stub> stub_;
  std::string tj_, kz_, course_name_;
  // Atomic: the race tests ask for ids from many threads at once (a plain int gave two of them
  // one id, which the service rightly refused as reused).
  std::atomic<int> counter_ = 0;
};

TEST(EnrollmentPolicyTest, EveryMethodHasARuleAndOnlyVerificationIsPublic) {
  const auth::MethodPolicy policy = EnrollmentPolicy();
  ASSERT_TRUE(policy.CheckComplete().ok()) << policy.CheckComplete();
  const auto* service = policy.service();
  ASSERT_EQ(service->full_name(), "luban.enrollment.v1.EnrollmentService");
  for (int i = 0; i < service->method_count(); ++i) {
    const std::string method = service->method(i)->name();
    EXPECT_EQ(policy.Authorize(method, Principal{}).ok(), method == "VerifyCertificate") << method;
  }
}

TEST_F(EnrollmentServiceTest, TraineesAreUniqueByDocumentAndRedactedForReporters) {
  const pb::Trainee trainee = Trainee(kCollege, tj_, "A1234567");
  EXPECT_EQ(trainee.given_name(), "Раҳимҷон");
  EXPECT_EQ(trainee.home_workshop(), tj_);

  // The same document, written differently, is the same person.
  pb::Trainee duplicate;
  grpc::Status status = Call(&pb::EnrollmentService::Stub::CreateTrainee, kCollege,
                             TraineeRequest(tj_, "a 1234-567"), &duplicate);
  EXPECT_EQ(status.error_code(), StatusCode::ALREADY_EXISTS);
  EXPECT_NE(status.error_message().find(trainee.name()), std::string::npos)
      << "the owner may learn which trainee it is: " << status.error_message();
  // Another college learns that it exists, not who it is.
  status = Call(&pb::EnrollmentService::Stub::CreateTrainee, kOther,
                TraineeRequest(kz_, "A1234567"), &duplicate);
  EXPECT_EQ(status.error_code(), StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(status.error_message().find(trainee.name()), std::string::npos)
      << status.error_message();

  pb::GetTraineeRequest get;
  get.set_name(trainee.name());
  pb::Trainee seen;
  EXPECT_EQ(Call(&pb::EnrollmentService::Stub::GetTrainee, kOther, get, &seen).error_code(),
            StatusCode::NOT_FOUND);
  ASSERT_TRUE(Call(&pb::EnrollmentService::Stub::GetTrainee, kReporter, get, &seen).ok());
  EXPECT_TRUE(seen.redacted());
  EXPECT_TRUE(seen.family_name().empty());
  EXPECT_TRUE(seen.identity_document().number().empty());
  EXPECT_TRUE(seen.contacts().phone().empty());
  EXPECT_FALSE(seen.has_birth_date());
  EXPECT_EQ(seen.birth_year(), 2003);
  EXPECT_EQ(seen.sex(), pb::SEX_MALE);
  ASSERT_TRUE(Call(&pb::EnrollmentService::Stub::GetTrainee, kCollege, get, &seen).ok());
  EXPECT_FALSE(seen.redacted());
  EXPECT_EQ(seen.family_name(), "Саидов");

  // A college registers trainees only at its own workshops.
  pb::Trainee refused;
  EXPECT_EQ(Call(&pb::EnrollmentService::Stub::CreateTrainee, kCollege,
                 TraineeRequest(kz_, "B7654321"), &refused)
                .error_code(),
            StatusCode::NOT_FOUND);
  EXPECT_EQ(*db().QueryInt("SELECT COUNT(*) FROM trainees"), 1);
}

TEST_F(EnrollmentServiceTest, AFullRunWaitlistsAndAWithdrawalPromotesTheFirst) {
  const cpb::CourseRun run = Run(tj_, 2);
  std::vector<pb::Enrollment> enrollments(4);
  for (int i = 0; i < 4; ++i) {
    const pb::Trainee t = Trainee(kCollege, tj_, absl::StrCat("DOC", i));
    ASSERT_TRUE(Enroll(kCollege, t.name(), run.name(), &enrollments[i]).ok());
  }
  EXPECT_EQ(enrollments[0].state(), pb::ENROLLMENT_STATE_ENROLLED);
  EXPECT_EQ(enrollments[1].state(), pb::ENROLLMENT_STATE_ENROLLED);
  EXPECT_EQ(enrollments[2].state(), pb::ENROLLMENT_STATE_WAITLISTED);
  EXPECT_EQ(enrollments[2].waitlist_position(), 1);
  EXPECT_EQ(enrollments[3].waitlist_position(), 2);
  // The run's page says the same: its read needs a statement per waitlisted enrollment, so it
  // runs again in a transaction after the single-statement read it began as.
  pb::ListEnrollmentsRequest list;
  list.set_course_run(run.name());
  pb::ListEnrollmentsResponse page;
  ASSERT_TRUE(Call(&pb::EnrollmentService::Stub::ListEnrollments, kCollege, list, &page).ok());
  ASSERT_EQ(page.enrollments_size(), 4);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(page.enrollments(i).name(), enrollments[i].name());
    EXPECT_EQ(page.enrollments(i).waitlist_position(), i < 2 ? 0 : i - 1) << i;
  }

  pb::WithdrawRequest withdraw;
  withdraw.set_request_id(Id());
  withdraw.set_name(enrollments[0].name());
  withdraw.set_reason("moved to Khujand");
  pb::Enrollment withdrawn;
  ASSERT_TRUE(Call(&pb::EnrollmentService::Stub::Withdraw, kCollege, withdraw, &withdrawn).ok());
  EXPECT_EQ(withdrawn.state(), pb::ENROLLMENT_STATE_WITHDRAWN);
  EXPECT_EQ(GetEnrollment(enrollments[2].name()).state(), pb::ENROLLMENT_STATE_ENROLLED);
  const pb::Enrollment last = GetEnrollment(enrollments[3].name());
  EXPECT_EQ(last.state(), pb::ENROLLMENT_STATE_WAITLISTED);
  EXPECT_EQ(last.waitlist_position(), 1);
  // Withdrawn is final.
  withdraw.set_request_id(Id());
  EXPECT_EQ(
      Call(&pb::EnrollmentService::Stub::Withdraw, kCollege, withdraw, &withdrawn).error_code(),
      StatusCode::FAILED_PRECONDITION);
}

TEST_F(EnrollmentServiceTest, ConcurrentEnrollsNeverPassTheCapacity) {
  constexpr int kSeats = 5;
  constexpr int kTrainees = 24;
  const cpb::CourseRun run = Run(tj_, kSeats);
  std::vector<std::string> trainees;
  for (int i = 0; i < kTrainees; ++i) {
    trainees.push_back(Trainee(kCollege, tj_, absl::StrCat("RACE", i)).name());
  }
  std::vector<pb::Enrollment> results(kTrainees);
  std::vector<grpc::Status> statuses(kTrainees);
  luban::testing::RunAllAtOnce(kTrainees, [&](int i) {
    statuses[i] = Enroll(kCollege, trainees[i], run.name(), &results[i]);
  });
  int enrolled = 0;
  std::set<int> positions;
  for (int i = 0; i < kTrainees; ++i) {
    ASSERT_TRUE(statuses[i].ok()) << statuses[i].error_message();
    if (results[i].state() == pb::ENROLLMENT_STATE_ENROLLED) ++enrolled;
    if (results[i].state() == pb::ENROLLMENT_STATE_WAITLISTED) {
      positions.insert(results[i].waitlist_position());
    }
  }
  EXPECT_EQ(enrolled, kSeats);
  EXPECT_EQ(positions.size(), static_cast<size_t>(kTrainees - kSeats));
  EXPECT_EQ(*positions.begin(), 1);
  EXPECT_EQ(*positions.rbegin(), kTrainees - kSeats);
  EXPECT_EQ(*db().QueryInt("SELECT COUNT(*) FROM enrollments WHERE state = 2"), kSeats);
  EXPECT_EQ(*db().QueryInt("SELECT enrolled FROM run_seats"), kSeats);
}

// A batch job enrolling into many new runs at once (what luban-bench seed does): every call's
// first enrollment into its run creates the run's seat row. Each call succeeds, and none of the
// transactions collides with another: a collision would be a deadlock retried by the service and,
// when retries ran out, an ABORTED answer to the caller.
TEST_F(EnrollmentServiceTest, FirstEnrollmentsIntoManyNewRunsAtOnceNeverCollide) {
  constexpr int kRuns = 16;
  std::vector<std::string> runs, trainees;
  for (int i = 0; i < kRuns; ++i) {
    runs.push_back(Run(i % 2 == 0 ? tj_ : kz_, 5).name());
    trainees.push_back(Trainee(kAdmin, i % 2 == 0 ? tj_ : kz_, absl::StrCat("FRESH", i)).name());
  }
  const int64_t retries_before = host_->pool().GetStats().conflict_retries;
  // Each trainee into its own run and the next one: two calls per run, all at once.
  constexpr int kCalls = 2 * kRuns;
  std::vector<grpc::Status> statuses(kCalls);
  std::vector<pb::Enrollment> results(kCalls);
  luban::testing::RunAllAtOnce(kCalls, [&](int i) {
    const int trainee = i % kRuns;
    const int run = (trainee + i / kRuns) % kRuns;
    statuses[i] =
        Enroll(kAdmin, trainees[trainee], runs[run], &results[i], absl::StrCat("fresh-", i));
  });
  for (int i = 0; i < kCalls; ++i) {
    ASSERT_TRUE(statuses[i].ok()) << i << ": " << statuses[i].error_message();
    EXPECT_EQ(results[i].state(), pb::ENROLLMENT_STATE_ENROLLED) << i;
  }
  EXPECT_EQ(host_->pool().GetStats().conflict_retries, retries_before)
      << "the enrollments' transactions collided (deadlocks, retried by the service)";
  EXPECT_EQ(*db().QueryInt("SELECT COUNT(*) FROM run_seats WHERE enrolled = 2"), kRuns);
  EXPECT_EQ(*db().QueryInt("SELECT COUNT(*) FROM enrollments WHERE state = 2"), kCalls);
}

TEST_F(EnrollmentServiceTest, EnrollRefusalsChangeNothing) {
  const pb::Trainee trainee = Trainee(kCollege, tj_, "X1");
  const cpb::CourseRun scheduled = Run(tj_, 10, /*open=*/false);
  const cpb::CourseRun open = Run(tj_, 10);
  const cpb::CourseRun foreign = Run(kz_, 10);
  pb::Enrollment e;
  EXPECT_EQ(Enroll(kCollege, trainee.name(), scheduled.name(), &e).error_code(),
            StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Enroll(kCollege, trainee.name(), "courseRuns/999", &e).error_code(),
            StatusCode::NOT_FOUND);
  EXPECT_EQ(Enroll(kCollege, trainee.name(), foreign.name(), &e).error_code(),
            StatusCode::NOT_FOUND);
  EXPECT_EQ(Enroll(kCollege, "trainees/999", open.name(), &e).error_code(), StatusCode::NOT_FOUND);
  EXPECT_EQ(Enroll(kCollege, "trainee/1", open.name(), &e).error_code(),
            StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Enroll(kReporter, trainee.name(), open.name(), &e).error_code(),
            StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(*db().QueryInt("SELECT COUNT(*) FROM enrollments"), 0);
  ASSERT_TRUE(Enroll(kCollege, trainee.name(), open.name(), &e).ok());
  pb::Enrollment again;
  const grpc::Status twice = Enroll(kCollege, trainee.name(), open.name(), &again);
  EXPECT_EQ(twice.error_code(), StatusCode::ALREADY_EXISTS) << "one open enrollment per run";
  EXPECT_EQ(twice.error_message(),
            absl::StrCat(trainee.name(), " already holds an open enrollment (", e.name(), ") in ",
                         open.name()));
  EXPECT_EQ(*db().QueryInt("SELECT COUNT(*) FROM enrollments"), 1);
}

TEST_F(EnrollmentServiceTest, RetryOfEnrollReturnsTheFirstResponse) {
  const pb::Trainee trainee = Trainee(kCollege, tj_, "IDEM1");
  const cpb::CourseRun run = Run(tj_, 10);
  pb::Enrollment first, second;
  ASSERT_TRUE(Enroll(kCollege, trainee.name(), run.name(), &first, "enroll-once").ok());
  const int64_t audit = *db().QueryInt("SELECT COUNT(*) FROM audit_log");
  ASSERT_TRUE(Enroll(kCollege, trainee.name(), run.name(), &second, "enroll-once").ok());
  EXPECT_EQ(second.SerializeAsString(), first.SerializeAsString());
  EXPECT_EQ(*db().QueryInt("SELECT COUNT(*) FROM enrollments"), 1);
  EXPECT_EQ(*db().QueryInt("SELECT COUNT(*) FROM audit_log"), audit);
}

TEST_F(EnrollmentServiceTest, CourseServiceDownMeansUnavailableAndNothingWritten) {
  const pb::Trainee trainee = Trainee(kCollege, tj_, "DOWN1");
  const pb::Trainee early = Trainee(kCollege, tj_, "DOWN2");
  const cpb::CourseRun run = Run(tj_, 10);
  pb::Enrollment first;
  ASSERT_TRUE(Enroll(kCollege, early.name(), run.name(), &first, "before-outage").ok());
  course_host_->Shutdown();
  // A retry of a committed Enroll is answered without the course service.
  pb::Enrollment retried;
  ASSERT_TRUE(Enroll(kCollege, early.name(), run.name(), &retried, "before-outage").ok());
  EXPECT_EQ(retried.SerializeAsString(), first.SerializeAsString());
  const int64_t keys = *db().QueryInt("SELECT COUNT(*) FROM idempotency_keys");
  pb::Enrollment e;
  const absl::Time start = absl::Now();
  const grpc::Status status = Enroll(kCollege, trainee.name(), run.name(), &e);
  EXPECT_EQ(status.error_code(), StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_EQ(*db().QueryInt("SELECT COUNT(*) FROM enrollments"), 1);
  EXPECT_EQ(*db().QueryInt("SELECT COUNT(*) FROM idempotency_keys"), keys);
}

TEST_F(EnrollmentServiceTest, ShutdownStopsTheFeedConsumerThatRetriesAgainstADownCourseService) {
  CourseFeedConsumer* consumer = module_->feed_consumer();
  ASSERT_TRUE(consumer->running());
  const int64_t opened = consumer->connections();
  course_host_->Shutdown();
  // Each retry reloads the cursor from this service's database, through the host's pool.
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (consumer->connections() < opened + 3 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));  // a poll interval, not a synchronisation
  }
  ASSERT_GE(consumer->connections(), opened + 3) << "the consumer does not retry";
  host_->Shutdown();
  EXPECT_FALSE(consumer->running()) << "the host's pool goes while the consumer still uses it";
  const int64_t connections = consumer->connections();
  host_.reset();
  EXPECT_EQ(consumer->connections(), connections);
}

TEST_F(EnrollmentServiceTest, TheCourseFeedPromotesOnGrowthAndCancelsOnCancellation) {
  const cpb::CourseRun run = Run(tj_, 1);
  std::vector<pb::Enrollment> e(3);
  for (int i = 0; i < 3; ++i) {
    const pb::Trainee t = Trainee(kCollege, tj_, absl::StrCat("FEED", i));
    ASSERT_TRUE(Enroll(kCollege, t.name(), run.name(), &e[i]).ok());
  }
  ASSERT_EQ(e[1].state(), pb::ENROLLMENT_STATE_WAITLISTED);

  cpb::UpdateCourseRunRequest grow;
  grow.set_request_id(Id());
  grow.mutable_course_run()->set_name(run.name());
  grow.mutable_course_run()->set_capacity(2);
  grow.mutable_update_mask()->add_paths("capacity");
  CourseCall(&cpb::CourseService::Stub::UpdateCourseRun, grow);
  ASSERT_TRUE(module_->feed_consumer()->WaitForSequence(CourseFeedHead(), absl::Seconds(20)));
  EXPECT_EQ(GetEnrollment(e[1].name()).state(), pb::ENROLLMENT_STATE_ENROLLED)
      << "the first waitlisted takes the new seat";
  EXPECT_EQ(GetEnrollment(e[2].name()).waitlist_position(), 1);

  cpb::CancelCourseRunRequest cancel;
  cancel.set_request_id(Id());
  cancel.set_name(run.name());
  cancel.set_reason("trainer unavailable");
  CourseCall(&cpb::CourseService::Stub::CancelCourseRun, cancel);
  ASSERT_TRUE(module_->feed_consumer()->WaitForSequence(CourseFeedHead(), absl::Seconds(20)));
  for (const auto& enrollment : e) {
    const pb::Enrollment now = GetEnrollment(enrollment.name());
    EXPECT_EQ(now.state(), pb::ENROLLMENT_STATE_CANCELLED) << now.name();
    EXPECT_EQ(now.waitlist_position(), 0);
  }
  EXPECT_EQ(*db().QueryInt("SELECT last_sequence FROM feed_cursors WHERE source = 'course'"),
            CourseFeedHead());
}

TEST_F(EnrollmentServiceTest, CompletionIssuesAVerifiableDualCertificate) {
  const cpb::CourseRun run = Run(tj_, 5);
  const pb::Trainee passing = Trainee(kCollege, tj_, "PASS1");
  const pb::Trainee failing = Trainee(kCollege, tj_, "FAIL1");
  pb::Enrollment p, f;
  ASSERT_TRUE(Enroll(kCollege, passing.name(), run.name(), &p).ok());
  ASSERT_TRUE(Enroll(kCollege, failing.name(), run.name(), &f).ok());

  pb::CompleteRequest complete;
  complete.set_request_id(Id());
  complete.set_name(p.name());
  complete.set_final_score(88);
  complete.set_attendance_percent(95);
  pb::Enrollment done;
  EXPECT_EQ(Call(&pb::EnrollmentService::Stub::Complete, kCollege, complete, &done).error_code(),
            StatusCode::FAILED_PRECONDITION)
      << "the run has not started";
  cpb::StartCourseRunRequest start;
  start.set_request_id(Id());
  start.set_name(run.name());
  CourseCall(&cpb::CourseService::Stub::StartCourseRun, start);

  complete.set_request_id(Id());
  ASSERT_TRUE(Call(&pb::EnrollmentService::Stub::Complete, kCollege, complete, &done).ok());
  EXPECT_EQ(done.state(), pb::ENROLLMENT_STATE_COMPLETED);
  ASSERT_FALSE(done.certificate().empty());
  complete.set_request_id(Id());
  complete.set_name(f.name());
  complete.set_final_score(40);
  pb::Enrollment failed;
  ASSERT_TRUE(Call(&pb::EnrollmentService::Stub::Complete, kCollege, complete, &failed).ok());
  EXPECT_EQ(failed.state(), pb::ENROLLMENT_STATE_FAILED);
  EXPECT_TRUE(failed.certificate().empty());

  pb::GetCertificateRequest get;
  get.set_name(done.certificate());
  pb::Certificate certificate;
  ASSERT_TRUE(Call(&pb::EnrollmentService::Stub::GetCertificate, kCollege, get, &certificate).ok());
  EXPECT_EQ(certificate.course_code(), "URT-101");
  EXPECT_EQ(certificate.holder_name(), "Раҳимҷон Саидов");
  EXPECT_FALSE(certificate.chinese_institution_names().empty());
  EXPECT_FALSE(certificate.partner_institution_names().empty());
  EXPECT_EQ(certificate.course_titles(0).text(), "城市轨道交通运营");
  EXPECT_GE(certificate.number().size(), 20u);

  // Anyone verifies it, and learns only the masked name.
  pb::VerifyCertificateRequest verify;
  verify.set_number(certificate.number());
  pb::VerifyCertificateResponse verified;
  ASSERT_TRUE(Call(&pb::EnrollmentService::Stub::VerifyCertificate, "", verify, &verified).ok());
  EXPECT_EQ(verified.status(), pb::CERTIFICATE_STATUS_VALID);
  EXPECT_EQ(verified.holder_masked_name(), "R*** S***");
  EXPECT_EQ(verified.course_code(), "URT-101");
  verify.set_number("LW-0000-0000-0000-0000-0000");
  ASSERT_TRUE(Call(&pb::EnrollmentService::Stub::VerifyCertificate, "", verify, &verified).ok());
  EXPECT_EQ(verified.status(), pb::CERTIFICATE_STATUS_UNKNOWN);
  EXPECT_TRUE(verified.holder_masked_name().empty());

  pb::RevokeCertificateRequest revoke;
  revoke.set_request_id(Id());
  revoke.set_name(certificate.name());
  revoke.set_reason("issued in error");
  pb::Certificate revoked;
  EXPECT_EQ(Call(&pb::EnrollmentService::Stub::RevokeCertificate, kCollege, revoke, &revoked)
                .error_code(),
            StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(Call(&pb::EnrollmentService::Stub::RevokeCertificate, kAdmin, revoke, &revoked).ok());
  verify.set_number(certificate.number());
  ASSERT_TRUE(Call(&pb::EnrollmentService::Stub::VerifyCertificate, "", verify, &verified).ok());
  EXPECT_EQ(verified.status(), pb::CERTIFICATE_STATUS_REVOKED);

  // Eligibility for exchanges, asked by the exchange service (and by no other service).
  pb::CheckEligibilityRequest check;
  check.set_trainee(passing.name());
  check.mutable_requirement()->set_completed_course(course_name_);
  pb::CheckEligibilityResponse eligibility;
  ASSERT_TRUE(
      Call(&pb::EnrollmentService::Stub::CheckEligibility, kExchangeService, check, &eligibility)
          .ok());
  EXPECT_TRUE(eligibility.eligible()) << eligibility.reason();
  check.set_trainee(failing.name());
  ASSERT_TRUE(
      Call(&pb::EnrollmentService::Stub::CheckEligibility, kExchangeService, check, &eligibility)
          .ok());
  EXPECT_FALSE(eligibility.eligible());
  check.mutable_requirement()->Clear();
  check.mutable_requirement()->set_certificate_discipline("urban rail");
  check.set_trainee(passing.name());
  ASSERT_TRUE(
      Call(&pb::EnrollmentService::Stub::CheckEligibility, kExchangeService, check, &eligibility)
          .ok());
  EXPECT_FALSE(eligibility.eligible()) << "the certificate was revoked";
  for (const char* token : {kCollege, kService}) {
    EXPECT_EQ(Call(&pb::EnrollmentService::Stub::CheckEligibility, token, check, &eligibility)
                  .error_code(),
              StatusCode::PERMISSION_DENIED)
        << token;
  }
  // No service reads the trainee directory.
  pb::ListTraineesResponse trainees;
  pb::Trainee trainee;
  pb::GetTraineeRequest get_trainee;
  get_trainee.set_name(passing.name());
  for (const char* token : {kService, kExchangeService}) {
    EXPECT_EQ(Call(&pb::EnrollmentService::Stub::ListTrainees, token, pb::ListTraineesRequest(),
                   &trainees)
                  .error_code(),
              StatusCode::PERMISSION_DENIED)
        << token;
    EXPECT_EQ(
        Call(&pb::EnrollmentService::Stub::GetTrainee, token, get_trainee, &trainee).error_code(),
        StatusCode::PERMISSION_DENIED)
        << token;
  }
}

TEST_F(EnrollmentServiceTest, ImportAnswersEachRowAndReRunningChangesNothing) {
  pb::ImportTraineesRequest import;
  import.set_request_id("import-1");
  for (const char* doc : {"IMP1", "IMP2", "IMP3"}) {
    *import.add_rows()->mutable_trainee() = TraineeRequest(tj_, doc).trainee();
  }
  pb::Trainee bad = TraineeRequest(tj_, "IMP4").trainee();
  bad.set_family_name_latin("Саидов");  // not Latin
  *import.add_rows()->mutable_trainee() = bad;
  *import.add_rows()->mutable_trainee() = TraineeRequest(tj_, "imp-1").trainee();  // = IMP1

  pb::ImportTraineesResponse first;
  ASSERT_TRUE(Call(&pb::EnrollmentService::Stub::ImportTrainees, kCollege, import, &first).ok());
  ASSERT_EQ(first.results_size(), 5);
  EXPECT_EQ(first.results(0).outcome(), pb::IMPORT_OUTCOME_CREATED);
  EXPECT_EQ(first.results(2).outcome(), pb::IMPORT_OUTCOME_CREATED);
  EXPECT_EQ(first.results(3).outcome(), pb::IMPORT_OUTCOME_REFUSED);
  EXPECT_EQ(first.results(3).error_code(), "INVALID_ARGUMENT");
  EXPECT_NE(first.results(3).error_message().find("family_name_latin"), std::string::npos);
  EXPECT_EQ(first.results(4).outcome(), pb::IMPORT_OUTCOME_ALREADY_EXISTED);
  EXPECT_EQ(first.results(4).trainee(), first.results(0).trainee());
  EXPECT_EQ(*db().QueryInt("SELECT COUNT(*) FROM trainees"), 3);

  // The same request again: the first answer.
  pb::ImportTraineesResponse retried;
  ASSERT_TRUE(Call(&pb::EnrollmentService::Stub::ImportTrainees, kCollege, import, &retried).ok());
  EXPECT_EQ(retried.SerializeAsString(), first.SerializeAsString());
  // The same rows under a new request id: everything already exists, nothing changes.
  import.set_request_id("import-2");
  const std::string checksum = *db().TableChecksum("trainees");
  pb::ImportTraineesResponse rerun;
  ASSERT_TRUE(Call(&pb::EnrollmentService::Stub::ImportTrainees, kCollege, import, &rerun).ok());
  for (int i : {0, 1, 2, 4}) {
    EXPECT_EQ(rerun.results(i).outcome(), pb::IMPORT_OUTCOME_ALREADY_EXISTED) << i;
  }
  EXPECT_EQ(*db().TableChecksum("trainees"), checksum);
}

TEST_F(EnrollmentServiceTest, ExportsStreamEverythingRedactedInBatches) {
  constexpr int kCount = 1100;  // more than two batches
  pb::ImportTraineesRequest import;
  for (int i = 0; i < kCount; ++i) {
    if (import.rows_size() == kMaxImportRows) {
      import.set_request_id(Id());
      pb::ImportTraineesResponse r;
      ASSERT_TRUE(Call(&pb::EnrollmentService::Stub::ImportTrainees, kAdmin, import, &r).ok());
      import.clear_rows();
    }
    *import.add_rows()->mutable_trainee() = TraineeRequest(tj_, absl::StrCat("EXP", i)).trainee();
  }
  import.set_request_id(Id());
  pb::ImportTraineesResponse r;
  ASSERT_TRUE(Call(&pb::EnrollmentService::Stub::ImportTrainees, kAdmin, import, &r).ok());

  grpc::ClientContext context;
  context.AddMetadata("authorization", absl::StrCat("Bearer ", kReporter));
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  auto reader = stub_->ExportTrainees(&context, pb::ExportTraineesRequest());
  pb::ExportTraineesResponse batch;
  std::set<std::string> names;
  int batches = 0;
  while (reader->Read(&batch)) {
    ++batches;
    EXPECT_LE(batch.trainees_size(), kExportBatch);
    for (const auto& t : batch.trainees()) {
      EXPECT_TRUE(t.redacted());
      EXPECT_TRUE(t.family_name().empty());
      names.insert(t.name());
    }
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(names.size(), static_cast<size_t>(kCount));
  EXPECT_GE(batches, 3);

  // Enrollments export incrementally: only what changed since the last run's cursor.
  const cpb::CourseRun run = Run(tj_, 3);
  std::vector<pb::Enrollment> enrolled(4);
  pb::ListTraineesRequest list;
  list.set_page_size(4);
  pb::ListTraineesResponse some;
  ASSERT_TRUE(Call(&pb::EnrollmentService::Stub::ListTrainees, kAdmin, list, &some).ok());
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(Enroll(kAdmin, some.trainees(i).name(), run.name(), &enrolled[i]).ok());
  }
  auto export_enrollments = [&](const pb::ExportEnrollmentsRequest& request) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", absl::StrCat("Bearer ", kReporter));
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    auto stream = stub_->ExportEnrollments(&ctx, request);
    std::vector<pb::Enrollment> rows;
    pb::ExportEnrollmentsResponse b;
    while (stream->Read(&b))
      rows.insert(rows.end(), b.enrollments().begin(), b.enrollments().end());
    EXPECT_TRUE(stream->Finish().ok());
    return rows;
  };
  const std::vector<pb::Enrollment> all = export_enrollments(pb::ExportEnrollmentsRequest());
  ASSERT_EQ(all.size(), 4u);
  pb::ExportEnrollmentsRequest since;
  *since.mutable_updated_since() = all.back().update_time();
  since.set_after_name(all.back().name());
  EXPECT_TRUE(export_enrollments(since).empty()) << "nothing changed after the cursor";
  pb::WithdrawRequest withdraw;
  withdraw.set_request_id(Id());
  withdraw.set_name(enrolled[0].name());
  pb::Enrollment withdrawn;
  ASSERT_TRUE(Call(&pb::EnrollmentService::Stub::Withdraw, kAdmin, withdraw, &withdrawn).ok());
  const std::vector<pb::Enrollment> changed = export_enrollments(since);
  ASSERT_EQ(changed.size(), 2u) << "the withdrawn one and the promoted one";
  EXPECT_EQ(changed[0].name(), enrolled[0].name());
  EXPECT_EQ(changed[1].name(), enrolled[3].name());
  EXPECT_EQ(changed[1].state(), pb::ENROLLMENT_STATE_ENROLLED);

  // A college admin does not export the network.
  grpc::ClientContext denied;
  denied.AddMetadata("authorization", absl::StrCat("Bearer ", kCollege));
  auto refused = stub_->ExportTrainees(&denied, pb::ExportTraineesRequest());
  EXPECT_FALSE(refused->Read(&batch));
  EXPECT_EQ(refused->Finish().error_code(), StatusCode::PERMISSION_DENIED);
}

// A college admin's feed carries the changes to its own records, personal data included (it
// reads them anyway): its trainees, the enrollments in its workshops' runs and the trainees a
// withdrawal promoted there; not another college's.
TEST_F(EnrollmentServiceTest, CollegeAdminsFollowTheChangesToTheirOwnRecords) {
  const pb::Trainee first = Trainee(kCollege, tj_, "A1234567");
  const pb::Trainee second = Trainee(kCollege, tj_, "A1234568");
  const pb::Trainee theirs = Trainee(kOther, kz_, "K7654321");
  const cpb::CourseRun run = Run(tj_, 1);
  const cpb::CourseRun their_run = Run(kz_, 5);
  pb::Enrollment enrolled, waitlisted, their_enrollment;
  ASSERT_TRUE(Enroll(kCollege, first.name(), run.name(), &enrolled).ok());
  ASSERT_TRUE(Enroll(kCollege, second.name(), run.name(), &waitlisted).ok());
  ASSERT_TRUE(Enroll(kOther, theirs.name(), their_run.name(), &their_enrollment).ok());
  pb::WithdrawRequest withdraw;
  withdraw.set_request_id(Id());
  withdraw.set_name(enrolled.name());
  withdraw.set_reason("moved to Khujand");
  ASSERT_TRUE(Call(&pb::EnrollmentService::Stub::Withdraw, kCollege, withdraw, &enrolled).ok());
  // Written last: every event before it is on the feed once it is.
  const pb::Trainee marker = Trainee(kOther, kz_, "K0000001");
  const int64_t last = FeedSequenceOf(*stub_, kAdmin, marker.name());
  ASSERT_GT(last, 0);

  EXPECT_EQ(FeedNames(*stub_, kOther, last),
            (std::set<std::string>{theirs.name(), their_enrollment.name(), marker.name()}));
  const std::vector<luban::common::v1::ChangeEvent> ours = FeedEvents(*stub_, kCollege, last);
  std::set<std::string> names;
  pb::Trainee trainee;
  pb::Enrollment promoted;
  for (const auto& event : ours) {
    names.insert(event.resource_name());
    if (event.resource_name() == first.name()) {
      ASSERT_TRUE(event.resource().UnpackTo(&trainee));
    }
    if (event.resource_name() == waitlisted.name()) {
      ASSERT_TRUE(event.resource().UnpackTo(&promoted));
    }
  }
  EXPECT_EQ(names, (std::set<std::string>{first.name(), second.name(), enrolled.name(),
                                          waitlisted.name()}));
  EXPECT_EQ(trainee.family_name(), first.family_name());
  EXPECT_FALSE(trainee.family_name().empty());
  EXPECT_EQ(promoted.state(), pb::ENROLLMENT_STATE_ENROLLED) << "the promotion, last";
}

TEST_F(EnrollmentServiceTest, AuditTrailShowsACollegeTheHistoryOfItsOwnRecordsOnly) {
  const pb::Trainee trainee = Trainee(kCollege, tj_, "A1234567");
  const pb::Trainee theirs = Trainee(kOther, kz_, "K7654321");
  const cpb::CourseRun run = Run(tj_, 5);
  pb::Enrollment enrollment;
  ASSERT_TRUE(Enroll(kCollege, trainee.name(), run.name(), &enrollment).ok());
  pb::WithdrawRequest withdraw;
  withdraw.set_request_id(Id());
  withdraw.set_name(enrollment.name());
  withdraw.set_reason("moved to Khujand");
  ASSERT_TRUE(Call(&pb::EnrollmentService::Stub::Withdraw, kCollege, withdraw, &enrollment).ok());

  // The network admin reads every change just made, newest first.
  std::vector<luban::common::v1::AuditRecord> records;
  ASSERT_TRUE(AuditTrail(kAdmin, "", &records).ok());
  EXPECT_EQ(Changes(records),
            (std::vector<std::string>{absl::StrCat("withdrawn ", enrollment.name()),
                                      absl::StrCat("enrolled ", enrollment.name()),
                                      absl::StrCat("created ", theirs.name()),
                                      absl::StrCat("created ", trainee.name())}));
  ASSERT_FALSE(records.empty());
  EXPECT_EQ(records[0].request_id(), withdraw.request_id());
  EXPECT_EQ(records[0].method(), "luban.enrollment.v1.EnrollmentService/Withdraw");
  EXPECT_EQ(records[0].actor(), "ttu-admin");

  // The college reads its trainee's history, personal data included (it sees it anyway), and
  // its enrollment's.
  ASSERT_TRUE(AuditTrail(kCollege, trainee.name(), &records).ok());
  ASSERT_EQ(Changes(records), std::vector<std::string>{absl::StrCat("created ", trainee.name())});
  EXPECT_NE(records[0].details().find("Saidov"), std::string::npos) << records[0].details();
  ASSERT_TRUE(AuditTrail(kCollege, enrollment.name(), &records).ok());
  EXPECT_EQ(Changes(records),
            (std::vector<std::string>{absl::StrCat("withdrawn ", enrollment.name()),
                                      absl::StrCat("enrolled ", enrollment.name())}));

  // Another college's records and missing ones: NOT_FOUND alike.
  const std::pair<const char*, std::string> hidden[] = {
      {kCollege, theirs.name()}, {kCollege, "trainees/999"},  {kCollege, "certificates/999"},
      {kOther, trainee.name()},  {kOther, enrollment.name()}, {kOther, "enrollments/999"},
  };
  for (const auto& [token, resource] : hidden) {
    const grpc::Status status = AuditTrail(token, resource, &records);
    EXPECT_EQ(status.error_code(), StatusCode::NOT_FOUND) << token << " " << resource;
    EXPECT_EQ(status.error_message(), absl::StrCat(resource, ": not found"));
  }
  ASSERT_TRUE(AuditTrail(kOther, theirs.name(), &records).ok());
  EXPECT_EQ(Changes(records), std::vector<std::string>{absl::StrCat("created ", theirs.name())});

  // A college names a record of this service; reporters and services read nothing.
  grpc::Status status = AuditTrail(kCollege, "", &records);
  EXPECT_EQ(status.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message().rfind("resource: ", 0), 0u) << status.error_message();
  status = AuditTrail(kAdmin, run.name(), &records);
  EXPECT_EQ(status.error_code(), StatusCode::INVALID_ARGUMENT) << "a run is the course service's";
  EXPECT_EQ(status.error_message().rfind("resource: ", 0), 0u) << status.error_message();
  for (const char* token : {kReporter, kService, kExchangeService}) {
    EXPECT_EQ(AuditTrail(token, trainee.name(), &records).error_code(),
              StatusCode::PERMISSION_DENIED)
        << token;
  }
}

}  // namespace
}  // namespace luban::enrollment
