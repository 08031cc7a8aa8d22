// TLS of the services, as processes: a TLS service refuses plaintext and serves TLS clients,
// rotated certificate files are served without a restart, plaintext off loopback is a
// configuration error, luban-probe speaks TLS, and the three services call each other over mutual
// TLS, each known to the others by its certificate.
#include <stdlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/auth/credentials.h"
#include "common/client/await_serving.h"
#include "common/client/channel.h"
#include "common/server/service_main.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "luban/course/v1/course.grpc.pb.h"
#include "luban/enrollment/v1/enrollment.grpc.pb.h"
#include "tests/support/child_process.h"
#include "tests/support/local_suite.h"
#include "tests/support/test_certificates.h"
#include "tests/support/test_database.h"

#if !defined(LUBAN_COURSE_BINARY) || !defined(LUBAN_PROBE_BINARY) || \
    !defined(LUBAN_DEMO_SEED_BINARY)
#error "LUBAN_COURSE_BINARY, LUBAN_PROBE_BINARY and LUBAN_DEMO_SEED_BINARY must be defined"
#endif

namespace luban::testing {
namespace {

// Before main(), so before gRPC initialises OpenSSL (see SkipOpenSslCleanupAtExit).
[[maybe_unused]] const bool kOpenSslCleanupSkipped = (client::SkipOpenSslCleanupAtExit(), true);

namespace course_pb = ::luban::course::v1;
namespace enrollment_pb = ::luban::enrollment::v1;

constexpr char kReporterToken[] = "tls-test-reporter";

std::shared_ptr<grpc::Channel> Channel(const std::string& addr, client::TlsFiles tls) {
  client::ChannelOptions options;
  options.target = addr;
  options.tls = std::move(tls);
  options.fast_reconnect = true;
  auto channel = client::MakeChannel(options);
  EXPECT_TRUE(channel.ok()) << channel.status();
  return channel.value_or(nullptr);
}

client::TlsFiles CaOnly(const std::string& tls_dir) {
  client::TlsFiles tls;
  tls.ca_file = tls_dir + "/ca.pem";
  return tls;
}

client::TlsFiles WithCertificate(const std::string& ca_dir, const std::string& cert_dir,
                                 const std::string& name) {
  client::TlsFiles tls = CaOnly(ca_dir);
  tls.cert_file = absl::StrCat(cert_dir, "/", name, ".pem");
  tls.key_file = absl::StrCat(cert_dir, "/", name, ".key");
  return tls;
}

grpc::Status HealthCheck(const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  grpc::health::v1::HealthCheckResponse response;
  return stub->Check(&context, grpc::health::v1::HealthCheckRequest(), &response);
}

// luban-course alone on the test database, configured through its environment.
class CourseTlsTest : public DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    dir_ = MakeTempDir("luban-tls-test");
    ASSERT_FALSE(dir_.empty()) << std::strerror(errno);
    tls_dir_ = dir_ + "/tls";
    ASSERT_TRUE(MakeTestCertificates(tls_dir_, {"course"}).ok());
    credentials_file_ = dir_ + "/credentials";
    std::ofstream(credentials_file_) << auth::HashToken(kReporterToken) << " reporter reports\n";
  }

  void TearDown() override {
    children_.clear();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
    DatabaseTest::TearDown();
  }

  // Starts luban-course on 127.0.0.1:`port` with `settings` ("LUBAN_X=y") first.
  ChildProcess& Spawn(int port, const std::vector<std::string>& settings) {
    std::vector<std::string> env = CleanEnvironment();
    env.insert(env.end(), settings.begin(), settings.end());
    const db::DbConfig config = Config(2);
    for (std::string& setting : ServiceDbEnvironment(config, 2, "5s")) {
      env.push_back(std::move(setting));
    }
    env.push_back(absl::StrCat("LUBAN_CREDENTIALS_FILE=", credentials_file_));
    env.push_back(absl::StrCat("LUBAN_LISTEN=127.0.0.1:", port));
    env.push_back("LUBAN_HEALTH_INTERVAL=100ms");
    env.push_back("LUBAN_SHUTDOWN_GRACE=2s");
    children_.push_back(ChildProcess::Spawn({LUBAN_COURSE_BINARY}, env, dir_,
                                            absl::StrCat("course.", children_.size() + 1)));
    EXPECT_GT(children_.back().pid(), 0);
    return children_.back();
  }

