// SqlLedger and the change-feed reads against a real MariaDB.
#include "common/db/sql_ledger.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/db/migrations.h"
#include "common/db/pool.h"
#include "common/db/transaction.h"
#include "common/domain/status_macros.h"
#include "cppconn/prepared_statement.h"
#include "cppconn/resultset.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/test_database.h"

namespace luban::db {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Optional;

// A request hash with zero bytes inside and at the end (BINARY(32) must keep them).
std::string Hash(char seed) {
  std::string hash(32, seed);
  hash[5] = '\0';
  hash[31] = '\0';
  return hash;
}

RequestKey Key(const std::string& request_id, char seed = 'a',
               const std::string& method = "/luban.course.v1.CourseService/CreateWorkshop",
               const std::string& actor = "tju-admin") {
  return RequestKey{actor, request_id, method, Hash(seed)};
}

ChangeRecord Change(const std::string& type, const std::string& name,
                    const std::string& payload = std::string("\x0a\x03\x00\xff", 4),
                    OwningInstitutions owners = {}) {
  return ChangeRecord{type,        name,  ChangeKind::kUpdated, payload, "req-" + name,
                      "tju-admin", owners};
}

ChangeFilter OfTypes(std::vector<std::string> types) {
  ChangeFilter filter;
  filter.resource_types = std::move(types);
  return filter;
}

ChangeFilter OwnedBy(int64_t institution, std::vector<std::string> types = {}) {
  ChangeFilter filter = OfTypes(std::move(types));
  filter.owner_institution = institution;
  return filter;
}

std::vector<int64_t> Sequences(const std::vector<StoredChange>& changes) {
  std::vector<int64_t> sequences;
  for (const auto& change : changes) sequences.push_back(change.sequence);
  return sequences;
}

class SqlLedgerTest : public luban::testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    pool_ = std::make_unique<ConnectionPool>(Config(4));
    auto migrated = Migrate(*pool_, {&PlatformMigrations()});
    ASSERT_TRUE(migrated.ok()) << migrated.status();
  }
  void TearDown() override {
    pool_.reset();
    DatabaseTest::TearDown();
  }

  // Runs `body` with a ledger in one transaction.
  absl::Status InTx(absl::FunctionRef<absl::Status(SqlLedger&, Session&)> body) {
    return RunInTransaction(*pool_, {.context = "ledger test"}, [&](Session& session) {
      SqlLedger ledger(session);
      return Guarded(session, "ledger test", [&] { return body(ledger, session); });
    });
  }

  absl::StatusOr<std::optional<std::string>> Claim(const RequestKey& key,
                                                   const std::string& response) {
    absl::StatusOr<std::optional<std::string>> result;
    const absl::Status status = InTx([&](SqlLedger& ledger, Session&) -> absl::Status {
      result = ledger.ClaimRequest(key);
      if (!result.ok()) return result.status();
      if (!result->has_value()) return ledger.SaveResponse(key, response);
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
    return result;
  }

  // Publishes in a transaction of its own, then numbers the feed as the service's hub does.
  absl::Status Publish(const ChangeRecord& record) {
    auto status = InTx([&](SqlLedger& ledger, Session&) { return ledger.PublishChange(record); });
    if (status.ok()) Sequence();
    return status;
  }

  // Publishes changes to trainees/0 .. trainees/<n - 1> in one transaction, leaving them
  // unnumbered.
  absl::Status PublishUnnumbered(int n) {
    return InTx([&](SqlLedger& ledger, Session&) -> absl::Status {
      for (int i = 0; i < n; ++i) {
        LUBAN_RETURN_IF_ERROR(
            ledger.PublishChange(Change("trainees", absl::StrCat("trainees/", i))));
      }
      return absl::OkStatus();
    });
  }

  // Runs the feed's sequencer once; a lock wait of a second fails it (it must never wait).
  int Sequence() {
    int numbered = -1;
    const absl::Status status = InTx([&](SqlLedger&, Session& session) -> absl::Status {
      Session::Update(session.Prepare("SET SESSION innodb_lock_wait_timeout = 1"));
      numbered = SequenceChanges(session, 1000);
      return absl::OkStatus();
    });
    EXPECT_TRUE(status.ok()) << status;
    return numbered;
  }

  std::vector<StoredChange> Read(int64_t after, const ChangeFilter& filter, int limit) {
    std::vector<StoredChange> changes;
    EXPECT_TRUE(InTx([&](SqlLedger&, Session& session) {
                  changes = ReadChanges(session, after, filter, limit);
                  return absl::OkStatus();
                }).ok());
    return changes;
  }

  std::unique_ptr<ConnectionPool> pool_;
};

TEST_F(SqlLedgerTest, NewRequestThenRetryGetsTheStoredResponse) {
  const std::string response("\x0a\x0bworkshops/1\x00\xff", 15);
  auto first = Claim(Key("r-1"), response);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, std::nullopt);

  auto retry = Claim(Key("r-1"), "another response, never saved");
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_THAT(*retry, Optional(response));
  EXPECT_EQ(*db().QueryInt("SELECT COUNT(*) FROM idempotency_keys"), 1);
}

