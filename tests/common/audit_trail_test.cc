// ReadAuditTrail, the rule of every service's ListAuditRecords, over the in-memory ledger: who
// reads which records, and that a college admin's read asks the service about the record first.
#include "common/domain/audit_trail.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/in_memory_ledger.h"

namespace luban {
namespace {

using ::testing::ElementsAre;

class AuditTrailTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // workshops/1, workshops/2, workshops/1, courses/1: ids 1..4.
    for (const char* resource : {"workshops/1", "workshops/2", "workshops/1", "courses/1"}) {
      ASSERT_TRUE(ledger_
                      .Audit({"admin", "network_admin", absl::StrCat("r-", ++written_), "/m",
                              resource, "updated", "{}"})
                      .ok());
    }
  }

  // The read as `who`; the records' request ids, or the status. Notes what was asked of the
  // service.
  absl::StatusOr<std::vector<std::string>> Read(const Principal& who,
                                                const std::optional<ResourceId>& resource,
                                                int64_t before_id = 0, int limit = 10) {
    auto page = ReadAuditTrail(
        ledger_, who, resource, before_id, limit, [&](const ResourceId& record) -> absl::Status {
          asked_.push_back(absl::StrCat(record.collection, "/", record.id));
          if (record.id == 1) return absl::OkStatus();
          return absl::NotFoundError(
              absl::StrCat(record.collection, "/", record.id, ": not found"));
        });
    if (!page.ok()) return page.status();
    std::vector<std::string> ids;
    for (const StoredAuditRecord& stored : page->items) ids.push_back(stored.record.request_id);
    return ids;
  }

  testing::InMemoryLedger ledger_;
  std::vector<std::string> asked_;
  int written_ = 0;
  const Principal admin_{"admin", Role::kNetworkAdmin, 0};
  const Principal college_{"ttu-admin", Role::kCollegeAdmin, 2};
};

TEST_F(AuditTrailTest, NetworkAdminReadsAllOrOneRecordWithoutAskingTheService) {
  EXPECT_THAT(*Read(admin_, std::nullopt), ElementsAre("r-4", "r-3", "r-2", "r-1"));
  EXPECT_THAT(*Read(admin_, std::nullopt, /*before_id=*/3, /*limit=*/1), ElementsAre("r-2"));
  EXPECT_THAT(*Read(admin_, ResourceId{"workshops", 1}), ElementsAre("r-3", "r-1"));
  // A record the service no longer has keeps its history for the network admin.
  EXPECT_THAT(*Read(admin_, ResourceId{"workshops", 2}), ElementsAre("r-2"));
  EXPECT_TRUE(asked_.empty());
}

TEST_F(AuditTrailTest, CollegeAdminReadsOnlyARecordTheServiceShowsIt) {
  EXPECT_THAT(*Read(college_, ResourceId{"workshops", 1}), ElementsAre("r-3", "r-1"));
  auto hidden = Read(college_, ResourceId{"workshops", 2});
  EXPECT_EQ(hidden.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(hidden.status().message(), "workshops/2: not found");
  EXPECT_THAT(asked_, ElementsAre("workshops/1", "workshops/2"));

  auto whole = Read(college_, std::nullopt);
  EXPECT_EQ(whole.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(whole.status().message()), ::testing::StartsWith("resource: required"));
  EXPECT_EQ(asked_.size(), 2u) << "nothing is asked without a record";
}

TEST_F(AuditTrailTest, OtherRolesReadNothing) {
  for (Role role : {Role::kReporter, Role::kService, Role::kAnonymous}) {
    const Principal who{"someone", role, 0};
    for (const auto& resource :
         {std::optional<ResourceId>(), std::optional<ResourceId>(ResourceId{"workshops", 1})}) {
      EXPECT_EQ(Read(who, resource).status().code(), absl::StatusCode::kPermissionDenied)
          << RoleName(role);
    }
  }
  EXPECT_TRUE(asked_.empty());
}

}  // namespace
}  // namespace luban
