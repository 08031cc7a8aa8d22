// Schema migrations: SplitStatements (unit) and Migrate against a real MariaDB.
#include "common/db/migrations.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/db/pool.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/test_database.h"

namespace luban::db {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(SplitStatementsTest, SplitsAtSemicolonsEndingALine) {
  const std::string sql =
      "-- a comment line\n"
      "CREATE TABLE a (\n"
      "  id INT NOT NULL, -- trailing comment kept inside the statement\n"
      "  PRIMARY KEY (id));\n"
      "\n"
      "   \n"
      "INSERT INTO a VALUES (1);  \n"
      "INSERT INTO b VALUES ('x;y');\n"
      "UPDATE a SET id = 2";
  EXPECT_THAT(SplitStatements(sql),
              ElementsAre("CREATE TABLE a (\n"
                          "  id INT NOT NULL, -- trailing comment kept inside the statement\n"
                          "  PRIMARY KEY (id))",
                          "INSERT INTO a VALUES (1)", "INSERT INTO b VALUES ('x;y')",
                          "UPDATE a SET id = 2"));
}

TEST(SplitStatementsTest, EmptyAndCommentOnlyTextHasNoStatements) {
  EXPECT_TRUE(SplitStatements("").empty());
  EXPECT_TRUE(SplitStatements("-- nothing\n\n-- here\n").empty());
}

TEST(SplitStatementsTest, SplitsThePlatformMigration) {
  ASSERT_FALSE(PlatformMigrations().empty());
  const Migration& first = PlatformMigrations().front();
  EXPECT_STREQ(first.track, "platform");
  EXPECT_EQ(first.version, 1);
  const std::vector<std::string> statements = SplitStatements(first.sql);
  ASSERT_EQ(statements.size(), 5u);
  EXPECT_THAT(statements[0], HasSubstr("CREATE TABLE idempotency_keys"));
  EXPECT_THAT(statements[3], HasSubstr("INSERT INTO change_feed_head"));
}

TEST(PlatformMigrationsTest, VersionsAscendFromOne) {
  int expected = 1;
  for (const Migration& m : PlatformMigrations()) {
    EXPECT_STREQ(m.track, "platform");
    EXPECT_EQ(m.version, expected++);
    EXPECT_GT(std::string(m.name).size(), 0u);
  }
}

// A service track of this test.
const std::vector<Migration>& TestTrackV1() {
  static const std::vector<Migration> kTrack = {
      {"test", 1, "widgets",
       "CREATE TABLE widgets (\n  id BIGINT NOT NULL AUTO_INCREMENT,\n"
       "  label VARCHAR(100) NOT NULL,\n  PRIMARY KEY (id)\n) ENGINE=InnoDB;\n"
       "INSERT INTO widgets (label) VALUES ('Ҷумъа');\n"},
  };
  return kTrack;
}

const std::vector<Migration>& TestTrackV2() {
  static const std::vector<Migration> kTrack = {
      TestTrackV1()[0],
      {"test", 2, "gadgets",
       "CREATE TABLE gadgets (id BIGINT NOT NULL PRIMARY KEY) ENGINE=InnoDB;\n"
       "ALTER TABLE widgets ADD COLUMN weight INT NULL;\n"},
  };
  return kTrack;
}

class MigrateTest : public luban::testing::DatabaseTest {
 protected:
  // Migrates the platform and test track 1 over `pool`, then hands the migration lock's lease
  // to `holder` until `expires_at` (an SQL expression), as another migrator would hold it.
  void MigrateThenLeaveLease(ConnectionPool& pool, const std::string& holder,
                             const std::string& expires_at) {
    ASSERT_TRUE(Migrate(pool, {&PlatformMigrations(), &TestTrackV1()}).ok());
    ASSERT_TRUE(db().Execute(absl::StrCat("UPDATE schema_migration_lock SET holder = '", holder,
                                          "', expires_at = ", expires_at, " WHERE id = 1"))
                    .ok());
  }

  int64_t TableCount() {
    return *db().QueryInt(
        absl::StrCat("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '",
                     db().schema(), "'"));
  }
};

TEST_F(MigrateTest, AppliesEveryTrackOnceAndRerunsAsNoOp) {
  ConnectionPool pool(Config(2));
  const int platform = static_cast<int>(PlatformMigrations().size());
  auto first = Migrate(pool, {&PlatformMigrations(), &TestTrackV2()});
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->applied, platform + 2);
  EXPECT_EQ(first->current, platform + 2);

