#include "common/db/sql_error.h"

#include "absl/status/status.h"
#include "cppconn/exception.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace luban::db {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

struct Case {
  int error_code;
  absl::StatusCode expected;
};

TEST(SqlErrorToStatusTest, MapsEachClassOfError) {
  for (const Case& c : {
           Case{1062, absl::StatusCode::kAlreadyExists},  // duplicate key
           Case{1213, absl::StatusCode::kAborted},        // deadlock
           Case{1205, absl::StatusCode::kAborted},        // lock wait timeout
           Case{1020, absl::StatusCode::kAborted},        // record changed
           Case{2002, absl::StatusCode::kUnavailable},    // socket connect
           Case{2003, absl::StatusCode::kUnavailable},    // TCP connect
           Case{2006, absl::StatusCode::kUnavailable},    // server gone away
           Case{2013, absl::StatusCode::kUnavailable},    // lost connection
           Case{2055, absl::StatusCode::kUnavailable},
           Case{1451, absl::StatusCode::kFailedPrecondition},  // row is referenced
           Case{1452, absl::StatusCode::kFailedPrecondition},  // no referenced row
           Case{1969, absl::StatusCode::kDeadlineExceeded},    // max_statement_time
           Case{1317, absl::StatusCode::kDeadlineExceeded},    // interrupted
           Case{1064, absl::StatusCode::kInternal},            // syntax: a bug of ours
           Case{1146, absl::StatusCode::kInternal},            // no such table
           Case{0, absl::StatusCode::kInternal},
       }) {
    const absl::Status status = SqlErrorToStatus(c.error_code, "HY000", "details", "insert run");
    EXPECT_EQ(status.code(), c.expected) << c.error_code;
    EXPECT_THAT(std::string(status.message()), StartsWith("insert run: ")) << c.error_code;
  }
}

TEST(SqlErrorToStatusTest, UnavailableDoesNotLeakServerDetails) {
  const absl::Status status =
      SqlErrorToStatus(2013, "HY000", "Lost connection to server at 10.0.0.5", "read run");
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(status.message()), ::testing::Not(HasSubstr("10.0.0.5")));
}

TEST(SqlErrorToStatusTest, InternalCarriesTheCodeForDiagnosis) {
  const absl::Status status =
      SqlErrorToStatus(1146, "42S02", "Table 'x.y' doesn't exist", "list runs");
  EXPECT_THAT(std::string(status.message()), HasSubstr("1146"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("42S02"));
}

TEST(SqlErrorToStatusTest, MapsConnectorExceptions) {
  const sql::SQLException deadlock("Deadlock found when trying to get lock", "40001", 1213);
  EXPECT_EQ(SqlErrorToStatus(deadlock, "enroll").code(), absl::StatusCode::kAborted);
  const sql::SQLException duplicate("Duplicate entry 'TJ-1' for key 'code'", "23000", 1062);
  const absl::Status status = SqlErrorToStatus(duplicate, "create course");
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(std::string(status.message()), HasSubstr("Duplicate entry"));
}

TEST(SqlErrorClassesTest, ConnectionAndRetryableErrors) {
  for (int code : {2002, 2003, 2006, 2013, 2026, 2055}) {
    EXPECT_TRUE(IsConnectionError(code)) << code;
    EXPECT_FALSE(IsRetryableTransactionError(code)) << code;
  }
  for (int code : {1213, 1205, 1020}) {
    EXPECT_TRUE(IsRetryableTransactionError(code)) << code;
    EXPECT_FALSE(IsConnectionError(code)) << code;
  }
  for (int code : {0, 1062, 1451, 1064}) {
    EXPECT_FALSE(IsConnectionError(code)) << code;
    EXPECT_FALSE(IsRetryableTransactionError(code)) << code;
  }
}

}  // namespace
}  // namespace luban::db
