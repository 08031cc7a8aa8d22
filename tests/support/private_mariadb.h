// A MariaDB server of a test's own, for faults that would break every other test sharing the
// suite's database: kill -9, SIGSTOP/SIGCONT, restart on the same data.
//
//   auto server = PrivateMariaDb::Start(dir);     // mariadb-install-db + mariadbd, ~5 s
//   ASSERT_TRUE(server.ok()) << server.status();
//   auto db = TestDatabase::Create((*server)->server());
//   (*server)->Kill();  ASSERT_TRUE((*server)->Restart().ok());
//
// The server runs the project's deploy/mariadb/my.cnf with full durability (a commit is flushed
// to the log before it is acknowledged, as in production; the suite's shared test server trades
// that for speed), listens on a free port on 127.0.0.1 only, and keeps its data in "<dir>/data".
// Root logs in over TCP with a password of the test's own.
#ifndef LUBAN_TESTS_SUPPORT_PRIVATE_MARIADB_H_
#define LUBAN_TESTS_SUPPORT_PRIVATE_MARIADB_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/support/child_process.h"
#include "tests/support/test_database.h"

namespace luban::testing {

class PrivateMariaDb {
 public:
  struct Options {
    // The option file mariadbd reads ("" for deploy/mariadb/my.cnf; a Galera node's includes it).
    std::string defaults_file;
    // Root's password, over TCP and over the socket ("" for one of the test's own).
    std::string admin_password;
    // A port of its own ("" picks a free one).
    int port = 0;
    // mariadbd arguments of the first start only (e.g. --wsrep-new-cluster).
    std::vector<std::string> first_start_args;
    // False for a node that joins a Galera cluster: its accounts come from the donor's data.
    bool set_up_root = true;
    // How long a start may take (a joining Galera node first copies a donor's data).
    absl::Duration start_timeout = absl::Seconds(120);
  };

  // Initialises "<dir>/data" and starts the server; returns once it answers over TCP.
  static absl::StatusOr<std::unique_ptr<PrivateMariaDb>> Start(const std::string& dir,
                                                               Options options);
  static absl::StatusOr<std::unique_ptr<PrivateMariaDb>> Start(const std::string& dir) {
    return Start(dir, Options());
  }
  // Stops the server (SIGCONT first if paused, then SIGTERM; SIGKILL after 60 s).
  ~PrivateMariaDb();
  PrivateMariaDb(const PrivateMariaDb&) = delete;
  PrivateMariaDb& operator=(const PrivateMariaDb&) = delete;

  // Where its root account is: for TestDatabase::Create(server()).
  const TestServer& server() const { return server_; }
  // Its directory (the data in "<dir>/data").
  const std::string& dir() const { return dir_; }
  pid_t pid() const { return process_.pid(); }
  // Started, not killed since, and not paused.
  bool running() const { return process_.running() && !paused_; }

  // SIGKILL, and waits until the process is gone. A paused server is killed without resuming:
  // whatever it had received but not processed (a COMMIT, say) is never processed.
  void Kill();
  // SIGTERM (a clean shutdown), and waits until the process is gone.
  void Stop();
  // Starts the server again on the same data and port (crash recovery included); returns once
  // it answers. `args`: mariadbd arguments of this start only.
  absl::Status Restart(const std::vector<std::string>& args = {});
  // Runs mariadbd (stopped) on its data with `args` to the end, its error log going to
  // "<dir>/<tag>.log", and returns that log: for one-off runs such as --wsrep-recover.
  absl::StatusOr<std::string> RunOnce(const std::vector<std::string>& args, const std::string& tag);
  // SIGSTOP / SIGCONT: the server hangs (connections stay open, nothing answers) and resumes.
  void Pause();
  void Resume();

  // Its error log so far (for failure messages).
  std::string Log() const;
  // What it logged since it was last started.
  std::string LogSinceStart() const;

 private:
  PrivateMariaDb() = default;
  absl::Status Launch(const std::vector<std::string>& args = {});
  // mariadbd's command line on this server's data, port and files, logging to `log_file`.
  std::vector<std::string> ServerArgs(const std::string& log_file) const;

  std::string dir_;
  Options options_;
  TestServer server_;
  ChildProcess process_;
  bool paused_ = false;
  int launches_ = 0;
  size_t log_size_at_start_ = 0;
};

}  // namespace luban::testing

#endif  // LUBAN_TESTS_SUPPORT_PRIVATE_MARIADB_H_