  // The platform tables, the track's tables and the bookkeeping.
  for (const char* table : {"schema_migrations", "idempotency_keys", "audit_log",
                            "change_feed_head", "change_events", "widgets", "gadgets"}) {
    EXPECT_EQ(*db().QueryInt(absl::StrCat(
                  "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '",
                  db().schema(), "' AND TABLE_NAME = '", table, "'")),
              1)
        << table;
  }
  EXPECT_EQ(*db().QueryInt("SELECT last_sequence FROM change_feed_head WHERE id = 1"), 0);
  EXPECT_EQ(*db().QueryValue("SELECT label FROM widgets"), "Ҷумъа");
  EXPECT_EQ(*db().QueryInt("SELECT COUNT(*) FROM schema_migrations"), platform + 2);
  EXPECT_EQ(*db().QueryValue("SELECT name FROM schema_migrations WHERE track = 'test' AND "
                             "version = 2"),
            "gadgets");

  const std::string before = *db().TableChecksum("schema_migrations");
  const int64_t tables = TableCount();
  auto second = Migrate(pool, {&PlatformMigrations(), &TestTrackV2()});
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->applied, 0);
  EXPECT_EQ(second->current, platform + 2);
  EXPECT_EQ(*db().TableChecksum("schema_migrations"), before);
  EXPECT_EQ(TableCount(), tables);
  EXPECT_EQ(*db().QueryInt("SELECT COUNT(*) FROM widgets"), 1);  // the INSERT ran once
}

TEST_F(MigrateTest, AppliesOnlyWhatIsNew) {
  ConnectionPool pool(Config(2));
  auto v1 = Migrate(pool, {&PlatformMigrations(), &TestTrackV1()});
  ASSERT_TRUE(v1.ok()) << v1.status();
  auto v2 = Migrate(pool, {&PlatformMigrations(), &TestTrackV2()});
  ASSERT_TRUE(v2.ok()) << v2.status();
  EXPECT_EQ(v2->applied, 1);
  EXPECT_EQ(v2->current, static_cast<int>(PlatformMigrations().size()) + 2);
  EXPECT_EQ(*db().QueryInt("SELECT COUNT(*) FROM information_schema.COLUMNS WHERE "
                           "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'widgets' AND "
                           "COLUMN_NAME = 'weight'"),
            1);
}

TEST_F(MigrateTest, RefusesASchemaNewerThanTheBinary) {
  ConnectionPool pool(Config(2));
  ASSERT_TRUE(Migrate(pool, {&PlatformMigrations(), &TestTrackV2()}).ok());
  const std::string before = *db().TableChecksum("schema_migrations");

  // An older binary that knows only version 1 of the test track.
  auto older = Migrate(pool, {&PlatformMigrations(), &TestTrackV1()});
  EXPECT_EQ(older.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(older.status().message()), HasSubstr("test/2"));
  EXPECT_THAT(std::string(older.status().message()), HasSubstr("newer release"));

  // A binary without the track at all.
  auto other = Migrate(pool, {&PlatformMigrations()});
  EXPECT_EQ(other.status().code(), absl::StatusCode::kFailedPrecondition);

  // A version recorded by some future release of the platform.
  ASSERT_TRUE(db().Execute("INSERT INTO schema_migrations (track, version, name, checksum,"
                           " applied_at) VALUES ('platform', 999, 'future', REPEAT('0', 64),"
                           " UTC_TIMESTAMP(6))")
                  .ok());
  auto future = Migrate(pool, {&PlatformMigrations(), &TestTrackV2()});
  EXPECT_EQ(future.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(future.status().message()), HasSubstr("platform/999"));
  ASSERT_TRUE(db().Execute("DELETE FROM schema_migrations WHERE version = 999").ok());
  EXPECT_EQ(*db().TableChecksum("schema_migrations"), before);  // refusals changed nothing
}

TEST_F(MigrateTest, RefusesAnAppliedMigrationWhoseTextChanged) {
  ConnectionPool pool(Config(2));
  ASSERT_TRUE(Migrate(pool, {&PlatformMigrations(), &TestTrackV1()}).ok());
  static const std::vector<Migration> kEdited = {
      {"test", 1, "widgets",
       "CREATE TABLE widgets (id BIGINT NOT NULL PRIMARY KEY, extra INT) ENGINE=InnoDB;\n"},
  };
  const int64_t tables = *db().QueryInt(
      "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()");
  auto edited = Migrate(pool, {&PlatformMigrations(), &kEdited});
  EXPECT_EQ(edited.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(edited.status().message()), HasSubstr("test/1"));
  EXPECT_THAT(std::string(edited.status().message()), HasSubstr("changed after it was applied"));
  EXPECT_EQ(*db().QueryInt(
                "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"),
            tables);
}

