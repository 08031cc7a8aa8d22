// A bounded pool of MySQL/MariaDB connections (Connector/C++ 1.1).
//
// Rules the pool enforces, learnt the hard way with this connector:
//  - never OPT_RECONNECT: a silent reconnect can "commit" a transaction whose writes are gone;
//  - never Connection::commit()/rollback(): they drop the server's answer (Commit/Rollback below);
//  - a connection that raised a connection error (2002, 2003, 2006, 2013, ...) is discarded,
//    never returned to the pool, and the call fails as UNAVAILABLE;
//  - connections idle longer than `validate_after_idle` are pinged before they are lent;
//  - every connection has connect/read/write timeouts, so a hung server costs a bounded wait;
//  - while the last Probe() failed, Borrow fails at once as UNAVAILABLE: calls in an outage or a
//    hang of the database fail fast instead of each waiting out the I/O timeout;
//  - with several hosts (the nodes of a Galera cluster), connections go to one node at a time,
//    the first listed while it answers; a node that cannot be reached, or that answers but is not
//    part of the cluster's primary component (it refuses queries, error 1047), makes the pool move
//    to the next, and the idle connections to the old node are dropped as they come up.
// Connections open with autocommit off, utf8mb4 with a binary collation (byte-exact text), UTC and
// strict SQL mode, at MariaDB's default REPEATABLE READ; a lease holds one transaction at a time
// (see transaction.h). A connection lent for a single-statement read (RunSingleRead) is switched
// to autocommit on and stays so until a transaction switches it back: the pool lends each kind
// of work a connection already in its mode when it has one.
#ifndef LUBAN_COMMON_DB_POOL_H_
#define LUBAN_COMMON_DB_POOL_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace sql {
class Connection;
class Driver;
class PreparedStatement;
}  // namespace sql

namespace luban::db {

struct DbHost {
  std::string host;
  int port = 3306;
};

// "host[:port],host[:port]..." (a port-less host takes `default_port`); INVALID_ARGUMENT naming
// the entry that does not parse.
absl::StatusOr<std::vector<DbHost>> ParseDbHosts(absl::string_view list, int default_port);

struct DbConfig {
  // One MariaDB server, or the nodes of a Galera cluster in order of preference (each replica of
  // a service lists its own node first).
  std::vector<DbHost> hosts = {{"127.0.0.1", 3306}};
  std::string user;
  std::string password;
  std::string database;
  // Most connections open at once; also the size of the executor running database work.
  int pool_size = 8;
  absl::Duration connect_timeout = absl::Seconds(2);
  // Socket read/write timeout of every statement (the server-side bound is the lock wait).
  absl::Duration io_timeout = absl::Seconds(10);
  // How long Borrow waits for a free connection when all are lent.
  absl::Duration borrow_timeout = absl::Seconds(2);
  // Idle connections older than this are pinged before being lent.
  absl::Duration validate_after_idle = absl::Seconds(2);
};

// Returns the process-wide driver. Connector/C++'s get_driver_instance() is not thread-safe:
// call this once from main() (or a test's setup) before any thread uses the database.
sql::Driver* Driver();

// Commits or rolls back the connection's transaction, throwing sql::SQLException when the server
// does not confirm it. Connector/C++ 1.1's Connection::commit() and rollback() ignore the result
// of mysql_commit()/mysql_rollback(): a COMMIT whose connection died on the way looked committed
// while its writes were gone. Use these instead, everywhere.
void Commit(sql::Connection& connection);
void Rollback(sql::Connection& connection);

// One physical connection with its cache of prepared statements.
class PooledConnection {
 public:
  PooledConnection(std::unique_ptr<sql::Connection> connection, int host);
  ~PooledConnection();
  PooledConnection(const PooledConnection&) = delete;
  PooledConnection& operator=(const PooledConnection&) = delete;

  sql::Connection& connection() { return *connection_; }
  // The index of the host (DbConfig::hosts) it is connected to.
  int host() const { return host_; }
  // A prepared statement for `query`, prepared once per connection and reused (parameters
  // cleared). Throws sql::SQLException like the connector.
  sql::PreparedStatement& Prepare(absl::string_view query);

  // Each statement commits alone (on) or statements make up a transaction until COMMIT (off,
  // as a connection opens). Costs a round trip when it changes the mode, nothing otherwise.
  // Throws sql::SQLException like the connector, the mode then unchanged as far as this object
  // knows (a failed switch is a connection error in practice: the lease is discarded). The
  // connector's own record (getAutoCommit) is left as it was: its setAutoCommit() ignores a
  // failure, and a write taken for a transaction's must never commit on its own.
  void SetAutocommit(bool on);
  bool autocommit() const { return autocommit_; }

  absl::Time last_used() const { return last_used_; }
  void Touch(absl::Time now) { last_used_ = now; }

