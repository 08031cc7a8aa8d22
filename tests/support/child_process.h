// A program of ours run as a child process by a test: its arguments and environment given
// exactly, stdin from /dev/null (or a file), stdout and stderr to files, killed with the test.
//
//   ChildProcess child = ChildProcess::Spawn({binary, "--flag"}, env, dir);
//   std::optional<int> code = child.AwaitExit(absl::Seconds(30));
//   EXPECT_EQ(code, 0) << child.Logs();
#ifndef LUBAN_TESTS_SUPPORT_CHILD_PROCESS_H_
#define LUBAN_TESTS_SUPPORT_CHILD_PROCESS_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace luban::testing {

// A loopback port that was free a moment ago (bound to port 0, then closed), never the same one
// twice in a process. Another process could take it before the child binds it; the services do
// not share ports (no SO_REUSEPORT), so that fails the child's start rather than splitting calls.
int FreePort();

// The whole contents of a file ("" if it cannot be read).
std::string ReadWholeFile(const std::string& path);

// A new private directory /tmp/<prefix>.XXXXXX ("" when it cannot be made); the caller removes it.
std::string MakeTempDir(const char* prefix);

// Our environment without any LUBAN_ setting (a test's settings must not come from the shell).
std::vector<std::string> CleanEnvironment();

class ChildProcess {
 public:
  // Starts argv[0] (a path) with `argv` and exactly `env` ("NAME=value"). Its stdout and
  // stderr go to "<dir>/<tag>.out" and "<dir>/<tag>.err"; stdin is `stdin_path` or /dev/null.
  // The child gets SIGKILL if the test process dies. pid() <= 0 if the fork failed.
  static ChildProcess Spawn(const std::vector<std::string>& argv,
                            const std::vector<std::string>& env, const std::string& dir,
                            const std::string& tag, const std::string& stdin_path = "");

  ChildProcess() = default;
  ChildProcess(ChildProcess&& other) noexcept { *this = std::move(other); }
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  // Kills (SIGKILL) and reaps a child still running.
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  bool running() const;

  // Sends `signal` (e.g. SIGTERM) if the child has not been reaped.
  void Signal(int signal) const;

  // The exit code (128 + signal when a signal killed it), or nullopt if the child still runs
  // after `timeout`. Waits on a pidfd, without polling.
  std::optional<int> AwaitExit(absl::Duration timeout);

  // What it wrote so far.
  std::string Output() const { return ReadWholeFile(stdout_path_); }
  std::string Errors() const { return ReadWholeFile(stderr_path_); }
  std::string Logs() const;

 private:
  // SIGKILL and waitpid for a child not reaped yet; then no child.
  void KillAndReap();

  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::string stdout_path_;
  std::string stderr_path_;
};

// Runs a program to its end (within `timeout`) and returns what it did.
struct RunResult {
  std::optional<int> exit_code;  // nullopt: still running at the timeout (then killed)
  std::string out;
  std::string err;
};
RunResult RunToEnd(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                   const std::string& dir, const std::string& tag,
                   absl::Duration timeout = absl::Seconds(120), const std::string& stdin_path = "");

}  // namespace luban::testing

#endif  // LUBAN_TESTS_SUPPORT_CHILD_PROCESS_H_
