// The exchange service's peers over gRPC (GrpcCoursePeer, GrpcEnrollmentPeer) against a real
// course service and a real enrollment service, each in its own in-process ServiceHost over its
// own MariaDB schema, called with the exchange service's own token (role service).
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/auth/credentials.h"
#include "common/server/service_main.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "luban/course/v1/course.grpc.pb.h"
#include "luban/enrollment/v1/enrollment.grpc.pb.h"
#include "services/course/course_module.h"
#include "services/enrollment/enrollment_module.h"
#include "services/exchange/clients/grpc_course_peer.h"
#include "services/exchange/clients/grpc_enrollment_peer.h"
#include "tests/support/test_database.h"

namespace luban::exchange {
namespace {

namespace cpb = ::luban::course::v1;
namespace epb = ::luban::enrollment::v1;
using ::absl::StatusCode;

constexpr char kAdmin[] = "t-admin";
constexpr char kCollege[] = "t-college-ttu";
constexpr char kEnrollmentService[] = "t-svc-enrollment";
constexpr char kExchangeService[] = "t-svc-exchange";

// Generous deadline for calls that should succeed.
constexpr absl::Duration kCallDeadline = absl::Seconds(10);
// What a call may overrun its deadline by (scheduling, a slow CI machine).
constexpr absl::Duration kSlack = absl::Seconds(1);

std::string CredentialsText() {
  auto line = [](const char* token, const char* rest) {
    return absl::StrCat(auth::HashToken(token), " ", rest, "\n");
  };
  return absl::StrCat(line(kAdmin, "network_admin admin"),
                      line(kCollege, "college_admin ttu-admin institutions/2"),
                      line(kEnrollmentService, "service svc-enrollment"),
                      line(kExchangeService, "service svc-exchange"));
}

int64_t IdOf(const std::string& name) {
  const std::vector<std::string> parts = absl::StrSplit(name, '/');
  int64_t id = 0;
  EXPECT_TRUE(parts.size() == 2 && absl::SimpleAtoi(parts[1], &id)) << name;
  return id;
}

template <typename Stub, typename Request, typename Response>
Response AdminCall(Stub& stub,
                   grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                   const Request& request) {
  grpc::ClientContext context;
  context.AddMetadata("authorization", absl::StrCat("Bearer ", kAdmin));
  context.set_deadline(absl::ToChronoTime(absl::Now() + kCallDeadline));
  Response response;
  const grpc::Status status = (stub.*method)(&context, request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response;
}

class ExchangeClientsTest : public luban::testing::DatabaseTest {
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
    course_options.shutdown_grace = absl::Milliseconds(500);
    course_module_ = std::make_unique<course::CourseModule>(course::CourseConfig{});
    auto course_host = ServiceHost::Start(*course_module_, course_options,
                                          *auth::CredentialStore::Parse(CredentialsText()));
    ASSERT_TRUE(course_host.ok()) << course_host.status();
    course_host_ = *std::move(course_host);
    course_channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", course_host_->port()),
                                          grpc::InsecureChannelCredentials());

    enrollment::EnrollmentModuleOptions module_options;
    module_options.course_target = absl::StrCat("127.0.0.1:", course_host_->port());
    module_options.service_token = kEnrollmentService;
    module_options.follow_course_feed = false;
    module_options.directory.call_timeout = absl::Seconds(1);
    enrollment_module_ = std::make_unique<enrollment::EnrollmentModule>(std::move(module_options));
    HostOptions options;
    options.db = Config(4);
    options.page_token_secret = "enrollment-secret";
    options.shutdown_grace = absl::Milliseconds(500);
    auto host = ServiceHost::Start(*enrollment_module_, options,
                                   *auth::CredentialStore::Parse(CredentialsText()));
    ASSERT_TRUE(host.ok()) << host.status();
    enrollment_host_ = *std::move(host);
    enrollment_channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", enrollment_host_->port()),
                                              grpc::InsecureChannelCredentials());

    course_admin_ = cpb::CourseService::NewStub(course_channel_);
    enrollment_admin_ = epb::EnrollmentService::NewStub(enrollment_channel_);
    BuildNetwork();
  }

