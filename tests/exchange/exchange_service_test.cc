// The exchange service end to end: real course, enrollment and exchange services, each in its
// own ServiceHost over its own MariaDB schema, called through gRPC with each role's token.
#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/auth/credentials.h"
#include "common/server/service_main.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "luban/course/v1/course.grpc.pb.h"
#include "luban/enrollment/v1/enrollment.grpc.pb.h"
#include "luban/exchange/v1/exchange.grpc.pb.h"
#include "services/course/course_module.h"
#include "services/enrollment/enrollment_module.h"
#include "services/exchange/api/exchange_api.h"
#include "services/exchange/exchange_module.h"
#include "tests/support/all_at_once.h"
#include "tests/support/feed_names.h"
#include "tests/support/test_database.h"

namespace luban::exchange {
namespace {

namespace cpb = ::luban::course::v1;
namespace epb = ::luban::enrollment::v1;
using ::grpc::StatusCode;
using ::luban::testing::FeedNames;
using ::luban::testing::FeedSequenceOf;

constexpr char kAdmin[] = "x-admin";
constexpr char kTianjin[] = "x-college-tianjin";  // institutions/1, the Chinese college
constexpr char kTtu[] = "x-college-ttu";          // institutions/2, the partner
constexpr char kEnu[] = "x-college-enu";          // institutions/4, another college
constexpr char kReporter[] = "x-reporter";
constexpr char kService[] = "x-service";                   // svc-enrollment
constexpr char kExchangeService[] = "x-exchange-service";  // svc-exchange

std::string CredentialsText() {
  auto line = [](const char* token, const char* rest) {
    return absl::StrCat(auth::HashToken(token), " ", rest, "\n");
  };
  return absl::StrCat(line(kAdmin, "network_admin admin"),
                      line(kTianjin, "college_admin tianjin-admin institutions/1"),
                      line(kTtu, "college_admin ttu-admin institutions/2"),
                      line(kEnu, "college_admin enu-admin institutions/4"),
                      line(kReporter, "reporter reports"), line(kService, "service svc-enrollment"),
                      line(kExchangeService, "service svc-exchange"));
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

class ExchangeServiceTest : public luban::testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    for (auto* slot : {&course_db_, &enrollment_db_}) {
      auto created = luban::testing::TestDatabase::Create();
      ASSERT_TRUE(created.ok()) << created.status();
      *slot = *std::move(created);
    }
    auto options = [](db::DbConfig config) {
      HostOptions o;
      o.db = std::move(config);
      o.page_token_secret = "secret";
      o.shutdown_grace = absl::Seconds(1);
      return o;
    };
    auto credentials = [] { return *auth::CredentialStore::Parse(CredentialsText()); };
    course_module_ = std::make_unique<course::CourseModule>(course::CourseConfig{});
    auto course_host =
        ServiceHost::Start(*course_module_, options(course_db_->Config()), credentials());
    ASSERT_TRUE(course_host.ok()) << course_host.status();
    course_host_ = *std::move(course_host);
    const std::string course_target = absl::StrCat("127.0.0.1:", course_host_->port());

    enrollment::EnrollmentModuleOptions enrollment_options;
    enrollment_options.course_target = course_target;
    enrollment_options.service_token = kService;
    enrollment_options.follow_course_feed = false;
    enrollment_module_ =
        std::make_unique<enrollment::EnrollmentModule>(std::move(enrollment_options));
    auto enrollment_host =
        ServiceHost::Start(*enrollment_module_, options(enrollment_db_->Config()), credentials());
    ASSERT_TRUE(enrollment_host.ok()) << enrollment_host.status();
    enrollment_host_ = *std::move(enrollment_host);

    ExchangeModuleOptions exchange_options;
    exchange_options.course_target = course_target;
    exchange_options.enrollment_target = absl::StrCat("127.0.0.1:", enrollment_host_->port());
    exchange_options.service_token = kExchangeService;
    module_ = std::make_unique<ExchangeModule>(std::move(exchange_options));
    auto host = ServiceHost::Start(*module_, options(Config(8)), credentials());
    ASSERT_TRUE(host.ok()) << host.status();
    host_ = *std::move(host);

    auto channel = [](int port) {
      return grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                 grpc::InsecureChannelCredentials());
    };
    course_ = cpb::CourseService::NewStub(channel(course_host_->port()));
    enrollment_ = epb::EnrollmentService::NewStub(channel(enrollment_host_->port()));
    stub_ = pb::ExchangeService::NewStub(channel(host_->port()));
    BuildNetwork();
  }