  std::vector<std::string> ServerTls(const std::string& cert_dir) const {
    return {absl::StrCat("LUBAN_TLS_CERT=", cert_dir, "/course.pem"),
            absl::StrCat("LUBAN_TLS_KEY=", cert_dir, "/course.key")};
  }

  RunResult Probe(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {LUBAN_PROBE_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunToEnd(argv, CleanEnvironment(), dir_, "probe", absl::Seconds(30));
  }

  std::string dir_;
  std::string tls_dir_;
  std::string credentials_file_;
  std::deque<ChildProcess> children_;
};

TEST_F(CourseTlsTest, ServesTlsClientsAndRefusesPlaintext) {
  const int port = FreePort();
  ChildProcess& child = Spawn(port, ServerTls(tls_dir_));
  const std::string addr = absl::StrCat("127.0.0.1:", port);
  auto tls = Channel(addr, CaOnly(tls_dir_));
  ASSERT_TRUE(
      client::AwaitServing(tls, absl::Now() + absl::Seconds(60), [&] { return child.running(); })
          .ok())
      << child.Logs();
  auto stub = course_pb::CourseService::NewStub(tls);
  grpc::ClientContext context;
  context.AddMetadata("authorization", absl::StrCat("Bearer ", kReporterToken));
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  course_pb::ListCoursesResponse listed;
  const grpc::Status status = stub->ListCourses(&context, {}, &listed);
  EXPECT_TRUE(status.ok()) << status.error_message();

  const grpc::Status plaintext = HealthCheck(Channel(addr, client::TlsFiles()));
  EXPECT_EQ(plaintext.error_code(), grpc::StatusCode::UNAVAILABLE) << plaintext.error_message();
  EXPECT_TRUE(absl::StrContains(child.Logs(), "TLS")) << child.Logs();

  // luban-probe, the exec probe: SERVING over TLS; a one-line reason otherwise.
  RunResult probe =
      Probe({"--addr=" + addr, "--tls_ca=" + tls_dir_ + "/ca.pem", "--tls_server_name=course"});
  EXPECT_EQ(probe.exit_code, 0) << probe.err;
  probe = Probe({"--addr=" + addr, "--timeout=2s"});
  EXPECT_EQ(probe.exit_code, 1) << probe.err;
  EXPECT_TRUE(absl::StartsWith(probe.err, "luban-probe: " + addr)) << probe.err;
  EXPECT_EQ(std::count(probe.err.begin(), probe.err.end(), '\n'), 1) << probe.err;
  probe =
      Probe({"--addr=127.0.0.1:" + std::to_string(FreePort()), "--tls_ca=" + tls_dir_ + "/ca.pem"});
  EXPECT_EQ(probe.exit_code, 1) << probe.err;
  probe = Probe({});
  EXPECT_EQ(probe.exit_code, 2) << probe.err;
}

TEST_F(CourseTlsTest, RotatedCertificateFilesAreServedWithoutRestart) {
  // Two CAs, each with a course certificate; the service reads the files in dir_/live.
  const std::string next_dir = dir_ + "/next";
  ASSERT_TRUE(MakeTestCertificates(next_dir, {"course"}).ok());
  const std::string live = dir_ + "/live";
  std::filesystem::create_directories(live);
  auto install = [&](const std::string& from) {
    for (const char* file : {"course.pem", "course.key"}) {
      // Written aside, then renamed: the service never reads half a file.
      std::filesystem::copy_file(absl::StrCat(from, "/", file), absl::StrCat(live, "/.", file),
                                 std::filesystem::copy_options::overwrite_existing);
      std::filesystem::rename(absl::StrCat(live, "/.", file), absl::StrCat(live, "/", file));
    }
  };
  install(tls_dir_);
  const int port = FreePort();
  std::vector<std::string> settings = ServerTls(live);
  settings.push_back("LUBAN_TLS_REFRESH_INTERVAL=1s");
  ChildProcess& child = Spawn(port, settings);
  const std::string addr = absl::StrCat("127.0.0.1:", port);
  ASSERT_TRUE(client::AwaitServing(Channel(addr, CaOnly(tls_dir_)), absl::Now() + absl::Seconds(60),
                                   [&] { return child.running(); })
                  .ok())
      << child.Logs();
  EXPECT_NE(HealthCheck(Channel(addr, CaOnly(next_dir))).error_code(), grpc::StatusCode::OK);

  install(next_dir);
  // The next handshake after the service's next read of the files presents the new one.
  EXPECT_TRUE(client::AwaitServing(Channel(addr, CaOnly(next_dir)), absl::Now() + absl::Seconds(30),
                                   [&] { return child.running(); })
                  .ok())
      << child.Logs();
  EXPECT_TRUE(child.running());
}

TEST_F(CourseTlsTest, PlaintextOffLoopbackIsAConfigurationError) {
  // It exits before it listens: nothing is bound off loopback.
  ChildProcess& off_loopback = Spawn(FreePort(), {"LUBAN_LISTEN=0.0.0.0:1"});
  EXPECT_EQ(off_loopback.AwaitExit(absl::Seconds(30)), std::optional<int>(2))
      << off_loopback.Logs();
  EXPECT_TRUE(absl::StrContains(off_loopback.Errors(), "--tls_cert")) << off_loopback.Logs();
  EXPECT_TRUE(absl::StrContains(off_loopback.Errors(), "0.0.0.0:1")) << off_loopback.Logs();

  ChildProcess& half = Spawn(FreePort(), {"LUBAN_TLS_CERT=" + tls_dir_ + "/course.pem"});
  EXPECT_EQ(half.AwaitExit(absl::Seconds(30)), std::optional<int>(2)) << half.Logs();
  EXPECT_TRUE(absl::StrContains(half.Errors(), "--tls_key")) << half.Logs();

  ChildProcess& missing = Spawn(FreePort(), {"LUBAN_TLS_CERT=" + dir_ + "/absent.pem",
                                             "LUBAN_TLS_KEY=" + tls_dir_ + "/course.key"});
  EXPECT_EQ(missing.AwaitExit(absl::Seconds(30)), std::optional<int>(2)) << missing.Logs();
  EXPECT_TRUE(absl::StrContains(missing.Errors(), "absent.pem")) << missing.Logs();
}

// The three services over mutual TLS, without service tokens.
class MutualTlsSuiteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LUBAN_REQUIRE_TEST_DATABASE();
    dir_ = MakeTempDir("luban-mtls-suite");
    ASSERT_FALSE(dir_.empty()) << std::strerror(errno);
    LocalSuite::Options options;
    options.tls = true;
    auto suite = LocalSuite::Start(dir_, options);
    ASSERT_TRUE(suite.ok()) << suite.status();
    suite_ = *std::move(suite);
  }

  void TearDown() override {
    suite_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // enrollment's CheckEligibility, which only role service may call.
  grpc::Status CheckEligibility(const client::TlsFiles& tls, const std::string& token) {
    auto stub = enrollment_pb::EnrollmentService::NewStub(Channel(suite_->enrollment_addr(), tls));
    grpc::ClientContext context;
    if (!token.empty()) context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    enrollment_pb::CheckEligibilityRequest request;
    request.set_trainee("trainees/1");
    enrollment_pb::CheckEligibilityResponse response;
    return stub->CheckEligibility(&context, request, &response);
  }

  std::string dir_;
  std::unique_ptr<LocalSuite> suite_;
};

