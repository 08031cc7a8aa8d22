#include "tests/support/audit_trail_contract.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace luban::testing {
namespace {

using Records = Page<StoredAuditRecord>;

// The n-th record written by these checks, of `resource`; its details carry Cyrillic, Chinese and
// Tajik letters, which must come back byte-exact.
AuditRecord Numbered(int n, const std::string& resource) {
  return AuditRecord{absl::StrCat("admin-", n),
                     n % 2 == 0 ? "network_admin" : "college_admin",
                     absl::StrCat("req-", n),
                     "luban.course.v1.CourseService/UpdateWorkshop",
                     resource,
                     absl::StrCat("action-", n),
                     absl::StrCat(R"({"n":)", n, R"(,"city":"Хуҷанд","name":"天津"})")};
}

// Writes `record` in a transaction of its own.
void Write(const LedgerTransactions& transactions, const AuditRecord& record) {
  const absl::Status status = transactions([&](Ledger& ledger) { return ledger.Audit(record); });
  ASSERT_TRUE(status.ok()) << status;
}

absl::StatusOr<Records> List(const LedgerTransactions& transactions, absl::string_view resource,
                             int64_t before_id, int limit) {
  absl::StatusOr<Records> page = absl::UnknownError("not run");
  const absl::Status status = transactions([&](Ledger& ledger) -> absl::Status {
    page = ledger.ListAudit(resource, before_id, limit);
    return page.status();
  });
  if (!status.ok()) return status;
  return page;
}

// The request ids of a page's records, in order ("req-<n>").
std::vector<std::string> RequestIds(const Records& page) {
  std::vector<std::string> ids;
  for (const StoredAuditRecord& stored : page.items) ids.push_back(stored.record.request_id);
  return ids;
}

void ExpectSameRecord(const AuditRecord& actual, const AuditRecord& expected) {
  EXPECT_EQ(actual.actor, expected.actor);
  EXPECT_EQ(actual.actor_role, expected.actor_role);
  EXPECT_EQ(actual.request_id, expected.request_id);
  EXPECT_EQ(actual.method, expected.method);
  EXPECT_EQ(actual.resource_name, expected.resource_name);
  EXPECT_EQ(actual.action, expected.action);
  EXPECT_EQ(actual.details, expected.details);
}

}  // namespace

void ExpectAuditTrailNewestFirstInPages(const LedgerTransactions& transactions) {
  // The database's clock and ours are the same machine's; a second either way is plenty.
  const absl::Time start = absl::Now() - absl::Seconds(1);
  std::vector<AuditRecord> written;
  for (int n = 1; n <= 5; ++n) {
    written.push_back(Numbered(n, absl::StrCat("workshops/", n)));
    Write(transactions, written.back());
  }
  const absl::Time end = absl::Now() + absl::Seconds(1);

  auto first = List(transactions, "", 0, 2);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(RequestIds(*first), (std::vector<std::string>{"req-5", "req-4"}));
  EXPECT_TRUE(first->more);
  ASSERT_EQ(first->items.size(), 2u);
  auto second = List(transactions, "", first->items.back().id, 2);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(RequestIds(*second), (std::vector<std::string>{"req-3", "req-2"}));
  EXPECT_TRUE(second->more);
  ASSERT_EQ(second->items.size(), 2u);
  auto last = List(transactions, "", second->items.back().id, 2);
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_EQ(RequestIds(*last), (std::vector<std::string>{"req-1"}));
  EXPECT_FALSE(last->more);

  auto all = List(transactions, "", 0, 5);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_FALSE(all->more) << "exactly `limit` records remain: no more follow";
  ASSERT_EQ(all->items.size(), 5u);
  for (size_t i = 0; i < all->items.size(); ++i) {
    const StoredAuditRecord& stored = all->items[i];
    ExpectSameRecord(stored.record, written[written.size() - 1 - i]);
    if (i > 0) {
      EXPECT_LT(stored.id, all->items[i - 1].id);
      EXPECT_LE(stored.time, all->items[i - 1].time);
    }
    EXPECT_GE(stored.time, start);
    EXPECT_LE(stored.time, end);
    EXPECT_EQ(stored.time, absl::FromUnixMicros(absl::ToUnixMicros(stored.time)))
        << "kept to the microsecond, as DATETIME(6)";
  }
  // The same page again: the same records.
  auto again = List(transactions, "", 0, 5);
  ASSERT_TRUE(again.ok()) << again.status();
  ASSERT_EQ(again->items.size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(again->items[i].id, all->items[i].id);
    EXPECT_EQ(again->items[i].time, all->items[i].time);
  }
}

void ExpectAuditTrailOfOneRecord(const LedgerTransactions& transactions) {
  // Interleaved with other records' history, and with a name that extends the one read.
  const char* resources[] = {"workshops/1",  "workshops/2",  "workshops/1",
                             "courseRuns/1", "workshops/10", "workshops/1"};
  for (int n = 1; n <= 6; ++n) Write(transactions, Numbered(n, resources[n - 1]));

  auto first = List(transactions, "workshops/1", 0, 2);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(RequestIds(*first), (std::vector<std::string>{"req-6", "req-3"}));
  EXPECT_TRUE(first->more);
  ASSERT_FALSE(first->items.empty());
  for (const StoredAuditRecord& stored : first->items) {
    EXPECT_EQ(stored.record.resource_name, "workshops/1");
  }
  auto rest = List(transactions, "workshops/1", first->items.back().id, 2);
  ASSERT_TRUE(rest.ok()) << rest.status();
  EXPECT_EQ(RequestIds(*rest), (std::vector<std::string>{"req-1"}));
  EXPECT_FALSE(rest->more);

  auto other = List(transactions, "workshops/10", 0, 10);
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_EQ(RequestIds(*other), (std::vector<std::string>{"req-5"}));
  auto none = List(transactions, "workshops/9", 0, 10);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->items.empty());
  EXPECT_FALSE(none->more);
}

void ExpectAuditTrailOfCommittedTransactions(const LedgerTransactions& transactions) {
  // Written and read in one transaction that is then rolled back.
  absl::StatusOr<Records> inside = absl::UnknownError("not run");
  const absl::Status rolled_back = transactions([&](Ledger& ledger) -> absl::Status {
    if (auto s = ledger.Audit(Numbered(1, "workshops/1")); !s.ok()) return s;
    inside = ledger.ListAudit("workshops/1", 0, 10);
    if (!inside.ok()) return inside.status();
    return absl::FailedPreconditionError("the change is refused after all");
  });
  EXPECT_EQ(rolled_back.code(), absl::StatusCode::kFailedPrecondition) << rolled_back;
  ASSERT_TRUE(inside.ok()) << inside.status();
  EXPECT_EQ(RequestIds(*inside), (std::vector<std::string>{"req-1"}));

  auto after = List(transactions, "", 0, 10);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_TRUE(after->items.empty())
      << "the rolled-back record is read: " << after->items.front().record.request_id;

  Write(transactions, Numbered(2, "workshops/1"));
  auto committed = List(transactions, "workshops/1", 0, 10);
  ASSERT_TRUE(committed.ok()) << committed.status();
  EXPECT_EQ(RequestIds(*committed), (std::vector<std::string>{"req-2"}));

  for (int limit : {0, -1}) {
    auto refused = List(transactions, "", 0, limit);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << limit;
  }
}

}  // namespace luban::testing
