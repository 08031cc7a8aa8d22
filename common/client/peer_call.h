// Calls from one service to another (a peer): the one way the services ask each other over gRPC.
//
//   const PeerCaller course("the enrollment service", "the course service", token, options);
//   pb::GetCourseRunRequest request;
//   request.set_name("courseRuns/7");
//   pb::CourseRun run;
//   absl::Status status = course.Call(*stub, &pb::CourseService::Stub::GetCourseRun,
//                                     "courseRuns/7", request, &run, caller_deadline);
//   // The same for a standard Get (a request of just the name):
//   absl::StatusOr<pb::CourseRun> same = course.Get(
//       *stub, &pb::CourseService::Stub::GetCourseRun, "courseRuns", 7, caller_deadline);
//
// Each call carries the caller's own credential ("authorization: Bearer <token>", role service,
// or the channel's client certificate), the trace id of the call the thread works for (a W3C
// `traceparent` with a new span id; see common/domain/trace_context.h) and gets one deadline,
// the earlier of the caller's and now + `call_timeout`. Attempts that fail with UNAVAILABLE
// are retried after a jittered, doubling backoff while time remains; nothing else is retried.
// So use it for reads and other calls that cannot change anything twice.
// The peer's status is mapped (MapStatus) so that our caller is never blamed for a peer's
// trouble and never sees a peer's outage as our bug:
//   NOT_FOUND                               -> NOT_FOUND "courseRuns/7: not found"
//   UNAVAILABLE, DEADLINE_EXCEEDED, and the
//   other signs of a peer in trouble        -> UNAVAILABLE "the course service is unavailable: ..."
//   PERMISSION_DENIED, UNAUTHENTICATED      -> FAILED_PRECONDITION "the enrollment service's
//                                              credential is not accepted by the course service"
//   UNIMPLEMENTED                           -> FAILED_PRECONDITION (a version mismatch)
//   anything else (a malformed request: a
//   bug between the two services)           -> INTERNAL
#ifndef LUBAN_COMMON_CLIENT_PEER_CALL_H_
#define LUBAN_COMMON_CLIENT_PEER_CALL_H_

#include <cstdint>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/domain/resource_name.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"

namespace luban::client {

// NOT_FOUND "<resource>: not found": what MapStatus makes of a peer's NOT_FOUND, for answers a
// client knows without asking (an id that cannot exist).
absl::Status PeerNotFound(absl::string_view resource);

struct PeerCallOptions {
  // Longest a call may take in all (attempts and backoff), whatever the caller's deadline.
  absl::Duration call_timeout = absl::Seconds(2);
  // Backoff before the first retry; doubled each time up to max_backoff. Each pause is drawn
  // uniformly from [backoff/2, backoff], so callers failing together do not retry together.
  absl::Duration initial_backoff = absl::Milliseconds(25);
  absl::Duration max_backoff = absl::Milliseconds(250);
};

// A generated stub's synchronous unary method, e.g. &CourseService::Stub::GetCourseRun.
template <typename Stub, typename Request, typename Response>
using UnaryMethod = grpc::Status (Stub::*)(grpc::ClientContext*, const Request&, Response*);

// One service's calls to one peer. Immutable, so thread-safe.
class PeerCaller {
 public:
  // `caller` and `peer` name the two services in messages ("the enrollment service", "the
  // course service"); `token` is the caller's bearer token at the peer, or empty when the
  // channel's client certificate identifies the caller (mutual TLS).
  PeerCaller(std::string caller, std::string peer, absl::string_view token,
             PeerCallOptions options = {});

  // Calls `method` of `stub` as described above; `resource` names what is asked (messages).
  template <typename Stub, typename Request, typename Response>
  absl::Status Call(Stub& stub, UnaryMethod<Stub, Request, Response> method,
                    absl::string_view resource, const Request& request, Response* response,
                    absl::Time deadline) const {
    return CallWithRetries(resource, deadline, [&](grpc::ClientContext* context) {
      return (stub.*method)(context, request, response);
    });
  }

  // Gets `collection`/`id` (e.g. "courseRuns/7") with a standard Get method, whose request
  // carries just the name. An id that cannot exist (<= 0) is NOT_FOUND without asking.
  template <typename Stub, typename Request, typename Response>
  absl::StatusOr<Response> Get(Stub& stub, UnaryMethod<Stub, Request, Response> method,
                               absl::string_view collection, int64_t id,
                               absl::Time deadline) const {
    const std::string name = FormatResourceName(collection, id);
    if (id <= 0) return PeerNotFound(name);
    Request request;
    request.set_name(name);
    Response response;
    const absl::Status status = Call(stub, method, name, request, &response, deadline);
    if (!status.ok()) return status;
    return response;
  }

  // The status a call about `resource` ends with, for the peer's final status (OK -> OK).
  absl::Status MapStatus(const grpc::Status& status, absl::string_view resource) const;

  const std::string& peer() const { return peer_; }

 private:
  // The attempts, each with a fresh context carrying the deadline and the credential.
  absl::Status CallWithRetries(absl::string_view resource, absl::Time caller_deadline,
                               absl::FunctionRef<grpc::Status(grpc::ClientContext*)> attempt) const;

  const std::string caller_;
  const std::string peer_;
  const std::string authorization_;
  const PeerCallOptions options_;
};

// The id in a resource name that `peer` answered with. A name that does not parse is the peer
// breaking its contract: INTERNAL "the course service answered with a malformed <field>: ...".
absl::StatusOr<int64_t> ParsePeerName(absl::string_view peer, absl::string_view field,
                                      absl::string_view collection, absl::string_view name);

}  // namespace luban::client

#endif  // LUBAN_COMMON_CLIENT_PEER_CALL_H_
