#include "tests/support/in_memory_ledger.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace luban::testing {

absl::StatusOr<std::optional<std::string>> InMemoryLedger::ClaimRequest(const RequestKey& key) {
  auto [it, inserted] = claims_.try_emplace({key.actor, key.request_id}, Claim{key, std::nullopt});
  if (inserted) return std::nullopt;
  const RequestKey& first = it->second.key;
  if (first.method != key.method || first.request_hash != key.request_hash) {
    // Same message as db::SqlLedger.
    return absl::InvalidArgumentError(absl::StrCat(
        "request_id '", key.request_id,
        "' was already used for a different request; use a new request_id for a new request"));
  }
  // The database returns an unsaved response (NULL) as empty bytes.
  return std::optional<std::string>(it->second.response.value_or(""));
}

absl::StatusOr<std::optional<std::string>> InMemoryLedger::FindResponse(const RequestKey& key) {
  auto it = claims_.find({key.actor, key.request_id});
  if (it == claims_.end() || !it->second.response) return std::optional<std::string>();
  if (it->second.key.method != key.method || it->second.key.request_hash != key.request_hash) {
    return absl::InvalidArgumentError(absl::StrCat(
        "request_id '", key.request_id,
        "' was already used for a different request; use a new request_id for a new request"));
  }
  return std::optional<std::string>(*it->second.response);
}

absl::Status InMemoryLedger::SaveResponse(const RequestKey& key, absl::string_view response) {
  auto it = claims_.find({key.actor, key.request_id});
  if (it == claims_.end()) {
    return absl::InternalError(
        absl::StrCat("SaveResponse: request_id '", key.request_id, "' was never claimed"));
  }
  it->second.response = std::string(response);
  return absl::OkStatus();
}

absl::Status InMemoryLedger::Audit(const AuditRecord& record) {
  const int64_t id = audit_.empty() ? 1 : audit_.back().id + 1;
  // DATETIME(6) keeps microseconds.
  audit_.push_back({id, absl::FromUnixMicros(absl::ToUnixMicros(absl::Now())), record});
  return absl::OkStatus();
}

absl::StatusOr<Page<StoredAuditRecord>> InMemoryLedger::ListAudit(absl::string_view resource_name,
                                                                  int64_t before_id, int limit) {
  // Same message as db::CheckLimit.
  if (limit < 1) return absl::InvalidArgumentError("limit: must be at least 1");
  Page<StoredAuditRecord> page;
  for (auto it = audit_.rbegin(); it != audit_.rend(); ++it) {
    if (before_id > 0 && it->id >= before_id) continue;
    if (!resource_name.empty() && it->record.resource_name != resource_name) continue;
    if (static_cast<int64_t>(page.items.size()) == limit) {
      page.more = true;
      break;
    }
    page.items.push_back(*it);
  }
  return page;
}

absl::Status InMemoryLedger::PublishChange(const ChangeRecord& record) {
  changes_.push_back(StoredChange{++last_sequence_, absl::Now(), record});
  return absl::OkStatus();
}

std::optional<std::string> InMemoryLedger::Response(absl::string_view actor,
                                                    absl::string_view request_id) const {
  auto it = claims_.find({std::string(actor), std::string(request_id)});
  if (it == claims_.end()) return std::nullopt;
  return it->second.response;
}

}  // namespace luban::testing