  void TearDown() override {
    if (enrollment_host_) enrollment_host_->Shutdown();
    enrollment_host_.reset();
    enrollment_module_.reset();
    if (course_host_) course_host_->Shutdown();
    course_host_.reset();
    course_db_.reset();
    DatabaseTest::TearDown();
  }

  std::string Id() { return absl::StrCat("r-", ++counter_); }

  std::string Institution(cpb::InstitutionKind kind, const char* country, const char* name) {
    cpb::CreateInstitutionRequest r;
    r.set_request_id(Id());
    r.mutable_institution()->set_kind(kind);
    r.mutable_institution()->set_country_code(country);
    r.mutable_institution()->set_city("Душанбе");
    auto* n = r.mutable_institution()->add_display_names();
    n->set_language_code("ru");
    n->set_text(name);
    return AdminCall(*course_admin_, &cpb::CourseService::Stub::CreateInstitution, r).name();
  }

  // Tianjin's college and TTU co-found an operating workshop in TJ; one course with a run.
  void BuildNetwork() {
    tianjin_ = Institution(cpb::INSTITUTION_KIND_CHINESE_COLLEGE, "CN", "Тяньцзинь");
    ttu_ = Institution(cpb::INSTITUTION_KIND_LOCAL_PARTNER, "TJ", "ТТУ");
    ASSERT_EQ(ttu_, "institutions/2");

    cpb::CreateWorkshopRequest w;
    w.set_request_id(Id());
    w.mutable_workshop()->set_country_code("TJ");
    w.mutable_workshop()->set_city("Душанбе");
    w.mutable_workshop()->set_chinese_institution(tianjin_);
    w.mutable_workshop()->set_partner_institution(ttu_);
    auto* n = w.mutable_workshop()->add_display_names();
    n->set_language_code("tg");
    n->set_text("Устохонаи Лубан");
    workshop_ = AdminCall(*course_admin_, &cpb::CourseService::Stub::CreateWorkshop, w).name();
    cpb::ChangeWorkshopStatusRequest operate;
    operate.set_request_id(Id());
    operate.set_name(workshop_);
    operate.set_status(cpb::WORKSHOP_STATUS_OPERATING);
    AdminCall(*course_admin_, &cpb::CourseService::Stub::ChangeWorkshopStatus, operate);

    cpb::CreateCourseRequest c;
    c.set_request_id(Id());
    c.mutable_course()->set_code("URT-101");
    c.mutable_course()->set_discipline("urban rail");
    c.mutable_course()->set_hours(120);
    c.mutable_course()->add_instruction_languages("tg");
    auto* t = c.mutable_course()->add_titles();
    t->set_language_code("zh");
    t->set_text("城市轨道交通运营");
    course_ = AdminCall(*course_admin_, &cpb::CourseService::Stub::CreateCourse, c).name();

    cpb::CreateCourseRunRequest r;
    r.set_request_id(Id());
    auto* run = r.mutable_course_run();
    run->set_course(course_);
    run->set_workshop(workshop_);
    run->set_capacity(20);
    run->set_language_code("tg");
    run->set_pass_score(60);
    run->set_min_attendance_percent(80);
    run->mutable_start_date()->set_year(2027);
    run->mutable_start_date()->set_month(3);
    run->mutable_start_date()->set_day(1);
    run->mutable_end_date()->set_year(2027);
    run->mutable_end_date()->set_month(5);
    run->mutable_end_date()->set_day(31);
    run_ = AdminCall(*course_admin_, &cpb::CourseService::Stub::CreateCourseRun, r).name();
  }