  void TearDown() override {
    for (auto* host : {&host_, &enrollment_host_, &course_host_}) {
      if (*host) (*host)->Shutdown();
      host->reset();
    }
    module_.reset();
    enrollment_module_.reset();
    course_module_.reset();
    DatabaseTest::TearDown();
  }

  std::string Id() { return absl::StrCat("x-", ++counter_); }

  template <typename Request, typename Response>
  grpc::Status Call(grpc::Status (pb::ExchangeService::Stub::*method)(grpc::ClientContext*,
                                                                      const Request&, Response*),
                    const std::string& token, const Request& request, Response* response) {
    return Invoke(*stub_, method, token, request, response);
  }

  template <typename Stub, typename Request, typename Response>
  Response Must(Stub& stub,
                grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                const std::string& token, const Request& request) {
    Response response;
    const grpc::Status status = Invoke(stub, method, token, request, &response);
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
    return Must(*course_, &cpb::CourseService::Stub::CreateInstitution, kAdmin, r).name();
  }

  void BuildNetwork() {
    tianjin_ = Institution(cpb::INSTITUTION_KIND_CHINESE_COLLEGE, "CN");
    ttu_ = Institution(cpb::INSTITUTION_KIND_LOCAL_PARTNER, "TJ");
    rail_ = Institution(cpb::INSTITUTION_KIND_CHINESE_COLLEGE, "CN");
    enu_ = Institution(cpb::INSTITUTION_KIND_LOCAL_PARTNER, "KZ");
    ASSERT_EQ(tianjin_, "institutions/1");
    ASSERT_EQ(ttu_, "institutions/2");
    ASSERT_EQ(enu_, "institutions/4");
    cpb::CreateWorkshopRequest w;
    w.set_request_id(Id());
    w.mutable_workshop()->set_country_code("TJ");
    w.mutable_workshop()->set_city("Душанбе");
    w.mutable_workshop()->set_chinese_institution(tianjin_);
    w.mutable_workshop()->set_partner_institution(ttu_);
    auto* n = w.mutable_workshop()->add_display_names();
    n->set_language_code("tg");
    n->set_text("Устохонаи Лубан");
    workshop_ = Must(*course_, &cpb::CourseService::Stub::CreateWorkshop, kAdmin, w).name();
  }

  pb::Programme Programme(const std::string& token, pb::ProgrammeKind kind, int quota,
                          bool open = true) {
    pb::CreateProgrammeRequest r;
    r.set_request_id(Id());
    auto* p = r.mutable_programme();
    p->set_chinese_institution(tianjin_);
    p->set_partner_institution(ttu_);
    p->set_kind(kind);
    p->set_direction(pb::DIRECTION_TO_CHINA);  // TTU sends, Tianjin receives
    p->set_quota(quota);
    p->mutable_start_date()->set_year(2027);
    p->mutable_start_date()->set_month(6);
    p->mutable_start_date()->set_day(1);
    p->mutable_end_date()->set_year(2027);
    p->mutable_end_date()->set_month(6);
    p->mutable_end_date()->set_day(30);
    auto* t = p->add_titles();
    t->set_language_code("zh");
    t->set_text("教师培训");
    pb::Programme created = Must(*stub_, &pb::ExchangeService::Stub::CreateProgramme, token, r);
    if (open) {
      pb::ChangeProgrammeStatusRequest o;
      o.set_request_id(Id());
      o.set_name(created.name());
      o.set_status(pb::PROGRAMME_STATUS_OPEN);
      created = Must(*stub_, &pb::ExchangeService::Stub::ChangeProgrammeStatus, token, o);
    }
    return created;
  }

  grpc::Status NominateTeacher(const std::string& programme, const std::string& name,
                               pb::Mobility* out, const std::string& token = kTtu) {
    pb::NominateRequest r;
    r.set_request_id(Id());
    r.set_programme(programme);
    r.mutable_teacher()->set_full_name(name);
    r.mutable_teacher()->set_full_name_latin("Teacher");
    r.mutable_teacher()->set_position("senior lecturer");
    return Call(&pb::ExchangeService::Stub::Nominate, token, r, out);
  }

