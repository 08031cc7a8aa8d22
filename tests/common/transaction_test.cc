// RunInTransaction against a real MariaDB.
#include "common/db/transaction.h"

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/db/pool.h"
#include "common/domain/status_macros.h"
#include "cppconn/exception.h"
#include "cppconn/prepared_statement.h"
#include "cppconn/resultset.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/test_database.h"

namespace luban::db {
namespace {

using ::testing::HasSubstr;

// Tajik (ҷ, ҳ), Chinese and a four-byte character: utf8mb4 stored byte-exact.
constexpr char kTajik[] = "Донишгоҳи техникии Тоҷикистон 天津 \xF0\x9F\x8F\x97";

class TransactionTest : public luban::testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(db().Execute("CREATE TABLE items (id INT NOT NULL PRIMARY KEY,"
                             " label VARCHAR(200) NOT NULL, n INT NOT NULL DEFAULT 0)"
                             " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin")
                    .ok());
  }

  int64_t Count() { return *db().QueryInt("SELECT COUNT(*) FROM items"); }

  static absl::Status Insert(Session& session, int id, const std::string& label) {
    return Guarded(session, "insert item", [&]() -> absl::Status {
      auto& insert = session.Prepare("INSERT INTO items (id, label) VALUES (?, ?)");
      insert.setInt(1, id);
      insert.setString(2, label);
      Session::Update(insert);
      return absl::OkStatus();
    });
  }
};

TEST_F(TransactionTest, CommitIsVisibleByteExact) {
  ConnectionPool pool(Config(2));
  const absl::Status status = RunInTransaction(
      pool, {.context = "insert"}, [&](Session& session) { return Insert(session, 1, kTajik); });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(*db().QueryValue("SELECT label FROM items WHERE id = 1"), kTajik);
  EXPECT_EQ(*db().QueryInt("SELECT LENGTH(label) FROM items WHERE id = 1"),
            static_cast<int64_t>(std::string(kTajik).size()));
}

TEST_F(TransactionTest, ErrorStatusRollsBack) {
  ConnectionPool pool(Config(2));
  int attempts = 0;
  const absl::Status status =
      RunInTransaction(pool, {.context = "insert then refuse"}, [&](Session& session) {
        ++attempts;
        if (auto s = Insert(session, 1, "first"); !s.ok()) return s;
        return absl::FailedPreconditionError("a rule refused the change");
      });
  EXPECT_EQ(status, absl::FailedPreconditionError("a rule refused the change"));
  EXPECT_EQ(attempts, 1);
  EXPECT_EQ(Count(), 0);
  // The connection went back clean: the next transaction does not commit the leftover.
  ASSERT_TRUE(RunInTransaction(pool, {}, [&](Session& session) {
                return Insert(session, 2, "second");
              }).ok());
  EXPECT_EQ(Count(), 1);
  EXPECT_EQ(*db().QueryInt("SELECT id FROM items"), 2);
}

TEST_F(TransactionTest, SqlErrorIsMappedAndRollsBack) {
  ConnectionPool pool(Config(2));
  const absl::Status status =
      RunInTransaction(pool, {.context = "insert twice"}, [&](Session& session) {
        if (auto s = Insert(session, 1, "a"); !s.ok()) return s;
        return Insert(session, 1, "b");  // duplicate key
      });
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("insert item"));
  EXPECT_EQ(Count(), 0);
}

TEST_F(TransactionTest, ExceptionLeavingTheBodyIsCaught) {
  ConnectionPool pool(Config(2));
  const absl::Status status =
      RunInTransaction(pool, {.context = "unguarded"}, [&](Session& session) -> absl::Status {
        Session::Query(session.Prepare("SELECT * FROM no_such_table"));
        return absl::OkStatus();
      });
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("unguarded"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("1146"));
}

