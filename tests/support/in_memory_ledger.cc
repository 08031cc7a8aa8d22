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

absl::StatusOr<std::optional<std::string>> InMemoryLedger::FindResponse(
    const RequestKey& key) {
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
  audit_.push_back(record);
  return absl::OkStatus();
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
