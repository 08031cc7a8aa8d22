#include "common/db/transaction.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/db/sql_error.h"
#include "common/domain/backoff.h"
#include "common/domain/status_macros.h"
#include "cppconn/connection.h"
#include "cppconn/exception.h"
#include "cppconn/prepared_statement.h"
#include "cppconn/resultset.h"
#include "cppconn/statement.h"

namespace luban::db {

std::unique_ptr<sql::ResultSet> Session::Query(sql::PreparedStatement& statement) {
  return std::unique_ptr<sql::ResultSet>(statement.executeQuery());
}

int64_t Session::Update(sql::PreparedStatement& statement) { return statement.executeUpdate(); }

void Session::UpdateTheRowItHeld(sql::PreparedStatement& statement, absl::string_view what) {
  if (Update(statement) != 1) {
    throw sql::SQLException(
        absl::StrCat("the transaction was rolled back before its end (", what, " is gone)"),
        "40001", kErrDeadlock);
  }
}

int64_t Session::InsertReturningId(sql::PreparedStatement& statement) {
  auto result = Query(statement);
  if (!result->next()) {
    // Not an SQLException from the server: report it as one so the runner maps it (INTERNAL).
    throw sql::SQLException("INSERT ... RETURNING id returned no row", "HY000", 0);
  }
  return result->getInt64(1);
}

namespace {

// Rolls back; the error of a ROLLBACK that failed (0 when it did not). Only a connection error
// leaves the connection unusable: Galera reports a transaction it aborted for a replicated one
// (a brute-force abort) on the next statement, ROLLBACK included, which rolls back all the same.
int RollbackQuietly(PooledConnection& connection) {
  try {
    Rollback(connection.connection());
    return 0;
  } catch (const sql::SQLException& e) {
    return e.getErrorCode() != 0 ? e.getErrorCode() : 2013;
  }
}

// DEADLINE_EXCEEDED when the deadline passed before the work started.
absl::Status CheckNotLate(const TransactionOptions& options) {
  if (absl::Now() < options.deadline) return absl::OkStatus();
  return absl::DeadlineExceededError(
      absl::StrCat(options.context, ": the deadline passed before the work started"));
}

}  // namespace

absl::Status Session::Fail(const sql::SQLException& e, absl::string_view context) {
  error_code_ = e.getErrorCode();
  return SqlErrorToStatus(e, context);
}

absl::Status RunInTransaction(ConnectionPool& pool, const TransactionOptions& options,
                              absl::FunctionRef<absl::Status(Session&)> body) {
  LUBAN_RETURN_IF_ERROR(CheckNotLate(options));
  LUBAN_ASSIGN_OR_RETURN(auto lease, pool.Borrow(options.deadline));
  absl::Status status;
  Backoff backoff(kFirstRetryPause, kLastRetryPause);
  for (int attempt = 1; attempt <= options.max_attempts; ++attempt) {
    Session session(*lease);
    try {
      lease->SetAutocommit(false);  // after a single-statement read
      status = body(session);
      if (status.ok() && absl::Now() + kCommitMargin >= options.deadline) {
        // The caller has been told DEADLINE_EXCEEDED (or is about to be): nothing may commit
        // after that, or a retry of theirs would find work they believe failed.
        status = absl::DeadlineExceededError(
            absl::StrCat(options.context, ": the deadline passed before the commit"));
      } else if (status.ok()) {
        Commit(session.connection());
        if (session.published_changes()) pool.ChangesCommitted();
        return absl::OkStatus();
      }
    } catch (const sql::SQLException& e) {
      status = session.Fail(e, options.context);
    }
    const int code = session.error_code();
    if (code == kErrNodeNotReady && attempt < options.max_attempts) {
      // The Galera node left the primary component: a node outside it commits nothing, so the
      // transaction runs again on a new connection, which the pool opens on a node in it.
      lease.Discard();
      LUBAN_ASSIGN_OR_RETURN(lease, pool.Borrow(options.deadline));
      continue;
    }
    if (IsConnectionError(code)) {
      // The outcome of the transaction is unknown to us; never continue it elsewhere.
      lease.Discard();
      return status;
    }
    if (const int rollback = RollbackQuietly(*lease); IsConnectionError(rollback)) {
      lease.Discard();
      return absl::UnavailableError(absl::StrCat(
          options.context, ": the database connection failed (after: ", status.message(), ")"));
    }
    if (!IsRetryableTransactionError(code) || attempt == options.max_attempts) return status;
    // Jittered: the transactions that collided start again at different moments instead of
    // meeting again.
    const absl::Duration pause = backoff.Next();
    if (absl::Now() + pause + kCommitMargin >= options.deadline) return status;
    pool.NoteConflictRetry();
    absl::SleepFor(pause);
  }
  return status;
}

absl::Status RunSingleRead(ConnectionPool& pool, const TransactionOptions& options,
                           absl::FunctionRef<absl::Status(Session&)> body) {
  LUBAN_RETURN_IF_ERROR(CheckNotLate(options));
  {
    LUBAN_ASSIGN_OR_RETURN(auto lease, pool.Borrow(options.deadline, /*autocommit=*/true));
    Session session(*lease, /*single_statement=*/true);
    absl::Status status;
    bool needs_transaction = false;
    try {
      lease->SetAutocommit(true);
      status = body(session);
    } catch (const sql::SQLException& e) {
      status = session.Fail(e, options.context);
    } catch (const Session::NeedsTransaction&) {
      needs_transaction = true;
    }
    const int code = session.error_code();
    if (IsConnectionError(code)) {
      lease.Discard();
      return status;
    }
    if (code == kErrNodeNotReady) {
      lease.Discard();  // RunInTransaction borrows a connection to a node in the cluster
    } else if (!needs_transaction && !IsRetryableTransactionError(code)) {
      return status;
    }
  }
  return RunInTransaction(pool, options, body);
}

}  // namespace luban::db
