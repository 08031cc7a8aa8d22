// The health service follows the database: a ServiceHost (course module) whose pool reaches
// MariaDB through a TcpProxy, so the test can cut the database off and bring it back. Watched
// with grpc.health.v1.Health/Watch; every wait is bounded by a stream or call deadline.
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/auth/credentials.h"
#include "common/server/service_main.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "luban/course/v1/course.grpc.pb.h"
#include "services/course/course_module.h"
#include "tests/support/tcp_proxy.h"
#include "tests/support/test_database.h"

namespace luban {
namespace {

namespace pb = ::luban::course::v1;
using HealthStatus = ::grpc::health::v1::HealthCheckResponse::ServingStatus;
using ::grpc::health::v1::HealthCheckResponse;

constexpr char kAdminToken[] = "token-network-admin";

class HealthTest : public testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    db::DbConfig config = Config(4);
    auto proxy = testing::TcpProxy::Start(config.host, config.port);
    ASSERT_TRUE(proxy.ok()) << proxy.status();
    proxy_ = *std::move(proxy);
    config.host = "127.0.0.1";
    config.port = proxy_->port();
    config.connect_timeout = absl::Seconds(1);
    config.io_timeout = absl::Seconds(2);
    config.borrow_timeout = absl::Seconds(1);

    auto credentials = auth::CredentialStore::Parse(
        absl::StrCat(auth::HashToken(kAdminToken), " network_admin admin\n"));
    ASSERT_TRUE(credentials.ok()) << credentials.status();
    HostOptions options;
    options.db = config;
    options.page_token_secret = "test-secret";
    options.health_interval = absl::Milliseconds(50);
    options.shutdown_grace = absl::Seconds(2);
    module_ = std::make_unique<course::CourseModule>(course::CourseConfig{});
    auto host = ServiceHost::Start(*module_, options, *std::move(credentials));
    ASSERT_TRUE(host.ok()) << host.status();
    host_ = *std::move(host);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", host_->port()),
                                   grpc::InsecureChannelCredentials());
    health_ = grpc::health::v1::Health::NewStub(channel_);
    stub_ = pb::CourseService::NewStub(channel_);
  }

  void TearDown() override {
    if (host_) host_->Shutdown();
    host_.reset();
    proxy_.reset();
    DatabaseTest::TearDown();
  }

  // Watches the server's overall health until it reports `want`; false when the stream ends or
  // `timeout` passes first. Leaves the last status read in `last`.
  bool AwaitHealth(HealthStatus want, absl::Duration timeout, HealthStatus* last = nullptr) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    grpc::health::v1::HealthCheckRequest request;
    auto reader = health_->Watch(&context, request);
    HealthCheckResponse response;
    bool seen = false;
    while (reader->Read(&response)) {
      if (last != nullptr) *last = response.status();
      if (response.status() == want) {
        seen = true;
        break;
      }
    }
    context.TryCancel();
    reader->Finish().IgnoreError();
    return seen;
  }

  grpc::Status GetCourse(const std::string& name, pb::Course* course,
                         absl::Duration deadline = absl::Seconds(5)) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", absl::StrCat("Bearer ", kAdminToken));
    context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
    pb::GetCourseRequest request;
    request.set_name(name);
    return stub_->GetCourse(&context, request, course);
  }

  pb::Course CreateCourse(const std::string& code) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", absl::StrCat("Bearer ", kAdminToken));
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    pb::CreateCourseRequest request;
    request.set_request_id(absl::StrCat("create-", code));
    auto* c = request.mutable_course();
    c->set_code(code);
    c->set_discipline("urban rail");
    c->set_hours(120);
    c->add_instruction_languages("ru");
    auto* title = c->add_titles();
    title->set_language_code("zh");
    title->set_text("城市轨道交通运营");
    pb::Course course;
    const grpc::Status status = stub_->CreateCourse(&context, request, &course);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return course;
  }

  std::unique_ptr<testing::TcpProxy> proxy_;
  std::unique_ptr<course::CourseModule> module_;
  std::unique_ptr<ServiceHost> host_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::health::v1::Health::Stub> health_;
  std::unique_ptr<pb::CourseService::Stub> stub_;
};

