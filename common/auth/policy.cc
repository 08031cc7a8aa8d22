#include "common/auth/policy.h"

#include <cstdlib>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/descriptor.h"

namespace luban::auth {
namespace {

unsigned Bit(Role role) { return 1u << static_cast<unsigned>(role); }

absl::string_view ShortName(absl::string_view method) {
  const size_t cut = method.find_last_of("/.");
  return cut == absl::string_view::npos ? method : method.substr(cut + 1);
}

}  // namespace

MethodPolicy::MethodPolicy(const google::protobuf::ServiceDescriptor* service)
    : service_(service) {}

MethodPolicy& MethodPolicy::Allow(absl::string_view method, std::initializer_list<Role> roles) {
  if (service_->FindMethodByName(std::string(method)) == nullptr) {
    // A typo in a policy table must not pass silently.
    std::abort();
  }
  Rule& rule = rules_[method];
  rule.roles |= Bit(Role::kNetworkAdmin);
  for (Role role : roles) {
    if (role == Role::kService) std::abort();  // AllowServices names them
    rule.roles |= Bit(role);
  }
  return *this;
}

MethodPolicy& MethodPolicy::AllowServices(absl::string_view method,
                                          std::initializer_list<absl::string_view> principals) {
  Allow(method, {});
  Rule& rule = rules_[method];
  for (absl::string_view principal : principals) rule.services.emplace(principal);
  return *this;
}

MethodPolicy& MethodPolicy::AllowAnyone(absl::string_view method) {
  Allow(method, {});
  rules_[method].anyone = true;
  return *this;
}

absl::Status MethodPolicy::CheckComplete() const {
  std::vector<std::string> missing;
  for (int i = 0; i < service_->method_count(); ++i) {
    if (!rules_.contains(service_->method(i)->name())) {
      missing.push_back(service_->method(i)->name());
    }
  }
  if (missing.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("the access policy of ", service_->full_name(),
                   " has no rule for: ", absl::StrJoin(missing, ", ")));
}

const MethodPolicy::Rule* MethodPolicy::Find(absl::string_view method) const {
  auto it = rules_.find(ShortName(method));
  return it == rules_.end() ? nullptr : &it->second;
}

absl::Status MethodPolicy::Authorize(absl::string_view method, const Principal& principal) const {
  const Rule* rule = Find(method);
  if (rule == nullptr) {
    return absl::PermissionDeniedError(absl::StrCat("no access rule for ", method));
  }
  if (rule->anyone) return absl::OkStatus();
  if (principal.role == Role::kAnonymous) {
    return absl::UnauthenticatedError(absl::StrCat(
        ShortName(method), " requires a credential: send 'authorization: Bearer <token>'"));
  }
  if (principal.role == Role::kService) {
    if (!rule->services.contains(principal.name)) {
      return absl::PermissionDeniedError(
          absl::StrCat("service ", principal.name, " may not call ", ShortName(method),
                       ": a service calls only what it uses of the others"));
    }
    return absl::OkStatus();
  }
  if ((rule->roles & Bit(principal.role)) == 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("role ", RoleName(principal.role), " may not call ", ShortName(method)));
  }
  return absl::OkStatus();
}

}  // namespace luban::auth