TEST_F(MigrateTest, AFailingMigrationIsNotRecorded) {
  ConnectionPool pool(Config(2));
  static const std::vector<Migration> kBroken = {
      {"test", 1, "broken", "CREATE TABLE ok_table (id INT PRIMARY KEY);\nCREATE TABLEX oops;\n"},
  };
  auto broken = Migrate(pool, {&PlatformMigrations(), &kBroken});
  EXPECT_FALSE(broken.ok());
  EXPECT_EQ(*db().QueryInt("SELECT COUNT(*) FROM schema_migrations WHERE track = 'test'"), 0);
  // The platform track, applied before the broken one, stays recorded.
  EXPECT_EQ(*db().QueryInt("SELECT COUNT(*) FROM schema_migrations WHERE track = 'platform'"),
            static_cast<int64_t>(PlatformMigrations().size()));
  // The failed migrator freed its lease: the next one (a restart, the fixed release) need not
  // wait for it to expire.
  EXPECT_EQ(*db().QueryValue("SELECT holder FROM schema_migration_lock WHERE id = 1"), "");
  auto fixed = Migrate(pool, {&PlatformMigrations(), &TestTrackV1()}, absl::Seconds(1));
  ASSERT_TRUE(fixed.ok()) << fixed.status();
  EXPECT_EQ(fixed->applied, 1);
}

TEST_F(MigrateTest, ConcurrentMigratorsApplyEachMigrationOnce) {
  ConnectionPool pool_a(Config(1));
  ConnectionPool pool_b(Config(1));
  absl::StatusOr<MigrationReport> a;
  absl::StatusOr<MigrationReport> b;
  std::thread ta([&] { a = Migrate(pool_a, {&PlatformMigrations(), &TestTrackV2()}); });
  std::thread tb([&] { b = Migrate(pool_b, {&PlatformMigrations(), &TestTrackV2()}); });
  ta.join();
  tb.join();
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  const int total = static_cast<int>(PlatformMigrations().size()) + 2;
  EXPECT_EQ(a->applied + b->applied, total);
  EXPECT_EQ(a->current, total);
  EXPECT_EQ(b->current, total);
  EXPECT_EQ(*db().QueryInt("SELECT COUNT(*) FROM widgets"), 1);
}

// The lock is a lease written in a row (Galera replicates no GET_LOCK): a migrator that died
// holding it leaves it to expire, and the next one takes it over.
TEST_F(MigrateTest, ALeaseLeftByAMigratorThatDiedIsTakenOverOnceExpired) {
  ConnectionPool pool(Config(1));
  MigrateThenLeaveLease(pool, "dead-host:7:1", "UTC_TIMESTAMP(6) - INTERVAL 1 SECOND");
  ASSERT_FALSE(HasFatalFailure());
  auto report = Migrate(pool, {&PlatformMigrations(), &TestTrackV2()}, absl::Seconds(5));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->applied, 1);
  EXPECT_EQ(*db().QueryValue("SELECT holder FROM schema_migration_lock WHERE id = 1"), "");
}

TEST_F(MigrateTest, ALiveLeaseMakesOthersWaitUntilTheirTimeoutAndApplyNothing) {
  ConnectionPool pool(Config(1));
  MigrateThenLeaveLease(pool, "replica-b:42:7", "UTC_TIMESTAMP(6) + INTERVAL 1 HOUR");
  ASSERT_FALSE(HasFatalFailure());
  auto refused = Migrate(pool, {&PlatformMigrations(), &TestTrackV2()}, absl::Milliseconds(300));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable) << refused.status();
  EXPECT_THAT(std::string(refused.status().message()), ::testing::HasSubstr("replica-b:42:7"));
  EXPECT_EQ(*db().QueryInt("SELECT COUNT(*) FROM schema_migrations WHERE track = 'test'"), 1);
  EXPECT_EQ(*db().QueryInt(absl::StrCat("SELECT COUNT(*) FROM information_schema.TABLES WHERE "
                                        "TABLE_NAME = 'gadgets' AND TABLE_SCHEMA = '",
                                        db().schema(), "'")),
            0);
}

}  // namespace
}  // namespace luban::db
