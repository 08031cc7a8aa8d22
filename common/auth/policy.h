// Who may call what: one rule per method, checked before any work is done.
//
// A service builds its table from its descriptor; `CheckComplete` fails when a method of the
// service has no rule (so a new RPC cannot ship unguarded: the server refuses to start and a
// test enumerating the descriptors fails), and Authorize fails closed for unknown methods.
// Ownership (which institution's records a college admin touches) is checked in the data path,
// not here.
#ifndef LUBAN_COMMON_AUTH_POLICY_H_
#define LUBAN_COMMON_AUTH_POLICY_H_

#include <initializer_list>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/domain/request_context.h"

namespace google::protobuf {
class ServiceDescriptor;
}  // namespace google::protobuf

namespace luban::auth {

// The services' own principals (credentials files, or "svc-" + a client certificate's common
// name under mutual TLS).
inline constexpr absl::string_view kEnrollmentService = "svc-enrollment";
inline constexpr absl::string_view kExchangeService = "svc-exchange";

class MethodPolicy {
 public:
  explicit MethodPolicy(const google::protobuf::ServiceDescriptor* service);

  // Allows `roles` to call `method` (its short name, e.g. "GetWorkshop"). The network admin is
  // always allowed. Dies on a name the service does not have, and on Role::kService: services
  // are allowed by name (programming errors).
  MethodPolicy& Allow(absl::string_view method, std::initializer_list<Role> roles);
  // Allows the service principals named (kEnrollmentService...) to call `method`: each service
  // may call exactly the methods it uses of the others, and a service principal nothing else.
  MethodPolicy& AllowServices(absl::string_view method,
                              std::initializer_list<absl::string_view> principals);
  // Allows anyone, with or without a credential (e.g. certificate verification).
  MethodPolicy& AllowAnyone(absl::string_view method);

  // OK when every method of the service has a rule; else FAILED_PRECONDITION listing them.
  absl::Status CheckComplete() const;

  // `full_method` is "/package.Service/Method" or "package.Service.Method" or the short name.
  // UNAUTHENTICATED for an anonymous caller of a non-public method; PERMISSION_DENIED when the
  // role may not call it or the method has no rule.
  absl::Status Authorize(absl::string_view method, const Principal& principal) const;

  const google::protobuf::ServiceDescriptor* service() const { return service_; }

 private:
  struct Rule {
    bool anyone = false;
    unsigned roles = 0;                         // bit per Role
    absl::flat_hash_set<std::string> services;  // service principals by name
  };
  const Rule* Find(absl::string_view method) const;

  const google::protobuf::ServiceDescriptor* service_;
  absl::flat_hash_map<std::string, Rule> rules_;  // by short method name
};

}  // namespace luban::auth

#endif  // LUBAN_COMMON_AUTH_POLICY_H_