// Responses and change payloads are bytes (serialized messages): every byte value comes back as
// it went in, in a small value and in one past the connector's 256 KiB switch to long data; and
// the small ones travel inside their statements, with no long-data packet of their own.
TEST_F(SqlLedgerTest, ResponsesAndPayloadsKeepEveryByte) {
  std::string every_byte;
  for (int i = 0; i < 256; ++i) every_byte.push_back(static_cast<char>(i));
  std::string large;
  while (large.size() < 300 * 1024) large += every_byte;
  // Counted on the session that writes them (the server's counter is shared with other tests).
  ASSERT_TRUE(InTx([&](SqlLedger& ledger, Session& session) -> absl::Status {
                const auto long_data_packets = [&] {
                  auto row = Session::Query(
                      session.Prepare("SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS"
                                      " WHERE VARIABLE_NAME = 'COM_STMT_SEND_LONG_DATA'"));
                  return row->next() ? row->getInt64(1) : -1;
                };
                const int64_t before = long_data_packets();
                auto claimed = ledger.ClaimRequest(Key("small"));
                if (!claimed.ok()) return claimed.status();
                LUBAN_RETURN_IF_ERROR(ledger.SaveResponse(Key("small"), every_byte));
                LUBAN_RETURN_IF_ERROR(
                    ledger.PublishChange(Change("trainees", "trainees/1", every_byte)));
                EXPECT_GE(before, 0);
                EXPECT_EQ(long_data_packets(), before);
                return absl::OkStatus();
              }).ok());
  Sequence();
  ASSERT_TRUE(Claim(Key("large"), large).ok());
  ASSERT_TRUE(Publish(Change("trainees", "trainees/2", large)).ok());

  for (const auto& [id, expected] : {std::pair{"small", &every_byte}, {"large", &large}}) {
    auto retry = Claim(Key(id), "never saved");
    ASSERT_TRUE(retry.ok()) << retry.status();
    ASSERT_TRUE(retry->has_value()) << id;
    EXPECT_TRUE(**retry == *expected) << id << ": " << (*retry)->size() << " bytes back";
  }
  const std::vector<StoredChange> changes = Read(0, {}, 10);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_TRUE(changes[0].record.payload == every_byte);
  EXPECT_TRUE(changes[1].record.payload == large) << changes[1].record.payload.size();
}

