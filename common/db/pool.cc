#include "common/db/pool.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/db/sql_error.h"
#include "common/domain/status_macros.h"
#include "cppconn/connection.h"
#include "cppconn/exception.h"
#include "cppconn/prepared_statement.h"
#include "cppconn/statement.h"
#include "mysql_driver.h"

namespace luban::db {
namespace {

// The connector wants mysql_thread_init()/end() on every thread that uses it; do it once per
// thread, transparently, the first time a thread borrows.
class ThreadRegistration {
 public:
  ThreadRegistration() { Driver()->threadInit(); }
  ~ThreadRegistration() { Driver()->threadEnd(); }
};

void EnsureThreadRegistered() { thread_local ThreadRegistration registration; }

int Seconds(absl::Duration d) {
  const int64_t s = absl::ToInt64Seconds(absl::Ceil(d, absl::Seconds(1)));
  return static_cast<int>(s < 1 ? 1 : s);
}

}  // namespace

sql::Driver* Driver() {
  static sql::Driver* const driver = sql::mysql::get_mysql_driver_instance();
  return driver;
}

void Commit(sql::Connection& connection) {
  std::unique_ptr<sql::Statement> statement(connection.createStatement());
  statement->execute("COMMIT");
}

void Rollback(sql::Connection& connection) {
  std::unique_ptr<sql::Statement> statement(connection.createStatement());
  statement->execute("ROLLBACK");
}

PooledConnection::PooledConnection(std::unique_ptr<sql::Connection> connection)
    : connection_(std::move(connection)), last_used_(absl::Now()) {}

PooledConnection::~PooledConnection() {
  statements_.clear();  // statements before their connection
  try {
    connection_->close();
  } catch (const sql::SQLException&) {
    // Closing a broken connection may fail; it is being dropped either way.
  }
}

sql::PreparedStatement& PooledConnection::Prepare(absl::string_view query) {
  auto it = statements_.find(query);
  if (it == statements_.end()) {
    std::unique_ptr<sql::PreparedStatement> statement(
        connection_->prepareStatement(std::string(query)));
    it = statements_.emplace(std::string(query), std::move(statement)).first;
  } else {
    it->second->clearParameters();
  }
  return *it->second;
}

ConnectionPool::Lease::Lease(Lease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)), connection_(std::move(other.connection_)) {}

ConnectionPool::Lease& ConnectionPool::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    Release();
    pool_ = std::exchange(other.pool_, nullptr);
    connection_ = std::move(other.connection_);
  }
  return *this;
}

ConnectionPool::Lease::~Lease() { Release(); }

void ConnectionPool::Lease::Discard() {
  if (pool_ != nullptr && connection_ != nullptr) {
    pool_->Return(std::move(connection_), /*discard=*/true);
  }
  pool_ = nullptr;
}

void ConnectionPool::Lease::Release() {
  if (pool_ != nullptr && connection_ != nullptr) {
    pool_->Return(std::move(connection_), /*discard=*/false);
  }
  pool_ = nullptr;
}

ConnectionPool::ConnectionPool(DbConfig config) : config_(std::move(config)) {}

ConnectionPool::~ConnectionPool() {
  absl::MutexLock lock(&mu_);
  idle_.clear();
}

