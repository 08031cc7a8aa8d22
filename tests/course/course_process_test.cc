// The real luban-course binary as a child process, configured only through its environment
// (LUBAN_DB_*, LUBAN_CREDENTIALS_FILE, LUBAN_LISTEN, LUBAN_PAGE_TOKEN_SECRET...): migrations and
// --migrate_only, refusal of a newer schema, serving until SIGTERM and stopping cleanly, and the
// documented exit codes (0 clean, 2 bad configuration, 3 database unreachable, 4 schema refused).
#include <signal.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/auth/credentials.h"
#include "common/client/await_serving.h"
#include "common/client/channel.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "luban/course/v1/course.grpc.pb.h"
#include "tests/support/child_process.h"
#include "tests/support/test_database.h"

#ifndef LUBAN_COURSE_BINARY
#error "LUBAN_COURSE_BINARY must name the luban-course binary"
#endif

namespace luban::course {
namespace {

namespace pb = ::luban::course::v1;
using ::luban::testing::ChildProcess;
using ::luban::testing::FreePort;
using ::luban::testing::ServiceDbEnvironment;

constexpr char kAdminToken[] = "token-network-admin";
constexpr char kReporterToken[] = "token-reporter";

class CourseProcessTest : public luban::testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    char dir[] = "/tmp/luban-course-process.XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr) << std::strerror(errno);
    dir_ = dir;
    credentials_file_ = dir_ + "/credentials";
    WriteFile(
        credentials_file_,
        absl::StrCat("# test principals\n", auth::HashToken(kAdminToken), " network_admin admin\n",
                     auth::HashToken(kReporterToken), " reporter reports\n"));
  }

  void TearDown() override {
    children_.clear();  // kills what still runs
    if (!dir_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
    }
    DatabaseTest::TearDown();
  }

  void WriteFile(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
    ASSERT_TRUE(out.good()) << path;
  }

  // The child's environment: ours without any LUBAN_ setting, plus the service's settings.
  std::vector<std::string> Environment(int listen_port) {
    std::vector<std::string> env = luban::testing::CleanEnvironment();
    // Overrides first: getenv() takes the first of duplicate names.
    for (const auto& [name, value] : overrides_) env.push_back(absl::StrCat(name, "=", value));
    const db::DbConfig config = Config(2);
    for (std::string& setting : ServiceDbEnvironment(config, 2, "5s")) {
      env.push_back(std::move(setting));
    }
    env.push_back(absl::StrCat("LUBAN_CREDENTIALS_FILE=", credentials_file_));
    env.push_back(absl::StrCat("LUBAN_LISTEN=127.0.0.1:", listen_port));
    env.push_back("LUBAN_PAGE_TOKEN_SECRET=process-test-secret");
    env.push_back("LUBAN_HEALTH_INTERVAL=100ms");
    env.push_back("LUBAN_SHUTDOWN_GRACE=5s");
    return env;
  }

  // Starts luban-course with `args`; Output()/Errors() then show what it writes. The child dies
  // with the test process.
  ChildProcess& Spawn(const std::vector<std::string>& args, int listen_port = 0) {
    if (listen_port == 0) listen_port = FreePort();
    std::vector<std::string> argv = {LUBAN_COURSE_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    children_.push_back(ChildProcess::Spawn(argv, Environment(listen_port), dir_,
                                            absl::StrCat("course.", children_.size() + 1)));
    EXPECT_GT(children_.back().pid(), 0) << "fork: " << std::strerror(errno);
    return children_.back();
  }

  // What the last spawned child wrote.
  std::string Output() { return children_.empty() ? "" : children_.back().Output(); }
  std::string Errors() { return children_.empty() ? "" : children_.back().Errors(); }
  std::string Logs() { return children_.empty() ? "" : children_.back().Logs(); }

  // Runs `luban-course args...` to its end (within `timeout`); nullopt if it did not end.
  std::optional<int> Run(const std::vector<std::string>& args,
                         absl::Duration timeout = absl::Seconds(60)) {
    ChildProcess& child = Spawn(args);
    if (child.pid() <= 0) return std::nullopt;
    return child.AwaitExit(timeout);
  }

  // Reconnects promptly while the child is starting instead of backing off for seconds.
  std::shared_ptr<grpc::Channel> Channel(int port) {
    return client::MakeChannel({.target = absl::StrCat("127.0.0.1:", port),
                                .tls = {},
                                .fast_reconnect = true,
                                .keepalive = absl::ZeroDuration()})
        .value();
  }

  // Waits until the child at `port` reports SERVING, within `timeout`; false early if it exits.
  bool AwaitServing(const ChildProcess& child, const std::shared_ptr<grpc::Channel>& channel,
                    absl::Duration timeout) {
    return client::AwaitServing(channel, absl::Now() + timeout, [&] { return child.running(); })
        .ok();
  }

  grpc::Status ListCourses(pb::CourseService::Stub& stub, pb::ListCoursesResponse* response) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", absl::StrCat("Bearer ", kReporterToken));
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    return stub.ListCourses(&context, pb::ListCoursesRequest(), response);
  }