TEST_F(SqlLedgerTest, SameIdForAnotherRequestIsRefused) {
  ASSERT_TRUE(Claim(Key("r-1", 'a'), "first").ok());
  const std::string before = *db().TableChecksum("idempotency_keys");

  auto other_hash = Claim(Key("r-1", 'b'), "second");
  EXPECT_EQ(other_hash.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(other_hash.status().message()), HasSubstr("r-1"));
  EXPECT_THAT(std::string(other_hash.status().message()), HasSubstr("different request"));

  auto other_method = Claim(Key("r-1", 'a', "/luban.course.v1.CourseService/DeleteWorkshop"), "x");
  EXPECT_EQ(other_method.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(*db().TableChecksum("idempotency_keys"), before);
}

TEST_F(SqlLedgerTest, RequestIdsAreScopedToTheCaller) {
  ASSERT_TRUE(Claim(Key("r-1", 'a', "/m", "tju-admin"), "tju").ok());
  auto other_caller = Claim(Key("r-1", 'b', "/m", "ttu-admin"), "ttu");
  ASSERT_TRUE(other_caller.ok()) << other_caller.status();
  EXPECT_EQ(*other_caller, std::nullopt);
}

TEST_F(SqlLedgerTest, RolledBackClaimLeavesTheIdFree) {
  const absl::Status refused = InTx([&](SqlLedger& ledger, Session&) -> absl::Status {
    auto claimed = ledger.ClaimRequest(Key("r-1"));
    if (!claimed.ok()) return claimed.status();
    EXPECT_EQ(*claimed, std::nullopt);
    return absl::FailedPreconditionError("the use case refused");
  });
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(*db().QueryInt("SELECT COUNT(*) FROM idempotency_keys"), 0);

  auto again = Claim(Key("r-1", 'b'), "now");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, std::nullopt);
}

// A duplicate arriving while the first request is still in flight waits for its outcome.
class ConcurrentClaimTest : public SqlLedgerTest, public ::testing::WithParamInterface<bool> {};

TEST_P(ConcurrentClaimTest, DuplicateWaitsForTheFirstOutcome) {
  const bool first_commits = GetParam();
  absl::Notification claimed;
  absl::Notification finish;
  absl::Status first_status;
  std::thread first([&] {
    first_status = InTx([&](SqlLedger& ledger, Session&) -> absl::Status {
      auto result = ledger.ClaimRequest(Key("r-1"));
      if (!result.ok()) return result.status();
      if (result->has_value()) return absl::InternalError("the key was not new");
      if (auto s = ledger.SaveResponse(Key("r-1"), "first"); !s.ok()) return s;
      claimed.Notify();
      finish.WaitForNotification();
      return first_commits ? absl::OkStatus() : absl::UnavailableError("the first one failed");
    });
  });
  claimed.WaitForNotification();

  absl::StatusOr<std::optional<std::string>> second;
  std::thread duplicate([&] { second = Claim(Key("r-1"), "second"); });
  // The duplicate blocks on the first one's key until that one ends.
  const absl::Status blocked = db().AwaitLockWaits(1);
  finish.Notify();
  first.join();
  duplicate.join();
  ASSERT_TRUE(blocked.ok()) << blocked;

  ASSERT_TRUE(second.ok()) << second.status();
  if (first_commits) {
    ASSERT_TRUE(first_status.ok()) << first_status;
    EXPECT_THAT(*second, Optional(std::string("first")));
  } else {
    EXPECT_EQ(first_status.code(), absl::StatusCode::kUnavailable);
    EXPECT_EQ(*second, std::nullopt);  // the id was free again: the duplicate ran as new
    EXPECT_EQ(*db().QueryValue("SELECT response FROM idempotency_keys"), "second");
  }
  EXPECT_EQ(*db().QueryInt("SELECT COUNT(*) FROM idempotency_keys"), 1);
}

INSTANTIATE_TEST_SUITE_P(FirstCommitsOrNot, ConcurrentClaimTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& param_info) {
                           return param_info.param ? "FirstCommits" : "FirstRollsBack";
                         });

// A transaction rolled back under its body (on a Galera node, a brute-force abort the connector
// may not report) runs its later statements in a new transaction without its claim: saving the
// response then finds no claim, and the whole transaction runs again instead of committing the
// rest.
TEST_F(SqlLedgerTest, SavingAResponseWithoutItsClaimReRunsTheTransaction) {
  int attempts = 0;
  const absl::Status status = InTx([&](SqlLedger& ledger, Session& session) -> absl::Status {
    ++attempts;
    auto claimed = ledger.ClaimRequest(Key("cut"));
    if (!claimed.ok()) return claimed.status();
    if (attempts == 1) Rollback(session.connection());  // the claim is gone
    return ledger.SaveResponse(Key("cut"), "answer");
  });
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(*db().QueryValue("SELECT response FROM idempotency_keys WHERE request_id = 'cut'"),
            "answer");
}

