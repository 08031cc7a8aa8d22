#include "tests/support/api_front.h"

#include "absl/strings/match.h"

namespace luban::testing {

absl::StatusOr<RequestContext> Admit(const auth::MethodPolicy& policy, const Principal& who,
                                     absl::string_view method,
                                     const google::protobuf::Message& request) {
  RequestContext rc;
  rc.principal = who;
  rc.method = absl::StrCat(policy.service()->full_name(), "/", method);
  if (absl::Status admitted = policy.Authorize(method, who); !admitted.ok()) return admitted;
  // As CallRunner::Unary does: the request's request_id, when it has one, keys the mutation.
  const google::protobuf::FieldDescriptor* request_id =
      request.GetDescriptor()->FindFieldByName("request_id");
  if (request_id != nullptr &&
      request_id->type() == google::protobuf::FieldDescriptor::TYPE_STRING &&
      !request_id->is_repeated()) {
    rc.request_id = request.GetReflection()->GetString(request, request_id);
  }
  return rc;
}

absl::StatusOr<std::string> MethodTaking(const google::protobuf::ServiceDescriptor& service,
                                         const google::protobuf::Descriptor& request_type) {
  std::string found;
  for (int i = 0; i < service.method_count(); ++i) {
    if (service.method(i)->input_type() != &request_type) continue;
    if (!found.empty()) {
      return absl::InternalError(absl::StrCat(service.full_name(), " has several methods taking ",
                                              request_type.full_name()));
    }
    found = service.method(i)->name();
  }
  if (found.empty()) {
    return absl::InternalError(
        absl::StrCat(service.full_name(), " has no method taking ", request_type.full_name()));
  }
  return found;
}

::testing::AssertionResult IsInvalidField(const absl::Status& status, absl::string_view field) {
  if (status.code() == absl::StatusCode::kInvalidArgument &&
      absl::StartsWith(status.message(), absl::StrCat(field, ": ")) &&
      status.message().size() > field.size() + 2) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "expected INVALID_ARGUMENT \"" << field << ": <rule>\", got " << status;
}

}  // namespace luban::testing
