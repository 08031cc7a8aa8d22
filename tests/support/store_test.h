// The shared set-up of the repository tests of every service: one contract, two stores.
//
// A service's store contract tests are parameterised on Backend and run twice: against its MySQL
// store on a fresh, migrated schema of the test MariaDB, and against its in-memory fake, so the
// fake the domain tests rely on keeps the contract of the real store. StoreTest<Traits> is the
// fixture both runs share; a service names its pieces in a small traits struct:
//
//   struct CourseStoreTraits {
//     using Tx = CourseTx;                      // the repository interface of one transaction
//     using Fake = testing::FakeCourseStore;    // TransactionalStore<Tx>, default-constructible,
//                                               // with `const InMemoryLedger& ledger() const`
//     using MySql = MySqlCourseStore;           // TransactionalStore<Tx>, explicit
//                                               // MySql(db::ConnectionPool*)
//     // The service's migration track (applied after db::PlatformMigrations()).
//     static const std::vector<db::Migration>& Migrations() { return CourseMigrations(); }
//   };
//
//   class CourseStoreTest : public luban::testing::StoreTest<CourseStoreTraits> {
//     // service helpers built on Run() and Read()
//   };
//   INSTANTIATE_TEST_SUITE_P(Backends, CourseStoreTest,
//                            ::testing::Values(Backend::kMySql, Backend::kFake), BackendName);
//
// (with `using ::luban::testing::Backend;` and `using ::luban::testing::BackendName;`). The names
// of the cases are then Backends/CourseStoreTest.<Case>/MySql and .../Fake.
//
// Per test, SetUp makes the store: for kFake a new Fake; for kMySql a new TestDatabase (skipped,
// or failed under CI, when no test database is configured; see test_database.h), a
// ConnectionPool of kPoolSize connections to it, the platform and service migrations applied,
// and a MySql store over the pool. TearDown releases them in reverse order: the store, then the
// pool (its connections must be closed before the schema's user is dropped), then the database.
// A fixture deriving from StoreTest that overrides SetUp or TearDown must call the base's.
//
// MySqlStoreTest<Traits, pool_size> is the fixture of the tests that need the database itself
// (races, locking, stored bytes): a DatabaseTest (skip-or-fail as there) with a pool of
// `pool_size` connections to its schema, migrated as above, and the MySql store over it. It needs
// only Tx, MySql and Migrations of the traits.
//
// InLedger() hands the audit trail's contract checks (audit_trail_contract.h) the store's own
// transactions: every service's store test runs them on both backends.
#ifndef LUBAN_TESTS_SUPPORT_STORE_TEST_H_
#define LUBAN_TESTS_SUPPORT_STORE_TEST_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/db/migrations.h"
#include "common/db/pool.h"
#include "common/domain/store.h"
#include "common/domain/types.h"
#include "gtest/gtest.h"
#include "tests/support/audit_trail_contract.h"
#include "tests/support/test_database.h"

namespace luban::testing {

// Which store a parameterised store test runs against.
enum class Backend { kMySql, kFake };

// Names the parameter in test output ("MySql", "Fake").
inline void PrintTo(Backend backend, std::ostream* os) {
  *os << (backend == Backend::kMySql ? "MySql" : "Fake");
}

// The suffix of a parameterised test's name: Backends/CourseStoreTest.InstitutionCrud/MySql.
inline std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kMySql ? "MySql" : "Fake";
}

// The ids (meta.id) of `items`, in order.
template <typename T>
std::vector<int64_t> Ids(const std::vector<T>& items) {
  std::vector<int64_t> ids;
  ids.reserve(items.size());
  for (const T& item : items) ids.push_back(item.meta.id);
  return ids;
}

// The ids of a page's items, in order.
template <typename T>
std::vector<int64_t> Ids(const Page<T>& page) {
  return Ids(page.items);
}

