// The front of a service's unary RPCs as CallRunner (common/server/call.h) runs them, without
// gRPC, for hermetic tests and fuzz targets of an Api class (CourseApi, EnrollmentApi,
// ExchangeApi) over in-memory stores and fake peers (fake_peer.h); and, below it, the checks
// such tests share. The front:
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

#include <functional>
#include <initializer_list>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/api/personal_data.h"
#include "common/auth/policy.h"
#include "common/domain/request_context.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "tests/support/fake_peer.h"
#include "tests/support/in_memory_ledger.h"

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

// Matches an absl::Status of `code` whose message contains `part` (and prints the status, not
// its message's characters, when it does not).
MATCHER_P2(StatusIs, code, part, "") {
  return arg.code() == code && absl::StrContains(arg.message(), part);
}

// Whether `status` is INVALID_ARGUMENT naming `field` as common/domain/validation.h promises:
// "<field>: <rule>".
::testing::AssertionResult IsInvalidField(const absl::Status& status, absl::string_view field);

// For a mutation that asks peers before its transaction: `mutate(request_id, response)` once
// while `peers` are up; then again with the same request_id while they are all down, which must
// get the first response from the ledger (the store's, `ledger`) without asking any peer or
// recording anything; then with a new request_id, which must ask one and be UNAVAILABLE (so the
// retry's answer did not come from peers that merely still worked). Leaves the peers up.
template <typename Response>
void ExpectRetryAnsweredFromTheLedger(
    const InMemoryLedger& ledger, std::initializer_list<FakePeer*> peers,
    const std::function<absl::Status(const std::string& request_id, Response*)>& mutate) {
  const auto asked = [&] {
    int calls = 0;
    for (const FakePeer* peer : peers) calls += peer->calls();
    return calls;
  };
  Response first, retried, fresh;
  const absl::Status done = mutate("a-committed-request", &first);
  ASSERT_TRUE(done.ok()) << done;
  for (FakePeer* peer : peers) peer->GoDown();
  const int asked_before = asked();
  const InMemoryLedger before = ledger;

  const absl::Status retry = mutate("a-committed-request", &retried);
  ASSERT_TRUE(retry.ok()) << retry;
  EXPECT_EQ(retried.SerializeAsString(), first.SerializeAsString());
  EXPECT_EQ(asked(), asked_before) << "the retry asked a peer";
  EXPECT_EQ(ledger.claims().size(), before.claims().size());
  EXPECT_EQ(ledger.audit().size(), before.audit().size());
  EXPECT_EQ(ledger.changes().size(), before.changes().size());

  const absl::Status fresh_status = mutate("a-new-request", &fresh);
  EXPECT_EQ(fresh_status.code(), absl::StatusCode::kUnavailable) << fresh_status;
  EXPECT_GT(asked(), asked_before);
  for (FakePeer* peer : peers) peer->ComeBack();
}

}  // namespace luban::testing

#endif  // LUBAN_TESTS_SUPPORT_API_FRONT_H_