  // A trainee registered at the TJ workshop through the enrollment API.
  std::string Trainee(const std::string& document) {
    epb::CreateTraineeRequest r;
    r.set_request_id(Id());
    auto* t = r.mutable_trainee();
    t->set_family_name("Саидов");
    t->set_given_name("Раҳимҷон");
    t->set_family_name_latin("Saidov");
    t->set_given_name_latin("Rahimjon");
    t->set_sex(epb::SEX_MALE);
    t->mutable_birth_date()->set_year(2003);
    t->mutable_birth_date()->set_month(4);
    t->mutable_birth_date()->set_day(17);
    t->set_citizenship("TJ");
    t->mutable_identity_document()->set_country_code("TJ");
    t->mutable_identity_document()->set_type(epb::DOCUMENT_TYPE_PASSPORT);
    t->mutable_identity_document()->set_number(document);
    t->mutable_contacts()->set_phone("+992 93 123 4567");
    t->set_home_workshop(workshop_);
    return AdminCall(*enrollment_admin_, &epb::EnrollmentService::Stub::CreateTrainee, r).name();
  }

  void Archive(const std::string& trainee) {
    epb::ArchiveTraineeRequest r;
    r.set_request_id(Id());
    r.set_name(trainee);
    AdminCall(*enrollment_admin_, &epb::EnrollmentService::Stub::ArchiveTrainee, r);
  }

  std::unique_ptr<luban::testing::TestDatabase> course_db_;
  std::unique_ptr<course::CourseModule> course_module_;
  std::unique_ptr<ServiceHost> course_host_;
  std::unique_ptr<enrollment::EnrollmentModule> enrollment_module_;
  std::unique_ptr<ServiceHost> enrollment_host_;
  std::shared_ptr<grpc::Channel> course_channel_;
  std::shared_ptr<grpc::Channel> enrollment_channel_;
  std::unique_ptr<cpb::CourseService::Stub> course_admin_;
  std::unique_ptr<epb::EnrollmentService::Stub> enrollment_admin_;
  std::string tianjin_, ttu_, workshop_, course_, run_;
  int counter_ = 0;
};

TEST_F(ExchangeClientsTest, CoursePeerMapsInstitutionsFoundersCoursesAndRuns) {
  GrpcCoursePeer peer(course_channel_, kExchangeService);
  const absl::Time deadline = absl::Now() + kCallDeadline;

  auto chinese = peer.GetInstitution(IdOf(tianjin_), deadline);
  ASSERT_TRUE(chinese.ok()) << chinese.status();
  EXPECT_EQ(chinese->id, IdOf(tianjin_));
  EXPECT_EQ(chinese->kind, InstitutionKind::kChineseCollege);
  EXPECT_EQ(chinese->country, "CN");
  auto partner = peer.GetInstitution(IdOf(ttu_), deadline);
  ASSERT_TRUE(partner.ok()) << partner.status();
  EXPECT_EQ(partner->id, IdOf(ttu_));
  EXPECT_EQ(partner->kind, InstitutionKind::kLocalPartner);
  EXPECT_EQ(partner->country, "TJ");

  auto founders = peer.GetWorkshopFounders(IdOf(workshop_), deadline);
  ASSERT_TRUE(founders.ok()) << founders.status();
  EXPECT_EQ(founders->workshop_id, IdOf(workshop_));
  EXPECT_EQ(founders->chinese_institution_id, IdOf(tianjin_));
  EXPECT_EQ(founders->partner_institution_id, IdOf(ttu_));

  EXPECT_TRUE(peer.CheckCourseExists(IdOf(course_), deadline).ok());
  EXPECT_TRUE(peer.CheckCourseRunExists(IdOf(run_), deadline).ok());
  const auto run_workshop = peer.GetCourseRunWorkshop(IdOf(run_), deadline);
  ASSERT_TRUE(run_workshop.ok()) << run_workshop.status();
  EXPECT_EQ(*run_workshop, IdOf(workshop_));
}

