// Who is calling and as part of which request: what domain logic needs to know of a call.
#ifndef LUBAN_COMMON_DOMAIN_REQUEST_CONTEXT_H_
#define LUBAN_COMMON_DOMAIN_REQUEST_CONTEXT_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace luban {

// Values match luban.common.v1.Role (tied in common/api/convert.cc).
enum class Role {
  kAnonymous,     // no credential: only public methods (certificate verification, health)
  kNetworkAdmin,  // everything
  kCollegeAdmin,  // one institution's workshops, runs, trainees, enrollments, nominations
  kReporter,      // read and export everything, personal data redacted
  kService,       // the calls one service makes of another
};

absl::string_view RoleName(Role role);

// An authenticated caller.
struct Principal {
  std::string name;  // e.g. "tju-admin", "svc-enrollment"
  Role role = Role::kAnonymous;
  int64_t institution_id = 0;  // the institution a college admin is bound to; 0 otherwise

  bool IsNetworkAdmin() const { return role == Role::kNetworkAdmin; }
  bool IsCollegeAdmin() const { return role == Role::kCollegeAdmin; }
  // Whether the caller gets personal data (fields marked luban.common.v1.personal): network
  // admins, and college admins, whom tenant isolation keeps to their own institution's records.
  bool SeesPersonalData() const {
    return role == Role::kNetworkAdmin || role == Role::kCollegeAdmin;
  }
  // Roles that may read every institution's records (possibly redacted).
  bool ReadsEverything() const {
    return role == Role::kNetworkAdmin || role == Role::kReporter || role == Role::kService;
  }
};

struct RequestContext {
  Principal principal;
  std::string method;      // full gRPC method name, for the audit trail
  std::string request_id;  // idempotency key of a mutation; empty for reads
  std::string trace_id;    // W3C trace id (32 lowercase hex digits) of the call, for logs
  absl::Time deadline = absl::InfiniteFuture();
};

}  // namespace luban

#endif  // LUBAN_COMMON_DOMAIN_REQUEST_CONTEXT_H_