TEST(ServerTlsCheckTest, PlaintextIsForLoopbackAddressesOnly) {
  const ServerTls plaintext;
  for (const char* loopback :
       {"127.0.0.1:50051", "127.1.2.3:0", "localhost:50051", "[::1]:50051"}) {
    EXPECT_TRUE(CheckServerTls(loopback, plaintext).ok()) << loopback;
  }
  for (const char* outside : {"0.0.0.0:50051", "10.0.0.7:50051", "[::]:50051", "course:50051",
                              "127.example.org:50051", "128.0.0.1:50051", "50051"}) {
    const absl::Status status = CheckServerTls(outside, plaintext);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << outside;
    EXPECT_TRUE(absl::StrContains(status.message(), "--tls_cert")) << outside;
  }
}

TEST(ServerTlsCheckTest, TheListenPortIsOneASocketCanHave) {
  const ServerTls plaintext;
  for (const char* good : {"127.0.0.1:0", "127.0.0.1:65535", "[::1]:443"}) {
    EXPECT_TRUE(CheckServerTls(good, plaintext).ok()) << good;
  }
  for (const char* bad : {"127.0.0.1:65536", "127.0.0.1:99999", "127.0.0.1:", "127.0.0.1:-1",
                          "127.0.0.1:+80", "127.0.0.1:http", "127.0.0.1:0000080", "localhost:1 "}) {
    const absl::Status status = CheckServerTls(bad, plaintext);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_TRUE(absl::StrContains(status.message(), "port from 0 to 65535"))
        << bad << ": " << status;
  }
}

