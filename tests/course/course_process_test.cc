// The real luban-course binary as a child process, configured only through its environment
// (LUBAN_DB_*, LUBAN_CREDENTIALS_FILE, LUBAN_LISTEN, LUBAN_PAGE_TOKEN_SECRET...): migrations and
// --migrate_only, refusal of a newer schema, serving until SIGTERM and stopping cleanly, and the
// documented exit codes (0 clean, 2 bad configuration, 3 database unreachable, 4 schema refused).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
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
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "gtest/gtest.h"
#include "luban/course/v1/course.grpc.pb.h"
#include "tests/support/test_database.h"

#ifndef LUBAN_COURSE_BINARY
#error "LUBAN_COURSE_BINARY must name the luban-course binary"
#endif

extern char** environ;

namespace luban::course {
namespace {

namespace pb = ::luban::course::v1;
using ::grpc::health::v1::HealthCheckResponse;

constexpr char kAdminToken[] = "token-network-admin";
constexpr char kReporterToken[] = "token-reporter";

// A loopback port that was free a moment ago (bound to port 0, then closed). Another process
// could take it before the child binds it; on this test's scale that is acceptable.
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  int port = 0;
  if (bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  close(fd);
  return port;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class CourseProcessTest : public luban::testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    char dir[] = "/tmp/luban-course-process.XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr) << std::strerror(errno);
    dir_ = dir;
    credentials_file_ = dir_ + "/credentials";
    WriteFile(credentials_file_,
              absl::StrCat("# test principals\n", auth::HashToken(kAdminToken),
                           " network_admin admin\n", auth::HashToken(kReporterToken),
                           " reporter reports\n"));
  }

  void TearDown() override {
    for (const pid_t pid : running_) {
      kill(pid, SIGKILL);
      int status = 0;
      waitpid(pid, &status, 0);
    }
    running_.clear();
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
    std::vector<std::string> env;
    for (char** entry = environ; *entry != nullptr; ++entry) {
      if (!absl::StartsWith(*entry, "LUBAN_")) env.emplace_back(*entry);
    }
    // Overrides first: getenv() takes the first of duplicate names.
    for (const auto& [name, value] : overrides_) env.push_back(absl::StrCat(name, "=", value));
    const db::DbConfig config = Config(2);
    env.push_back(absl::StrCat("LUBAN_DB_HOST=", config.host));
    env.push_back(absl::StrCat("LUBAN_DB_PORT=", config.port));
    env.push_back(absl::StrCat("LUBAN_DB_USER=", config.user));
    env.push_back(absl::StrCat("LUBAN_DB_PASSWORD=", config.password));
    env.push_back(absl::StrCat("LUBAN_DB_NAME=", config.database));
    env.push_back(absl::StrCat("LUBAN_DB_POOL_SIZE=", 2));
    env.push_back(absl::StrCat("LUBAN_DB_WAIT=", "5s"));
    env.push_back(absl::StrCat("LUBAN_CREDENTIALS_FILE=", credentials_file_));
    env.push_back(absl::StrCat("LUBAN_LISTEN=127.0.0.1:", listen_port));
    env.push_back("LUBAN_PAGE_TOKEN_SECRET=process-test-secret");
    env.push_back("LUBAN_HEALTH_INTERVAL=100ms");
    env.push_back("LUBAN_SHUTDOWN_GRACE=5s");
    return env;
  }

