#include "tests/support/test_database.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <random>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/db/sql_error.h"
#include "cppconn/connection.h"
#include "cppconn/driver.h"
#include "cppconn/exception.h"
#include "cppconn/resultset.h"
#include "cppconn/resultset_metadata.h"
#include "cppconn/statement.h"

namespace luban::testing {
namespace {

std::string GetEnv(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

std::string RandomHex(int bytes) {
  static std::atomic<uint64_t> salt{0};
  std::random_device device;
  std::mt19937_64 engine((static_cast<uint64_t>(device()) << 32) ^ device() ^ salt.fetch_add(1) ^
                         static_cast<uint64_t>(getpid()));
  std::string out;
  for (int i = 0; i < bytes; ++i) {
    absl::StrAppendFormat(&out, "%02x", static_cast<unsigned>(engine() & 0xff));
  }
  return out;
}

absl::Status ToStatus(const sql::SQLException& e, absl::string_view context) {
  return db::SqlErrorToStatus(e, context);
}

void ExecuteOn(sql::Connection& connection, const std::string& statement) {
  std::unique_ptr<sql::Statement> s(connection.createStatement());
  if (s->execute(statement)) {
    // Read a result (e.g. of SELECT ... FOR UPDATE) so the connection stays in sync.
    std::unique_ptr<sql::ResultSet> rows(s->getResultSet());
    while (rows->next()) {
    }
  }
}

std::vector<std::string> UserAccounts(const std::string& user) {
  return {absl::StrCat("'", user, "'@'127.0.0.1'"), absl::StrCat("'", user, "'@'localhost'")};
}

}  // namespace

absl::StatusOr<TestServer> TestServerFromEnv() {
  TestServer server;
  server.host = GetEnv("LUBAN_TEST_DB_HOST");
  if (server.host.empty()) {
    return absl::FailedPreconditionError(
        "no test database: LUBAN_TEST_DB_HOST is not set (scripts/test starts a throwaway "
        "MariaDB and sets LUBAN_TEST_DB_HOST, _PORT, _ADMIN_USER, _ADMIN_PASSWORD)");
  }
  if (const std::string port = GetEnv("LUBAN_TEST_DB_PORT"); !port.empty()) {
    if (!absl::SimpleAtoi(port, &server.port) || server.port <= 0 || server.port > 65535) {
      return absl::InvalidArgumentError(
          absl::StrCat("LUBAN_TEST_DB_PORT is not a port number: '", port, "'"));
    }
  }
  if (const std::string user = GetEnv("LUBAN_TEST_DB_ADMIN_USER"); !user.empty()) {
    server.admin_user = user;
  }
  server.admin_password = GetEnv("LUBAN_TEST_DB_ADMIN_PASSWORD");
  return server;
}

std::vector<std::string> ServiceDbEnvironment(const db::DbConfig& config, int pool_size,
                                              absl::string_view wait) {
  std::vector<std::string> hosts;
  for (const db::DbHost& host : config.hosts) {
    hosts.push_back(absl::StrCat(host.host, ":", host.port));
  }
  return {absl::StrCat("LUBAN_DB_HOST=", absl::StrJoin(hosts, ",")),
          absl::StrCat("LUBAN_DB_USER=", config.user),
          absl::StrCat("LUBAN_DB_PASSWORD=", config.password),
          absl::StrCat("LUBAN_DB_NAME=", config.database),
          absl::StrCat("LUBAN_DB_POOL_SIZE=", pool_size),
          absl::StrCat("LUBAN_DB_WAIT=", wait)};
}

bool RunningInCi() { return GetEnv("CI") == "true"; }

namespace {

absl::StatusOr<std::unique_ptr<sql::Connection>> ConnectAdmin(const TestServer& server) {
  try {
    sql::ConnectOptionsMap options;
    options["hostName"] = sql::SQLString(server.host);
    options["port"] = server.port;
    options["userName"] = sql::SQLString(server.admin_user);
    options["password"] = sql::SQLString(server.admin_password);
    options["OPT_RECONNECT"] = false;
    options["OPT_CONNECT_TIMEOUT"] = 5;
    options["OPT_READ_TIMEOUT"] = 120;
    options["OPT_WRITE_TIMEOUT"] = 120;
    options["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
    std::unique_ptr<sql::Connection> admin(db::Driver()->connect(options));
    admin->setAutoCommit(true);
    return admin;
  } catch (const sql::SQLException& e) {
    return absl::UnavailableError(absl::StrCat("cannot connect to the test database ", server.host,
                                               ":", server.port, " as ", server.admin_user, ": ",
                                               e.what()));
  }
}

}  // namespace

absl::StatusOr<std::vector<std::vector<std::string>>> AdminQuery(const TestServer& server,
                                                                 absl::string_view query) {
  auto admin = ConnectAdmin(server);
  if (!admin.ok()) return admin.status();
  try {
    std::unique_ptr<sql::Statement> s((*admin)->createStatement());
    std::unique_ptr<sql::ResultSet> rows(s->executeQuery(std::string(query)));
    const int columns = static_cast<int>(rows->getMetaData()->getColumnCount());
    std::vector<std::vector<std::string>> out;
    while (rows->next()) {
      std::vector<std::string>& row = out.emplace_back();
      for (int c = 1; c <= columns; ++c) {
        row.push_back(rows->isNull(c) ? std::string() : std::string(rows->getString(c)));
      }
    }
    return out;
  } catch (const sql::SQLException& e) {
    return ToStatus(e, query);
  }
}

absl::StatusOr<std::unique_ptr<TestDatabase>> TestDatabase::Create() {
  auto server = TestServerFromEnv();
  if (!server.ok()) return server.status();
  return Create(*server);
}

absl::Status TestDatabase::Reconnect() {
  auto admin = ConnectAdmin(server_);
  if (!admin.ok()) return admin.status();
  try {
    (*admin)->setSchema(schema_);
  } catch (const sql::SQLException& e) {
    return absl::UnavailableError(absl::StrCat("cannot use ", schema_, ": ", e.what()));
  }
  admin_ = *std::move(admin);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<TestDatabase>> TestDatabase::Create(const TestServer& server) {
  static std::atomic<int> counter{0};
  const std::string schema =
      absl::StrCat("t_", getpid(), "_", counter.fetch_add(1), "_", RandomHex(4));
  const std::string& user = schema;  // unique too, and at most 80 characters
  const std::string password = RandomHex(16);

  auto admin = ConnectAdmin(server);
  if (!admin.ok()) return admin.status();

  // Owns what exists so far, so a failure below drops it again.
  std::unique_ptr<TestDatabase> database(
      new TestDatabase(server, *std::move(admin), schema, user, password));
  try {
    sql::Connection& connection = *database->admin_;
    ExecuteOn(connection, "SET SESSION lock_wait_timeout = 30");
    ExecuteOn(connection, absl::StrCat("CREATE DATABASE `", schema,
                                       "` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"));
    for (const std::string& account : UserAccounts(user)) {
      ExecuteOn(connection,
                absl::StrCat("CREATE USER ", account, " IDENTIFIED BY '", password, "'"));
      ExecuteOn(connection, absl::StrCat("GRANT ALL ON `", schema, "`.* TO ", account));
    }
    connection.setSchema(schema);
  } catch (const sql::SQLException& e) {
    return ToStatus(e, "create the test schema and its user");
  }
  return database;
}

TestDatabase::TestDatabase(TestServer server, std::unique_ptr<sql::Connection> admin,
                           std::string schema, std::string user, std::string password)
    : server_(std::move(server)),
      admin_(std::move(admin)),
      schema_(std::move(schema)),
      user_(std::move(user)),
      password_(std::move(password)) {}

TestDatabase::~TestDatabase() {
  try {
    // Connections a test left open would hold metadata locks that block DROP DATABASE.
    std::vector<int64_t> ids;
    {
      std::unique_ptr<sql::Statement> s(admin_->createStatement());
      std::unique_ptr<sql::ResultSet> rows(s->executeQuery(absl::StrCat(
          "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = '", user_, "'")));
      while (rows->next()) ids.push_back(rows->getInt64(1));
    }
    for (int64_t id : ids) {
      try {
        ExecuteOn(*admin_, absl::StrCat("KILL CONNECTION ", id));
      } catch (const sql::SQLException&) {
        // It ended by itself meanwhile.
      }
    }
    ExecuteOn(*admin_, absl::StrCat("DROP DATABASE IF EXISTS `", schema_, "`"));
    for (const std::string& account : UserAccounts(user_)) {
      ExecuteOn(*admin_, absl::StrCat("DROP USER IF EXISTS ", account));
    }
  } catch (const sql::SQLException& e) {
    std::cerr << "warning: could not drop the test schema " << schema_ << ": " << e.what() << "\n";
  }
  try {
    admin_->close();
  } catch (const sql::SQLException&) {
    // Dropped either way.
  }
}

db::DbConfig TestDatabase::Config() const {
  db::DbConfig config;
  config.hosts = {{server_.host, server_.port}};
  config.user = user_;
  config.password = password_;
  config.database = schema_;
  return config;
}

absl::Status TestDatabase::Execute(absl::string_view statement) {
  try {
    ExecuteOn(*admin_, std::string(statement));
    return absl::OkStatus();
  } catch (const sql::SQLException& e) {
    return ToStatus(e, statement);
  }
}

absl::StatusOr<std::string> TestDatabase::QueryValue(absl::string_view query, int column) {
  try {
    std::unique_ptr<sql::Statement> s(admin_->createStatement());
    std::unique_ptr<sql::ResultSet> rows(s->executeQuery(std::string(query)));
    if (!rows->next()) {
      return absl::NotFoundError(absl::StrCat("no row from: ", query));
    }
    if (rows->isNull(column)) return std::string();
    return std::string(rows->getString(column));
  } catch (const sql::SQLException& e) {
    return ToStatus(e, query);
  }
}

absl::StatusOr<int64_t> TestDatabase::QueryInt(absl::string_view query) {
  auto text = QueryValue(query);
  if (!text.ok()) return text.status();
  int64_t value = 0;
  if (!absl::SimpleAtoi(*text, &value)) {
    return absl::InternalError(absl::StrCat("not an integer: '", *text, "' from: ", query));
  }
  return value;
}

absl::StatusOr<std::string> TestDatabase::TableChecksum(absl::string_view table) {
  return QueryValue(absl::StrCat("CHECKSUM TABLE `", table, "`"), 2);
}

absl::StatusOr<int64_t> TestDatabase::CountTransactions(absl::string_view marker) {
  // SHOW ENGINE INNODB STATUS is made afresh on every call; information_schema.INNODB_TRX is a
  // cache refreshed only after 100 ms without readers, which parallel pollers can keep stale.
  auto status = QueryValue("SHOW ENGINE INNODB STATUS", 3);
  if (!status.ok()) return status.status();
  // The user follows the client's host on a transaction's "thread id" line.
  const std::string user = absl::StrCat(" ", user_, " ");
  int64_t count = 0;
  for (absl::string_view trx : absl::StrSplit(*status, "---TRANSACTION ")) {
    if (absl::StrContains(trx, marker) && absl::StrContains(trx, user)) ++count;
  }
  return count;
}

absl::StatusOr<int64_t> TestDatabase::LockWaits() { return CountTransactions("LOCK WAIT"); }

absl::StatusOr<int64_t> TestDatabase::ActiveTransactions() { return CountTransactions("ACTIVE"); }

absl::Status TestDatabase::AwaitTransactions(absl::string_view what,
                                             absl::FunctionRef<absl::StatusOr<int64_t>()> count,
                                             absl::FunctionRef<bool(int64_t)> done,
                                             absl::Duration timeout) {
  const absl::Time give_up = absl::Now() + timeout;
  while (true) {
    auto seen = count();
    if (!seen.ok()) return seen.status();
    if (done(*seen)) return absl::OkStatus();
    if (absl::Now() >= give_up) {
      return absl::DeadlineExceededError(absl::StrCat("expected ", what, ", saw ", *seen, " after ",
                                                      absl::FormatDuration(timeout)));
    }
    absl::SleepFor(absl::Milliseconds(20));  // a poll interval, not a synchronisation
  }
}

absl::Status TestDatabase::AwaitLockWaits(int count, absl::Duration timeout) {
  return AwaitTransactions(
      absl::StrCat(count, " lock waits"), [this] { return LockWaits(); },
      [count](int64_t seen) { return seen >= count; }, timeout);
}

absl::Status TestDatabase::AwaitNoActiveTransactions(absl::Duration timeout) {
  return AwaitTransactions(
      "no active transaction", [this] { return ActiveTransactions(); },
      [](int64_t seen) { return seen == 0; }, timeout);
}

void DatabaseTest::SetUpTestSuite() {
  // The connector's driver singleton is not thread-safe to create: make it before any thread.
  db::Driver();
}

void DatabaseTest::SetUp() {
  LUBAN_REQUIRE_TEST_DATABASE();
  auto database = TestDatabase::Create();
  ASSERT_TRUE(database.ok()) << database.status();
  db_ = *std::move(database);
}

void DatabaseTest::TearDown() { db_.reset(); }

db::DbConfig DatabaseTest::Config(int pool_size) const {
  db::DbConfig config = db_->Config();
  config.pool_size = pool_size;
  return config;
}

}  // namespace luban::testing