// The ids of the batch `export_batch(next)` returns (a store's export run in a read), checking
// what it tells `next` (ExportNext): a full batch of `limit` rows, where the next one starts
// (after its last row); a shorter one, nothing.
template <typename T, typename ExportBatch>
std::vector<int64_t> ExportedIds(int limit, ExportBatch export_batch) {
  std::optional<ExportCursor> next;
  const auto tell = [&](const ExportCursor& start) { next = start; };
  const absl::StatusOr<std::vector<T>> rows = export_batch(ExportNext(tell));
  EXPECT_TRUE(rows.ok()) << rows.status();
  if (!rows.ok()) return {};
  EXPECT_EQ(next.has_value(), static_cast<int>(rows->size()) == limit);
  if (next.has_value()) {
    EXPECT_EQ(next->updated_since, rows->back().meta.update_time);
    EXPECT_EQ(next->after_id, rows->back().meta.id);
  }
  return Ids(*rows);
}

// The value of `result`, or a failure of the test and T{}.
template <typename T>
T Must(const absl::StatusOr<T>& result) {
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? *result : T{};
}

// Expects the stored metadata of a resource to be `expected`, field by field.
inline void ExpectMetaEq(const Meta& actual, const Meta& expected) {
  EXPECT_EQ(actual.id, expected.id);
  EXPECT_EQ(actual.version, expected.version);
  EXPECT_EQ(actual.create_time, expected.create_time);
  EXPECT_EQ(actual.update_time, expected.update_time);
}

// Brings the schema behind `pool` up to date with the platform and the service's migrations.
template <typename Traits>
absl::StatusOr<db::MigrationReport> MigrateStore(db::ConnectionPool& pool) {
  return db::Migrate(pool, {&db::PlatformMigrations(), &Traits::Migrations()});
}

// A store of either kind, fresh for every test (see the top of this file for Traits).
template <typename Traits>
class StoreTest : public ::testing::TestWithParam<Backend> {
 public:
  using Tx = typename Traits::Tx;
  using Store = TransactionalStore<Tx>;

 protected:
  // Connections of the MySQL store's pool.
  static constexpr int kPoolSize = 4;

  // The connector's driver singleton is not thread-safe to create: make it before any thread.
  static void SetUpTestSuite() { db::Driver(); }

  void SetUp() override {
    if (GetParam() == Backend::kFake) {
      fake_ = std::make_unique<typename Traits::Fake>();
      store_ = fake_.get();
      return;
    }
    LUBAN_REQUIRE_TEST_DATABASE();
    auto database = TestDatabase::Create();
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = *std::move(database);
    db::DbConfig config = database_->Config();
    config.pool_size = kPoolSize;
    pool_ = std::make_unique<db::ConnectionPool>(config);
    auto migrated = MigrateStore<Traits>(*pool_);
    ASSERT_TRUE(migrated.ok()) << migrated.status();
    mysql_ = std::make_unique<typename Traits::MySql>(pool_.get());
    store_ = mysql_.get();
  }

  void TearDown() override {
    store_ = nullptr;
    mysql_.reset();
    pool_.reset();  // before the schema's user is dropped
    database_.reset();
    fake_.reset();
  }

  // The store under test; valid between SetUp and TearDown.
  Store& store() { return *store_; }

  // Runs `body` as one transaction of the store, without a deadline.
  absl::Status Run(const std::function<absl::Status(Tx&)>& body) {
    return store_->InTransaction("test", absl::InfiniteFuture(), body);
  }

  // Runs `read` in its own transaction and returns its value (or status).
  template <typename T>
  absl::StatusOr<T> Read(const std::function<absl::StatusOr<T>(Tx&)>& read) {
    absl::StatusOr<T> result = absl::UnknownError("not run");
    absl::Status status = Run([&](Tx& tx) {
      result = read(tx);
      return result.status();
    });
    if (!status.ok()) return status;
    return result;
  }

