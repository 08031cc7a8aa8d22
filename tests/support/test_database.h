// A throwaway database for tests that need a real MariaDB.
//
// Configuration comes from the environment (scripts/test sets it for a MariaDB it starts):
//   LUBAN_TEST_DB_HOST            host of the test server (required; absent -> tests skip)
//   LUBAN_TEST_DB_PORT            port (default 3306)
//   LUBAN_TEST_DB_ADMIN_USER      an account that may create schemas and users (default root)
//   LUBAN_TEST_DB_ADMIN_PASSWORD  its password (default empty)
//
// Each TestDatabase creates a fresh, uniquely named schema and a user with rights on that schema
// only, as in production (GRANT ALL ON <schema>.* TO <user>@'127.0.0.1' and @'localhost'), and
// drops both when destroyed. Tests derive from DatabaseTest, which skips them when the database
// is not configured, except under CI (CI=true), where a missing database fails them: CI must
// never pass by skipping.
#ifndef LUBAN_TESTS_SUPPORT_TEST_DATABASE_H_
#define LUBAN_TESTS_SUPPORT_TEST_DATABASE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/db/pool.h"
#include "gtest/gtest.h"

namespace sql {
class Connection;
}  // namespace sql

namespace luban::testing {

// Where the admin account of the test server is, from the environment.
struct TestServer {
  std::string host;
  int port = 3306;
  std::string admin_user = "root";
  std::string admin_password;
};

// The test server's settings; FAILED_PRECONDITION when LUBAN_TEST_DB_HOST is unset.
absl::StatusOr<TestServer> TestServerFromEnv();

// The settings a service process needs to use `config`'s schema: LUBAN_DB_HOST, _PORT, _USER,
// _PASSWORD, _NAME, _POOL_SIZE (`pool_size`) and _WAIT (`wait`, how long it waits for the
// database at start), as "NAME=value" for ChildProcess::Spawn.
std::vector<std::string> ServiceDbEnvironment(const db::DbConfig& config, int pool_size,
                                              absl::string_view wait);

// The rows of `query`, run as `server`'s admin on a connection opened for it and closed after,
// each row's columns as text (NULL as ""). UNAVAILABLE when the server cannot be reached.
absl::StatusOr<std::vector<std::vector<std::string>>> AdminQuery(const TestServer& server,
                                                                 absl::string_view query);

// True when CI=true: tests that cannot run must fail rather than skip.
bool RunningInCi();

// Not thread-safe: the admin helpers share one connection; call them from the test's thread.
class TestDatabase {
 public:
  // Creates the schema and its user. FAILED_PRECONDITION when the environment names no test
  // server; UNAVAILABLE/INTERNAL when it cannot be reached or refuses.
  static absl::StatusOr<std::unique_ptr<TestDatabase>> Create();
  // The same on another server (e.g. a PrivateMariaDb).
  static absl::StatusOr<std::unique_ptr<TestDatabase>> Create(const TestServer& server);

  // Drops the schema and the user (killing the user's leftover connections first).
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  // Connection settings of the schema's own user (pool_size and timeouts at their defaults).
  db::DbConfig Config() const;
  const std::string& schema() const { return schema_; }
  const std::string& user() const { return user_; }

  // Opens the admin connection again (after the server was restarted under it).
  absl::Status Reconnect();

  // Runs a statement as the admin, with the test schema as the default database (autocommit).
  absl::Status Execute(absl::string_view statement);
  // The value of `column` (1-based) in the first row of `query`, run as the admin; NULL -> "".
  // NOT_FOUND when the query returns no row.
  absl::StatusOr<std::string> QueryValue(absl::string_view query, int column = 1);
  // As QueryValue, parsed as an integer (e.g. a COUNT(*)).
  absl::StatusOr<int64_t> QueryInt(absl::string_view query);
  // CHECKSUM TABLE of a table of the test schema: changes whenever its contents change.
  absl::StatusOr<std::string> TableChecksum(absl::string_view table);

  // Transactions of the schema's user that are waiting for a row lock.
  absl::StatusOr<int64_t> LockWaits();
  // Polls until at least `count` of them wait (DEADLINE_EXCEEDED after `timeout`): lets a test
  // act once another thread is known to be blocked inside the database, without sleeping.
  absl::Status AwaitLockWaits(int count, absl::Duration timeout = absl::Seconds(30));
  // Transactions of the schema's user that are active (running, waiting or committing).
  absl::StatusOr<int64_t> ActiveTransactions();
  // Polls until none is: the work a call left in the database has ended, committed or not.
  absl::Status AwaitNoActiveTransactions(absl::Duration timeout = absl::Seconds(30));

 private:
  TestDatabase(TestServer server, std::unique_ptr<sql::Connection> admin, std::string schema,
               std::string user, std::string password);

  // Transactions of the schema's user whose InnoDB status entry contains `marker`.
  absl::StatusOr<int64_t> CountTransactions(absl::string_view marker);
  // Polls `count` until `done` holds.
  absl::Status AwaitTransactions(absl::string_view what,
                                 absl::FunctionRef<absl::StatusOr<int64_t>()> count,
                                 absl::FunctionRef<bool(int64_t)> done, absl::Duration timeout);

  const TestServer server_;
  std::unique_ptr<sql::Connection> admin_;
  const std::string schema_;
  const std::string user_;
  const std::string password_;
};

// Base fixture of tests against the real database: a fresh schema per test (db()), the
// connector's driver initialised before any thread, skip-or-fail when not configured.
class DatabaseTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  void SetUp() override;
  void TearDown() override;

  TestDatabase& db() { return *db_; }
  // The schema user's settings with the given pool size.
  db::DbConfig Config(int pool_size = 4) const;

 private:
  std::unique_ptr<TestDatabase> db_;
};

}  // namespace luban::testing

// For tests outside DatabaseTest: skips (or, under CI, fails) the current test when no test
// database is configured. Use at the top of a TEST body or SetUp.
#define LUBAN_REQUIRE_TEST_DATABASE()                                                      \
  do {                                                                                     \
    if (auto luban_server_ = ::luban::testing::TestServerFromEnv(); !luban_server_.ok()) { \
      if (::luban::testing::RunningInCi()) {                                               \
        FAIL() << luban_server_.status().message()                                         \
               << " (CI=true: database tests must run, not skip)";                         \
      }                                                                                    \
      GTEST_SKIP() << luban_server_.status().message();                                    \
    }                                                                                      \
  } while (false)

#endif  // LUBAN_TESTS_SUPPORT_TEST_DATABASE_H_
