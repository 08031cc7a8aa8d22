// The front of a service's unary RPCs as CallRunner (common/server/call.h) runs them, without
// gRPC, for hermetic tests and fuzz targets of an Api class (CourseApi, EnrollmentApi,
// ExchangeApi) over in-memory stores and fake peers:
//   1. admission by the service's method policy (UNAUTHENTICATED, PERMISSION_DENIED), before
//      any work;
//   2. the RequestContext: the method's full name and the request's request_id;
//   3. the Api's work, then the answer redacted for the caller (personal_data.h) when it
//      succeeded.
//
//   const luban::testing::ApiFront<EnrollmentApi> front(&api, EnrollmentPolicy());
//   pb::Trainee trainee;
//   absl::Status status = front.Call(reporter, &EnrollmentApi::GetTrainee, request, &trainee);
#ifndef LUBAN_TESTS_SUPPORT_API_FRONT_H_
#define LUBAN_TESTS_SUPPORT_API_FRONT_H_

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/api/personal_data.h"
#include "common/auth/policy.h"
#include "common/domain/request_context.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace luban::testing {

// Steps 1 and 2: the context of `who` calling `method` (short name) of the policy's service with
// `request`, or the policy's refusal.
absl::StatusOr<RequestContext> Admit(const auth::MethodPolicy& policy, const Principal& who,
                                     absl::string_view method,
                                     const google::protobuf::Message& request);

// The short name of the one method of `service` that takes `request_type`; INTERNAL when none
// or several do.
absl::StatusOr<std::string> MethodTaking(const google::protobuf::ServiceDescriptor& service,
                                         const google::protobuf::Descriptor& request_type);

template <typename Api>
class ApiFront {
 public:
  // An Api method, e.g. &EnrollmentApi::GetTrainee.
  template <typename Request, typename Response>
  using Handler = absl::Status (Api::*)(const RequestContext&, const Request&, Response*);

  ApiFront(Api* api, auth::MethodPolicy policy) : api_(*api), policy_(std::move(policy)) {}

  // The whole front (steps 1 to 3) for the RPC that takes Request.
  template <typename Request, typename Response>
  absl::Status Call(const Principal& who, Handler<Request, Response> handler,
                    const Request& request, Response* response) const {
    absl::StatusOr<std::string> method = MethodTaking(*policy_.service(), *Request::descriptor());
    if (!method.ok()) return method.status();
    absl::StatusOr<RequestContext> rc = Admit(policy_, who, *method, request);
    if (!rc.ok()) return rc.status();
    return Answer(*rc, handler, request, response);
  }

  // Step 3 alone, for what the policy would never admit (to show the answer is redacted anyway).
  template <typename Request, typename Response>
  absl::Status Answer(const RequestContext& rc, Handler<Request, Response> handler,
                      const Request& request, Response* response) const {
    absl::Status status = (api_.*handler)(rc, request, response);
    if (status.ok()) RedactFor(rc.principal, response);
    return status;
  }

  const auth::MethodPolicy& policy() const { return policy_; }

 private:
  Api& api_;
  const auth::MethodPolicy policy_;
};

// A message from text format; a test failure (and an empty message) when it does not parse.
template <typename Message>
Message ParseText(absl::string_view text) {
  Message message;
  if (!google::protobuf::TextFormat::ParseFromString(std::string(text), &message)) {
    ADD_FAILURE() << "not a " << Message::descriptor()->full_name() << ": " << text;
  }
  return message;
}

// Whether `status` is INVALID_ARGUMENT naming `field` as common/domain/validation.h promises:
// "<field>: <rule>".
::testing::AssertionResult IsInvalidField(const absl::Status& status, absl::string_view field);

}  // namespace luban::testing

#endif  // LUBAN_TESTS_SUPPORT_API_FRONT_H_
