// The front of every RPC: authenticate, authorize, then run the handler's work on the bounded
// executor and finish the call with the one status mapping. Handlers stay a few lines:
//
//   grpc::ServerUnaryReactor* GetWorkshop(grpc::CallbackServerContext* ctx,
//                                         const GetWorkshopRequest* req, Workshop* resp) override {
//     return calls_.Unary(ctx, "GetWorkshop", req, resp, [=](const RequestContext& rc) {
//       return api_.GetWorkshop(rc, *req, resp);
//     });
//   }
#ifndef LUBAN_COMMON_SERVER_CALL_H_
#define LUBAN_COMMON_SERVER_CALL_H_

#include <memory>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/api/unparsable.h"
#include "common/auth/credentials.h"
#include "common/auth/policy.h"
#include "common/domain/request_context.h"
#include "common/server/executor.h"
#include "google/protobuf/message.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"

namespace luban {
namespace db {
class ConnectionPool;
}  // namespace db

class CallRunner {
 public:
  using Work = absl::AnyInvocable<absl::Status(const RequestContext&) &&>;

  // Resolves the metrics of every method of the policy's service (luban_rpc_*) once, here.
  // With `database`, admitted calls fail at once as UNAVAILABLE while its health probe fails
  // (ConnectionPool::reachable), rather than queueing behind work stuck on a hung database.
  CallRunner(BoundedExecutor* executor, const auth::CredentialStore* credentials,
             const auth::MethodPolicy* policy, const db::ConnectionPool* database = nullptr);
  ~CallRunner();

  // Admits the call (a request that parsed, credential, policy), queues `work` and finishes the
  // reactor with its status, `response` redacted for the caller (personal_data.h) when the work
  // succeeded. INVALID_ARGUMENT for a request marked unparsable (rpc.h);
  // RESOURCE_EXHAUSTED when the queue is full; DEADLINE_EXCEEDED or CANCELLED when the call's
  // deadline passed or its client left while it waited.
  template <typename Request>
  grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* context, absl::string_view method,
                                  const Request* request, google::protobuf::Message* response,
                                  Work work) {
    std::string request_id;
    if constexpr (requires { request->request_id(); }) request_id = request->request_id();
    return Run(context, method, CheckParsed(*request), std::move(request_id), response,
               std::move(work));
  }

  // Admits a streaming call (for handlers that manage their own reactor) as Unary does, counting
  // the outcome in luban_rpc_stream_admissions_total and logging a refusal.
  absl::StatusOr<RequestContext> Admit(grpc::CallbackServerContext* context,
                                       absl::string_view method,
                                       const google::protobuf::Message& request) const;

  BoundedExecutor& executor() const { return *executor_; }

 private:
  class Metrics;

  grpc::ServerUnaryReactor* Run(grpc::CallbackServerContext* context, absl::string_view method,
                                const absl::Status& parsed, std::string request_id,
                                google::protobuf::Message* response, Work work);
  // The context of a call refused before it ran: its method and trace id.
  RequestContext RefusedContext(const grpc::CallbackServerContext& context,
                                absl::string_view method) const;
  absl::StatusOr<RequestContext> AdmitCall(grpc::CallbackServerContext* context,
                                           absl::string_view method) const;

  std::unique_ptr<const Metrics> metrics_;
  BoundedExecutor* executor_;
  const auth::CredentialStore* credentials_;
  const auth::MethodPolicy* policy_;
  const db::ConnectionPool* database_;
};

}  // namespace luban

#endif  // LUBAN_COMMON_SERVER_CALL_H_