TEST_F(SqlLedgerTest, AuditWritesARow) {
  const AuditRecord record{"tju-admin",
                           "college_admin",
                           "r-7",
                           "/luban.course.v1.CourseService/UpdateWorkshop",
                           "workshops/3",
                           "updated",
                           R"({"city":"Хуҷанд","name":"天津"})"};
  ASSERT_TRUE(InTx([&](SqlLedger& ledger, Session&) { return ledger.Audit(record); }).ok());
  EXPECT_EQ(*db().QueryInt("SELECT COUNT(*) FROM audit_log"), 1);
  EXPECT_EQ(*db().QueryValue("SELECT CONCAT_WS('|', actor, actor_role, request_id, method,"
                             " resource_name, action) FROM audit_log"),
            "tju-admin|college_admin|r-7|/luban.course.v1.CourseService/UpdateWorkshop|"
            "workshops/3|updated");
  EXPECT_EQ(*db().QueryValue("SELECT details FROM audit_log"), record.details);
  EXPECT_LE(*db().QueryInt("SELECT ABS(TIMESTAMPDIFF(SECOND, at, UTC_TIMESTAMP())) FROM audit_log"),
            60);
  // Read back to the microsecond.
  Page<StoredAuditRecord> page;
  ASSERT_TRUE(InTx([&](SqlLedger& ledger, Session&) -> absl::Status {
                LUBAN_ASSIGN_OR_RETURN(page, ledger.ListAudit("", 0, 10));
                return absl::OkStatus();
              }).ok());
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(FormatSqlTime(page.items[0].time),
            *db().QueryValue("SELECT DATE_FORMAT(at, '%Y-%m-%d %H:%i:%s.%f') FROM audit_log"));
}

