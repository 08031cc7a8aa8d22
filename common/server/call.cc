#include "common/server/call.h"

#include <array>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/api/personal_data.h"
#include "common/api/status.h"
#include "common/db/pool.h"
#include "common/domain/status_macros.h"
#include "common/domain/trace_context.h"
#include "common/metrics/metrics.h"
#include "common/server/logging.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/security/auth_context.h"

namespace luban {
namespace {

constexpr int kCodes = 17;  // gRPC status codes 0..16

// A counter per status code, resolved on the code's first use (a call_once: an atomic load
// afterwards), so that a method's codes that never happen make no series. std::call_once, not
// absl's: its waiters block in pthread_once, which TSan sees, and not in Debian's uninstrumented
// Abseil, where a second caller's wait for the first looked like a race.
class CodeCounters {
 public:
  CodeCounters(absl::string_view name, absl::string_view help, std::string method)
      : name_(name), help_(help), method_(std::move(method)) {}

  void Increment(absl::StatusCode code) const {
    const int index = static_cast<int>(code);
    if (index < 0 || index >= kCodes) return;
    Slot& slot = slots_[index];
    std::call_once(slot.once, [&] {
      slot.counter = metrics::Global().GetCounter(
          name_, help_, {{"method", method_}, {"code", absl::StatusCodeToString(code)}});
    });
    slot.counter.Increment();
  }

 private:
  struct Slot {
    std::once_flag once;
    metrics::Counter counter;
  };
  const absl::string_view name_;
  const absl::string_view help_;
  const std::string method_;
  mutable std::array<Slot, kCodes> slots_;
};

struct MethodMetrics {
  explicit MethodMetrics(const std::string& method)
      : calls("luban_rpc_calls_total", "Unary calls finished, by method and gRPC status code",
              method),
        stream_admissions("luban_rpc_stream_admissions_total",
                          "Streaming calls admitted (OK) or refused, by method and status code",
                          method),
        latency(metrics::Global().GetHistogram(
            "luban_rpc_latency_seconds",
            "Unary call latency from admission to the end of the work, by method",
            {{"method", method}}, metrics::LatencyBuckets())) {}

  CodeCounters calls;
  CodeCounters stream_admissions;
  metrics::Histogram latency;
};

// A peer service known by its client certificate (mutual TLS). Only a certificate the TLS
// handshake verified counts: without --tls_client_ca no certificate is asked for at all.
absl::StatusOr<Principal> PeerServicePrincipal(const grpc::CallbackServerContext& context) {
  const std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth == nullptr || !auth->IsPeerAuthenticated()) {
    return absl::NotFoundError("no verified client certificate");
  }
  const std::vector<grpc::string_ref> names = auth->FindPropertyValues("x509_common_name");
  if (names.size() != 1) return absl::NotFoundError("no single common name");
  return auth::ServicePrincipalForCertificate(absl::string_view(names[0].data(), names[0].size()));
}

// The call's trace id: its valid traceparent's, else a new one.
std::string TraceIdOf(const grpc::CallbackServerContext& context) {
  const auto& metadata = context.client_metadata();
  if (auto it = metadata.find("traceparent"); it != metadata.end()) {
    if (auto id =
            trace::TraceIdFromTraceparent(absl::string_view(it->second.data(), it->second.size()));
        id.has_value()) {
      return *std::move(id);
    }
  }
  return trace::NewTraceId();
}

}  // namespace

// The metrics of every method of the service, made once; read-only afterwards, so calls look
// their method up without a lock.
class CallRunner::Metrics {
 public:
  explicit Metrics(const google::protobuf::ServiceDescriptor* service) {
    for (int i = 0; service != nullptr && i < service->method_count(); ++i) {
      const std::string& method = service->method(i)->name();
      by_method_.emplace(
          method, std::make_unique<MethodMetrics>(absl::StrCat(service->full_name(), "/", method)));
    }
  }

  // Null for a method the service does not have (a handler's typo; nothing is counted).
  const MethodMetrics* Find(absl::string_view method) const {
    auto it = by_method_.find(method);
    return it == by_method_.end() ? nullptr : it->second.get();
  }

 private:
  absl::flat_hash_map<std::string, std::unique_ptr<MethodMetrics>> by_method_;
};

namespace {

void Finish(const MethodMetrics* metrics, const RequestContext& rc, const absl::Status& status,
            absl::Time start) {
  const absl::Duration latency = absl::Now() - start;
  if (metrics != nullptr) {
    metrics->calls.Increment(status.code());
    metrics->latency.Observe(absl::ToDoubleSeconds(latency));
  }
  logging::LogAccess({.method = rc.method,
                      .principal = rc.principal.name,
                      .code = status.code(),
                      .latency_ms = absl::ToDoubleMilliseconds(latency),
                      .trace_id = rc.trace_id,
                      .request_id = rc.request_id,
                      .error = status.message()});
}

}  // namespace