TEST_F(HealthTest, FollowsTheDatabaseDownAndBackWithoutARestart) {
  ASSERT_TRUE(AwaitHealth(HealthCheckResponse::SERVING, absl::Seconds(10)));
  const pb::Course course = CreateCourse("URT-101");
  ASSERT_FALSE(course.name().empty());
  pb::Course got;
  ASSERT_TRUE(GetCourse(course.name(), &got).ok());
  const int64_t discarded_before = host_->pool().GetStats().discarded;

  // The database drops out: health goes NOT_SERVING within a few probe intervals.
  proxy_->Block();
  HealthStatus last = HealthCheckResponse::UNKNOWN;
  EXPECT_TRUE(AwaitHealth(HealthCheckResponse::NOT_SERVING, absl::Seconds(5), &last))
      << "last status " << HealthCheckResponse::ServingStatus_Name(last);

  // A call fails fast as UNAVAILABLE (a dependency is down), not UNKNOWN/INTERNAL, and well
  // before its deadline: the pool neither hangs on the dead link nor waits for a connection.
  const absl::Time start = absl::Now();
  const grpc::Status down = GetCourse(course.name(), &got, absl::Seconds(5));
  const absl::Duration took = absl::Now() - start;
  EXPECT_EQ(down.error_code(), grpc::StatusCode::UNAVAILABLE) << down.error_message();
  EXPECT_LT(took, absl::Seconds(4)) << "the call waited for its deadline";
  EXPECT_GT(host_->pool().GetStats().discarded, discarded_before)
      << "the broken connections were not discarded";

  // The database is back: the same host recovers by itself.
  proxy_->Unblock();
  EXPECT_TRUE(AwaitHealth(HealthCheckResponse::SERVING, absl::Seconds(10), &last))
      << "last status " << HealthCheckResponse::ServingStatus_Name(last);
  got.Clear();
  const grpc::Status up = GetCourse(course.name(), &got);
  EXPECT_TRUE(up.ok()) << up.error_code() << ": " << up.error_message();
  EXPECT_EQ(got.name(), course.name());
  EXPECT_EQ(CreateCourse("URT-102").code(), "URT-102");
}

TEST_F(HealthTest, CallsInTheOutageFailAsUnavailableEvenBeforeHealthNotices) {
  ASSERT_TRUE(AwaitHealth(HealthCheckResponse::SERVING, absl::Seconds(10)));
  const pb::Course course = CreateCourse("URT-201");
  // Several calls at once leave several connections in the pool, each broken by the outage.
  std::vector<std::thread> callers;
  for (int i = 0; i < 4; ++i) {
    callers.emplace_back([&] {
      pb::Course got;
      EXPECT_TRUE(GetCourse(course.name(), &got).ok());
    });
  }
  for (auto& caller : callers) caller.join();

  proxy_->Block();
  // Whatever the pool lends now (a connection the outage broke, or a new one the proxy drops),
  // every call fails as UNAVAILABLE and fast.
  for (int i = 0; i < 6; ++i) {
    pb::Course got;
    const absl::Time start = absl::Now();
    const grpc::Status status = GetCourse(course.name(), &got);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
        << i << ": " << status.error_message();
    EXPECT_LT(absl::Now() - start, absl::Seconds(4)) << i;
  }
  proxy_->Unblock();
  ASSERT_TRUE(AwaitHealth(HealthCheckResponse::SERVING, absl::Seconds(10)));
  for (int i = 0; i < 6; ++i) {
    pb::Course got;
    const grpc::Status status = GetCourse(course.name(), &got);
    EXPECT_TRUE(status.ok()) << i << ": " << status.error_code() << " " << status.error_message();
  }
}

TEST_F(HealthTest, ShutdownEndsOpenWatches) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  grpc::health::v1::HealthCheckRequest request;
  auto reader = health_->Watch(&context, request);
  HealthCheckResponse response;
  bool serving = false;
  while (reader->Read(&response)) {
    if (response.status() == HealthCheckResponse::SERVING) {
      serving = true;
      break;
    }
  }
  ASSERT_TRUE(serving);

  const absl::Time start = absl::Now();
  std::thread shutdown([this] { host_->Shutdown(); });
  std::vector<HealthStatus> after;
  while (reader->Read(&response)) after.push_back(response.status());
  const grpc::Status end = reader->Finish();
  shutdown.join();

  // gRPC 1.51's default health service marks itself shut down before it updates its watchers,
  // so a watcher gets no NOT_SERVING message: its stream ends at once with CANCELLED ("not
  // writing due to shutdown"), which clients treat as not serving. An open watch does not hold
  // the server's shutdown for the grace period.
  for (const HealthStatus status : after) {
    EXPECT_NE(status, HealthCheckResponse::SERVING) << "SERVING after shutdown began";
  }
  EXPECT_EQ(end.error_code(), grpc::StatusCode::CANCELLED) << end.error_message();
  EXPECT_LT(absl::Now() - start, absl::Seconds(2)) << "shutdown waited for the watch";

  // Afterwards nothing is served at all.
  grpc::ClientContext check_context;
  check_context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
  HealthCheckResponse check;
  const grpc::Status checked = health_->Check(&check_context, request, &check);
  EXPECT_FALSE(checked.ok() && check.status() == HealthCheckResponse::SERVING);
}

}  // namespace
}  // namespace luban