TEST_F(SqlLedgerTest, AuditOfARolledBackTransactionIsGone) {
  const absl::Status status = InTx([&](SqlLedger& ledger, Session&) -> absl::Status {
    if (auto s = ledger.Audit({"a", "reporter", "r", "/m", "workshops/1", "updated", "{}"});
        !s.ok()) {
      return s;
    }
    return absl::AbortedError("stale etag");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(*db().QueryInt("SELECT COUNT(*) FROM audit_log"), 0);
}

// The audit trail's reads (their contract: tests/support/audit_trail_contract.h, run by every
// service's store test) walk an index backwards from where the page starts and sort nothing: one
// record's history along audit_log_resource (resource_name, id), all of it along the primary key.
// The session's handler counters around each read show it: no sorted row, and no more index
// steps than the page's rows and the one that says more follow.
TEST_F(SqlLedgerTest, AuditReadsWalkAnIndexBackwardsAndSortNothing) {
  // 400 records of 40 workshops: one workshop's are every 40th, so the primary key walked
  // backwards with a filter would step over ~40 rows for each of its records.
  ASSERT_TRUE(InTx([&](SqlLedger& ledger, Session&) -> absl::Status {
                for (int i = 1; i <= 400; ++i) {
                  const AuditRecord record{"tju-admin",
                                           "network_admin",
                                           absl::StrCat("r-", i),
                                           "/m",
                                           absl::StrCat("workshops/", i % 40),
                                           "updated",
                                           "{}"};
                  if (auto s = ledger.Audit(record); !s.ok()) return s;
                }
                return absl::OkStatus();
              }).ok());
  ASSERT_TRUE(db().Execute("ANALYZE TABLE audit_log").ok());

  struct Case {
    const char* resource;
    int64_t before_id;
  };
  constexpr int kLimit = 5;
  for (const Case& c :
       {Case{"workshops/7", 0}, Case{"workshops/7", 300}, Case{"", 0}, Case{"", 300}}) {
    int64_t sorted = -1;
    int64_t steps = -1;
    size_t read = 0;
    ASSERT_TRUE(InTx([&](SqlLedger& ledger, Session& session) -> absl::Status {
                  // Counters of this connection, read through information_schema (a SELECT
                  // there neither sorts nor steps along an index).
                  auto counters = [&] {
                    auto rows = Session::Query(session.Prepare(
                        "SELECT SUM(IF(VARIABLE_NAME = 'SORT_ROWS', VARIABLE_VALUE, 0)),"
                        " SUM(IF(VARIABLE_NAME IN ('HANDLER_READ_PREV', 'HANDLER_READ_NEXT'),"
                        " VARIABLE_VALUE, 0)) FROM information_schema.SESSION_STATUS"));
                    rows->next();
                    return std::pair<int64_t, int64_t>(rows->getInt64(1), rows->getInt64(2));
                  };
                  const auto before = counters();
                  auto page = ledger.ListAudit(c.resource, c.before_id, kLimit);
                  if (!page.ok()) return page.status();
                  read = page->items.size();
                  const auto after = counters();
                  sorted = after.first - before.first;
                  steps = after.second - before.second;
                  return absl::OkStatus();
                }).ok());
    const std::string what = absl::StrCat("resource '", c.resource, "' before ", c.before_id);
    EXPECT_EQ(read, static_cast<size_t>(kLimit)) << what;
    EXPECT_EQ(sorted, 0) << what << ": the read sorted rows";
    EXPECT_GE(steps, 0) << what;
    EXPECT_LE(steps, kLimit + 1) << what << ": the read stepped over rows outside its page";
  }
}

TEST_F(SqlLedgerTest, PublishedChangesGetDenseOrderedSequences) {
  ASSERT_TRUE(Publish(Change("courseRuns", "courseRuns/1")).ok());
  ASSERT_TRUE(InTx([&](SqlLedger& ledger, Session&) -> absl::Status {
                if (auto s = ledger.PublishChange(Change("courseRuns", "courseRuns/2")); !s.ok()) {
                  return s;
                }
                return ledger.PublishChange(Change("workshops", "workshops/1"));
              }).ok());
  EXPECT_EQ(Sequence(), 2);
  EXPECT_EQ(Sequence(), 0);

  const std::vector<StoredChange> changes = Read(0, {}, 100);
  EXPECT_THAT(Sequences(changes), ElementsAre(1, 2, 3));
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0].record.resource_type, "courseRuns");
  EXPECT_EQ(changes[0].record.resource_name, "courseRuns/1");
  EXPECT_EQ(changes[0].record.kind, ChangeKind::kUpdated);
  EXPECT_EQ(changes[0].record.payload, std::string("\x0a\x03\x00\xff", 4));
  EXPECT_EQ(changes[0].record.request_id, "req-courseRuns/1");
  EXPECT_EQ(changes[0].record.actor, "tju-admin");
  EXPECT_LT(absl::AbsDuration(changes[0].time - absl::Now()), absl::Minutes(1));
  EXPECT_LE(changes[0].time, changes[2].time);
  EXPECT_EQ(FormatSqlTime(changes[0].time),
            *db().QueryValue("SELECT DATE_FORMAT(at, '%Y-%m-%d %H:%i:%s.%f') FROM change_events"
                             " WHERE sequence = 1"));
  EXPECT_EQ(changes[2].record.resource_name, "workshops/1");

  int64_t head = 0;
  ASSERT_TRUE(InTx([&](SqlLedger&, Session& session) {
                head = LastChangeSequence(session);
                return absl::OkStatus();
              }).ok());
  EXPECT_EQ(head, 3);
}

TEST_F(SqlLedgerTest, ReadChangesFiltersByTypeAndLimits) {
  for (const char* type : {"workshops", "courseRuns", "workshops", "courseRuns", "courses"}) {
    ASSERT_TRUE(Publish(Change(type, absl::StrCat(type, "/1"))).ok());
  }
  EXPECT_THAT(Sequences(Read(0, OfTypes({"courseRuns"}), 100)), ElementsAre(2, 4));
  EXPECT_THAT(Sequences(Read(0, OfTypes({"workshops", "courses"}), 100)), ElementsAre(1, 3, 5));
  EXPECT_THAT(Sequences(Read(0, {}, 2)), ElementsAre(1, 2));
  EXPECT_THAT(Sequences(Read(2, {}, 2)), ElementsAre(3, 4));
  EXPECT_THAT(Sequences(Read(1, OfTypes({"workshops"}), 1)), ElementsAre(3));
  EXPECT_TRUE(Read(5, {}, 100).empty());
  EXPECT_TRUE(Read(0, OfTypes({"enrollments"}), 100).empty());
}

