// The enrollment service's clients of the course service (GrpcCourseDirectory and
// CourseFeedConsumer) against a real course service: a ServiceHost running CourseModule on a
// free loopback port over a fresh MariaDB schema. Faults come from shutting the host down, a
// closed port, a listener that never answers, and a TCP proxy that resets connections.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/auth/credentials.h"
#include "common/client/channel.h"
#include "common/db/sql_ledger.h"
#include "common/server/service_main.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "luban/course/v1/course.grpc.pb.h"
#include "services/course/course_module.h"
#include "services/enrollment/clients/course_feed_consumer.h"
#include "services/enrollment/clients/grpc_course_directory.h"
#include "tests/support/tcp_proxy.h"
#include "tests/support/test_database.h"

namespace luban::enrollment {
namespace {

namespace pb = ::luban::course::v1;
using ::absl::StatusCode;

constexpr char kAdminToken[] = "token-network-admin";
constexpr char kServiceToken[] = "token-enrollment-service";

constexpr char kTajik[] = "Донишгоҳи техникии Тоҷикистон ба номи академик М.С. Осимӣ";
constexpr char kChinese[] = "天津城市建设管理职业技术学院";
constexpr char kWorkshopName[] = "Устохонаи Лубан дар Тоҷикистон";

// Generous bound for waits on the consumer; tests return as soon as the event is applied.
constexpr absl::Duration kWait = absl::Seconds(20);
// What a call may overrun its deadline by (scheduling, a slow CI machine).
constexpr absl::Duration kSlack = absl::Seconds(1);

std::string CredentialsText() {
  return absl::StrCat(auth::HashToken(kAdminToken), " network_admin admin\n",
                      auth::HashToken(kServiceToken), " service svc-enrollment\n");
}

// Reconnects quickly once a peer is back (gRPC's default first reconnect waits a second).
std::shared_ptr<grpc::Channel> TestChannel(int port) {
  return client::MakeChannel({.target = absl::StrCat("127.0.0.1:", port),
                              .tls = {},
                              .fast_reconnect = true,
                              .keepalive = absl::ZeroDuration()})
      .value();
}

// A loopback socket bound to a free port; with `listen` it accepts connections into the backlog
// and never answers them (a hung peer), without it the port refuses connections (nobody there).
class LoopbackSocket {
 public:
  explicit LoopbackSocket(bool listen) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof(address);
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
        (listen && ::listen(fd_, 16) != 0)) {
      ADD_FAILURE() << "cannot set up a loopback socket";
    }
    port_ = ntohs(address.sin_port);
  }
  ~LoopbackSocket() {
    if (fd_ >= 0) close(fd_);
  }
  LoopbackSocket(const LoopbackSocket&) = delete;
  LoopbackSocket& operator=(const LoopbackSocket&) = delete;

  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// The peer-call machinery and ExpiringCache the directory uses are shared (common/client/) and
// tested with it: tests/common/peer_call_test.cc.

class CourseClientsTest : public luban::testing::DatabaseTest {
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
    options.shutdown_grace = absl::Milliseconds(500);
    module_ = std::make_unique<course::CourseModule>(course::CourseConfig{});
    auto host = ServiceHost::Start(*module_, options, *std::move(credentials));
    ASSERT_TRUE(host.ok()) << host.status();
    host_ = *std::move(host);
    channel_ = TestChannel(host_->port());
    stub_ = pb::CourseService::NewStub(channel_);
  }

  void TearDown() override {
    if (host_) host_->Shutdown();
    DatabaseTest::TearDown();
  }