  int64_t Migrations(absl::string_view track) {
    auto count = db().QueryInt(
        absl::StrCat("SELECT COUNT(*) FROM schema_migrations WHERE track = '", track, "'"));
    EXPECT_TRUE(count.ok()) << count.status();
    return count.value_or(-1);
  }

  std::string dir_;
  std::string credentials_file_;
  std::vector<std::pair<std::string, std::string>> overrides_;
  std::deque<ChildProcess> children_;  // a deque: Spawn's references stay valid
};

TEST_F(CourseProcessTest, MigrateOnlyCreatesTheSchemaAndIsIdempotent) {
  const std::optional<int> first = Run({"--migrate_only"});
  ASSERT_TRUE(first.has_value()) << "did not exit\n" << Logs();
  ASSERT_EQ(*first, 0) << Logs();
  EXPECT_EQ(*db().QueryInt("SELECT COUNT(*) FROM information_schema.tables"
                           " WHERE table_schema = DATABASE() AND table_name = 'institutions'"),
            1);
  const int64_t platform = Migrations("platform");
  const int64_t course = Migrations("course");
  EXPECT_GE(platform, 1);
  EXPECT_GE(course, 1);
  const auto checksum = db().TableChecksum("schema_migrations");
  ASSERT_TRUE(checksum.ok()) << checksum.status();

  const std::optional<int> second = Run({"--migrate_only"});
  ASSERT_TRUE(second.has_value()) << "did not exit\n" << Logs();
  EXPECT_EQ(*second, 0) << Logs();
  EXPECT_EQ(Migrations("platform"), platform);
  EXPECT_EQ(Migrations("course"), course);
  EXPECT_EQ(*db().TableChecksum("schema_migrations"), *checksum) << "re-running changed history";
  EXPECT_TRUE(absl::StrContains(Logs(), "0 applied now")) << Logs();
}

TEST_F(CourseProcessTest, RefusesASchemaNewerThanItKnowsWithExitCode4) {
  ASSERT_EQ(Run({"--migrate_only"}), std::optional<int>(0)) << Logs();
  ASSERT_TRUE(db().Execute("INSERT INTO schema_migrations (track, version, name, checksum,"
                           " applied_at) VALUES ('course', 9999, 'from_a_newer_release',"
                           " REPEAT('0', 64), UTC_TIMESTAMP(6))")
                  .ok());
  const int64_t rows = *db().QueryInt("SELECT COUNT(*) FROM schema_migrations");

  // Serving mode: refuses before it listens.
  const int port = FreePort();
  ChildProcess& child = Spawn({}, port);
  const std::optional<int> code = child.AwaitExit(absl::Seconds(60));
  ASSERT_TRUE(code.has_value()) << "still running\n" << Logs();
  EXPECT_EQ(*code, 4) << Logs();
  EXPECT_TRUE(absl::StrContains(Logs(), "course/9999")) << Logs();
  EXPECT_FALSE(absl::StrContains(Logs(), "serving on port")) << Logs();

  // --migrate_only refuses it the same way.
  EXPECT_EQ(Run({"--migrate_only"}), std::optional<int>(4)) << Logs();
  EXPECT_EQ(*db().QueryInt("SELECT COUNT(*) FROM schema_migrations"), rows);
}

