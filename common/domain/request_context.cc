#include "common/domain/request_context.h"

namespace luban {

absl::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAnonymous:
      return "anonymous";
    case Role::kNetworkAdmin:
      return "network_admin";
    case Role::kCollegeAdmin:
      return "college_admin";
    case Role::kReporter:
      return "reporter";
    case Role::kService:
      return "service";
  }
  return "unknown";
}

}  // namespace luban