  template <typename Request, typename Response>
  void Admin(grpc::Status (pb::CourseService::Stub::*method)(grpc::ClientContext*, const Request&,
                                                             Response*),
             const Request& request, Response* response) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", absl::StrCat("Bearer ", kAdminToken));
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    const grpc::Status status = ((*stub_).*method)(&context, request, response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  std::string NextRequestId() { return absl::StrCat("req-", ++request_counter_); }

  pb::Institution CreateInstitution(pb::InstitutionKind kind, const std::string& country,
                                    const std::string& language, const std::string& name) {
    pb::CreateInstitutionRequest request;
    request.set_request_id(NextRequestId());
    request.mutable_institution()->set_kind(kind);
    request.mutable_institution()->set_country_code(country);
    request.mutable_institution()->set_city("Душанбе");
    auto* text = request.mutable_institution()->add_display_names();
    text->set_language_code(language);
    text->set_text(name);
    pb::Institution response;
    Admin(&pb::CourseService::Stub::CreateInstitution, request, &response);
    return response;
  }

  // Tianjin's college and TTU co-found an operating workshop in TJ; one course.
  void BuildNetwork() {
    tianjin_ = CreateInstitution(pb::INSTITUTION_KIND_CHINESE_COLLEGE, "CN", "zh", kChinese);
    ttu_ = CreateInstitution(pb::INSTITUTION_KIND_LOCAL_PARTNER, "TJ", "tg", kTajik);

    pb::CreateWorkshopRequest workshop;
    workshop.set_request_id(NextRequestId());
    auto* w = workshop.mutable_workshop();
    w->set_country_code("TJ");
    w->set_city("Душанбе");
    w->set_chinese_institution(tianjin_.name());
    w->set_partner_institution(ttu_.name());
    auto* tg = w->add_display_names();
    tg->set_language_code("tg");
    tg->set_text(kWorkshopName);
    auto* zh = w->add_display_names();
    zh->set_language_code("zh");
    zh->set_text("塔吉克斯坦鲁班工坊");
    w->add_disciplines("urban rail");
    Admin(&pb::CourseService::Stub::CreateWorkshop, workshop, &workshop_);
    pb::ChangeWorkshopStatusRequest operate;
    operate.set_request_id(NextRequestId());
    operate.set_name(workshop_.name());
    operate.set_status(pb::WORKSHOP_STATUS_OPERATING);
    Admin(&pb::CourseService::Stub::ChangeWorkshopStatus, operate, &workshop_);

    pb::CreateCourseRequest course;
    course.set_request_id(NextRequestId());
    auto* c = course.mutable_course();
    c->set_code("URT-101");
    c->set_discipline("urban rail");
    c->set_hours(120);
    c->add_instruction_languages("ru");
    c->add_instruction_languages("tg");
    auto* title = c->add_titles();
    title->set_language_code("zh");
    title->set_text("城市轨道交通运营");
    auto* ru = c->add_titles();
    ru->set_language_code("ru");
    ru->set_text("Эксплуатация городского рельсового транспорта");
    Admin(&pb::CourseService::Stub::CreateCourse, course, &course_);
  }

  pb::CourseRun CreateRun(int capacity) {
    pb::CreateCourseRunRequest request;
    request.set_request_id(NextRequestId());
    auto* r = request.mutable_course_run();
    r->set_course(course_.name());
    r->set_workshop(workshop_.name());
    r->set_capacity(capacity);
    r->set_language_code("tg");
    r->set_pass_score(60);
    r->set_min_attendance_percent(80);
    r->mutable_start_date()->set_year(2027);
    r->mutable_start_date()->set_month(3);
    r->mutable_start_date()->set_day(1);
    r->mutable_end_date()->set_year(2027);
    r->mutable_end_date()->set_month(5);
    r->mutable_end_date()->set_day(31);
    pb::CourseRun run;
    Admin(&pb::CourseService::Stub::CreateCourseRun, request, &run);
    return run;
  }

  void OpenRun(pb::CourseRun* run) {
    pb::OpenCourseRunRequest request;
    request.set_request_id(NextRequestId());
    request.set_name(run->name());
    Admin(&pb::CourseService::Stub::OpenCourseRun, request, run);
  }

  void SetCapacity(pb::CourseRun* run, int capacity) {
    pb::UpdateCourseRunRequest request;
    request.set_request_id(NextRequestId());
    *request.mutable_course_run() = *run;
    request.mutable_course_run()->set_capacity(capacity);
    request.mutable_update_mask()->add_paths("capacity");
    Admin(&pb::CourseService::Stub::UpdateCourseRun, request, run);
  }

  void CancelRun(pb::CourseRun* run) {
    pb::CancelCourseRunRequest request;
    request.set_request_id(NextRequestId());
    request.set_name(run->name());
    request.set_reason("не хватает преподавателей");
    Admin(&pb::CourseService::Stub::CancelCourseRun, request, run);
  }

  // The sequences of the course-run events in the feed, ascending, once every event committed
  // so far is numbered (the service's hub does it just after each commit).
  std::vector<int64_t> FeedSequences() {
    EXPECT_TRUE(db::NumberCommittedChanges(host_->pool()).ok());
    auto joined = db().QueryValue(
        "SELECT COALESCE(GROUP_CONCAT(sequence ORDER BY sequence), '') FROM change_events "
        "WHERE resource_type = 'courseRuns'");
    EXPECT_TRUE(joined.ok()) << joined.status();
    std::vector<int64_t> sequences;
    if (!joined.ok()) return sequences;
    for (absl::string_view part : absl::StrSplit(*joined, ',', absl::SkipEmpty())) {
      int64_t sequence = 0;
      EXPECT_TRUE(absl::SimpleAtoi(part, &sequence)) << std::string(part);
      sequences.push_back(sequence);
    }
    return sequences;
  }

  int64_t LastFeedSequence() {
    const std::vector<int64_t> sequences = FeedSequences();
    return sequences.empty() ? 0 : sequences.back();
  }

  std::unique_ptr<GrpcCourseDirectory> Directory(const std::string& token,
                                                 GrpcCourseDirectoryOptions options = {}) {
    return std::make_unique<GrpcCourseDirectory>(channel_, token, std::move(options));
  }

  std::unique_ptr<course::CourseModule> module_;
  std::unique_ptr<ServiceHost> host_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<pb::CourseService::Stub> stub_;
  int request_counter_ = 0;
  pb::Institution tianjin_;
  pb::Institution ttu_;
  pb::Workshop workshop_;
  pb::Course course_;
};

int64_t IdOf(const std::string& name) {
  const std::vector<std::string> parts = absl::StrSplit(name, '/');
  int64_t id = 0;
  EXPECT_TRUE(parts.size() == 2 && absl::SimpleAtoi(parts[1], &id)) << name;
  return id;
}

TEST_F(CourseClientsTest, DirectoryMapsTheCourseServiceResources) {
  BuildNetwork();
  pb::CourseRun run = CreateRun(25);
  OpenRun(&run);
  auto directory = Directory(kServiceToken);
  const absl::Time deadline = absl::Now() + absl::Seconds(10);

  auto info = directory->GetRun(IdOf(run.name()), deadline);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->id, IdOf(run.name()));
  EXPECT_EQ(info->course_id, IdOf(course_.name()));
  EXPECT_EQ(info->workshop_id, IdOf(workshop_.name()));
  EXPECT_EQ(info->status, RunStatus::kOpen);
  EXPECT_EQ(info->capacity, 25);
  EXPECT_EQ(info->pass_score, 60);
  EXPECT_EQ(info->min_attendance_percent, 80);
  EXPECT_EQ(info->country, "TJ");