TEST_F(MutualTlsSuiteTest, EnrollmentCallsCourseOverMutualTlsEndToEnd) {
  // The demo data through the public APIs: enrollment asks course about every workshop and run.
  std::vector<std::string> env = suite_->ClientEnvironment(LocalSuite::kNetworkAdmin);
  const RunResult seeded = RunToEnd({LUBAN_DEMO_SEED_BINARY, "--target=" + suite_->course_addr(),
                                     "--enrollment_target=" + suite_->enrollment_addr(),
                                     "--tls_ca=" + suite_->tls_dir() + "/ca.pem"},
                                    env, dir_, "seed", absl::Seconds(120));
  ASSERT_EQ(seeded.exit_code, 0) << seeded.err << suite_->Logs();
  EXPECT_GT(*suite_->enrollment_db().QueryInt("SELECT COUNT(*) FROM enrollments"), 0);
  EXPECT_GT(*suite_->enrollment_db().QueryInt("SELECT COUNT(*) FROM trainees"), 0);
}

TEST_F(MutualTlsSuiteTest, AServiceCertificateIsTheServiceAndATokenStillDecides) {
  const std::string tls = suite_->tls_dir();
  // The exchange service's certificate, no token: role service.
  const grpc::Status as_exchange = CheckEligibility(WithCertificate(tls, tls, "exchange"), "");
  EXPECT_NE(as_exchange.error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << as_exchange.error_message();
  EXPECT_NE(as_exchange.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << as_exchange.error_message();
  EXPECT_NE(as_exchange.error_code(), grpc::StatusCode::UNAVAILABLE) << as_exchange.error_message();

  // A bearer token, when sent, decides: a reporter may not, whatever its certificate.
  EXPECT_EQ(
      CheckEligibility(WithCertificate(tls, tls, "exchange"), suite_->Token(LocalSuite::kReporter))
          .error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  // Neither certificate nor token: anonymous, refused.
  const grpc::Status anonymous = CheckEligibility(CaOnly(tls), "");
  EXPECT_TRUE(anonymous.error_code() == grpc::StatusCode::UNAUTHENTICATED ||
              anonymous.error_code() == grpc::StatusCode::PERMISSION_DENIED)
      << anonymous.error_code() << ": " << anonymous.error_message();
  // A certificate of the suite's CA that names no service: anonymous too.
  ASSERT_TRUE(MakeTestCertificates(tls, {"mallory"}).ok());
  const grpc::Status mallory = CheckEligibility(WithCertificate(tls, tls, "mallory"), "");
  EXPECT_TRUE(mallory.error_code() == grpc::StatusCode::UNAUTHENTICATED ||
              mallory.error_code() == grpc::StatusCode::PERMISSION_DENIED)
      << mallory.error_code() << ": " << mallory.error_message();
  // A client certificate of an unknown CA: the handshake fails.
  const std::string stranger = dir_ + "/stranger";
  ASSERT_TRUE(MakeTestCertificates(stranger, {"exchange"}).ok());
  EXPECT_EQ(CheckEligibility(WithCertificate(tls, stranger, "exchange"), "").error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

}  // namespace
}  // namespace luban::testing
