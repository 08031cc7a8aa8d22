#include "common/client/peer_call.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/domain/backoff.h"
#include "common/domain/resource_name.h"
#include "common/domain/trace_context.h"

namespace luban::client {

PeerCaller::PeerCaller(std::string caller, std::string peer, absl::string_view token,
                       PeerCallOptions options)
    : caller_(std::move(caller)),
      peer_(std::move(peer)),
      // No token: the channel's client certificate is the credential (mutual TLS).
      authorization_(token.empty() ? "" : absl::StrCat("Bearer ", token)),
      options_(std::move(options)) {}

absl::Status PeerCaller::CallWithRetries(
    absl::string_view resource, absl::Time caller_deadline,
    absl::FunctionRef<grpc::Status(grpc::ClientContext*)> attempt) const {
  const absl::Time deadline = std::min(caller_deadline, absl::Now() + options_.call_timeout);
  Backoff backoff(options_.initial_backoff, options_.max_backoff);
  while (true) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(deadline));
    if (!authorization_.empty()) context.AddMetadata("authorization", authorization_);
    // The trace of the call we work for goes on, as the parent of a new span.
    if (const std::string& trace_id = trace::CurrentTraceId(); !trace_id.empty()) {
      context.AddMetadata("traceparent", trace::ChildTraceparent(trace_id));
    }
    const grpc::Status status = attempt(&context);
    if (status.ok()) return absl::OkStatus();
    if (status.error_code() != grpc::StatusCode::UNAVAILABLE) return MapStatus(status, resource);
    const absl::Duration pause = backoff.Next();
    if (absl::Now() + pause >= deadline) return MapStatus(status, resource);
    absl::SleepFor(pause);
  }
}

absl::Status PeerCaller::MapStatus(const grpc::Status& status, absl::string_view resource) const {
  const std::string detail = absl::StrCat(
      resource, ": ", absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())),
      ": ", status.error_message());
  switch (status.error_code()) {
    case grpc::StatusCode::OK:
      return absl::OkStatus();
    case grpc::StatusCode::NOT_FOUND:
      return PeerNotFound(resource);
    // Our credential was refused. Passing PERMISSION_DENIED/UNAUTHENTICATED on would blame our
    // caller, whose own credential is fine; UNAVAILABLE would invite retries that cannot help;
    // INTERNAL would hide that it is the deployment (token or credentials file) to fix.
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::UNAUTHENTICATED:
      return absl::FailedPreconditionError(
          absl::StrCat(caller_, "'s credential is not accepted by ", peer_, " (", detail, ")"));
    // The peer is down, overloaded, shutting down, or failing inside: all a dependency outage
    // to our caller, who may retry later.
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::DATA_LOSS:
      return absl::UnavailableError(absl::StrCat(peer_, " is unavailable: ", detail));
    case grpc::StatusCode::UNIMPLEMENTED:
      return absl::FailedPreconditionError(
          absl::StrCat(peer_, " does not offer this call (version mismatch?): ", detail));
    default:
      // INVALID_ARGUMENT and the like: we sent a malformed read, a bug of ours.
      return absl::InternalError(absl::StrCat(peer_, " refused a read: ", detail));
  }
}

absl::StatusOr<int64_t> ParsePeerName(absl::string_view peer, absl::string_view field,
                                      absl::string_view collection, absl::string_view name) {
  auto id = ParseResourceName(field, collection, name);
  if (!id.ok()) {
    return absl::InternalError(
        absl::StrCat(peer, " answered with a malformed ", field, ": ", id.status().message()));
  }
  return id;
}

absl::Status PeerNotFound(absl::string_view resource) {
  return absl::NotFoundError(absl::StrCat(resource, ": not found"));
}

}  // namespace luban::client
