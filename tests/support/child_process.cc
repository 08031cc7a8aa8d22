#include "tests/support/child_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

extern char** environ;

namespace luban::testing {

int FreePort() {
  // Two binds to port 0 in a row can return the same port, and gRPC servers bind with
  // SO_REUSEPORT: two children given one port would both listen on it and share its calls.
  static absl::Mutex mu(absl::kConstInit);
  static absl::flat_hash_set<int>* given = new absl::flat_hash_set<int>();
  for (int attempt = 0; attempt < 100; ++attempt) {
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
    if (port == 0) return 0;
    absl::MutexLock lock(&mu);
    if (given->insert(port).second) return port;
  }
  return 0;
}

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string MakeTempDir(const char* prefix) {
  std::string path = absl::StrCat("/tmp/", prefix, ".XXXXXX");
  if (mkdtemp(path.data()) == nullptr) return "";
  return path;
}

std::vector<std::string> CleanEnvironment() {
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (!absl::StartsWith(*entry, "LUBAN_")) env.emplace_back(*entry);
  }
  return env;
}

ChildProcess ChildProcess::Spawn(const std::vector<std::string>& argv_strings,
                                 const std::vector<std::string>& env_strings,
                                 const std::string& dir, const std::string& tag,
                                 const std::string& stdin_path) {
  ChildProcess child;
  child.stdout_path_ = absl::StrCat(dir, "/", tag, ".out");
  child.stderr_path_ = absl::StrCat(dir, "/", tag, ".err");
  // Everything the child needs is built before fork(): after it, only async-signal-safe calls.
  std::vector<char*> argv;
  for (const auto& a : argv_strings) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : env_strings) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  const std::string in_path = stdin_path.empty() ? "/dev/null" : stdin_path;
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    const int in = open(in_path.c_str(), O_RDONLY);
    const int out = open(child.stdout_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err = open(child.stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (in < 0 || out < 0 || err < 0) _exit(126);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    close_range(3, ~0U, 0);  // nothing of ours (database or gRPC sockets) leaks into the child
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  child.pid_ = pid;
  return child;
}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    KillAndReap();
    pid_ = std::exchange(other.pid_, -1);
    exit_code_ = std::exchange(other.exit_code_, std::nullopt);
    stdout_path_ = std::move(other.stdout_path_);
    stderr_path_ = std::move(other.stderr_path_);
  }
  return *this;
}

ChildProcess::~ChildProcess() { KillAndReap(); }

void ChildProcess::KillAndReap() {
  if (pid_ > 0 && !exit_code_.has_value()) {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  pid_ = -1;
}

bool ChildProcess::running() const {
  if (pid_ <= 0 || exit_code_.has_value()) return false;
  siginfo_t info{};
  // WNOWAIT: only look; AwaitExit reaps.
  return !(waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
           info.si_pid == pid_);
}

void ChildProcess::Signal(int signal) const {
  if (pid_ > 0 && !exit_code_.has_value()) kill(pid_, signal);
}

std::optional<int> ChildProcess::AwaitExit(absl::Duration timeout) {
  if (exit_code_.has_value() || pid_ <= 0) return exit_code_;
  const absl::Time deadline = absl::Now() + timeout;
  // glibc 2.36's <sys/pidfd.h> lacks extern "C": call the system call directly.
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
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
    // Kernels before 5.3 have no pidfd: look every 10 ms until the deadline.
    while (running() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(10));
  }
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) != pid_) return std::nullopt;
  if (WIFEXITED(status)) exit_code_ = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) exit_code_ = 128 + WTERMSIG(status);
  return exit_code_;
}

std::string ChildProcess::Logs() const {
  return absl::StrCat("stdout:\n", Output(), "\nstderr:\n", Errors());
}

RunResult RunToEnd(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                   const std::string& dir, const std::string& tag, absl::Duration timeout,
                   const std::string& stdin_path) {
  ChildProcess child = ChildProcess::Spawn(argv, env, dir, tag, stdin_path);
  RunResult result;
  result.exit_code = child.AwaitExit(timeout);
  if (!result.exit_code.has_value()) {
    child.Signal(SIGKILL);
    child.AwaitExit(absl::Seconds(10));
  }
  result.out = child.Output();
  result.err = child.Errors();
  return result;
}

}  // namespace luban::testing