CallRunner::CallRunner(BoundedExecutor* executor, const auth::CredentialStore* credentials,
                       const auth::MethodPolicy* policy, const db::ConnectionPool* database)
    : metrics_(std::make_unique<const Metrics>(policy->service())),
      executor_(executor),
      credentials_(credentials),
      policy_(policy),
      database_(database) {}

CallRunner::~CallRunner() = default;

absl::StatusOr<RequestContext> CallRunner::Admit(grpc::CallbackServerContext* context,
                                                 absl::string_view method,
                                                 const google::protobuf::Message& request) const {
  absl::Status parsed = CheckParsed(request);
  absl::StatusOr<RequestContext> admitted =
      parsed.ok() ? AdmitCall(context, method) : absl::StatusOr<RequestContext>(parsed);
  if (const MethodMetrics* metrics = metrics_->Find(method); metrics != nullptr) {
    metrics->stream_admissions.Increment(admitted.status().code());
  }
  if (!admitted.ok()) {
    const RequestContext rc = RefusedContext(*context, method);
    logging::LogAccess({.method = rc.method,
                        .principal = "",
                        .code = admitted.status().code(),
                        .latency_ms = 0,
                        .trace_id = rc.trace_id,
                        .request_id = "",
                        .error = admitted.status().message()});
  }
  return admitted;
}

RequestContext CallRunner::RefusedContext(const grpc::CallbackServerContext& context,
                                          absl::string_view method) const {
  RequestContext rc;
  rc.method = absl::StrCat(policy_->service()->full_name(), "/", method);
  rc.trace_id = TraceIdOf(context);
  return rc;
}

absl::StatusOr<RequestContext> CallRunner::AdmitCall(grpc::CallbackServerContext* context,
                                                     absl::string_view method) const {
  RequestContext rc;
  rc.method = absl::StrCat(policy_->service()->full_name(), "/", method);
  rc.deadline = absl::FromChrono(context->deadline());
  rc.trace_id = TraceIdOf(*context);
  const auto& metadata = context->client_metadata();
  auto it = metadata.find("authorization");
  if (it != metadata.end()) {
    // A bearer token, when sent, decides (whatever certificate came with it).
    LUBAN_ASSIGN_OR_RETURN(auto principal, credentials_->Authenticate(absl::string_view(
                                               it->second.data(), it->second.size())));
    rc.principal = std::move(principal);
  } else if (auto service = PeerServicePrincipal(*context); service.ok()) {
    rc.principal = *std::move(service);
  } else {
    rc.principal = Principal{"anonymous", Role::kAnonymous, 0};
  }
  LUBAN_RETURN_IF_ERROR(policy_->Authorize(method, rc.principal));
  if (database_ != nullptr && !database_->reachable()) {
    return absl::UnavailableError(
        "the database is not answering (health NOT_SERVING); retry with backoff");
  }
  return rc;
}

grpc::ServerUnaryReactor* CallRunner::Run(grpc::CallbackServerContext* context,
                                          absl::string_view method, const absl::Status& parsed,
                                          std::string request_id,
                                          google::protobuf::Message* response, Work work) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const absl::Time start = absl::Now();
  const MethodMetrics* metrics = metrics_->Find(method);
  auto admitted = parsed.ok() ? AdmitCall(context, method) : absl::StatusOr<RequestContext>(parsed);
  if (!admitted.ok()) {
    Finish(metrics, RefusedContext(*context, method), admitted.status(), start);
    reactor->Finish(ToGrpcStatus(admitted.status()));
    return reactor;
  }
  admitted->request_id = std::move(request_id);
  auto task = [reactor, context, start, metrics, response, rc = *std::move(admitted),
               work = std::move(work)]() mutable {
    absl::Status status;
    if (context->IsCancelled()) {
      status = absl::CancelledError("the client cancelled the call before it started");
    } else if (absl::Now() >= rc.deadline) {
      status = absl::DeadlineExceededError("the deadline passed before the call started");
    } else {
      // Peer calls made by the work carry the call's trace id (PeerCaller).
      const trace::ScopedTraceId trace(rc.trace_id);
      status = std::move(work)(rc);
      if (status.ok()) RedactFor(rc.principal, response);
    }
    Finish(metrics, rc, status, start);
    reactor->Finish(ToGrpcStatus(status));
  };
  if (!executor_->TrySubmit(std::move(task))) {
    const absl::Status busy =
        absl::ResourceExhaustedError("the service is at capacity; retry with backoff");
    // The admitted context went with the task.
    Finish(metrics, RefusedContext(*context, method), busy, start);
    reactor->Finish(ToGrpcStatus(busy));
  }
  return reactor;
}

}  // namespace luban
