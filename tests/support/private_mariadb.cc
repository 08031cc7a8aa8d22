#include "tests/support/private_mariadb.h"

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace luban::testing {
namespace {

// mariadbd refuses to run as root unless told to.
std::vector<std::string> UserArgs() {
  if (::getuid() != 0) return {};
  return {"--user=root"};
}

std::vector<std::string> With(std::vector<std::string> args, const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

}  // namespace

absl::StatusOr<std::unique_ptr<PrivateMariaDb>> PrivateMariaDb::Start(const std::string& dir,
                                                                      Options options) {
  std::unique_ptr<PrivateMariaDb> db(new PrivateMariaDb());
  db->dir_ = dir;
  if (options.defaults_file.empty()) options.defaults_file = LUBAN_MY_CNF;
  db->options_ = std::move(options);
  std::error_code error;
  // Its own tmpdir: servers started at once must not share temporary file names.
  std::filesystem::create_directories(absl::StrCat(dir, "/tmp"), error);
  if (error) return absl::InternalError(absl::StrCat("cannot create ", dir, ": ", error.message()));
  RunResult installed = RunToEnd(
      With({"/usr/bin/mariadb-install-db", absl::StrCat("--defaults-file=", LUBAN_MY_CNF),
            absl::StrCat("--datadir=", dir, "/data"), absl::StrCat("--tmpdir=", dir, "/tmp"),
            "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve"},
           UserArgs()),
      CleanEnvironment(), dir, "mariadb-install-db", absl::Seconds(120));
  if (installed.exit_code != 0) {
    return absl::InternalError(
        absl::StrCat("mariadb-install-db failed:\n", installed.out, installed.err));
  }
  db->server_.host = "127.0.0.1";
  db->server_.port = db->options_.port != 0 ? db->options_.port : FreePort();
  db->server_.admin_user = "root";
  db->server_.admin_password = !db->options_.admin_password.empty()
                                   ? db->options_.admin_password
                                   : absl::StrCat("private-", ::getpid(), "-", db->server_.port);
  if (absl::Status launched = db->Launch(); !launched.ok()) return launched;
  if (!db->options_.set_up_root) return db;
  // Root over TCP and over the socket with a password (root@localhost without one, over the
  // socket, is how we got in; a Galera donor's state transfer logs in there with the password).
  const std::string password = db->server_.admin_password;
  RunResult secured = RunToEnd(
      {"/usr/bin/mariadb", "--no-defaults", absl::StrCat("--socket=", dir, "/mysqld.sock"),
       "-uroot", "-e",
       absl::StrCat("CREATE USER IF NOT EXISTS 'root'@'127.0.0.1'; ALTER USER 'root'@'127.0.0.1' "
                    "IDENTIFIED BY '",
                    password,
                    "'; GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION; "
                    "ALTER USER 'root'@'localhost' IDENTIFIED BY '",
                    password, "';")},
      CleanEnvironment(), dir, "secure-root", absl::Seconds(60));
  if (secured.exit_code != 0) {
    return absl::InternalError(absl::StrCat("cannot set up root:\n", secured.out, secured.err));
  }
  return db;
}

std::vector<std::string> PrivateMariaDb::ServerArgs(const std::string& log_file) const {
  std::vector<std::string> args =
      With({"/usr/sbin/mariadbd", absl::StrCat("--defaults-file=", options_.defaults_file),
            absl::StrCat("--datadir=", dir_, "/data"), absl::StrCat("--tmpdir=", dir_, "/tmp"),
            absl::StrCat("--socket=", dir_, "/mysqld.sock"), absl::StrCat("--port=", server_.port),
            "--bind-address=127.0.0.1", "--skip-networking=0",
            absl::StrCat("--pid-file=", dir_, "/mariadbd.pid"),
            absl::StrCat("--log-error=", log_file), "--innodb-flush-log-at-trx-commit=1"},
           UserArgs());
  // Smaller than my.cnf's: tests start several servers at once. (A Galera node's option file
  // says it instead: a state transfer hands the command line to mariadb-backup, which refuses
  // this option.)
  if (options_.defaults_file == LUBAN_MY_CNF) args.push_back("--innodb-buffer-pool-size=64M");
  return args;
}

absl::Status PrivateMariaDb::Launch(const std::vector<std::string>& extra) {
  std::vector<std::string> args = With(ServerArgs(absl::StrCat(dir_, "/mariadbd.log")), extra);
  if (launches_ == 0) args = With(std::move(args), options_.first_start_args);
  ++launches_;
  log_size_at_start_ = Log().size();
  process_ =
      ChildProcess::Spawn(args, CleanEnvironment(), dir_, absl::StrCat("mariadbd.", launches_));
  if (process_.pid() <= 0) return absl::InternalError("cannot start mariadbd");
  // Ready when the server answers over its socket (it opens TCP at the same moment).
  const absl::Time deadline = absl::Now() + options_.start_timeout;
  while (absl::Now() < deadline) {
    if (!process_.running()) {
      return absl::InternalError(absl::StrCat("mariadbd exited while starting:\n", Log()));
    }
    RunResult ping = RunToEnd(
        {"/usr/bin/mariadb-admin", "--no-defaults", absl::StrCat("--socket=", dir_, "/mysqld.sock"),
         "-uroot", absl::StrCat("-p", server_.admin_password), "--connect-timeout=2", "ping"},
        CleanEnvironment(), dir_, "ping", absl::Seconds(10));
    // Before root has its password, an empty one is what works.
    if (ping.exit_code != 0) {
      ping = RunToEnd({"/usr/bin/mariadb-admin", "--no-defaults",
                       absl::StrCat("--socket=", dir_, "/mysqld.sock"), "-uroot",
                       "--connect-timeout=2", "ping"},
                      CleanEnvironment(), dir_, "ping", absl::Seconds(10));
    }
    if (ping.exit_code == 0) return absl::OkStatus();
    absl::SleepFor(absl::Milliseconds(50));  // polling the server's start-up, not a sync
  }
  return absl::DeadlineExceededError(absl::StrCat(
      "mariadbd did not answer in ", absl::FormatDuration(options_.start_timeout), ":\n", Log()));
}

PrivateMariaDb::~PrivateMariaDb() { Stop(); }

void PrivateMariaDb::Kill() {
  process_.Signal(SIGKILL);  // a stopped process dies too, without running on first
  paused_ = false;
  process_.AwaitExit(absl::Seconds(30));
}

void PrivateMariaDb::Stop() {
  if (paused_) Resume();
  process_.Signal(SIGTERM);
  if (!process_.AwaitExit(absl::Seconds(60)).has_value()) Kill();
}

absl::Status PrivateMariaDb::Restart(const std::vector<std::string>& args) { return Launch(args); }

absl::StatusOr<std::string> PrivateMariaDb::RunOnce(const std::vector<std::string>& args,
                                                    const std::string& tag) {
  const std::string log_file = absl::StrCat(dir_, "/", tag, ".log");
  std::filesystem::remove(log_file);
  RunResult run =
      RunToEnd(With(ServerArgs(log_file), args), CleanEnvironment(), dir_, tag, absl::Seconds(120));
  std::string log = ReadWholeFile(log_file);
  if (run.exit_code != 0) {
    return absl::InternalError(absl::StrCat("mariadbd ", tag, " failed:\n", run.err, log));
  }
  return log;
}

void PrivateMariaDb::Pause() {
  process_.Signal(SIGSTOP);
  paused_ = true;
}

void PrivateMariaDb::Resume() {
  process_.Signal(SIGCONT);
  paused_ = false;
}

std::string PrivateMariaDb::Log() const {
  return ReadWholeFile(absl::StrCat(dir_, "/mariadbd.log"));
}

std::string PrivateMariaDb::LogSinceStart() const {
  std::string log = Log();
  return log.size() >= log_size_at_start_ ? log.substr(log_size_at_start_) : log;
}

}  // namespace luban::testing
