// Reading a service's audit trail (Ledger::ListAudit) by the rule every service applies (SPEC.md:
// "the network admin reads all of it, a college admin the history of its own records"):
//  - a network admin reads all of it, or one record's history (existing or deleted);
//  - a college admin reads the history of one record, named, and only when the service's own
//    visibility rule for that record (the one its Get applies) shows the record to it: another
//    institution's record and a missing one are NOT_FOUND alike;
//  - nobody else reads it (the method policies already keep reporters and services out).
#ifndef LUBAN_COMMON_DOMAIN_AUDIT_TRAIL_H_
#define LUBAN_COMMON_DOMAIN_AUDIT_TRAIL_H_

#include <cstdint>
#include <optional>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/domain/ledger.h"
#include "common/domain/request_context.h"
#include "common/domain/resource_name.h"
#include "common/domain/types.h"

namespace luban {

// The audit records `who` asked for, newest first: those with id < before_id (0: from the
// newest), at most `limit`, only `resource`'s when set. `college_may_read` is asked, for a
// college admin only, whether `resource` is a record of its own: OK, or the status to answer.
// INVALID_ARGUMENT ("resource: ...") when a college admin names no record; PERMISSION_DENIED
// for other roles than the two admins.
absl::StatusOr<Page<StoredAuditRecord>> ReadAuditTrail(
    Ledger& ledger, const Principal& who, const std::optional<ResourceId>& resource,
    int64_t before_id, int limit,
    absl::FunctionRef<absl::Status(const ResourceId&)> college_may_read);

}  // namespace luban

#endif  // LUBAN_COMMON_DOMAIN_AUDIT_TRAIL_H_