  auto workshop = directory->GetWorkshop(IdOf(workshop_.name()), deadline);
  ASSERT_TRUE(workshop.ok()) << workshop.status();
  EXPECT_EQ(workshop->owners.workshop_id, IdOf(workshop_.name()));
  EXPECT_EQ(workshop->owners.chinese_institution_id, IdOf(tianjin_.name()));
  EXPECT_EQ(workshop->owners.partner_institution_id, IdOf(ttu_.name()));
  EXPECT_EQ(workshop->country, "TJ");
  EXPECT_EQ(workshop->names,
            (std::vector<LocalizedText>{{"tg", kWorkshopName}, {"zh", "塔吉克斯坦鲁班工坊"}}));

  auto partner = directory->GetInstitution(IdOf(ttu_.name()), deadline);
  ASSERT_TRUE(partner.ok()) << partner.status();
  EXPECT_EQ(partner->id, IdOf(ttu_.name()));
  EXPECT_EQ(partner->names, (std::vector<LocalizedText>{{"tg", kTajik}}));
  auto chinese = directory->GetInstitution(IdOf(tianjin_.name()), deadline);
  ASSERT_TRUE(chinese.ok()) << chinese.status();
  EXPECT_EQ(chinese->names, (std::vector<LocalizedText>{{"zh", kChinese}}));

