#include "common/api/mutation.h"

#include "common/api/paging.h"
#include "common/domain/status_macros.h"
#include "google/protobuf/any.pb.h"
#include "google/protobuf/util/json_util.h"
#include "openssl/sha.h"

namespace luban {

void ChangeRecorder::Record(absl::string_view resource_type, absl::string_view resource_name,
                            ChangeKind kind, const google::protobuf::Message& state,
                            absl::string_view action, OwningInstitutions owners) {
  Entry entry;
  entry.record.owners = owners;
  entry.record.resource_type = std::string(resource_type);
  entry.record.resource_name = std::string(resource_name);
  entry.record.kind = kind;
  google::protobuf::Any any;
  any.PackFrom(state);
  entry.record.payload = any.SerializeAsString();
  entry.action = std::string(action);
  entry.state.reset(state.New());
  entry.state->CopyFrom(state);
  entries_.push_back(std::move(entry));
}

absl::Status ChangeRecorder::Flush(Ledger& ledger, const RequestContext& rc,
                                   const google::protobuf::Message& request) {
  if (entries_.empty()) {
    if (may_be_unchanged_) return absl::OkStatus();
    return absl::InternalError("a state-changing call recorded no change");
  }
  // The audit row says what was asked: the request, or for a bulk request too large to repeat
  // on every row, the state the change produced.
  constexpr size_t kMaxRequestDetails = 16 * 1024;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string request_details;
  if (request.ByteSizeLong() > kMaxRequestDetails ||
      !google::protobuf::util::MessageToJsonString(request, &request_details, options).ok()) {
    request_details.clear();
  }
  for (const Entry& entry : entries_) {
    std::string details = request_details;
    if (details.empty()) {
      (void)google::protobuf::util::MessageToJsonString(*entry.state, &details, options);
    }
    AuditRecord audit{rc.principal.name,
                      std::string(RoleName(rc.principal.role)),
                      rc.request_id,
                      rc.method,
                      entry.record.resource_name,
                      entry.action,
                      details};
    LUBAN_RETURN_IF_ERROR(ledger.Audit(audit));
  }
  for (Entry& entry : entries_) {
    entry.record.request_id = rc.request_id;
    entry.record.actor = rc.principal.name;
    LUBAN_RETURN_IF_ERROR(ledger.PublishChange(entry.record));
  }
  return absl::OkStatus();
}

RequestKey MakeRequestKey(const RequestContext& rc, const google::protobuf::Message& request) {
  const std::string bytes = DeterministicBytes(request);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  return RequestKey{rc.principal.name, rc.request_id, rc.method,
                    std::string(reinterpret_cast<const char*>(digest), sizeof(digest))};
}

}  // namespace luban
