#include "common/db/pool.h"

#include <iterator>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/db/sql_error.h"
#include "common/domain/status_macros.h"
#include "cppconn/connection.h"
#include "cppconn/exception.h"
#include "cppconn/prepared_statement.h"
#include "cppconn/resultset.h"
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

// Whether a SHOW statement's one row says ON (false for no row: not a Galera server).
bool ShowsOn(sql::Statement& statement, const char* show) {
  std::unique_ptr<sql::ResultSet> row(statement.executeQuery(show));
  return row->next() && std::string(row->getString(2)) == "ON";
}

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

PooledConnection::PooledConnection(std::unique_ptr<sql::Connection> connection, int host)
    : connection_(std::move(connection)), host_(host), last_used_(absl::Now()) {}

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

void PooledConnection::SetAutocommit(bool on) {
  if (on == autocommit_) return;
  std::unique_ptr<sql::Statement> statement(connection_->createStatement());
  statement->execute(on ? "SET autocommit = 1" : "SET autocommit = 0");
  autocommit_ = on;
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

absl::StatusOr<std::vector<DbHost>> ParseDbHosts(absl::string_view list, int default_port) {
  std::vector<DbHost> hosts;
  for (absl::string_view entry : absl::StrSplit(list, ',')) {
    entry = absl::StripAsciiWhitespace(entry);
    DbHost host{std::string(entry), default_port};
    if (const size_t colon = entry.rfind(':'); colon != absl::string_view::npos) {
      host.host = std::string(entry.substr(0, colon));
      if (!absl::SimpleAtoi(entry.substr(colon + 1), &host.port) || host.port < 1 ||
          host.port > 65535) {
        return absl::InvalidArgumentError(
            absl::StrCat("database host '", entry, "': the port must be a number from 1 to 65535"));
      }
    }
    if (host.host.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "database hosts '", list, "': each entry is host or host:port, comma-separated"));
    }
    hosts.push_back(std::move(host));
  }
  return hosts;
}

absl::StatusOr<std::unique_ptr<PooledConnection>> ConnectionPool::Open(
    absl::Duration connect_timeout, absl::Duration io_timeout) {
  const int count = static_cast<int>(config_.hosts.size());
  const int start = current_host();
  std::vector<std::string> refusals;
  for (int i = 0; i < count; ++i) {
    const int host = (start + i) % count;
    auto opened = OpenOn(host, connect_timeout, io_timeout);
    if (opened.ok()) {
      SwitchHost(start, host);
      return opened;
    }
    if (!absl::IsUnavailable(opened.status())) return opened.status();
    refusals.emplace_back(opened.status().message());
  }
  return absl::UnavailableError(absl::StrJoin(refusals, "; "));
}

void ConnectionPool::SwitchHost(int from, int to) {
  if (from != to && current_host_.compare_exchange_strong(from, to, std::memory_order_acq_rel)) {
    failovers_.fetch_add(1, std::memory_order_relaxed);
  }
}

absl::StatusOr<std::unique_ptr<PooledConnection>> ConnectionPool::OpenOn(
    int host, absl::Duration connect_timeout, absl::Duration io_timeout) {
  EnsureThreadRegistered();
  const DbHost& where = config_.hosts[static_cast<size_t>(host)];
  sql::ConnectOptionsMap options;
  options["hostName"] = sql::SQLString(where.host);
  options["port"] = where.port;
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
      // A Galera node outside the primary component accepts connections and SHOW but refuses
      // every other query (1047): not a node to use now. A transaction on a Galera node first
      // waits until the node has applied what the cluster committed before it, so that a call
      // through another node sees the caller's acknowledged writes: wsrep_sync_wait makes only
      // a transaction's first statement wait, and only when the mask names its kind, so the
      // mask names them all (reads 1, updates and deletes 2, inserts 4).
      std::string galera;
      if (ShowsOn(*statement, "SHOW VARIABLES LIKE 'wsrep_on'")) {
        if (!ShowsOn(*statement, "SHOW STATUS LIKE 'wsrep_ready'")) {
          return absl::UnavailableError(
              absl::StrCat("database ", where.host, ":", where.port,
                           " is a Galera node outside the cluster's primary component"));
        }
        galera = "wsrep_sync_wait = 7, ";
      }
      // Byte-exact UTF-8 in any script, UTC timestamps, strict input checks, and transactions:
      // autocommit is turned off here, where a failure throws (setAutoCommit() ignores one, as
      // commit() does), and last, so that opening a connection leaves no transaction to commit.
      statement->execute(absl::StrCat(
          "SET NAMES utf8mb4 COLLATE utf8mb4_bin, time_zone = '+00:00', ", galera,
          "sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO,"
          "NO_ENGINE_SUBSTITUTION', autocommit = 0"));
    }
    connection->setAutoCommit(false);  // the connector's own record of it
    return std::make_unique<PooledConnection>(std::move(connection), host);
  } catch (const sql::SQLException& e) {
    if (IsConnectionError(e.getErrorCode()) || e.getErrorCode() == 0) {
      return absl::UnavailableError(
          absl::StrCat("database ", where.host, ":", where.port, " is unreachable: ", e.what()));
    }
    return SqlErrorToStatus(e, "connect to the database");
  }
}

