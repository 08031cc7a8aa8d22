#include "common/server/call.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/api/status.h"
#include "google/protobuf/descriptor.h"
#include "spdlog/spdlog.h"

namespace luban {
namespace {

void LogOutcome(const RequestContext& rc, const absl::Status& status, absl::Time start) {
  const double ms = absl::ToDoubleMilliseconds(absl::Now() - start);
  if (status.ok()) {
    SPDLOG_DEBUG("call method={} principal={} status=OK latency_ms={:.3f}", rc.method,
                 rc.principal.name, ms);
    return;
  }
  const bool ours = status.code() == absl::StatusCode::kInternal ||
                    status.code() == absl::StatusCode::kUnknown;
  spdlog::log(ours ? spdlog::level::err : spdlog::level::info,
              "call method={} principal={} request_id={} status={} latency_ms={:.3f} error=\"{}\"",
              rc.method, rc.principal.name, rc.request_id,
              absl::StatusCodeToString(status.code()), ms, std::string(status.message()));
}

}  // namespace

CallRunner::CallRunner(BoundedExecutor* executor, const auth::CredentialStore* credentials,
                       const auth::MethodPolicy* policy)
    : executor_(executor), credentials_(credentials), policy_(policy) {}

absl::StatusOr<RequestContext> CallRunner::Admit(grpc::CallbackServerContext* context,
                                                 absl::string_view method) const {
  RequestContext rc;
  rc.method = absl::StrCat(policy_->service()->full_name(), "/", method);
  rc.deadline = absl::FromChrono(context->deadline());
  const auto& metadata = context->client_metadata();
  auto it = metadata.find("authorization");
  if (it != metadata.end()) {
    auto principal = credentials_->Authenticate(absl::string_view(it->second.data(),
                                                                 it->second.size()));
    if (!principal.ok()) return principal.status();
    rc.principal = *std::move(principal);
  } else {
    rc.principal = Principal{"anonymous", Role::kAnonymous, 0};
  }
  if (auto status = policy_->Authorize(method, rc.principal); !status.ok()) return status;
  return rc;
}

grpc::ServerUnaryReactor* CallRunner::Run(grpc::CallbackServerContext* context,
                                          absl::string_view method, std::string request_id,
                                          Work work) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const absl::Time start = absl::Now();
  auto admitted = Admit(context, method);
  if (!admitted.ok()) {
    RequestContext rc;
    rc.method = std::string(method);
    LogOutcome(rc, admitted.status(), start);
    reactor->Finish(ToGrpcStatus(admitted.status()));
    return reactor;
  }
  admitted->request_id = std::move(request_id);
  auto task = [reactor, context, start, rc = *std::move(admitted),
               work = std::move(work)]() mutable {
    absl::Status status;
    if (context->IsCancelled()) {
      status = absl::CancelledError("the client cancelled the call before it started");
    } else if (absl::Now() >= rc.deadline) {
      status = absl::DeadlineExceededError("the deadline passed before the call started");
    } else {
      status = std::move(work)(rc);
    }
    LogOutcome(rc, status, start);
    reactor->Finish(ToGrpcStatus(status));
  };
  if (!executor_->TrySubmit(std::move(task))) {
    const absl::Status busy = absl::ResourceExhaustedError(
        "the service is at capacity; retry with backoff");
    RequestContext rc;
    rc.method = std::string(method);
    LogOutcome(rc, busy, start);
    reactor->Finish(ToGrpcStatus(busy));
  }
  return reactor;
}

}  // namespace luban