  template <typename Request>
  grpc::Status Step(grpc::Status (pb::ExchangeService::Stub::*method)(grpc::ClientContext*,
                                                                      const Request&,
                                                                      pb::Mobility*),
                    const std::string& token, const std::string& name, const std::string& reason,
                    pb::Mobility* out) {
    Request r;
    r.set_request_id(Id());
    r.set_name(name);
    r.set_reason(reason);
    return Call(method, token, r, out);
  }

  // Every record of the audit trail `token` reads of `resource` ("" for all) as "<action>
  // <resource>", newest first; or the status of the first page that failed.
  grpc::Status AuditTrail(const std::string& token, const std::string& resource,
                          std::vector<std::string>* changes) {
    changes->clear();
    pb::ListAuditRecordsRequest request;
    request.set_resource(resource);
    request.set_page_size(3);
    do {
      pb::ListAuditRecordsResponse page;
      const grpc::Status status =
          Call(&pb::ExchangeService::Stub::ListAuditRecords, token, request, &page);
      if (!status.ok()) return status;
      for (const auto& record : page.audit_records()) {
        changes->push_back(absl::StrCat(record.action(), " ", record.resource()));
      }
      request.set_page_token(page.next_page_token());
    } while (!request.page_token().empty());
    return grpc::Status::OK;
  }

  std::unique_ptr<luban::testing::TestDatabase> course_db_, enrollment_db_;
  std::unique_ptr<course::CourseModule> course_module_;
  std::unique_ptr<enrollment::EnrollmentModule> enrollment_module_;
  std::unique_ptr<ExchangeModule> module_;
  std::unique_ptr<ServiceHost> course_host_, enrollment_host_, host_;
  std::unique_ptr<cpb::CourseService::Stub> course_;
  std::unique_ptr<epb::EnrollmentService::Stub> enrollment_;
  std::unique_ptr<pb::ExchangeService::Stub> stub_;
  std::string tianjin_, ttu_, rail_, enu_, workshop_;
  // Atomic: the race tests ask for ids from many threads at once.
  std::atomic<int> counter_ = 0;
};

TEST(ExchangePolicyTest, EveryMethodHasARuleAndNoneIsPublic) {
  const auth::MethodPolicy policy = ExchangePolicy();
  ASSERT_TRUE(policy.CheckComplete().ok()) << policy.CheckComplete();
  for (int i = 0; i < policy.service()->method_count(); ++i) {
    EXPECT_FALSE(policy.Authorize(policy.service()->method(i)->name(), Principal{}).ok());
  }
}

TEST_F(ExchangeServiceTest, ProgrammesBelongToTheirTwoInstitutions) {
  const pb::Programme programme = Programme(kTtu, pb::PROGRAMME_KIND_TEACHER_TRAINING, 3);
  EXPECT_EQ(programme.status(), pb::PROGRAMME_STATUS_OPEN);
  EXPECT_EQ(programme.partner_country_code(), "TJ");
  pb::GetProgrammeRequest get;
  get.set_name(programme.name());
  pb::Programme seen;
  EXPECT_TRUE(Call(&pb::ExchangeService::Stub::GetProgramme, kTianjin, get, &seen).ok());
  EXPECT_TRUE(Call(&pb::ExchangeService::Stub::GetProgramme, kReporter, get, &seen).ok());
  EXPECT_EQ(Call(&pb::ExchangeService::Stub::GetProgramme, kEnu, get, &seen).error_code(),
            StatusCode::NOT_FOUND);
  EXPECT_EQ(Call(&pb::ExchangeService::Stub::GetProgramme, "", get, &seen).error_code(),
            StatusCode::UNAUTHENTICATED);

  // A college creates programmes of its own; founders must be of the right kinds.
  pb::CreateProgrammeRequest create;
  create.set_request_id(Id());
  *create.mutable_programme() = programme;
  pb::Programme refused;
  EXPECT_EQ(Call(&pb::ExchangeService::Stub::CreateProgramme, kEnu, create, &refused).error_code(),
            StatusCode::PERMISSION_DENIED);
  create.set_request_id(Id());
  create.mutable_programme()->set_chinese_institution(ttu_);
  create.mutable_programme()->set_partner_institution(tianjin_);
  EXPECT_EQ(
      Call(&pb::ExchangeService::Stub::CreateProgramme, kAdmin, create, &refused).error_code(),
      StatusCode::INVALID_ARGUMENT);
  create.set_request_id(Id());
  create.mutable_programme()->set_chinese_institution("institutions/99");
  EXPECT_EQ(
      Call(&pb::ExchangeService::Stub::CreateProgramme, kAdmin, create, &refused).error_code(),
      StatusCode::NOT_FOUND);
  EXPECT_EQ(*db().QueryInt("SELECT COUNT(*) FROM programmes"), 1);
}

