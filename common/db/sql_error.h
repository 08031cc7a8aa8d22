// The one mapping from MySQL/MariaDB errors to absl::Status.
#ifndef LUBAN_COMMON_DB_SQL_ERROR_H_
#define LUBAN_COMMON_DB_SQL_ERROR_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace sql {
class SQLException;
}  // namespace sql

namespace luban::db {

// Server error codes the code base reacts to by number.
inline constexpr int kErrDuplicateKey = 1062;
inline constexpr int kErrLockWaitTimeout = 1205;
inline constexpr int kErrDeadlock = 1213;
inline constexpr int kErrRecordChanged = 1020;
inline constexpr int kErrRowIsReferenced = 1451;
inline constexpr int kErrNoReferencedRow = 1452;
inline constexpr int kErrQueryInterrupted = 1317;
inline constexpr int kErrStatementTimeout = 1969;  // MariaDB max_statement_time.
// A Galera node outside the primary component: "WSREP has not yet prepared node for
// application use" (ER_UNKNOWN_COM_ERROR).
inline constexpr int kErrNodeNotReady = 1047;

// True for client errors meaning the connection is gone or unusable (2002 can't connect via
// socket, 2003 can't connect, 2006 server has gone away, 2013 lost connection during query,
// 2055 lost connection at reading/writing, 2026 SSL error), and for a Galera node that left the
// primary component (1047): it refuses every query until it rejoins. A connection that raised
// one must be discarded, never reused, and the call fails as UNAVAILABLE.
bool IsConnectionError(int error_code);

// True for errors after which the whole transaction may be retried from the start.
bool IsRetryableTransactionError(int error_code);

// Maps an error code and message to a status:
//   connection errors                      -> UNAVAILABLE
//   deadlock / lock wait timeout / 1020     -> ABORTED
//   statement timeout / interrupted         -> DEADLINE_EXCEEDED
//   duplicate key                           -> ALREADY_EXISTS
//   foreign key refusals                    -> FAILED_PRECONDITION
//   anything else                           -> INTERNAL (a bug of ours, never the caller's)
// `context` names the operation ("insert workshop") and leads the message.
absl::Status SqlErrorToStatus(int error_code, absl::string_view sql_state,
                              absl::string_view message, absl::string_view context);
absl::Status SqlErrorToStatus(const sql::SQLException& e, absl::string_view context);

}  // namespace luban::db

#endif  // LUBAN_COMMON_DB_SQL_ERROR_H_
