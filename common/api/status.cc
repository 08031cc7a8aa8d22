#include "common/api/status.h"

#include <string>

namespace luban {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  // absl::StatusCode and grpc::StatusCode share their numeric values (both are the canonical
  // gRPC codes), so the cast is exact.
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

absl::string_view StatusCodeName(grpc::StatusCode code) {
  // absl's and gRPC's codes are the same numbers with the same canonical names.
  static_assert(static_cast<int>(grpc::StatusCode::UNAUTHENTICATED) ==
                static_cast<int>(absl::StatusCode::kUnauthenticated));
  const int number = static_cast<int>(code);
  if (number < 0 || number > static_cast<int>(grpc::StatusCode::UNAUTHENTICATED)) return "UNKNOWN";
  static const std::string* const kNames = [] {
    auto* names = new std::string[17];
    for (int i = 0; i <= 16; ++i) {
      names[i] = absl::StatusCodeToString(static_cast<absl::StatusCode>(i));
    }
    return names;
  }();
  return kNames[number];
}

}  // namespace luban