TEST_F(ExchangeServiceTest, EachSideTakesItsOwnSteps) {
  const pb::Programme programme = Programme(kTianjin, pb::PROGRAMME_KIND_TEACHER_TRAINING, 2);
  pb::Mobility mobility;
  EXPECT_EQ(NominateTeacher(programme.name(), "Муаллими калон", &mobility, kTianjin).error_code(),
            StatusCode::PERMISSION_DENIED)
      << "the receiving side does not nominate";
  ASSERT_TRUE(NominateTeacher(programme.name(), "Муаллими калон", &mobility).ok());
  EXPECT_EQ(mobility.state(), pb::MOBILITY_STATE_NOMINATED);
  EXPECT_EQ(mobility.sending_institution(), ttu_);
  EXPECT_EQ(mobility.receiving_institution(), tianjin_);

  pb::Mobility after;
  EXPECT_EQ(Step(&pb::ExchangeService::Stub::ApproveMobility, kTtu, mobility.name(), "", &after)
                .error_code(),
            StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Step(&pb::ExchangeService::Stub::ApproveMobility, kEnu, mobility.name(), "", &after)
                .error_code(),
            StatusCode::NOT_FOUND);
  EXPECT_EQ(Step(&pb::ExchangeService::Stub::RejectMobility, kTianjin, mobility.name(), "", &after)
                .error_code(),
            StatusCode::INVALID_ARGUMENT)
      << "a rejection says why";
  ASSERT_TRUE(Step(&pb::ExchangeService::Stub::RejectMobility, kTianjin, mobility.name(),
                   "the course is full", &after)
                  .ok());
  EXPECT_EQ(after.state(), pb::MOBILITY_STATE_REJECTED);
  ASSERT_TRUE(Step(&pb::ExchangeService::Stub::ReopenMobility, kTianjin, mobility.name(),
                   "a place was freed", &after)
                  .ok());
  ASSERT_TRUE(
      Step(&pb::ExchangeService::Stub::ApproveMobility, kTianjin, mobility.name(), "", &after)
          .ok());
  EXPECT_EQ(Step(&pb::ExchangeService::Stub::DepartMobility, kTianjin, mobility.name(), "", &after)
                .error_code(),
            StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(
      Step(&pb::ExchangeService::Stub::DepartMobility, kTtu, mobility.name(), "", &after).ok());
  ASSERT_TRUE(
      Step(&pb::ExchangeService::Stub::ReturnMobility, kTtu, mobility.name(), "", &after).ok());
  EXPECT_EQ(after.state(), pb::MOBILITY_STATE_RETURNED);
  ASSERT_EQ(after.decisions_size(), 6);
  EXPECT_EQ(after.decisions(1).actor(), "tianjin-admin");
  EXPECT_EQ(after.decisions(1).reason(), "the course is full");
  EXPECT_EQ(after.decisions(5).actor(), "ttu-admin");
  EXPECT_EQ(Step(&pb::ExchangeService::Stub::CancelMobility, kTtu, mobility.name(), "late", &after)
                .error_code(),
            StatusCode::FAILED_PRECONDITION)
      << "a returned mobility is over";
}

TEST_F(ExchangeServiceTest, ConcurrentApprovalsNeverPassTheQuota) {
  constexpr int kQuota = 3;
  constexpr int kNominees = 12;
  const pb::Programme programme = Programme(kTtu, pb::PROGRAMME_KIND_TEACHER_TRAINING, kQuota);
  std::vector<std::string> names;
  for (int i = 0; i < kNominees; ++i) {
    pb::Mobility m;
    ASSERT_TRUE(NominateTeacher(programme.name(), absl::StrCat("Учитель ", i), &m).ok());
    names.push_back(m.name());
  }
  std::vector<grpc::Status> statuses(kNominees);
  luban::testing::RunAllAtOnce(kNominees, [&](int i) {
    pb::Mobility after;
    statuses[i] = Step(&pb::ExchangeService::Stub::ApproveMobility, kTianjin, names[i], "", &after);
  });
  int approved = 0;
  for (const auto& status : statuses) {
    if (status.ok()) {
      ++approved;
    } else {
      EXPECT_EQ(status.error_code(), StatusCode::FAILED_PRECONDITION) << status.error_message();
    }
  }
  EXPECT_EQ(approved, kQuota);
  EXPECT_EQ(*db().QueryInt("SELECT COUNT(*) FROM mobilities WHERE state = 2"), kQuota);
  EXPECT_EQ(*db().QueryInt("SELECT approved_count FROM programmes"), kQuota);

  // Cancelling an approved mobility gives its place back.
  pb::ListMobilitiesRequest list;
  list.set_state(pb::MOBILITY_STATE_APPROVED);
  pb::ListMobilitiesResponse approved_ones;
  ASSERT_TRUE(Call(&pb::ExchangeService::Stub::ListMobilities, kTtu, list, &approved_ones).ok());
  ASSERT_EQ(approved_ones.mobilities_size(), kQuota);
  pb::Mobility after;
  ASSERT_TRUE(Step(&pb::ExchangeService::Stub::CancelMobility, kTtu,
                   approved_ones.mobilities(0).name(), "visa refused", &after)
                  .ok());
  EXPECT_EQ(*db().QueryInt("SELECT approved_count FROM programmes"), kQuota - 1);
}

TEST_F(ExchangeServiceTest, TraineesAreCheckedWithTheEnrollmentService) {
  const pb::Programme programme = Programme(kTtu, pb::PROGRAMME_KIND_TRAINEE_STUDY_VISIT, 5);
  epb::CreateTraineeRequest create;
  create.set_request_id(Id());
  auto* t = create.mutable_trainee();
  t->set_family_name("Саидов");
  t->set_given_name("Раҳимҷон");
  t->set_family_name_latin("Saidov");
  t->set_given_name_latin("Rahimjon");
  t->mutable_birth_date()->set_year(2004);
  t->mutable_birth_date()->set_month(1);
  t->mutable_birth_date()->set_day(2);
  t->set_citizenship("TJ");
  t->mutable_identity_document()->set_country_code("TJ");
  t->mutable_identity_document()->set_type(epb::DOCUMENT_TYPE_PASSPORT);
  t->mutable_identity_document()->set_number("T100");
  t->set_home_workshop(workshop_);
  const epb::Trainee trainee =
      Must(*enrollment_, &epb::EnrollmentService::Stub::CreateTrainee, kTtu, create);

  pb::NominateRequest nominate;
  nominate.set_request_id("nominate-1");
  nominate.set_programme(programme.name());
  nominate.set_trainee(trainee.name());
  pb::Mobility first, retried;
  ASSERT_TRUE(Call(&pb::ExchangeService::Stub::Nominate, kTtu, nominate, &first).ok());
  EXPECT_EQ(first.trainee(), trainee.name());
  // Another request to nominate the same trainee is refused by name (the store's unique key).
  pb::NominateRequest again = nominate;
  again.set_request_id("nominate-again");
  pb::Mobility refused;
  const grpc::Status twice = Call(&pb::ExchangeService::Stub::Nominate, kTtu, again, &refused);
  EXPECT_EQ(twice.error_code(), StatusCode::ALREADY_EXISTS) << twice.error_message();
  EXPECT_EQ(twice.error_message(),
            absl::StrCat(trainee.name(), " is already nominated in ", programme.name()));
  // A retry returns the first answer, even with the enrollment service gone.
  enrollment_host_->Shutdown();
  ASSERT_TRUE(Call(&pb::ExchangeService::Stub::Nominate, kTtu, nominate, &retried).ok());
  EXPECT_EQ(retried.SerializeAsString(), first.SerializeAsString());
  // A new nomination needs the enrollment service: UNAVAILABLE, nothing written.
  nominate.set_request_id("nominate-2");
  nominate.set_trainee("trainees/77");
  const grpc::Status down = Call(&pb::ExchangeService::Stub::Nominate, kTtu, nominate, &retried);
  EXPECT_EQ(down.error_code(), StatusCode::UNAVAILABLE) << down.error_message();
  EXPECT_EQ(*db().QueryInt("SELECT COUNT(*) FROM mobilities"), 1);
}

TEST_F(ExchangeServiceTest, IneligibleOrUnknownTraineesAreRefused) {
  const pb::Programme programme = Programme(kTtu, pb::PROGRAMME_KIND_TRAINEE_STUDY_VISIT, 5);
  pb::UpdateProgrammeRequest update;
  update.set_request_id(Id());
  *update.mutable_programme() = programme;
  update.mutable_programme()->mutable_requirement()->set_certificate_discipline("CNC");
  update.mutable_update_mask()->add_paths("requirement");
  pb::Programme updated;
  ASSERT_TRUE(Call(&pb::ExchangeService::Stub::UpdateProgramme, kTtu, update, &updated).ok());

  pb::NominateRequest nominate;
  nominate.set_request_id(Id());
  nominate.set_programme(programme.name());
  nominate.set_trainee("trainees/42");
  pb::Mobility m;
  EXPECT_EQ(Call(&pb::ExchangeService::Stub::Nominate, kTtu, nominate, &m).error_code(),
            StatusCode::NOT_FOUND);
  nominate.set_request_id(Id());
  nominate.clear_trainee();
  nominate.mutable_teacher()->set_full_name("Учитель");
  nominate.mutable_teacher()->set_full_name_latin("Teacher");
  EXPECT_EQ(Call(&pb::ExchangeService::Stub::Nominate, kTtu, nominate, &m).error_code(),
            StatusCode::INVALID_ARGUMENT)
      << "a study visit takes trainees";
  EXPECT_EQ(*db().QueryInt("SELECT COUNT(*) FROM mobilities"), 0);
}

// A teacher's names are personal data: the nominating college sees them, a reporter does not,
// in answers, lists, exports and the change feed alike (the position is not personal).
TEST_F(ExchangeServiceTest, ReportersGetMobilitiesWithoutTeachersNames) {
  const pb::Programme programme = Programme(kTtu, pb::PROGRAMME_KIND_TEACHER_TRAINING, 5);
  std::vector<pb::Mobility> nominated(3);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(NominateTeacher(programme.name(), absl::StrCat("Учитель ", i), &nominated[i]).ok());
  }
  auto expect_redacted = [](const pb::Mobility& m) {
    EXPECT_TRUE(m.has_teacher()) << m.DebugString();
    EXPECT_EQ(m.teacher().full_name(), "") << m.DebugString();
    EXPECT_EQ(m.teacher().full_name_latin(), "") << m.DebugString();
    EXPECT_EQ(m.teacher().position(), "senior lecturer") << m.DebugString();
  };
  pb::GetMobilityRequest get;
  get.set_name(nominated[0].name());
  pb::Mobility seen;
  ASSERT_TRUE(Call(&pb::ExchangeService::Stub::GetMobility, kTtu, get, &seen).ok());
  EXPECT_EQ(seen.teacher().full_name(), "Учитель 0");
  ASSERT_TRUE(Call(&pb::ExchangeService::Stub::GetMobility, kReporter, get, &seen).ok());
  expect_redacted(seen);

  pb::ListMobilitiesRequest list;
  list.set_programme(programme.name());
  pb::ListMobilitiesResponse listed;
  ASSERT_TRUE(Call(&pb::ExchangeService::Stub::ListMobilities, kReporter, list, &listed).ok());
  ASSERT_EQ(listed.mobilities_size(), 3);
  for (const pb::Mobility& m : listed.mobilities()) expect_redacted(m);

  grpc::ClientContext context;
  context.AddMetadata("authorization", absl::StrCat("Bearer ", kReporter));
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  auto reader = stub_->ExportMobilities(&context, pb::ExportMobilitiesRequest());
  pb::ExportMobilitiesResponse batch;
  int rows = 0;
  while (reader->Read(&batch)) {
    rows += batch.mobilities_size();
    for (const pb::Mobility& m : batch.mobilities()) expect_redacted(m);
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(rows, 3);
  grpc::ClientContext denied;
  denied.AddMetadata("authorization", absl::StrCat("Bearer ", kTtu));
  auto refused = stub_->ExportMobilities(&denied, pb::ExportMobilitiesRequest());
  EXPECT_FALSE(refused->Read(&batch));
  EXPECT_EQ(refused->Finish().error_code(), StatusCode::PERMISSION_DENIED);

  // The feed from its start: every mobility event redacted.
  grpc::ClientContext watching;
  watching.AddMetadata("authorization", absl::StrCat("Bearer ", kReporter));
  watching.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  pb::WatchChangesRequest watch;
  watch.add_resource_types("mobilities");
  auto feed = stub_->WatchChanges(&watching, watch);
  pb::WatchChangesResponse events;
  int mobilities = 0;
  while (mobilities < 3 && feed->Read(&events)) {
    for (const auto& event : events.events()) {
      pb::Mobility m;
      if (!event.resource().UnpackTo(&m)) continue;
      ++mobilities;
      expect_redacted(m);
    }
  }
  EXPECT_EQ(mobilities, 3);
  watching.TryCancel();
  feed->Finish();
}

// A college admin's feed carries the changes to its own programmes and their mobilities, for
// both parties to a programme; another college's feed has none of them.
TEST_F(ExchangeServiceTest, CollegeAdminsFollowTheChangesToTheirOwnProgrammes) {
  const pb::Programme programme = Programme(kTtu, pb::PROGRAMME_KIND_TEACHER_TRAINING, 2);
  pb::Mobility mobility;
  ASSERT_TRUE(NominateTeacher(programme.name(), "Муаллими калон", &mobility).ok());
  ASSERT_TRUE(
      Step(&pb::ExchangeService::Stub::ApproveMobility, kTianjin, mobility.name(), "", &mobility)
          .ok());
  const int64_t last = FeedSequenceOf(*stub_, kAdmin, mobility.name());
  ASSERT_GT(last, 0);
  for (const char* token : {kTtu, kTianjin}) {
    EXPECT_EQ(FeedNames(*stub_, token, last),
              (std::set<std::string>{programme.name(), mobility.name()}))
        << token;
  }
  EXPECT_EQ(FeedNames(*stub_, kEnu, last), std::set<std::string>{});
}

TEST_F(ExchangeServiceTest, AuditTrailShowsEachPartyItsOwnProgrammesHistory) {
  const pb::Programme programme = Programme(kTtu, pb::PROGRAMME_KIND_TEACHER_TRAINING, 2);
  pb::Mobility mobility;
  ASSERT_TRUE(NominateTeacher(programme.name(), "Муаллими калон", &mobility).ok());
  ASSERT_TRUE(
      Step(&pb::ExchangeService::Stub::ApproveMobility, kTianjin, mobility.name(), "", &mobility)
          .ok());
  const std::string p = programme.name();
  const std::string m = mobility.name();

  // The network admin reads every change, newest first.
  std::vector<std::string> changes;
  ASSERT_TRUE(AuditTrail(kAdmin, "", &changes).ok());
  EXPECT_EQ(changes, (std::vector<std::string>{"approved " + m, "nominated " + m,
                                               "status:open " + p, "created " + p}));
  // Both parties to the programme read its history and its mobility's.
  for (const char* token : {kTtu, kTianjin}) {
    ASSERT_TRUE(AuditTrail(token, p, &changes).ok()) << token;
    EXPECT_EQ(changes, (std::vector<std::string>{"status:open " + p, "created " + p})) << token;
    ASSERT_TRUE(AuditTrail(token, m, &changes).ok()) << token;
    EXPECT_EQ(changes, (std::vector<std::string>{"approved " + m, "nominated " + m})) << token;
  }
  // Another college: NOT_FOUND, as for records that do not exist.
  for (const std::string& resource : {p, m, std::string("programmes/999")}) {
    const grpc::Status status = AuditTrail(kEnu, resource, &changes);
    EXPECT_EQ(status.error_code(), StatusCode::NOT_FOUND) << resource;
    EXPECT_EQ(status.error_message(), resource + ": not found");
  }
  grpc::Status status = AuditTrail(kTtu, "", &changes);
  EXPECT_EQ(status.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message().rfind("resource: ", 0), 0u) << status.error_message();
  for (const char* token : {kReporter, kService, kExchangeService}) {
    EXPECT_EQ(AuditTrail(token, p, &changes).error_code(), StatusCode::PERMISSION_DENIED) << token;
  }
}

}  // namespace
}  // namespace luban::exchange