TEST_F(CourseProcessTest, ServesUntilSigtermThenExitsCleanly) {
  const int port = FreePort();
  ChildProcess& child = Spawn({}, port);
  ASSERT_GT(child.pid(), 0);
  auto channel = Channel(port);
  ASSERT_TRUE(AwaitServing(child, channel, absl::Seconds(60))) << Logs();
  auto stub = pb::CourseService::NewStub(channel);
  pb::ListCoursesResponse listed;
  const grpc::Status first = ListCourses(*stub, &listed);
  ASSERT_TRUE(first.ok()) << first.error_code() << ": " << first.error_message();

  // Callers keep calling while the process shuts down; each call either completes or is
  // refused as UNAVAILABLE/CANCELLED, never UNKNOWN or INTERNAL.
  absl::Mutex mu;
  std::vector<grpc::Status> failures;
  int completed = 0;
  std::atomic<bool> stop{false};
  std::vector<std::thread> callers;
  for (int i = 0; i < 3; ++i) {
    callers.emplace_back([&] {
      while (!stop.load()) {
        pb::ListCoursesResponse response;
        const grpc::Status status = ListCourses(*stub, &response);
        absl::MutexLock lock(&mu);
        if (status.ok()) {
          ++completed;
        } else {
          failures.push_back(status);
          return;
        }
      }
    });
  }
  {
    // Let the callers get going: wait until some calls completed (bounded by their deadlines).
    absl::MutexLock lock(&mu);
    auto going = [&]()
                     ABSL_SHARED_LOCKS_REQUIRED(mu) { return completed >= 3 || !failures.empty(); };
    mu.AwaitWithTimeout(absl::Condition(&going), absl::Seconds(10));
  }

  child.Signal(SIGTERM);
  const std::optional<int> code = child.AwaitExit(absl::Seconds(5 + 5));  // grace + margin
  stop.store(true);
  for (auto& caller : callers) caller.join();
  ASSERT_TRUE(code.has_value()) << "still running after the shutdown grace\n" << Logs();
  EXPECT_EQ(*code, 0) << Logs();
  EXPECT_TRUE(absl::StrContains(Logs(), "stopped")) << Logs();

  absl::MutexLock lock(&mu);
  EXPECT_GE(completed, 1);
  for (const grpc::Status& status : failures) {
    EXPECT_TRUE(status.error_code() == grpc::StatusCode::UNAVAILABLE ||
                status.error_code() == grpc::StatusCode::CANCELLED)
        << status.error_code() << ": " << status.error_message();
  }
}

TEST_F(CourseProcessTest, MalformedCredentialsFileExitsWith2NamingTheLine) {
  WriteFile(credentials_file_,
            absl::StrCat("# principals\n", auth::HashToken(kAdminToken), " network_admin admin\n",
                         auth::HashToken(kReporterToken), " overlord someone\n"));
  const std::optional<int> code = Run({});
  ASSERT_TRUE(code.has_value()) << "still running\n" << Logs();
  EXPECT_EQ(*code, 2) << Logs();
  EXPECT_TRUE(absl::StrContains(Errors(), "credentials line 3")) << Logs();
  EXPECT_TRUE(absl::StrContains(Errors(), credentials_file_)) << Logs();
}

TEST_F(CourseProcessTest, MissingCredentialsFileExitsWith2) {
  overrides_.emplace_back("LUBAN_CREDENTIALS_FILE", dir_ + "/absent");
  const std::optional<int> code = Run({});
  ASSERT_TRUE(code.has_value()) << "still running\n" << Logs();
  EXPECT_EQ(*code, 2) << Logs();
  EXPECT_TRUE(absl::StrContains(Errors(), "absent")) << Logs();
}

TEST_F(CourseProcessTest, UnreachableDatabaseExitsWith3) {
  // Nothing listens on a port that was free a moment ago: the database cannot be reached.
  overrides_.emplace_back("LUBAN_DB_HOST", "127.0.0.1");
  overrides_.emplace_back("LUBAN_DB_PORT", std::to_string(FreePort()));
  overrides_.emplace_back("LUBAN_DB_WAIT", "1s");
  std::optional<int> code = Run({});
  ASSERT_TRUE(code.has_value()) << "still running\n" << Logs();
  EXPECT_EQ(*code, 3) << Logs();
  code = Run({"--migrate_only"});
  ASSERT_TRUE(code.has_value()) << "still running\n" << Logs();
  EXPECT_EQ(*code, 3) << Logs();
}

}  // namespace
}  // namespace luban::course