TEST_F(ExchangeClientsTest, CoursePeerReportsMissingResourcesAsNotFound) {
  GrpcCoursePeer peer(course_channel_, kExchangeService);
  const absl::Time deadline = absl::Now() + kCallDeadline;
  const auto institution = peer.GetInstitution(999, deadline);
  EXPECT_EQ(institution.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(institution.status().message(), "institutions/999: not found");
  const auto founders = peer.GetWorkshopFounders(999, deadline);
  EXPECT_EQ(founders.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(founders.status().message(), "workshops/999: not found");
  const absl::Status course = peer.CheckCourseExists(999, deadline);
  EXPECT_EQ(course.code(), StatusCode::kNotFound);
  EXPECT_EQ(course.message(), "courses/999: not found");
  const absl::Status run = peer.CheckCourseRunExists(999, deadline);
  EXPECT_EQ(run.code(), StatusCode::kNotFound);
  EXPECT_EQ(run.message(), "courseRuns/999: not found");
  EXPECT_EQ(peer.GetInstitution(0, deadline).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(peer.CheckCourseRunExists(-1, deadline).code(), StatusCode::kNotFound);
  const auto run_workshop = peer.GetCourseRunWorkshop(999, deadline);
  EXPECT_EQ(run_workshop.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(run_workshop.status().message(), "courseRuns/999: not found");
}

TEST_F(ExchangeClientsTest, CoursePeerCachesInstitutionsAndFoundersButAsksForCoursesAndRuns) {
  absl::Mutex clock_mu;
  absl::Time now = absl::Now();
  GrpcCoursePeerOptions options;
  options.call_timeout = absl::Milliseconds(700);
  options.cache_ttl = absl::Minutes(5);
  options.clock = [&] {
    absl::MutexLock lock(&clock_mu);
    return now;
  };
  GrpcCoursePeer peer(course_channel_, kExchangeService, options);
  ASSERT_TRUE(peer.GetInstitution(IdOf(ttu_), absl::Now() + kCallDeadline).ok());
  ASSERT_TRUE(peer.GetWorkshopFounders(IdOf(workshop_), absl::Now() + kCallDeadline).ok());
  ASSERT_TRUE(peer.CheckCourseExists(IdOf(course_), absl::Now() + kCallDeadline).ok());

  // With the course service gone, what is cached is still known; the rest is unavailable.
  course_host_->Shutdown();
  auto partner = peer.GetInstitution(IdOf(ttu_), absl::Now() + kCallDeadline);
  ASSERT_TRUE(partner.ok()) << partner.status();
  EXPECT_EQ(partner->kind, InstitutionKind::kLocalPartner);
  auto founders = peer.GetWorkshopFounders(IdOf(workshop_), absl::Now() + kCallDeadline);
  ASSERT_TRUE(founders.ok()) << founders.status();
  EXPECT_EQ(founders->chinese_institution_id, IdOf(tianjin_));

  const absl::Duration budget = absl::Milliseconds(500);
  absl::Time start = absl::Now();
  const absl::Status course = peer.CheckCourseExists(IdOf(course_), start + budget);
  EXPECT_EQ(course.code(), StatusCode::kUnavailable) << course;
  EXPECT_TRUE(absl::StartsWith(course.message(), "the course service is unavailable: ")) << course;
  EXPECT_LT(absl::Now() - start, budget + kSlack);
  EXPECT_EQ(peer.CheckCourseRunExists(IdOf(run_), absl::Now() + budget).code(),
            StatusCode::kUnavailable);

  // Once the entries expire they are asked again; the call timeout bounds a patient caller.
  {
    absl::MutexLock lock(&clock_mu);
    now += options.cache_ttl;
  }
  start = absl::Now();
  const auto expired = peer.GetInstitution(IdOf(ttu_), start + absl::Minutes(1));
  EXPECT_EQ(expired.status().code(), StatusCode::kUnavailable) << expired.status();
  EXPECT_LT(absl::Now() - start, options.call_timeout + kSlack);
  EXPECT_EQ(peer.GetWorkshopFounders(IdOf(workshop_), absl::Now() + budget).status().code(),
            StatusCode::kUnavailable);
}

TEST_F(ExchangeClientsTest, EnrollmentPeerChecksEligibilityEveryTime) {
  const std::string trainee = Trainee("A1234567");
  GrpcEnrollmentPeer peer(enrollment_channel_, kExchangeService);
  const absl::Time deadline = absl::Now() + kCallDeadline;

  auto standing = peer.CheckEligibility(IdOf(trainee), Requirement{}, deadline);
  ASSERT_TRUE(standing.ok()) << standing.status();
  EXPECT_TRUE(standing->eligible);
  EXPECT_EQ(standing->reason, "");
  EXPECT_EQ(standing->home_workshop_id, IdOf(workshop_));

  Requirement completed;
  completed.completed_course_id = IdOf(course_);
  standing = peer.CheckEligibility(IdOf(trainee), completed, deadline);
  ASSERT_TRUE(standing.ok()) << standing.status();
  EXPECT_FALSE(standing->eligible);
  EXPECT_EQ(standing->reason, absl::StrCat("the trainee has not completed ", course_));
  EXPECT_EQ(standing->home_workshop_id, IdOf(workshop_));

  Requirement certified;
  certified.certificate_discipline = "urban rail";
  standing = peer.CheckEligibility(IdOf(trainee), certified, deadline);
  ASSERT_TRUE(standing.ok()) << standing.status();
  EXPECT_FALSE(standing->eligible);
  EXPECT_TRUE(absl::StrContains(standing->reason, "urban rail")) << standing->reason;

  // Nothing is cached: an archived trainee is no longer eligible at once.
  Archive(trainee);
  standing = peer.CheckEligibility(IdOf(trainee), Requirement{}, deadline);
  ASSERT_TRUE(standing.ok()) << standing.status();
  EXPECT_FALSE(standing->eligible);
  EXPECT_EQ(standing->reason, "the trainee is archived");
}

TEST_F(ExchangeClientsTest, EnrollmentPeerReportsAnUnknownTraineeAsNotFound) {
  GrpcEnrollmentPeer peer(enrollment_channel_, kExchangeService);
  const absl::Time deadline = absl::Now() + kCallDeadline;
  const auto unknown = peer.CheckEligibility(999, Requirement{}, deadline);
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(unknown.status().message(), "trainees/999: not found");
  EXPECT_EQ(peer.CheckEligibility(0, Requirement{}, deadline).status().code(),
            StatusCode::kNotFound);
}

TEST_F(ExchangeClientsTest, ARefusedCredentialIsAFailedPrecondition) {
  const std::string trainee = Trainee("A1234567");
  // A college admin may not ask for eligibility; an unknown token is nobody.
  for (const char* token : {kCollege, "not-a-known-token"}) {
    GrpcEnrollmentPeer enrollment(enrollment_channel_, token);
    const auto standing =
        enrollment.CheckEligibility(IdOf(trainee), Requirement{}, absl::Now() + kCallDeadline);
    EXPECT_EQ(standing.status().code(), StatusCode::kFailedPrecondition) << standing.status();
    EXPECT_TRUE(absl::StrContains(
        standing.status().message(),
        "the exchange service's credential is not accepted by the enrollment service"))
        << standing.status();
  }
  GrpcCoursePeer course(course_channel_, "not-a-known-token");
  const auto institution = course.GetInstitution(IdOf(ttu_), absl::Now() + kCallDeadline);
  EXPECT_EQ(institution.status().code(), StatusCode::kFailedPrecondition) << institution.status();
  EXPECT_TRUE(
      absl::StrContains(institution.status().message(),
                        "the exchange service's credential is not accepted by the course service"))
      << institution.status();
}

TEST_F(ExchangeClientsTest, AStoppedEnrollmentServiceIsUnavailableWithinTheDeadline) {
  const std::string trainee = Trainee("A1234567");
  GrpcEnrollmentPeer peer(enrollment_channel_, kExchangeService);
  ASSERT_TRUE(
      peer.CheckEligibility(IdOf(trainee), Requirement{}, absl::Now() + kCallDeadline).ok());
  enrollment_host_->Shutdown();

  const absl::Duration budget = absl::Milliseconds(700);
  const absl::Time start = absl::Now();
  const auto standing = peer.CheckEligibility(IdOf(trainee), Requirement{}, start + budget);
  EXPECT_EQ(standing.status().code(), StatusCode::kUnavailable) << standing.status();
  EXPECT_TRUE(
      absl::StartsWith(standing.status().message(), "the enrollment service is unavailable: "))
      << standing.status();
  EXPECT_LT(absl::Now() - start, budget + kSlack);
}

}  // namespace
}  // namespace luban::exchange