 private:
  std::unique_ptr<sql::Connection> connection_;
  int host_;
  bool autocommit_ = false;
  absl::flat_hash_map<std::string, std::unique_ptr<sql::PreparedStatement>> statements_;
  absl::Time last_used_;
};

class ConnectionPool {
 public:
  struct Stats {
    int open = 0;                  // connections that exist
    int idle = 0;                  // of which waiting in the pool
    int64_t waits = 0;             // borrows that had to wait for a free connection
    int64_t discarded = 0;         // connections dropped after an error or failed validation
    int64_t conflict_retries = 0;  // transactions re-run after a deadlock, lock wait or 1020
    int64_t failovers = 0;         // moves to another host (see DbConfig::hosts)
  };

  // A borrowed connection; returns to the pool when destroyed unless Discard() was called.
  class Lease {
   public:
    Lease() = default;
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&& other) noexcept;
    ~Lease();

    PooledConnection* operator->() const { return connection_.get(); }
    PooledConnection& operator*() const { return *connection_; }
    // The connection is broken or in an unknown state: close it instead of returning it.
    void Discard();

   private:
    friend class ConnectionPool;
    Lease(ConnectionPool* pool, std::unique_ptr<PooledConnection> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    void Release();

    ConnectionPool* pool_ = nullptr;
    std::unique_ptr<PooledConnection> connection_;
  };

  explicit ConnectionPool(DbConfig config);
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // Lends a connection, opening one when fewer than pool_size exist, else waiting until
  // min(deadline, now + borrow_timeout). UNAVAILABLE when the database cannot be reached,
  // RESOURCE_EXHAUSTED when every connection stayed busy, DEADLINE_EXCEEDED when `deadline`
  // passed first. Of the idle connections, the most recently used one whose autocommit mode is
  // `autocommit` when there is one (the caller sets the mode it needs: SetAutocommit).
  absl::StatusOr<Lease> Borrow(absl::Time deadline = absl::InfiniteFuture(),
                               bool autocommit = false);

  // Round trip to the database on a pooled connection (start-up).
  absl::Status Ping(absl::Duration timeout);

  // Health probe: a round trip on the pool's own probe connection (not one of pool_size),
  // whose connect and I/O timeouts are `timeout` (whole seconds, at least 1), so a database
  // that hangs is noticed within about `timeout`. Its answer becomes reachable(); after a
  // failure the probe connection is reopened and the idle pooled connections are discarded.
  absl::Status Probe(absl::Duration timeout);
  // False from a failed Probe() until a successful one; true before any probe.
  bool reachable() const { return reachable_.load(std::memory_order_acquire); }

  Stats GetStats() const;
  // The host new connections go to (an index into config().hosts).
  int current_host() const { return current_host_.load(std::memory_order_acquire); }
  // RunInTransaction re-runs a transaction after a conflict (counted in Stats).
  void NoteConflictRetry() { conflict_retries_.fetch_add(1, std::memory_order_relaxed); }
  const DbConfig& config() const { return config_; }

  // Called (on the committing thread, so it must be quick) after each transaction that published
  // change-feed events commits: the service's feed numbers them at once (see change_feed.h).
  // Set before the pool is shared; cleared with an empty function.
  void SetChangesCommittedListener(std::function<void()> listener);
  void ChangesCommitted() const;

 private:
  // A connection to the current host, or to the next that answers (which becomes current).
  absl::StatusOr<std::unique_ptr<PooledConnection>> Open(absl::Duration connect_timeout,
                                                         absl::Duration io_timeout);
  absl::StatusOr<std::unique_ptr<PooledConnection>> OpenOn(int host, absl::Duration connect_timeout,
                                                           absl::Duration io_timeout);
  void Return(std::unique_ptr<PooledConnection> connection, bool discard);
  // Makes `to` the current host if `from` still is (another thread may have moved on already),
  // counting a failover.
  void SwitchHost(int from, int to);
  // Closes `broken` (may be null) and the idle connections to `host` (all without one), outside
  // the lock, counting them as discarded.
  void Drop(std::unique_ptr<PooledConnection> broken, std::optional<int> host);

  const DbConfig config_;
  mutable absl::Mutex mu_;
  std::deque<std::unique_ptr<PooledConnection>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t waits_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t discarded_ ABSL_GUARDED_BY(mu_) = 0;
  std::atomic<bool> reachable_{true};
  std::atomic<int> current_host_{0};
  std::atomic<int64_t> failovers_{0};
  std::atomic<int64_t> conflict_retries_{0};
  absl::Mutex probe_mu_;
  std::unique_ptr<PooledConnection> probe_ ABSL_GUARDED_BY(probe_mu_);
  mutable absl::Mutex listener_mu_;
  std::function<void()> changes_committed_ ABSL_GUARDED_BY(listener_mu_);
};

}  // namespace luban::db

#endif  // LUBAN_COMMON_DB_POOL_H_
