// The health service follows the database: a ServiceHost (course module) whose pool reaches
// MariaDB through a TcpProxy, so the test can cut the database off and bring it back. Watched
// with grpc.health.v1.Health/Watch; every wait is bounded by a stream or call deadline.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
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

// --- The proxy itself, against a loopback echo server (no database needed) -------------------

// Echoes every connection back, one thread per connection; stops when destroyed.
class EchoServer {
 public:
  EchoServer() {
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (bind(listen_fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0 ||
        listen(listen_fd_, 16) != 0 ||
        getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      ADD_FAILURE() << "echo server: " << std::strerror(errno);
      return;
    }
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] {
      while (true) {
        const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) return;  // shut down
        workers_.emplace_back([fd] {
          char buffer[8192];
          ssize_t n;
          while ((n = recv(fd, buffer, sizeof(buffer), 0)) > 0) {
            if (send(fd, buffer, static_cast<size_t>(n), MSG_NOSIGNAL) != n) break;
          }
          close(fd);
        });
      }
    });
  }
  ~EchoServer() {
    shutdown(listen_fd_, SHUT_RDWR);  // wakes accept()
    if (acceptor_.joinable()) acceptor_.join();
    for (auto& worker : workers_) worker.join();  // each ends when its client goes away
    close(listen_fd_);
  }
  int port() const { return port_; }

 private:
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread acceptor_;
  std::vector<std::thread> workers_;
};

// A client socket connected to 127.0.0.1:port, whose reads give up after 5 s.
int Connect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval timeout{};
  timeout.tv_sec = 5;
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  EXPECT_EQ(connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)), 0)
      << std::strerror(errno);
  return fd;
}

// Sends `data` (from another thread, so that neither side's buffers can deadlock) and reads
// back as many bytes; returns what came back, short if the connection ended.
std::string RoundTrip(int fd, const std::string& data) {
  std::thread writer([fd, &data] {
    size_t sent = 0;
    while (sent < data.size()) {
      const ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;
      sent += static_cast<size_t>(n);
    }
  });
  std::string back;
  char buffer[8192];
  while (back.size() < data.size()) {
    const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    back.append(buffer, static_cast<size_t>(n));
  }
  writer.join();
  return back;
}

// What a read on a connection the proxy cut gives: 0 (end of stream) or -1 with ECONNRESET;
// -1 with EAGAIN means the 5 s read timeout passed, i.e. the connection was not cut.
std::string ReadAfterCut(int fd) {
  char byte;
  const ssize_t n = recv(fd, &byte, 1, 0);
  if (n == 0) return "eof";
  if (n < 0 && errno == ECONNRESET) return "reset";
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return "timeout";
  return absl::StrCat("n=", n, " errno=", errno);
}

bool IsCut(const std::string& outcome) { return outcome == "eof" || outcome == "reset"; }

TEST(TcpProxyTest, ForwardsBothWaysBlocksAndRecovers) {
  EchoServer echo;
  auto proxy = testing::TcpProxy::Start("127.0.0.1", echo.port());
  ASSERT_TRUE(proxy.ok()) << proxy.status();
  const int first = Connect((*proxy)->port());
  EXPECT_EQ(RoundTrip(first, "hello"), "hello");
  // More than the proxy buffers per direction, to exercise back-pressure.
  std::string large(1 << 20, 'x');
  for (size_t i = 0; i < large.size(); i += 997) large[i] = static_cast<char>('a' + i % 26);
  EXPECT_EQ(RoundTrip(first, large), large);
  EXPECT_EQ((*proxy)->open_connections(), 1);

  (*proxy)->Block();
  EXPECT_EQ((*proxy)->open_connections(), 0);
  const std::string cut = ReadAfterCut(first);
  EXPECT_TRUE(IsCut(cut)) << cut;
  close(first);
  // New connections are accepted by the kernel, then dropped by the proxy.
  const int refused = Connect((*proxy)->port());
  const std::string dropped = ReadAfterCut(refused);
  EXPECT_TRUE(IsCut(dropped)) << dropped;
  close(refused);

  (*proxy)->Unblock();
  const int again = Connect((*proxy)->port());
  EXPECT_EQ(RoundTrip(again, "back again"), "back again");
  EXPECT_EQ((*proxy)->forwarded_connections(), 2);
  // A client's half-close reaches the server, whose close comes back as end of stream.
  shutdown(again, SHUT_WR);
  EXPECT_EQ(ReadAfterCut(again), "eof");
  close(again);
}

