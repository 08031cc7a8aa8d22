// The platform records every change writes in its own transaction: the idempotency key of the
// request, the audit trail and the change feed (outbox). Services reach them through their
// repository's transaction (see CourseTx::ledger()); the MySQL implementation is SqlLedger, and
// tests use InMemoryLedger.
#ifndef LUBAN_COMMON_DOMAIN_LEDGER_H_
#define LUBAN_COMMON_DOMAIN_LEDGER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/domain/types.h"

namespace luban {

// Identifies a mutation for idempotency: a caller's request id, scoped to the caller (one caller
// cannot replay another's responses), plus what was asked.
struct RequestKey {
  std::string actor;
  std::string request_id;
  std::string method;
  std::string request_hash;  // 32-byte SHA-256 of the request's deterministic encoding
};

struct AuditRecord {
  std::string actor;
  std::string actor_role;
  std::string request_id;
  std::string method;
  std::string resource_name;
  std::string action;   // "created", "updated", "deleted", "status:open", ...
  std::string details;  // JSON
};

// An audit record as stored: its id (ascending in the order records were written; ids of
// rolled-back records are never seen) and when it was written, within the change's transaction.
struct StoredAuditRecord {
  int64_t id = 0;
  absl::Time time;
  AuditRecord record;
};

// Values match luban.common.v1.ChangeType.
enum class ChangeKind : int { kCreated = 1, kUpdated = 2, kDeleted = 3 };

struct ChangeRecord {
  std::string resource_type;  // collection, e.g. "courseRuns"
  std::string resource_name;
  ChangeKind kind = ChangeKind::kUpdated;
  std::string payload;  // serialized google.protobuf.Any of the resource's state
  std::string request_id;
  std::string actor;
  // A college admin's feed carries the changes to records its institution owns.
  OwningInstitutions owners;
};

// Which events a reader of the change feed gets.
struct ChangeFilter {
  std::vector<std::string> resource_types;  // only these collections; empty for all
  // Set for a college admin: only the changes to records this institution owns.
  std::optional<int64_t> owner_institution;
};

struct StoredChange {
  int64_t sequence = 0;
  absl::Time time;
  ChangeRecord record;
};

class Ledger {
 public:
  virtual ~Ledger() = default;

  // Claims `key` for the current transaction. Returns nullopt when the request is new (the key
  // stays locked until the transaction ends, so a concurrent duplicate waits for the outcome);
  // the first response when the same request was already committed; INVALID_ARGUMENT when the
  // same request id was used for a different request.
  virtual absl::StatusOr<std::optional<std::string>> ClaimRequest(const RequestKey& key) = 0;
  // Without claiming: the first response when the same request was already committed, nullopt
  // when the key is unused, INVALID_ARGUMENT when it was used for a different request. Lets a
  // call that asks peer services first answer a retry without asking them again.
  virtual absl::StatusOr<std::optional<std::string>> FindResponse(const RequestKey& key) = 0;
  // Records the response to return to retries of `key` (claimed in this transaction).
  virtual absl::Status SaveResponse(const RequestKey& key, absl::string_view response) = 0;
  virtual absl::Status Audit(const AuditRecord& record) = 0;
  // The audit trail newest first (id descending): records with id < before_id (0: from the
  // newest), only those of `resource_name` when it is not empty, at most `limit` (INVALID_ARGUMENT
  // below 1), with `more` telling whether older ones follow. Only committed records, and those
  // of the current transaction.
  virtual absl::StatusOr<Page<StoredAuditRecord>> ListAudit(absl::string_view resource_name,
                                                            int64_t before_id, int limit) = 0;
  // Appends to the change feed. The event gets its sequence after the transaction commits (see
  // db::SequenceChanges), so feed readers see events in the order of their commits.
  virtual absl::Status PublishChange(const ChangeRecord& record) = 0;
};

}  // namespace luban

#endif  // LUBAN_COMMON_DOMAIN_LEDGER_H_
