#include "common/domain/audit_trail.h"

#include "absl/strings/str_cat.h"
#include "common/domain/status_macros.h"
#include "common/domain/validation.h"

namespace luban {

absl::StatusOr<Page<StoredAuditRecord>> ReadAuditTrail(
    Ledger& ledger, const Principal& who, const std::optional<ResourceId>& resource,
    int64_t before_id, int limit,
    absl::FunctionRef<absl::Status(const ResourceId&)> college_may_read) {
  if (who.IsCollegeAdmin()) {
    if (!resource.has_value()) {
      return InvalidField("resource",
                          "required for a college admin: the record whose history to read");
    }
    LUBAN_RETURN_IF_ERROR(college_may_read(*resource));
  } else if (!who.IsNetworkAdmin()) {
    return absl::PermissionDeniedError(
        absl::StrCat("role ", RoleName(who.role), " may not read the audit trail"));
  }
  const std::string name =
      resource.has_value() ? FormatResourceName(resource->collection, resource->id) : "";
  return ledger.ListAudit(name, before_id, limit);
}

}  // namespace luban
