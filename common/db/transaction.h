// Transactions: the only way service code touches the database.
//
//   absl::Status s = db::RunInTransaction(pool, {.context = "enroll", .deadline = d},
//       [&](db::Session& session) -> absl::Status {
//         auto& insert = session.Prepare("INSERT ...");
//         ...
//         return absl::OkStatus();  // commits; any other status rolls back
//       });
//
// Repository code catches sql::SQLException where it happens with Session::Fail (or the Guarded
// helper), which maps it with SqlErrorToStatus and remembers the error code; a body that still
// throws is caught by the runner the same way. No exception leaves the runner. Deadlocks, lock
// wait timeouts and error 1020 re-run the *whole* body on the same connection after a rollback
// and a jittered, growing pause (so a body must not keep state from a failed attempt, except
// what it resets at its start); each re-run counts in the pool's Stats::conflict_retries. Only
// when the attempts or the deadline run out does the caller see ABORTED. On a Galera cluster a
// certification conflict surfaces as a deadlock at COMMIT and is re-run alike; a node that left
// the primary component (1047) committed nothing, so the body re-runs on a new connection, to a
// node in it (see pool.h). A connection error, in the body or in the COMMIT itself, discards the
// connection and fails the call as UNAVAILABLE: the outcome of a commit that lost its connection
// is unknown, and only the caller's retry with the same request_id can settle it.
#ifndef LUBAN_COMMON_DB_TRANSACTION_H_
#define LUBAN_COMMON_DB_TRANSACTION_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/db/pool.h"
#include "common/domain/store.h"
#include "cppconn/exception.h"

namespace sql {
class ResultSet;
}  // namespace sql

namespace luban::db {

// A transaction in progress on a pooled connection, or the single statement of a read
// (RunSingleRead).
class Session {
 public:
  // Thrown by Prepare when a single-statement session is asked for a second statement: the body
  // reads across statements, and RunSingleRead runs it again in a transaction.
  struct NeedsTransaction {};

  explicit Session(PooledConnection& connection, bool single_statement = false)
      : connection_(connection), single_statement_(single_statement) {}

  // Prepared statement for `query`, cached per connection. Throws NeedsTransaction in a
  // single-statement session that prepared one already (before the second statement runs).
  sql::PreparedStatement& Prepare(absl::string_view query) {
    if (single_statement_ && prepared_++ > 0) throw NeedsTransaction();
    return connection_.Prepare(query);
  }
  // Executes a prepared query and owns its result set.
  static std::unique_ptr<sql::ResultSet> Query(sql::PreparedStatement& statement);
  // Executes a prepared update; returns the affected rows.
  static int64_t Update(sql::PreparedStatement& statement);
  // Executes a prepared update that must change exactly one row written or read earlier in this
  // transaction (a claim it inserted, a row it read under lock): when it changes none, the
  // transaction was rolled back under it and what ran since is a new transaction holding only
  // the later statements (on a Galera node, a brute-force abort by a conflicting transaction
  // applied from another node, which the connector does not always report). That must never
  // commit: it throws a deadlock (1213), so the whole transaction runs again. `what` names the
  // row in the error.
  static void UpdateTheRowItHeld(sql::PreparedStatement& statement, absl::string_view what);
  // Executes a prepared "INSERT ... RETURNING id" and returns the new row's id: one round trip
  // (a separate SELECT LAST_INSERT_ID() would be a second).
  static int64_t InsertReturningId(sql::PreparedStatement& statement);

  sql::Connection& connection() { return connection_.connection(); }

  // Records a failed statement and returns its status; the runner reads the code to decide
  // between retrying the transaction, discarding the connection or giving up.
  absl::Status Fail(const sql::SQLException& e, absl::string_view context);
  int error_code() const { return error_code_; }

  // The transaction wrote change-feed events: once it commits, the pool's listener is told.
  void NoteChangePublished() { published_changes_ = true; }
  bool published_changes() const { return published_changes_; }

