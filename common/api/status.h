// The one mapping from absl::Status (domain and storage) to grpc::Status (the wire).
#ifndef LUBAN_COMMON_API_STATUS_H_
#define LUBAN_COMMON_API_STATUS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "grpcpp/support/status.h"

namespace luban {

// Maps code and message one to one. UNKNOWN and INTERNAL pass through (they mean a bug of ours,
// never something a caller did, and are logged by the call layer).
grpc::Status ToGrpcStatus(const absl::Status& status);

// The code's canonical name, e.g. "FAILED_PRECONDITION" (as in ImportTraineesResult.error_code
// and in the clients' error lines).
absl::string_view StatusCodeName(grpc::StatusCode code);

}  // namespace luban

#endif  // LUBAN_COMMON_API_STATUS_H_
