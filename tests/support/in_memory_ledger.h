// An in-memory Ledger for unit tests, with the contract of db::SqlLedger: idempotency claims
// keyed by (actor, request_id), the audit trail (read newest first, by ListAudit) and the change
// feed, readable by the test. Audit ids ascend in the order records were written; unlike
// AUTO_INCREMENT, a rolled-back transaction's ids are handed out again (no committed record ever
// shares one).
// It is a plain value: FakeCourseStore copies it before a transaction and restores the copy when
// the transaction fails, so claims, audit records and changes of a failed body vanish as they do
// in the database. Not thread-safe on its own (the store serialises transactions).
//
// Shared by the in-memory stores of every service.
#ifndef LUBAN_TESTS_SUPPORT_IN_MEMORY_LEDGER_H_
#define LUBAN_TESTS_SUPPORT_IN_MEMORY_LEDGER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/domain/ledger.h"

namespace luban::testing {

class InMemoryLedger final : public Ledger {
 public:
  struct Claim {
    RequestKey key;
    std::optional<std::string> response;  // set by SaveResponse
  };

  absl::StatusOr<std::optional<std::string>> ClaimRequest(const RequestKey& key) override;
  absl::StatusOr<std::optional<std::string>> FindResponse(const RequestKey& key) override;
  // INTERNAL when `key` was never claimed: a bug of the caller the database would hide.
  absl::Status SaveResponse(const RequestKey& key, absl::string_view response) override;
  absl::Status Audit(const AuditRecord& record) override;
  absl::StatusOr<Page<StoredAuditRecord>> ListAudit(absl::string_view resource_name,
                                                    int64_t before_id, int limit) override;
  absl::Status PublishChange(const ChangeRecord& record) override;

  // What committed transactions recorded, in order.
  const std::map<std::pair<std::string, std::string>, Claim>& claims() const { return claims_; }
  const std::vector<StoredAuditRecord>& audit() const { return audit_; }
  const std::vector<StoredChange>& changes() const { return changes_; }
  // The saved response of (actor, request_id), if any.
  std::optional<std::string> Response(absl::string_view actor, absl::string_view request_id) const;

 private:
  std::map<std::pair<std::string, std::string>, Claim> claims_;
  std::vector<StoredAuditRecord> audit_;  // ascending ids
  std::vector<StoredChange> changes_;
  int64_t last_sequence_ = 0;
};

}  // namespace luban::testing

#endif  // LUBAN_TESTS_SUPPORT_IN_MEMORY_LEDGER_H_