TEST_F(TransactionTest, RetryableErrorsRerunTheBodyUpToMaxAttempts) {
  ConnectionPool pool(Config(1));
  int attempts = 0;
  const absl::Status status = RunInTransaction(
      pool, {.context = "always deadlocks", .max_attempts = 4}, [&](Session& session) {
        ++attempts;
        return session.Fail(sql::SQLException("Deadlock found", "40001", 1213), "lock rows");
      });
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted) << status;
  EXPECT_EQ(attempts, 4);
  EXPECT_EQ(pool.GetStats().conflict_retries, 3) << "each re-run is counted";
  EXPECT_EQ(pool.GetStats().discarded, 0);
}

TEST_F(TransactionTest, RetrySucceedsAfterATransientConflict) {
  ConnectionPool pool(Config(1));
  int attempts = 0;
  const absl::Status status =
      RunInTransaction(pool, {.context = "conflict once"}, [&](Session& session) {
        ++attempts;
        if (auto s = Insert(session, attempts, "attempt"); !s.ok()) return s;
        if (attempts == 1) {
          return session.Fail(sql::SQLException("Record has changed", "HY000", 1020), "x");
        }
        return absl::OkStatus();
      });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(attempts, 2);
  // The first attempt's insert was rolled back; only the second's is there.
  EXPECT_EQ(Count(), 1);
  EXPECT_EQ(*db().QueryInt("SELECT id FROM items"), 2);
}