  // Starts luban-course with `args`; its stdout and stderr go to files of the test's directory
  // (stdout_path()/stderr_path()). The child dies with the test process.
  pid_t Spawn(const std::vector<std::string>& args, int listen_port = 0) {
    if (listen_port == 0) listen_port = FreePort();
    ++spawned_;
    stdout_path_ = absl::StrCat(dir_, "/stdout.", spawned_);
    stderr_path_ = absl::StrCat(dir_, "/stderr.", spawned_);
    // Everything the child needs is built before fork(): after it, only async-signal-safe calls.
    const std::vector<std::string> env_strings = Environment(listen_port);
    std::vector<std::string> arg_strings = {LUBAN_COURSE_BINARY};
    arg_strings.insert(arg_strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (const auto& a : arg_strings) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (const auto& e : env_strings) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(127);
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      const int in = open("/dev/null", O_RDONLY);
      const int out = open(stdout_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      const int err = open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (in < 0 || out < 0 || err < 0) _exit(126);
      dup2(in, 0);
      dup2(out, 1);
      dup2(err, 2);
      close_range(3, ~0U, 0);  // nothing of ours (database or gRPC sockets) leaks into the child
      execve(argv[0], argv.data(), envp.data());
      _exit(127);
    }
    EXPECT_GT(pid, 0) << "fork: " << std::strerror(errno);
    if (pid > 0) running_.push_back(pid);
    return pid;
  }

  // The child's exit code (128 + signal when a signal killed it), or nullopt if it is still
  // running after `timeout`. Waits on a pidfd (no polling); on a kernel without pidfd_open
  // (before 5.3), checks with waitpid every 10 ms until the deadline.
  std::optional<int> AwaitExit(pid_t pid, absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    // glibc 2.36's <sys/pidfd.h> lacks extern "C": call the system call directly.
    const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    if (pidfd >= 0) {
      while (true) {
        const int64_t ms = std::max<int64_t>(0, absl::ToInt64Milliseconds(deadline - absl::Now()));
        pollfd p{pidfd, POLLIN, 0};
        const int ready = poll(&p, 1, static_cast<int>(ms));
        if (ready < 0 && errno == EINTR) continue;
        break;
      }
      close(pidfd);
    } else {
      while (!Exited(pid) && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(10));
    }
    int status = 0;
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done != pid) return std::nullopt;
    std::erase(running_, pid);
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return std::nullopt;
  }

  // True once the child has exited (it stays waitable).
  static bool Exited(pid_t pid) {
    siginfo_t info{};
    return waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
           info.si_pid == pid;
  }

  // What the last spawned child wrote.
  std::string Output() { return ReadFile(stdout_path_); }
  std::string Errors() { return ReadFile(stderr_path_); }
  std::string Logs() { return absl::StrCat("stdout:\n", Output(), "\nstderr:\n", Errors()); }

  // Runs `luban-course args...` to its end (within `timeout`); nullopt if it did not end.
  std::optional<int> Run(const std::vector<std::string>& args,
                         absl::Duration timeout = absl::Seconds(60)) {
    const pid_t pid = Spawn(args);
    if (pid <= 0) return std::nullopt;
    return AwaitExit(pid, timeout);
  }

  std::shared_ptr<grpc::Channel> Channel(int port) {
    grpc::ChannelArguments arguments;
    // Reconnect promptly while the child is starting instead of backing off for seconds.
    arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 50);
    arguments.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 50);
    arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 200);
    return grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port),
                                     grpc::InsecureChannelCredentials(), arguments);
  }

  // Waits until the child at `port` reports SERVING: short Watch calls (each waits for the
  // channel and then for the status), within `timeout` overall; false early if the child exits.
  bool AwaitServing(pid_t pid, const std::shared_ptr<grpc::Channel>& channel,
                    absl::Duration timeout) {
    auto health = grpc::health::v1::Health::NewStub(channel);
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      grpc::ClientContext context;
      context.set_wait_for_ready(true);
      context.set_deadline(absl::ToChronoTime(std::min(deadline, absl::Now() + absl::Seconds(1))));
      grpc::health::v1::HealthCheckRequest request;
      auto reader = health->Watch(&context, request);
      HealthCheckResponse response;
      bool serving = false;
      while (!serving && reader->Read(&response)) {
        serving = response.status() == HealthCheckResponse::SERVING;
      }
      context.TryCancel();
      reader->Finish().IgnoreError();
      if (serving) return true;
      if (Exited(pid)) return false;
    }
    return false;
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
  std::string stdout_path_;
  std::string stderr_path_;
  std::vector<std::pair<std::string, std::string>> overrides_;
  std::vector<pid_t> running_;
  int spawned_ = 0;
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
  const pid_t pid = Spawn({}, port);
  const std::optional<int> code = AwaitExit(pid, absl::Seconds(60));
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
  const pid_t pid = Spawn({}, port);
  ASSERT_GT(pid, 0);
  auto channel = Channel(port);
  ASSERT_TRUE(AwaitServing(pid, channel, absl::Seconds(60))) << Logs();
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
    auto going = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu) {
      return completed >= 3 || !failures.empty();
    };
    mu.AwaitWithTimeout(absl::Condition(&going), absl::Seconds(10));
  }

  ASSERT_EQ(kill(pid, SIGTERM), 0);
  const std::optional<int> code = AwaitExit(pid, absl::Seconds(5 + 5));  // grace + margin
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
