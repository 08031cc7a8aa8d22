// A service's RPC methods on gRPC's callback API, one line each:
//
//   class CourseGrpcService final : public CallbackService<pb::CourseService> {
//    public:
//     LUBAN_UNARY_RPC(GetWorkshop, pb::GetWorkshopRequest, pb::Workshop)
//     LUBAN_SERVER_STREAMING_RPC(WatchChanges, pb::WatchChangesRequest, pb::WatchChangesResponse)
//    private:
//     CourseApi& api_;    // a unary method runs api_.<Method>(rc, *request, response) ...
//     CallRunner calls_;  // ... once calls_.Unary admitted it
//   };
//
// Where gRPC's own handlers answer a request they cannot deserialize (bytes that are not the
// message, a message cut short, a string that is not UTF-8, no message at all) with UNIMPLEMENTED
// and no message, as if the method did not exist, these hand the method an empty request marked
// unparsable (common/api/unparsable.h); CallRunner refuses it as INVALID_ARGUMENT saying why,
// counted and logged like any refused call. A streaming method's body passes its request to
// CallRunner::Admit, which does the same.
#ifndef LUBAN_COMMON_SERVER_RPC_H_
#define LUBAN_COMMON_SERVER_RPC_H_

#include <string>
#include <type_traits>
#include <utility>

#include "absl/strings/string_view.h"
#include "common/api/unparsable.h"
#include "grpc/byte_buffer.h"
#include "grpcpp/impl/codegen/server_callback_handlers.h"
#include "grpcpp/impl/rpc_service_method.h"
#include "grpcpp/support/server_callback.h"

namespace luban {
namespace rpc_internal {

// The bytes of `buffer`, which is destroyed.
std::string TakeBytes(grpc_byte_buffer* buffer);

// The index of `method` in the service `service_full_name`; aborts when there is none.
int MethodIndex(absl::string_view service_full_name, absl::string_view method);

// gRPC's handler `Inner` for Request and Response, with a request that does not parse replaced
// by an empty one marked unparsable.
template <typename Inner, typename Request, typename Response>
class ParsingHandler final : public grpc::internal::MethodHandler {
 public:
  template <typename GetReactor>
  explicit ParsingHandler(GetReactor get_reactor) : inner_(std::move(get_reactor)) {}

  void RunHandler(const HandlerParameter& param) override { inner_.RunHandler(param); }

  void* Deserialize(grpc_call* call, grpc_byte_buffer* payload, grpc::Status* status,
                    void** handler_data) override {
    // The parse consumes the payload; a copy (references to the same slices) says why it failed.
    grpc_byte_buffer* kept = payload == nullptr ? nullptr : grpc_byte_buffer_copy(payload);
    void* request = inner_.Deserialize(call, payload, status, handler_data);
    if (status->ok()) {
      if (kept != nullptr) grpc_byte_buffer_destroy(kept);
      return request;
    }
    const std::string why = kept == nullptr
                                ? std::string("the call carried no request message")
                                : WhyUnparsable(*Request::descriptor(), TakeBytes(kept));
    if constexpr (std::is_same_v<Inner, grpc::internal::CallbackUnaryHandler<Request, Response>>) {
      // A unary request lives in a holder the failed parse made; the empty one gets another.
      static_cast<grpc::MessageHolder<Request, Response>*>(*handler_data)->Release();
    }
    request =
        inner_.Deserialize(call, grpc_raw_byte_buffer_create(nullptr, 0), status, handler_data);
    if (request != nullptr) MarkUnparsable(static_cast<Request*>(request), why);
    return request;
  }

 private:
  Inner inner_;
};

}  // namespace rpc_internal

// The generated callback service of `GrpcService` (e.g. pb::CourseService), whose methods are
// served by the handlers above: declare them with the macros below.
template <typename GrpcService>
class CallbackService : public GrpcService::CallbackService {
 protected:
  // Serves the unary method `name` by `method`. Returns true, to initialise the member that
  // LUBAN_UNARY_RPC declares for the purpose.
  template <typename Request, typename Response, typename Method>
  bool ServeUnary(absl::string_view name, Method method) {
    this->MarkMethodCallback(
        rpc_internal::MethodIndex(GrpcService::service_full_name(), name),
        new rpc_internal::ParsingHandler<grpc::internal::CallbackUnaryHandler<Request, Response>,
                                         Request, Response>(std::move(method)));
    return true;
  }

  // Serves the server-streaming method `name` by `method`, likewise.
  template <typename Request, typename Response, typename Method>
  bool ServeServerStreaming(absl::string_view name, Method method) {
    this->MarkMethodCallback(
        rpc_internal::MethodIndex(GrpcService::service_full_name(), name),
        new rpc_internal::ParsingHandler<
            grpc::internal::CallbackServerStreamingHandler<Request, Response>, Request, Response>(
            std::move(method)));
    return true;
  }
};

}  // namespace luban

// A unary method: admitted by calls_.Unary, then api_.<Method>(rc, *request, response) on the
// executor.
#define LUBAN_UNARY_RPC(Method, Request, Response)                                               \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* context, const Request* request, \
                                   Response* response) override {                                \
    return calls_.Unary(context, #Method, request, response,                                     \
                        [this, request, response](const ::luban::RequestContext& rc) {           \
                          return api_.Method(rc, *request, response);                            \
                        });                                                                      \
  }                                                                                              \
  const bool Method##_served_ = ServeUnary<Request, Response>(                                   \
      #Method, [this](grpc::CallbackServerContext* context, const Request* request,              \
                      Response* response) { return Method(context, request, response); });

// A server-streaming method, defined apart; its body admits the call with
// calls_.Admit(context, "<Method>", *request).
#define LUBAN_SERVER_STREAMING_RPC(Method, Request, Response)                         \
  grpc::ServerWriteReactor<Response>* Method(grpc::CallbackServerContext* context,    \
                                             const Request* request) override;        \
  const bool Method##_served_ = ServeServerStreaming<Request, Response>(              \
      #Method, [this](grpc::CallbackServerContext* context, const Request* request) { \
        return Method(context, request);                                              \
      });

#endif  // LUBAN_COMMON_SERVER_RPC_H_