  // The store's transactions seen through their ledger, for the audit trail's contract
  // (audit_trail_contract.h).
  LedgerTransactions InLedger() {
    return [this](const std::function<absl::Status(Ledger&)>& body) {
      return Run([&](Tx& tx) { return body(tx.ledger()); });
    };
  }

  // Audit records committed so far (the fake's ledger, or the audit_log table).
  int64_t AuditCount() {
    if (fake_ != nullptr) return static_cast<int64_t>(fake_->ledger().audit().size());
    auto count = database_->QueryInt("SELECT COUNT(*) FROM audit_log");
    EXPECT_TRUE(count.ok()) << count.status();
    return count.value_or(-1);
  }

 private:
  Store* store_ = nullptr;  // fake_ or mysql_
  std::unique_ptr<TestDatabase> database_;
  std::unique_ptr<db::ConnectionPool> pool_;
  std::unique_ptr<typename Traits::MySql> mysql_;
  std::unique_ptr<typename Traits::Fake> fake_;
};

// The service's MySQL store alone, on a fresh, migrated schema per test.
template <typename Traits, int pool_size = 4>
class MySqlStoreTest : public DatabaseTest {
 public:
  using Tx = typename Traits::Tx;

 protected:
  // Connections of the store's pool.
  static constexpr int kPoolSize = pool_size;

  void SetUp() override {
    DatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    pool_ = std::make_unique<db::ConnectionPool>(Config(kPoolSize));
    auto migrated = Migrate();
    ASSERT_TRUE(migrated.ok()) << migrated.status();
    store_ = std::make_unique<typename Traits::MySql>(pool_.get());
  }

  void TearDown() override {
    store_.reset();
    pool_.reset();  // before the schema's user is dropped
    DatabaseTest::TearDown();
  }

  // The store under test; valid between SetUp and TearDown.
  typename Traits::MySql& store() { return *store_; }

  // Applies the platform and the service's migrations (again: SetUp applied them).
  absl::StatusOr<db::MigrationReport> Migrate() { return MigrateStore<Traits>(*pool_); }

  // Runs `body` as one transaction named `context`, with a minute to finish.
  absl::Status Run(absl::string_view context, const std::function<absl::Status(Tx&)>& body) {
    return store_->InTransaction(context, absl::Now() + absl::Seconds(60), body);
  }

  // Galera replicates InnoDB tables only and certifies a change by its rows' primary keys: the
  // migrated schema's tables that are not InnoDB or have no primary key, comma-separated.
  std::string TablesGaleraCannotReplicate() {
    const std::string in_schema =
        absl::StrCat(" FROM information_schema.TABLES t WHERE t.TABLE_SCHEMA = '", db().schema(),
                     "' AND t.TABLE_TYPE = 'BASE TABLE'");
    auto tables = db().QueryInt(absl::StrCat("SELECT COUNT(*)", in_schema));
    EXPECT_GT(tables.value_or(0), 0) << tables.status();
    auto refused = db().QueryValue(absl::StrCat(
        "SELECT IFNULL(GROUP_CONCAT(t.TABLE_NAME ORDER BY t.TABLE_NAME), '')", in_schema,
        " AND (t.ENGINE <> 'InnoDB' OR NOT EXISTS (SELECT 1 FROM"
        " information_schema.TABLE_CONSTRAINTS c WHERE c.TABLE_SCHEMA = t.TABLE_SCHEMA"
        " AND c.TABLE_NAME = t.TABLE_NAME AND c.CONSTRAINT_TYPE = 'PRIMARY KEY'))"));
    EXPECT_TRUE(refused.ok()) << refused.status();
    return refused.value_or("?");
  }

 private:
  std::unique_ptr<db::ConnectionPool> pool_;
  std::unique_ptr<typename Traits::MySql> store_;
};

}  // namespace luban::testing

#endif  // LUBAN_TESTS_SUPPORT_STORE_TEST_H_