 private:
  PooledConnection& connection_;
  const bool single_statement_;
  int prepared_ = 0;
  int error_code_ = 0;
  bool published_changes_ = false;
};

// Runs `f` (returning absl::Status or absl::StatusOr<T>) and turns a sql::SQLException it throws
// into the status Session::Fail gives. Wraps each repository method's body.
template <typename F>
auto Guarded(Session& session, absl::string_view context, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const sql::SQLException& e) {
    return session.Fail(e, context);
  }
}

// A call's deadline reaches the server later than the caller set it: the server's copy runs out
// by the request's transit time after the caller's has, and the caller then takes the call for
// failed. No transaction commits within this margin of its deadline, so that a caller told
// DEADLINE_EXCEEDED never finds the work done (transit on the suite's networks is far below it).
inline constexpr absl::Duration kCommitMargin = absl::Milliseconds(100);

// The pause before a conflict's first re-run, doubled after each one up to the last.
inline constexpr absl::Duration kFirstRetryPause = absl::Milliseconds(2);
inline constexpr absl::Duration kLastRetryPause = absl::Milliseconds(100);

struct TransactionOptions {
  // Names the use case in errors and logs, e.g. "create workshop".
  absl::string_view context = "transaction";
  // Nothing starts after this time, nothing commits within kCommitMargin of it (the work is
  // rolled back as DEADLINE_EXCEEDED), and no retry is attempted past it.
  absl::Time deadline = absl::InfiniteFuture();
  // Attempts in all, counting the first, on deadlock/lock-timeout/1020. Thirty attempts pause
  // about 2.5 s in all: on a Galera cluster, transactions on different nodes that write the same
  // rows (a run's last seats) abort each other at certification in bursts, which drain within it
  // (ten, half a second, left calls ABORTED in the battery's races).
  int max_attempts = 30;
};

absl::Status RunInTransaction(ConnectionPool& pool, const TransactionOptions& options,
                              absl::FunctionRef<absl::Status(Session&)> body);

// Runs `body`, a read that writes nothing, as one statement with autocommit on: one round trip
// to the database where a transaction takes two (the statement and its COMMIT), and the same
// answer, since one statement reads one consistent snapshot either way. A body that prepares a
// second statement is stopped before it runs it and runs again with RunInTransaction, whose
// snapshot holds across statements (so any read may come here: a multi-statement one costs a
// statement more). Errors as RunInTransaction's: a connection error discards the connection
// (UNAVAILABLE); a body that failed on a conflict or on a Galera node outside the primary
// component runs again in a transaction.
absl::Status RunSingleRead(ConnectionPool& pool, const TransactionOptions& options,
                           absl::FunctionRef<absl::Status(Session&)> body);

// The MySQL side of a service's TransactionalStore<Tx> (common/domain/store.h): each body runs on
// a `SqlTx`, the service's implementation of Tx over a Session (constructed from it).
template <typename Tx, typename SqlTx>
class SqlStore final : public TransactionalStore<Tx> {
 public:
  // `pool` must outlive the store.
  explicit SqlStore(ConnectionPool* pool) : pool_(pool) {}

  absl::Status InTransaction(absl::string_view context, absl::Time deadline,
                             absl::FunctionRef<absl::Status(Tx&)> body) override {
    return RunInTransaction(*pool_, {.context = context, .deadline = deadline},
                            [&](Session& session) { return Run(session, body); });
  }

  absl::Status InSingleRead(absl::string_view context, absl::Time deadline,
                            absl::FunctionRef<absl::Status(Tx&)> body) override {
    return RunSingleRead(*pool_, {.context = context, .deadline = deadline},
                         [&](Session& session) { return Run(session, body); });
  }

 private:
  static absl::Status Run(Session& session, absl::FunctionRef<absl::Status(Tx&)> body) {
    SqlTx tx(session);
    return body(tx);
  }

  ConnectionPool* pool_;
};

}  // namespace luban::db

#endif  // LUBAN_COMMON_DB_TRANSACTION_H_