absl::StatusOr<std::unique_ptr<PooledConnection>> ConnectionPool::Open(
    absl::Duration connect_timeout, absl::Duration io_timeout) {
  EnsureThreadRegistered();
  sql::ConnectOptionsMap options;
  options["hostName"] = sql::SQLString(config_.host);
  options["port"] = config_.port;
  options["userName"] = sql::SQLString(config_.user);
  options["password"] = sql::SQLString(config_.password);
  if (!config_.database.empty()) options["schema"] = sql::SQLString(config_.database);
  options["OPT_RECONNECT"] = false;
  options["OPT_CONNECT_TIMEOUT"] = Seconds(connect_timeout);
  options["OPT_READ_TIMEOUT"] = Seconds(io_timeout);
  options["OPT_WRITE_TIMEOUT"] = Seconds(io_timeout);
  options["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
  try {
    std::unique_ptr<sql::Connection> connection(Driver()->connect(options));
    {
      std::unique_ptr<sql::Statement> statement(connection->createStatement());
      // Byte-exact UTF-8 in any script, UTC timestamps, strict input checks, and transactions:
      // autocommit is turned off here, where a failure throws (setAutoCommit() ignores one, as
      // commit() does), and last, so that opening a connection leaves no transaction to commit.
      statement->execute(
          "SET NAMES utf8mb4 COLLATE utf8mb4_bin, time_zone = '+00:00', "
          "sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO,"
          "NO_ENGINE_SUBSTITUTION', autocommit = 0");
    }
    connection->setAutoCommit(false);  // the connector's own record of it
    return std::make_unique<PooledConnection>(std::move(connection));
  } catch (const sql::SQLException& e) {
    if (IsConnectionError(e.getErrorCode()) || e.getErrorCode() == 0) {
      return absl::UnavailableError(absl::StrCat("database ", config_.host, ":", config_.port,
                                                 " is unreachable: ", e.what()));
    }
    return SqlErrorToStatus(e, "connect to the database");
  }
}

absl::StatusOr<ConnectionPool::Lease> ConnectionPool::Borrow(absl::Time deadline) {
  EnsureThreadRegistered();
  if (!reachable()) {
    return absl::UnavailableError(
        "the database is not answering (health NOT_SERVING); retry with backoff");
  }
  const absl::Time now = absl::Now();
  const absl::Time wait_until = std::min(deadline, now + config_.borrow_timeout);
  while (true) {
    std::unique_ptr<PooledConnection> candidate;
    bool may_open = false;
    {
      absl::MutexLock lock(&mu_);
      auto available = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return !idle_.empty() || open_ < config_.pool_size;
      };
      if (!available()) {
        ++waits_;
        if (!mu_.AwaitWithDeadline(absl::Condition(&available), wait_until)) {
          if (deadline <= wait_until) {
            return absl::DeadlineExceededError(
                "the call's deadline passed while waiting for a database connection");
          }
          return absl::ResourceExhaustedError(
              "all database connections are busy; retry with backoff");
        }
      }
      if (!idle_.empty()) {
        // Most recently used first: warm connections, and idle ones age out of use.
        candidate = std::move(idle_.back());
        idle_.pop_back();
      } else {
        ++open_;
        may_open = true;
      }
    }
    if (may_open) {
      auto opened = Open(config_.connect_timeout, config_.io_timeout);
      if (!opened.ok()) {
        absl::MutexLock lock(&mu_);
        --open_;
        return opened.status();
      }
      return Lease(this, *std::move(opened));
    }
    if (absl::Now() - candidate->last_used() < config_.validate_after_idle) {
      return Lease(this, std::move(candidate));
    }
    // Validate a connection that sat idle: the server may have closed it meanwhile.
    bool valid = false;
    try {
      std::unique_ptr<sql::Statement> statement(candidate->connection().createStatement());
      statement->execute("DO 1");
      valid = true;
    } catch (const sql::SQLException&) {
      valid = false;
    }
    if (valid) return Lease(this, std::move(candidate));
    Return(std::move(candidate), /*discard=*/true);
    // Loop: try another idle connection or open a new one.
  }
}

void ConnectionPool::Return(std::unique_ptr<PooledConnection> connection, bool discard) {
  if (discard) {
    connection.reset();  // close outside the lock
    absl::MutexLock lock(&mu_);
    --open_;
    ++discarded_;
    return;
  }
  connection->Touch(absl::Now());
  absl::MutexLock lock(&mu_);
  idle_.push_back(std::move(connection));
}

absl::Status ConnectionPool::Ping(absl::Duration timeout) {
  LUBAN_ASSIGN_OR_RETURN(auto lease, Borrow(absl::Now() + timeout));
  try {
    std::unique_ptr<sql::Statement> statement((lease)->connection().createStatement());
    statement->execute("DO 1");
    (lease)->Touch(absl::Now());
    return absl::OkStatus();
  } catch (const sql::SQLException& e) {
    lease.Discard();
    return SqlErrorToStatus(e, "ping the database");
  }
}

absl::Status ConnectionPool::Probe(absl::Duration timeout) {
  EnsureThreadRegistered();
  absl::MutexLock lock(&probe_mu_);
  absl::Status status;
  if (probe_ == nullptr) {
    auto opened = Open(timeout, timeout);
    if (opened.ok()) {
      probe_ = *std::move(opened);
    } else {
      status = opened.status();
    }
  }
  if (probe_ != nullptr) {
    try {
      std::unique_ptr<sql::Statement> statement(probe_->connection().createStatement());
      statement->execute("DO 1");
    } catch (const sql::SQLException& e) {
      probe_.reset();
      status = SqlErrorToStatus(e, "probe the database");
    }
  }
  reachable_.store(status.ok(), std::memory_order_release);
  if (!status.ok()) {
    // The idle connections went through the same outage: drop them rather than lend them
    // broken once the database is back.
    std::deque<std::unique_ptr<PooledConnection>> dropped;
    {
      absl::MutexLock pool_lock(&mu_);
      dropped.swap(idle_);
      open_ -= static_cast<int>(dropped.size());
      discarded_ += static_cast<int64_t>(dropped.size());
    }
  }
  return status;
}

ConnectionPool::Stats ConnectionPool::GetStats() const {
  absl::MutexLock lock(&mu_);
  return Stats{open_, static_cast<int>(idle_.size()), waits_, discarded_,
               conflict_retries_.load(std::memory_order_relaxed)};
}

void ConnectionPool::SetChangesCommittedListener(std::function<void()> listener) {
  absl::MutexLock lock(&listener_mu_);
  changes_committed_ = std::move(listener);
}

void ConnectionPool::ChangesCommitted() const {
  absl::ReaderMutexLock lock(&listener_mu_);
  if (changes_committed_) changes_committed_();
}

}  // namespace luban::db