TEST_F(TransactionTest, OtherErrorsAreNotRetried) {
  ConnectionPool pool(Config(1));
  int attempts = 0;
  const absl::Status status = RunInTransaction(pool, {}, [&](Session& session) {
    ++attempts;
    return session.Fail(sql::SQLException("Duplicate entry", "23000", 1062), "insert");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(attempts, 1);
}

TEST_F(TransactionTest, ConnectionErrorDiscardsTheConnectionWithoutRetry) {
  ConnectionPool pool(Config(1));
  int attempts = 0;
  const absl::Status status = RunInTransaction(pool, {}, [&](Session& session) {
    ++attempts;
    return session.Fail(sql::SQLException("Lost connection", "HY000", 2013), "read");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(attempts, 1);
  EXPECT_EQ(pool.GetStats().discarded, 1);
  EXPECT_EQ(pool.GetStats().open, 0);
}

// The connection dies between the body and its COMMIT (here: killed by the server, as when
// MariaDB is killed while the COMMIT is on the wire). The runner must report the unknown outcome
// as UNAVAILABLE; Connector/C++ 1.1's Connection::commit() ignores a failed COMMIT, and with it
// this transaction was acknowledged as committed although nothing was stored.
TEST_F(TransactionTest, ACommitThatLosesItsConnectionIsNotReportedAsCommitted) {
  ConnectionPool pool(Config(1));
  const absl::Status status = RunInTransaction(pool, {.context = "insert"}, [&](Session& session) {
    if (auto s = Insert(session, 1, "lost"); !s.ok()) return s;
    return Guarded(session, "kill own connection", [&]() -> absl::Status {
      auto rows = Session::Query(session.Prepare("SELECT CONNECTION_ID()"));
      rows->next();
      const int64_t id = rows->getInt64(1);
      if (absl::Status s = db().Execute(absl::StrCat("KILL CONNECTION ", id)); !s.ok()) return s;
      // KILL returns before the thread is gone; wait until the server has dropped it.
      for (const absl::Time give_up = absl::Now() + absl::Seconds(10); absl::Now() < give_up;) {
        auto left = db().QueryInt(
            absl::StrCat("SELECT COUNT(*) FROM information_schema.processlist WHERE id = ", id));
        if (left.ok() && *left == 0) return absl::OkStatus();
      }
      return absl::InternalError("the killed connection did not go away");
    });
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_EQ(Count(), 0);
  EXPECT_EQ(pool.GetStats().discarded, 1);
  EXPECT_EQ(pool.GetStats().open, 0);
}

TEST_F(TransactionTest, PassedDeadlineRunsNothing) {
  ConnectionPool pool(Config(1));
  bool ran = false;
  const absl::Status status = RunInTransaction(
      pool, {.context = "late", .deadline = absl::Now() - absl::Seconds(1)}, [&](Session&) {
        ran = true;
        return absl::OkStatus();
      });
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_FALSE(ran);
  EXPECT_EQ(pool.GetStats().open, 0);
}

// Two transactions lock the same two rows in opposite orders; InnoDB kills one with a deadlock
// (1213) and the runner re-runs it, so both commit, each exactly once.
TEST_F(TransactionTest, WorkThatOutlivesTheDeadlineIsRolledBackNotCommitted) {
  ConnectionPool pool(Config(2));
  const absl::Time deadline = absl::Now() + absl::Seconds(1);
  absl::Time now_at_end;
  const absl::Status status = RunInTransaction(
      pool, {.context = "slow insert", .deadline = deadline}, [&](Session& session) {
        if (auto s = Insert(session, 1, "late"); !s.ok()) return s;
        // The body ends after the caller's deadline (as if a lock wait had held it there).
        Guarded(session, "wait", [&]() -> absl::Status {
          auto& wait = session.Prepare("SELECT SLEEP(?)");
          wait.setDouble(1, absl::ToDoubleSeconds(deadline - absl::Now()) + 0.2);
          std::unique_ptr<sql::ResultSet> rows(wait.executeQuery());
          return absl::OkStatus();
        }).IgnoreError();
        now_at_end = absl::Now();
        return absl::OkStatus();
      });
  ASSERT_GE(now_at_end, deadline);
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  EXPECT_THAT(status.message(), HasSubstr("before the commit"));
  EXPECT_EQ(Count(), 0);
}

TEST_F(TransactionTest, WorkEndingWithinTheCommitMarginOfTheDeadlineIsRolledBack) {
  ConnectionPool pool(Config(2));
  // The caller's own deadline may already have passed when ours is this close.
  const absl::Time deadline = absl::Now() + kCommitMargin + absl::Milliseconds(300);
  const absl::Status status =
      RunInTransaction(pool, {.context = "insert", .deadline = deadline}, [&](Session& session) {
        if (auto s = Insert(session, 1, "late"); !s.ok()) return s;
        Guarded(session, "wait", [&]() -> absl::Status {
          auto& wait = session.Prepare("SELECT SLEEP(?)");
          wait.setDouble(1, absl::ToDoubleSeconds(deadline - kCommitMargin / 2 - absl::Now()));
          std::unique_ptr<sql::ResultSet> rows(wait.executeQuery());
          return absl::OkStatus();
        }).IgnoreError();
        return absl::OkStatus();
      });
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  EXPECT_EQ(Count(), 0);
}

TEST_F(TransactionTest, DeadlockIsRetriedAndBothCommit) {
  ASSERT_TRUE(db().Execute("INSERT INTO items (id, label) VALUES (1, 'a'), (2, 'b')").ok());
  ConnectionPool pool(Config(2));
  absl::Notification first_locked[2];
  std::atomic<int> attempts[2] = {0, 0};
  absl::Status results[2];

  auto worker = [&](int me) {
    const int first_row = me == 0 ? 1 : 2;
    const int second_row = me == 0 ? 2 : 1;
    results[me] = RunInTransaction(
        pool, {.context = "opposite order", .max_attempts = 5}, [&](Session& session) {
          const int attempt = attempts[me].fetch_add(1) + 1;
          return Guarded(session, "lock rows", [&]() -> absl::Status {
            auto& bump = session.Prepare("UPDATE items SET n = n + 1 WHERE id = ?");
            bump.setInt(1, first_row);
            Session::Update(bump);
            if (attempt == 1) {
              // Both hold their first row before either asks for its second.
              first_locked[me].Notify();
              first_locked[1 - me].WaitForNotification();
            }
            bump.setInt(1, second_row);
            Session::Update(bump);
            return absl::OkStatus();
          });
        });
  };
  std::thread a(worker, 0);
  std::thread b(worker, 1);
  a.join();
  b.join();

  EXPECT_TRUE(results[0].ok()) << results[0];
  EXPECT_TRUE(results[1].ok()) << results[1];
  EXPECT_GE(attempts[0] + attempts[1], 3) << "one of them must have been retried";
  // Each transaction incremented each row exactly once.
  EXPECT_EQ(*db().QueryInt("SELECT n FROM items WHERE id = 1"), 2);
  EXPECT_EQ(*db().QueryInt("SELECT n FROM items WHERE id = 2"), 2);
}

// A lock wait timeout (1205) is retried too, and reported as ABORTED when it persists.
TEST_F(TransactionTest, PersistentLockWaitTimeoutIsAborted) {
  ASSERT_TRUE(db().Execute("INSERT INTO items (id, label) VALUES (1, 'a')").ok());
  // The admin holds the row for the whole test.
  ASSERT_TRUE(db().Execute("START TRANSACTION").ok());
  ASSERT_TRUE(db().Execute("SELECT * FROM items WHERE id = 1 FOR UPDATE").ok());
  ConnectionPool pool(Config(1));
  int attempts = 0;
  const absl::Status status =
      RunInTransaction(pool, {.context = "blocked", .max_attempts = 2}, [&](Session& session) {
        ++attempts;
        return Guarded(session, "update locked row", [&]() -> absl::Status {
          Session::Update(session.Prepare("SET SESSION innodb_lock_wait_timeout = 1"));
          Session::Update(session.Prepare("UPDATE items SET n = n + 1 WHERE id = 1"));
          return absl::OkStatus();
        });
      });
  ASSERT_TRUE(db().Execute("ROLLBACK").ok());
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted) << status;
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(*db().QueryInt("SELECT n FROM items WHERE id = 1"), 0);
}

// A locking read that gives up waiting for its row fails the transaction: it must never read as
// "no such row" and let the transaction go on. (Connector/C++ 1.1 does not check the error of a
// prepared statement's stored result; this error comes before any, and is reported.)
TEST_F(TransactionTest, ALockingReadThatTimesOutFailsInsteadOfReadingNoRow) {
  ASSERT_TRUE(db().Execute("INSERT INTO items (id, label) VALUES (1, 'a')").ok());
  ASSERT_TRUE(db().Execute("START TRANSACTION").ok());
  ASSERT_TRUE(db().Execute("SELECT * FROM items WHERE id = 1 FOR UPDATE").ok());
  ConnectionPool pool(Config(1));
  bool read_a_row = false;
  bool went_on = false;
  const absl::Status status =
      RunInTransaction(pool, {.context = "blocked", .max_attempts = 1}, [&](Session& session) {
        return Guarded(session, "read locked row", [&]() -> absl::Status {
          Session::Update(session.Prepare("SET SESSION innodb_lock_wait_timeout = 1"));
          auto rows =
              Session::Query(session.Prepare("SELECT label FROM items WHERE id = 1 FOR UPDATE"));
          read_a_row = rows->next();
          went_on = true;
          return absl::OkStatus();
        });
      });
  ASSERT_TRUE(db().Execute("ROLLBACK").ok());
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted) << status;
  EXPECT_FALSE(went_on) << "the read that timed out came back as a result with"
                        << (read_a_row ? "" : " no") << " row";
}

// ---- RunSingleRead ----

// The label of item `id` through `session` ("" when there is none).
absl::StatusOr<std::string> Label(Session& session, int id) {
  return Guarded(session, "read item", [&]() -> absl::StatusOr<std::string> {
    auto& select = session.Prepare("SELECT label FROM items WHERE id = ?");
    select.setInt(1, id);
    auto rows = Session::Query(select);
    return rows->next() ? std::string(rows->getString(1)) : std::string();
  });
}

// COMMITs the pool's one connection has sent so far (read in a transaction of its own, which
// commits once more after the figure is read).
int64_t CommitsSent(ConnectionPool& pool) {
  int64_t commits = -1;
  const absl::Status status = RunInTransaction(pool, {}, [&](Session& session) -> absl::Status {
    auto rows = Session::Query(session.Prepare("SHOW SESSION STATUS LIKE 'Com_commit'"));
    if (!rows->next()) return absl::InternalError("no Com_commit");
    commits = rows->getInt64(2);
    return absl::OkStatus();
  });
  EXPECT_TRUE(status.ok()) << status;
  return commits;
}

TEST_F(TransactionTest, ASingleReadIsOneStatementWithoutACommitAndSeesTheLatestCommit) {
  ASSERT_TRUE(db().Execute("INSERT INTO items (id, label) VALUES (1, 'before')").ok());
  ConnectionPool pool(Config(1));
  const int64_t commits_before = CommitsSent(pool);
  std::string seen;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(RunSingleRead(pool, {.context = "read"}, [&](Session& session) -> absl::Status {
                  LUBAN_ASSIGN_OR_RETURN(seen, Label(session, 1));
                  return absl::OkStatus();
                }).ok());
  }
  EXPECT_EQ(seen, "before");
  // Five reads sent no COMMIT: the difference is the first figure's own transaction's.
  EXPECT_EQ(CommitsSent(pool) - commits_before, 1);
  // No snapshot is held from one read to the next: a change committed elsewhere is seen.
  ASSERT_TRUE(db().Execute("UPDATE items SET label = 'after' WHERE id = 1").ok());
  ASSERT_TRUE(RunSingleRead(pool, {.context = "read"}, [&](Session& session) -> absl::Status {
                LUBAN_ASSIGN_OR_RETURN(seen, Label(session, 1));
                return absl::OkStatus();
              }).ok());
  EXPECT_EQ(seen, "after");
}

TEST_F(TransactionTest, AReadOfTwoStatementsRunsAgainInOneTransaction) {
  ASSERT_TRUE(db().Execute("INSERT INTO items (id, label) VALUES (1, 'one'), (2, 'two')").ok());
  ConnectionPool pool(Config(1));
  int attempts = 0;
  std::string first, second;
  const absl::Status status =
      RunSingleRead(pool, {.context = "read two"}, [&](Session& session) -> absl::Status {
        ++attempts;
        LUBAN_ASSIGN_OR_RETURN(first, Label(session, 1));
        LUBAN_ASSIGN_OR_RETURN(second, Label(session, 2));
        return absl::OkStatus();
      });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(attempts, 2) << "stopped at its second statement, then run in a transaction";
  EXPECT_EQ(first, "one");
  EXPECT_EQ(second, "two");
  EXPECT_EQ(pool.GetStats().discarded, 0);
}

TEST_F(TransactionTest, ATransactionAfterASingleReadOnItsConnectionStillRollsBack) {
  ConnectionPool pool(Config(1));  // one connection: the read's, then the transaction's
  ASSERT_TRUE(RunSingleRead(pool, {.context = "read"}, [&](Session& session) {
                return Label(session, 1).status();
              }).ok());
  const absl::Status status =
      RunInTransaction(pool, {.context = "insert then refuse"}, [&](Session& session) {
        if (auto s = Insert(session, 1, "must not stay"); !s.ok()) return s;
        return absl::FailedPreconditionError("a rule refused the change");
      });
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_EQ(Count(), 0) << "the insert committed on its own: autocommit was left on";
}

TEST_F(TransactionTest, ASingleReadThatFailsIsMappedAndLeavesTheConnectionUsable) {
  ConnectionPool pool(Config(1));
  const absl::Status status =
      RunSingleRead(pool, {.context = "bad read"}, [&](Session& session) -> absl::Status {
        return Guarded(session, "read missing table", [&]() -> absl::Status {
          Session::Query(session.Prepare("SELECT * FROM no_such_table"));
          return absl::OkStatus();
        });
      });
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("1146"));
  EXPECT_EQ(pool.GetStats().discarded, 0);
  ASSERT_TRUE(RunInTransaction(pool, {}, [&](Session& session) {
                return Insert(session, 1, "after");
              }).ok());
  EXPECT_EQ(Count(), 1);
}

}  // namespace
}  // namespace luban::db