// A college admin's feed: the changes to records its institution owns, whichever of the two
// owners it is; with types, both filters hold.
TEST_F(SqlLedgerTest, ReadChangesFiltersByOwningInstitution) {
  const std::string payload("\x0a\x01x", 3);
  ASSERT_TRUE(Publish(Change("workshops", "workshops/1", payload, {3, 7})).ok());
  ASSERT_TRUE(Publish(Change("courses", "courses/1", payload, {})).ok());
  ASSERT_TRUE(Publish(Change("courseRuns", "courseRuns/1", payload, {7, 3})).ok());
  ASSERT_TRUE(Publish(Change("institutions", "institutions/9", payload, {9, 0})).ok());
  ASSERT_TRUE(Publish(Change("courseRuns", "courseRuns/2", payload, {5, 9})).ok());

  EXPECT_THAT(Sequences(Read(0, OwnedBy(3), 100)), ElementsAre(1, 3));
  EXPECT_THAT(Sequences(Read(0, OwnedBy(7), 100)), ElementsAre(1, 3));
  EXPECT_THAT(Sequences(Read(0, OwnedBy(9), 100)), ElementsAre(4, 5));
  EXPECT_THAT(Sequences(Read(3, OwnedBy(7), 100)), ElementsAre());
  EXPECT_THAT(Sequences(Read(0, OwnedBy(9, {"courseRuns"}), 100)), ElementsAre(5));
  // Owned by nobody: no college reads it, not even as institution 0.
  EXPECT_THAT(Sequences(Read(0, OwnedBy(0), 100)), ElementsAre());
  const std::vector<StoredChange> all = Read(0, {}, 100);
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(all[0].record.owners.first, 3);
  EXPECT_EQ(all[0].record.owners.second, 7);
  EXPECT_EQ(all[1].record.owners.first, 0);
}

TEST_F(SqlLedgerTest, RolledBackPublishLeavesNoEventAndNoGap) {
  ASSERT_TRUE(Publish(Change("courseRuns", "courseRuns/1")).ok());
  const absl::Status rolled_back = InTx([&](SqlLedger& ledger, Session&) -> absl::Status {
    if (auto s = ledger.PublishChange(Change("courseRuns", "courseRuns/2")); !s.ok()) return s;
    return absl::InvalidArgumentError("refused after publishing");
  });
  EXPECT_EQ(rolled_back.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(*db().QueryInt("SELECT COUNT(*) FROM change_events"), 1);
  EXPECT_EQ(*db().QueryInt("SELECT last_sequence FROM change_feed_head"), 1);

  ASSERT_TRUE(Publish(Change("courseRuns", "courseRuns/3")).ok());
  const std::vector<StoredChange> changes = Read(0, {}, 100);
  EXPECT_THAT(Sequences(changes), ElementsAre(1, 2));
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[1].record.resource_name, "courseRuns/3");
}

TEST_F(SqlLedgerTest, ConcurrentPublishersProduceADenseSequence) {
  constexpr int kThreads = 4;
  constexpr int kEach = 15;
  std::vector<std::thread> threads;
  std::vector<absl::Status> failures[kThreads];
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const absl::Status s = Publish(Change("courseRuns", absl::StrCat("courseRuns/", t)));
        if (!s.ok()) failures[t].push_back(s);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_THAT(failures[t], ::testing::IsEmpty());

  const std::vector<StoredChange> changes = Read(0, {}, 1000);
  ASSERT_EQ(changes.size(), static_cast<size_t>(kThreads * kEach));
  for (size_t i = 0; i < changes.size(); ++i) {
    EXPECT_EQ(changes[i].sequence, static_cast<int64_t>(i + 1));
  }
}