// --- Health of a ServiceHost whose database goes away and comes back -------------------------

class HealthTest : public testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    db::DbConfig config = Config(4);
    auto proxy = testing::TcpProxy::Start(config.hosts[0].host, config.hosts[0].port);
    ASSERT_TRUE(proxy.ok()) << proxy.status();
    proxy_ = *std::move(proxy);
    config.hosts = {{"127.0.0.1", proxy_->port()}};
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
  // `service` names the service to watch ("" the server).
  bool AwaitHealth(HealthStatus want, absl::Duration timeout, HealthStatus* last = nullptr,
                   const std::string& service = "") {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
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

// Probes that name the service (Kubernetes' grpc probe with `service:`, grpc_health_probe
// -service) get the server's answer; a name the server does not serve is NOT_FOUND.
TEST_F(HealthTest, AnswersByTheServiceNameAsForTheServer) {
  const std::string name = pb::CourseService::service_full_name();
  ASSERT_EQ(name, "luban.course.v1.CourseService");
  ASSERT_TRUE(AwaitHealth(HealthCheckResponse::SERVING, absl::Seconds(10)));
  const auto check = [&](const std::string& service, HealthCheckResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    return health_->Check(&context, request, response);
  };
  HealthCheckResponse response;
  const grpc::Status named = check(name, &response);
  ASSERT_TRUE(named.ok()) << named.error_code() << ": " << named.error_message();
  EXPECT_EQ(response.status(), HealthCheckResponse::SERVING);
  EXPECT_EQ(check("luban.course.v1.NoSuchService", &response).error_code(),
            grpc::StatusCode::NOT_FOUND);

  // The named status follows the database like the server's.
  proxy_->Block();
  HealthStatus last = HealthCheckResponse::UNKNOWN;
  EXPECT_TRUE(AwaitHealth(HealthCheckResponse::NOT_SERVING, absl::Seconds(5), &last, name))
      << "last status " << HealthCheckResponse::ServingStatus_Name(last);
  proxy_->Unblock();
  EXPECT_TRUE(AwaitHealth(HealthCheckResponse::SERVING, absl::Seconds(10), &last, name))
      << "last status " << HealthCheckResponse::ServingStatus_Name(last);
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
  // Health is let to notice before the database returns: otherwise the SERVING awaited below
  // could be the stale one from before the outage, and a probe begun in the outage would turn
  // health NOT_SERVING (and the calls away) only after it.
  HealthStatus last = HealthCheckResponse::UNKNOWN;
  ASSERT_TRUE(AwaitHealth(HealthCheckResponse::NOT_SERVING, absl::Seconds(5), &last))
      << "last status " << HealthCheckResponse::ServingStatus_Name(last);
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
  absl::Duration first_update = absl::InfiniteDuration();
  while (reader->Read(&response)) {
    if (after.empty()) first_update = absl::Now() - start;
    after.push_back(response.status());
  }
  const grpc::Status end = reader->Finish();
  const absl::Duration ended = absl::Now() - start;
  shutdown.join();

  // What gRPC 1.51's default health service does: Shutdown() sends NOT_SERVING to every
  // watcher at once and keeps the stream open (the service's own "shutting down" flag is set
  // only when it is destroyed), so the server's Shutdown waits out the grace for the open
  // Watch like for any in-flight call, then cancels it: the client sees UNAVAILABLE.
  ASSERT_FALSE(after.empty()) << "no update after shutdown; stream ended with " << end.error_code()
                              << " " << end.error_message();
  EXPECT_EQ(after.front(), HealthCheckResponse::NOT_SERVING);
  EXPECT_LT(first_update, absl::Seconds(1)) << "NOT_SERVING came late";
  for (const HealthStatus status : after) {
    EXPECT_EQ(status, HealthCheckResponse::NOT_SERVING) << "SERVING after shutdown began";
  }
  EXPECT_EQ(end.error_code(), grpc::StatusCode::UNAVAILABLE) << end.error_message();
  EXPECT_LT(ended, absl::Seconds(2) + absl::Seconds(2)) << "the stream outlived the grace";

  // Afterwards nothing is served at all.
  grpc::ClientContext check_context;
  check_context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
  HealthCheckResponse check;
  const grpc::Status checked = health_->Check(&check_context, request, &check);
  EXPECT_FALSE(checked.ok() && check.status() == HealthCheckResponse::SERVING);
}

}  // namespace
}  // namespace luban