  auto course = directory->GetCourse(IdOf(course_.name()), deadline);
  ASSERT_TRUE(course.ok()) << course.status();
  EXPECT_EQ(course->id, IdOf(course_.name()));
  EXPECT_EQ(course->code, "URT-101");
  EXPECT_EQ(course->discipline, "urban rail");
  EXPECT_EQ(course->titles,
            (std::vector<LocalizedText>{{"zh", "城市轨道交通运营"},
                                        {"ru", "Эксплуатация городского рельсового транспорта"}}));

  // Runs are asked every time: a cancellation shows at once.
  CancelRun(&run);
  info = directory->GetRun(IdOf(run.name()), deadline);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->status, RunStatus::kCancelled);
}

TEST_F(CourseClientsTest, MissingResourcesAreNotFound) {
  BuildNetwork();
  auto directory = Directory(kServiceToken);
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  const auto run = directory->GetRun(7, deadline);
  EXPECT_EQ(run.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(run.status().message(), "courseRuns/7: not found");
  const auto workshop = directory->GetWorkshop(999, deadline);
  EXPECT_EQ(workshop.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(workshop.status().message(), "workshops/999: not found");
  const auto institution = directory->GetInstitution(999, deadline);
  EXPECT_EQ(institution.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(institution.status().message(), "institutions/999: not found");
  const auto course = directory->GetCourse(999, deadline);
  EXPECT_EQ(course.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(course.status().message(), "courses/999: not found");
  EXPECT_EQ(directory->GetRun(0, deadline).status().code(), StatusCode::kNotFound);
}

TEST_F(CourseClientsTest, AStoppedCourseServiceIsUnavailableWithinTheDeadline) {
  BuildNetwork();
  const pb::CourseRun run = CreateRun(25);
  auto directory = Directory(kServiceToken);
  ASSERT_TRUE(directory->GetRun(IdOf(run.name()), absl::Now() + absl::Seconds(10)).ok());
  host_->Shutdown();

  const absl::Duration deadline = absl::Milliseconds(700);
  const absl::Time start = absl::Now();
  const auto info = directory->GetRun(IdOf(run.name()), start + deadline);
  const absl::Duration elapsed = absl::Now() - start;
  EXPECT_EQ(info.status().code(), StatusCode::kUnavailable) << info.status();
  EXPECT_TRUE(absl::StartsWith(info.status().message(), "the course service is unavailable: "))
      << info.status();
  EXPECT_LT(elapsed, deadline + kSlack);
}

TEST(GrpcCourseDirectoryTest, NobodyListeningIsUnavailableWithinTheDeadline) {
  std::shared_ptr<grpc::Channel> channel;
  {
    LoopbackSocket closed(/*listen=*/false);
    channel = TestChannel(closed.port());
  }
  GrpcCourseDirectory directory(channel, kServiceToken);
  const absl::Duration deadline = absl::Milliseconds(500);
  const absl::Time start = absl::Now();
  const auto workshop = directory.GetWorkshop(1, start + deadline);
  EXPECT_EQ(workshop.status().code(), StatusCode::kUnavailable) << workshop.status();
  EXPECT_LT(absl::Now() - start, deadline + kSlack);
}

TEST(GrpcCourseDirectoryTest, AHungPeerIsUnavailableWithinTheCallTimeout) {
  LoopbackSocket hung(/*listen=*/true);
  GrpcCourseDirectoryOptions options;
  options.call_timeout = absl::Milliseconds(400);
  GrpcCourseDirectory directory(TestChannel(hung.port()), kServiceToken, options);
  // The caller would wait a minute; the per-call timeout bounds the call.
  const absl::Time start = absl::Now();
  const auto run = directory.GetRun(1, start + absl::Minutes(1));
  EXPECT_EQ(run.status().code(), StatusCode::kUnavailable) << run.status();
  EXPECT_LT(absl::Now() - start, options.call_timeout + kSlack);
  // And the caller's earlier deadline bounds it too.
  const absl::Time again = absl::Now();
  const auto course = directory.GetCourse(1, again + absl::Milliseconds(100));
  EXPECT_EQ(course.status().code(), StatusCode::kUnavailable) << course.status();
  EXPECT_LT(absl::Now() - again, absl::Milliseconds(100) + kSlack);
}

TEST_F(CourseClientsTest, ARefusedCredentialIsAFailedPrecondition) {
  BuildNetwork();
  for (const char* token : {"not-a-known-token", ""}) {
    auto directory = Directory(token);
    const auto workshop =
        directory->GetWorkshop(IdOf(workshop_.name()), absl::Now() + absl::Seconds(10));
    EXPECT_EQ(workshop.status().code(), StatusCode::kFailedPrecondition) << workshop.status();
    EXPECT_TRUE(absl::StrContains(
        workshop.status().message(),
        "the enrollment service's credential is not accepted by the course service"))
        << workshop.status();
  }
}

TEST_F(CourseClientsTest, WorkshopsInstitutionsAndCoursesAreCachedButRunsAreNot) {
  BuildNetwork();
  const pb::CourseRun run = CreateRun(25);
  absl::Mutex clock_mu;
  absl::Time now = absl::Now();
  GrpcCourseDirectoryOptions options;
  options.cache_ttl = absl::Minutes(5);
  options.clock = [&] {
    absl::MutexLock lock(&clock_mu);
    return now;
  };
  auto directory = Directory(kServiceToken, options);
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  ASSERT_TRUE(directory->GetWorkshop(IdOf(workshop_.name()), deadline).ok());
  ASSERT_TRUE(directory->GetInstitution(IdOf(ttu_.name()), deadline).ok());
  ASSERT_TRUE(directory->GetCourse(IdOf(course_.name()), deadline).ok());
  ASSERT_TRUE(directory->GetRun(IdOf(run.name()), deadline).ok());

  host_->Shutdown();
  const absl::Time short_deadline = absl::Now() + absl::Milliseconds(300);
  auto workshop = directory->GetWorkshop(IdOf(workshop_.name()), short_deadline);
  ASSERT_TRUE(workshop.ok()) << workshop.status();
  EXPECT_EQ(workshop->owners.partner_institution_id, IdOf(ttu_.name()));
  EXPECT_EQ(workshop->names[0].text, kWorkshopName);
  EXPECT_TRUE(directory->GetInstitution(IdOf(ttu_.name()), short_deadline).ok());
  EXPECT_TRUE(directory->GetCourse(IdOf(course_.name()), short_deadline).ok());
  EXPECT_EQ(
      directory->GetRun(IdOf(run.name()), absl::Now() + absl::Milliseconds(300)).status().code(),
      StatusCode::kUnavailable);

  // Past the TTL the cache asks again (and the course service is still down).
  {
    absl::MutexLock lock(&clock_mu);
    now += absl::Minutes(5);
  }
  EXPECT_EQ(directory->GetWorkshop(IdOf(workshop_.name()), absl::Now() + absl::Milliseconds(300))
                .status()
                .code(),
            StatusCode::kUnavailable);
}

// Records what the consumer applies, keeping the cursor in memory as the domain keeps it in its
// database: apply stores the sequence with its effect and ignores what is not beyond it.
class FeedRecorder {
 public:
  struct Applied {
    int64_t sequence;
    pb::CourseRun run;
  };

  absl::StatusOr<int64_t> LoadCursor() {
    absl::MutexLock lock(&mu_);
    ++loads_;
    return cursor_;
  }

  absl::Status Apply(int64_t sequence, const pb::CourseRun& run) {
    absl::MutexLock lock(&mu_);
    calls_.push_back(sequence);
    if (sequence == fail_once_at_) {
      fail_once_at_ = 0;
      ++failures_;
      return absl::UnavailableError("the database is away (injected)");
    }
    if (sequence <= cursor_) return absl::OkStatus();
    applied_.push_back({sequence, run});
    cursor_ = sequence;
    return absl::OkStatus();
  }

  CourseFeedConsumer::LoadCursor load() {
    return [this] { return LoadCursor(); };
  }
  CourseFeedConsumer::Apply apply() {
    return [this](int64_t sequence, const pb::CourseRun& run) { return Apply(sequence, run); };
  }

  void FailOnceAt(int64_t sequence) {
    absl::MutexLock lock(&mu_);
    fail_once_at_ = sequence;
  }
  std::vector<Applied> applied() const {
    absl::MutexLock lock(&mu_);
    return applied_;
  }
  std::vector<int64_t> applied_sequences() const {
    absl::MutexLock lock(&mu_);
    std::vector<int64_t> sequences;
    for (const Applied& a : applied_) sequences.push_back(a.sequence);
    return sequences;
  }
  std::vector<int64_t> calls() const {
    absl::MutexLock lock(&mu_);
    return calls_;
  }
  int failures() const {
    absl::MutexLock lock(&mu_);
    return failures_;
  }
  int loads() const {
    absl::MutexLock lock(&mu_);
    return loads_;
  }

 private:
  mutable absl::Mutex mu_;
  int64_t cursor_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t fail_once_at_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<Applied> applied_ ABSL_GUARDED_BY(mu_);
  std::vector<int64_t> calls_ ABSL_GUARDED_BY(mu_);
  int failures_ ABSL_GUARDED_BY(mu_) = 0;
  int loads_ ABSL_GUARDED_BY(mu_) = 0;
};

CourseFeedOptions FastBackoff() {
  CourseFeedOptions options;
  options.initial_backoff = absl::Milliseconds(20);
  options.max_backoff = absl::Milliseconds(200);
  options.max_batch_size = 2;  // several batches per backlog
  return options;
}

// Every call of apply went to a sequence beyond the one before, except for re-deliveries of a
// failed one.
void ExpectNeverAppliedTwice(const FeedRecorder& recorder) {
  const std::vector<int64_t> sequences = recorder.applied_sequences();
  const std::set<int64_t> unique(sequences.begin(), sequences.end());
  EXPECT_EQ(unique.size(), sequences.size()) << absl::StrJoin(sequences, ",");
  const std::vector<int64_t> calls = recorder.calls();
  for (size_t i = 1; i < calls.size(); ++i) {
    EXPECT_GE(calls[i], calls[i - 1]) << absl::StrJoin(calls, ",");
  }
  EXPECT_EQ(calls.size(), sequences.size() + static_cast<size_t>(recorder.failures()))
      << absl::StrJoin(calls, ",");
}

TEST_F(CourseClientsTest, ConsumerAppliesRunChangesInOrderAndResumesFromTheCursor) {
  BuildNetwork();
  pb::CourseRun first = CreateRun(20);
  OpenRun(&first);
  SetCapacity(&first, 30);

  FeedRecorder recorder;
  auto consumer = std::make_unique<CourseFeedConsumer>(channel_, kServiceToken, recorder.load(),
                                                       recorder.apply(), FastBackoff());
  consumer->Start();
  ASSERT_TRUE(consumer->WaitForSequence(LastFeedSequence(), kWait));
  EXPECT_EQ(recorder.applied_sequences(), FeedSequences());
  {
    const std::vector<FeedRecorder::Applied> applied = recorder.applied();
    ASSERT_EQ(applied.size(), 3u);
    EXPECT_EQ(applied[0].run.name(), first.name());
    EXPECT_EQ(applied[0].run.status(), pb::COURSE_RUN_STATUS_SCHEDULED);
    EXPECT_EQ(applied[0].run.capacity(), 20);
    EXPECT_EQ(applied[1].run.status(), pb::COURSE_RUN_STATUS_OPEN);
    EXPECT_EQ(applied[2].run.capacity(), 30);
  }
  const absl::Time stop_start = absl::Now();
  consumer->Stop();
  EXPECT_LT(absl::Now() - stop_start, absl::Seconds(2)) << "Stop must cancel the idle stream";
  const int64_t before_restart = consumer->applied_sequence();

  // Changes while no consumer runs are picked up by the next one from the stored cursor.
  CancelRun(&first);
  pb::CourseRun second = CreateRun(10);
  consumer = std::make_unique<CourseFeedConsumer>(channel_, kServiceToken, recorder.load(),
                                                  recorder.apply(), FastBackoff());
  consumer->Start();
  ASSERT_TRUE(consumer->WaitForSequence(LastFeedSequence(), kWait));
  EXPECT_EQ(recorder.applied_sequences(), FeedSequences());
  EXPECT_GT(recorder.calls()[3], before_restart);

  // And changes committed while it follows arrive on the open stream.
  OpenRun(&second);
  SetCapacity(&second, 12);
  ASSERT_TRUE(consumer->WaitForSequence(LastFeedSequence(), kWait));
  consumer->Stop();

  EXPECT_EQ(recorder.applied_sequences(), FeedSequences());
  ExpectNeverAppliedTwice(recorder);
  const std::vector<FeedRecorder::Applied> applied = recorder.applied();
  ASSERT_EQ(applied.size(), 7u);
  EXPECT_EQ(applied[3].run.name(), first.name());
  EXPECT_EQ(applied[3].run.status(), pb::COURSE_RUN_STATUS_CANCELLED);
  EXPECT_EQ(applied[4].run.name(), second.name());
  EXPECT_EQ(applied[5].run.status(), pb::COURSE_RUN_STATUS_OPEN);
  EXPECT_EQ(applied[6].run.capacity(), 12);
  EXPECT_EQ(consumer->applied_sequence(), LastFeedSequence());
}

TEST_F(CourseClientsTest, ConsumerRedeliversAnEventWhoseApplyFailed) {
  BuildNetwork();
  pb::CourseRun run = CreateRun(20);
  OpenRun(&run);
  SetCapacity(&run, 30);
  const std::vector<int64_t> sequences = FeedSequences();
  ASSERT_EQ(sequences.size(), 3u);

  FeedRecorder recorder;
  recorder.FailOnceAt(sequences[1]);
  CourseFeedConsumer consumer(channel_, kServiceToken, recorder.load(), recorder.apply(),
                              FastBackoff());
  consumer.Start();
  ASSERT_TRUE(consumer.WaitForSequence(sequences.back(), kWait));
  consumer.Stop();

  EXPECT_EQ(recorder.failures(), 1);
  EXPECT_EQ(recorder.calls(),
            (std::vector<int64_t>{sequences[0], sequences[1], sequences[1], sequences[2]}));
  EXPECT_EQ(recorder.applied_sequences(), sequences);
  EXPECT_GE(consumer.connections(), 2);
  EXPECT_GE(recorder.loads(), 2) << "the cursor is reloaded before reconnecting";
  ExpectNeverAppliedTwice(recorder);
}

TEST_F(CourseClientsTest, ConsumerResumesAfterTheConnectionDrops) {
  BuildNetwork();
  pb::CourseRun run = CreateRun(20);
  auto proxy = luban::testing::TcpProxy::Start("127.0.0.1", host_->port());
  ASSERT_TRUE(proxy.ok()) << proxy.status();

  FeedRecorder recorder;
  CourseFeedConsumer consumer(TestChannel((*proxy)->port()), kServiceToken, recorder.load(),
                              recorder.apply(), FastBackoff());
  consumer.Start();
  ASSERT_TRUE(consumer.WaitForSequence(LastFeedSequence(), kWait));
  const int64_t connections = consumer.connections();

  // The stream drops and reconnecting fails for a while; changes go on meanwhile.
  (*proxy)->Block();
  OpenRun(&run);
  SetCapacity(&run, 25);
  SetCapacity(&run, 30);
  (*proxy)->Unblock();
  ASSERT_TRUE(consumer.WaitForSequence(LastFeedSequence(), kWait));
  consumer.Stop();

  EXPECT_GT(consumer.connections(), connections);
  EXPECT_EQ(recorder.applied_sequences(), FeedSequences());
  ExpectNeverAppliedTwice(recorder);
  const std::vector<FeedRecorder::Applied> applied = recorder.applied();
  ASSERT_EQ(applied.size(), 4u);
  EXPECT_EQ(applied[3].run.capacity(), 30);
}

TEST(CourseFeedConsumerTest, StopsPromptlyWhileBackingOff) {
  CourseFeedOptions options;
  options.initial_backoff = absl::Seconds(30);  // a Stop must not wait for it
  FeedRecorder recorder;
  std::shared_ptr<grpc::Channel> channel;
  {
    LoopbackSocket closed(/*listen=*/false);
    channel = TestChannel(closed.port());
  }
  CourseFeedConsumer consumer(channel, kServiceToken, recorder.load(), recorder.apply(), options);
  consumer.Start();
  EXPECT_FALSE(consumer.WaitForSequence(1, absl::Milliseconds(200)));
  const absl::Time start = absl::Now();
  consumer.Stop();
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  EXPECT_TRUE(recorder.applied().empty());
}

}  // namespace
}  // namespace luban::enrollment
