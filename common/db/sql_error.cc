#include "common/db/sql_error.h"

#include "absl/strings/str_cat.h"
#include "cppconn/exception.h"

namespace luban::db {

bool IsConnectionError(int error_code) {
  switch (error_code) {
    case 2002:
    case 2003:
    case 2006:
    case 2013:
    case 2026:
    case 2055:
    case kErrNodeNotReady:
      return true;
    default:
      return false;
  }
}

bool IsRetryableTransactionError(int error_code) {
  return error_code == kErrDeadlock || error_code == kErrLockWaitTimeout ||
         error_code == kErrRecordChanged;
}

absl::Status SqlErrorToStatus(int error_code, absl::string_view sql_state,
                              absl::string_view message, absl::string_view context) {
  const std::string text =
      absl::StrCat(context, ": database error ", error_code, " (", sql_state, "): ", message);
  if (IsConnectionError(error_code)) {
    return absl::UnavailableError(absl::StrCat(context, ": the database is unreachable"));
  }
  if (IsRetryableTransactionError(error_code)) {
    return absl::AbortedError(
        absl::StrCat(context, ": conflicting concurrent change, retry the call"));
  }
  switch (error_code) {
    case kErrStatementTimeout:
    case kErrQueryInterrupted:
      return absl::DeadlineExceededError(absl::StrCat(context, ": the deadline passed"));
    case kErrDuplicateKey:
      return absl::AlreadyExistsError(text);
    case kErrRowIsReferenced:
    case kErrNoReferencedRow:
      return absl::FailedPreconditionError(text);
    default:
      return absl::InternalError(text);
  }
}

absl::Status SqlErrorToStatus(const sql::SQLException& e, absl::string_view context) {
  return SqlErrorToStatus(e.getErrorCode(), e.getSQLState(), e.what(), context);
}

}  // namespace luban::db