absl::StatusOr<ConnectionPool::Lease> ConnectionPool::Borrow(absl::Time deadline, bool autocommit) {
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
        // Most recently used first (warm connections, and idle ones age out of use), of those
        // in the wanted mode when any is: a switch costs a round trip.
        auto pick = std::prev(idle_.end());
        for (auto it = idle_.rbegin(); it != idle_.rend(); ++it) {
          if ((*it)->autocommit() == autocommit) {
            pick = std::prev(it.base());
            break;
          }
        }
        candidate = std::move(*pick);
        idle_.erase(pick);
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
    if (candidate->host() != current_host()) {  // the pool moved to another node
      Return(std::move(candidate), /*discard=*/true);
      continue;
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
  if (!discard) {
    connection->Touch(absl::Now());
    absl::MutexLock lock(&mu_);
    idle_.push_back(std::move(connection));
    return;
  }
  // The idle connections to the same host went through whatever broke this one: they are
  // dropped too, rather than lent to fail a call each.
  const int host = connection->host();
  Drop(std::move(connection), host);
}

void ConnectionPool::Drop(std::unique_ptr<PooledConnection> broken, std::optional<int> host) {
  std::deque<std::unique_ptr<PooledConnection>> dropped;
  if (broken != nullptr) dropped.push_back(std::move(broken));
  {
    absl::MutexLock lock(&mu_);
    for (auto it = idle_.begin(); it != idle_.end();) {
      if (!host.has_value() || (*it)->host() == *host) {
        dropped.push_back(std::move(*it));
        it = idle_.erase(it);
      } else {
        ++it;
      }
    }
    open_ -= static_cast<int>(dropped.size());
    discarded_ += static_cast<int64_t>(dropped.size());
  }
  // Closed here, outside the lock.
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
  // The probe checks the host new connections go to.
  if (probe_ != nullptr && probe_->host() != current_host()) probe_.reset();
  absl::Status status;
  bool try_next = probe_ == nullptr;
  if (probe_ != nullptr) {
    try {
      std::unique_ptr<sql::Statement> statement(probe_->connection().createStatement());
      statement->execute("DO 1");
    } catch (const sql::SQLException& e) {
      status = SqlErrorToStatus(e, "probe the database");
      // Another node may answer (at once: a cluster stays of use while one does); one host is
      // reopened at the next probe.
      if (config_.hosts.size() > 1) {
        SwitchHost(probe_->host(), (probe_->host() + 1) % static_cast<int>(config_.hosts.size()));
        try_next = true;
      }
      probe_.reset();
    }
  }
  if (try_next) {
    auto opened = Open(timeout, timeout);
    if (opened.ok()) {
      probe_ = *std::move(opened);
      status = absl::OkStatus();
    } else {
      status = opened.status();
    }
  }
  reachable_.store(status.ok(), std::memory_order_release);
  if (!status.ok()) {
    // The idle connections went through the same outage: drop them rather than lend them
    // broken once the database is back.
    Drop(nullptr, std::nullopt);
  }
  return status;
}

ConnectionPool::Stats ConnectionPool::GetStats() const {
  absl::MutexLock lock(&mu_);
  return Stats{open_,
               static_cast<int>(idle_.size()),
               waits_,
               discarded_,
               conflict_retries_.load(std::memory_order_relaxed),
               failovers_.load(std::memory_order_relaxed)};
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