TEST_F(SqlLedgerTest, WritersNeitherWaitForEachOtherNorForTheSequencer) {
  absl::Status other_writer;
  int numbered_meanwhile = -1;
  ASSERT_TRUE(
      InTx([&](SqlLedger& ledger, Session&) -> absl::Status {
        if (auto s = ledger.PublishChange(Change("courseRuns", "courseRuns/1")); !s.ok()) {
          return s;
        }
        // This event is not committed yet: another writer commits its own meanwhile (it
        // would have waited for this transaction when events were numbered on insert),
        // and the sequencer numbers only that one, without waiting either.
        std::thread other([&] {
          other_writer = RunInTransaction(
              *pool_,
              {.context = "other writer", .deadline = absl::InfiniteFuture(), .max_attempts = 1},
              [&](Session& session) {
                return Guarded(session, "other writer", [&]() -> absl::Status {
                  Session::Update(session.Prepare("SET SESSION innodb_lock_wait_timeout = 1"));
                  SqlLedger other_ledger(session);
                  return other_ledger.PublishChange(Change("courseRuns", "courseRuns/2"));
                });
              });
          numbered_meanwhile = Sequence();
        });
        other.join();
        return absl::OkStatus();
      }).ok());
  EXPECT_TRUE(other_writer.ok()) << other_writer;
  EXPECT_EQ(numbered_meanwhile, 1);
  EXPECT_EQ(Sequence(), 1);

  // In the order of commit, not of insertion.
  const std::vector<StoredChange> changes = Read(0, {}, 100);
  EXPECT_THAT(Sequences(changes), ElementsAre(1, 2));
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].record.resource_name, "courseRuns/2");
  EXPECT_EQ(changes[1].record.resource_name, "courseRuns/1");
  EXPECT_EQ(*db().QueryInt("SELECT last_sequence FROM change_feed_head"), 2);
}

TEST_F(SqlLedgerTest, SequencerNumbersLargeBacklogsInBatches) {
  ASSERT_TRUE(PublishUnnumbered(1500).ok());
  EXPECT_EQ(*db().QueryInt("SELECT COUNT(*) FROM change_events WHERE sequence IS NULL"), 1500);
  EXPECT_EQ(Sequence(), 1000);
  EXPECT_EQ(Sequence(), 500);
  EXPECT_EQ(*db().QueryInt("SELECT COUNT(*) FROM change_events WHERE sequence IS NULL"), 0);
  EXPECT_EQ(*db().QueryInt("SELECT COUNT(DISTINCT sequence) FROM change_events"), 1500);
  const std::vector<StoredChange> changes = Read(998, {}, 3);
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0].record.resource_name, "trainees/998");
  EXPECT_EQ(changes[2].record.resource_name, "trainees/1000");
}

// On a Galera node, the statements after a silently rolled-back part of the sequencer's
// transaction run without the head's lock while another node's sequencer moves the head: the
// advance must not number from a head that is no longer there. Here a trigger moves the head once
// while the events are numbered, as that other sequencer would: the transaction re-runs (the
// move is rolled back with it) and numbers the events once, densely.
TEST_F(SqlLedgerTest, TheSequencerRerunsWhenTheHeadMovedUnderIt) {
  ASSERT_TRUE(PublishUnnumbered(3).ok());
  ASSERT_TRUE(db().Execute("CREATE TRIGGER move_head BEFORE UPDATE ON change_events FOR EACH ROW"
                           " IF @head_moved IS NULL THEN SET @head_moved = 1;"
                           " UPDATE change_feed_head SET last_sequence = last_sequence + 10"
                           " WHERE id = 1; END IF")
                  .ok());
  int attempts = 0;
  int numbered = 0;
  const absl::Status status = InTx([&](SqlLedger&, Session& session) -> absl::Status {
    ++attempts;
    numbered = SequenceChanges(session, 1000);
    return absl::OkStatus();
  });
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(numbered, 3);
  EXPECT_EQ(*db().QueryValue("SELECT GROUP_CONCAT(sequence ORDER BY id) FROM change_events"),
            "1,2,3");
  EXPECT_EQ(*db().QueryInt("SELECT last_sequence FROM change_feed_head"), 3);
}

TEST(SqlTimeTest, FormatsMicroseconds) {
  EXPECT_EQ(FormatSqlTime(absl::FromUnixMicros(1668384000123456)), "2022-11-14 00:00:00.123456");
  EXPECT_EQ(FormatSqlTime(absl::FromUnixSeconds(1668384000)), "2022-11-14 00:00:00.000000");
}

}  // namespace
}  // namespace luban::db
