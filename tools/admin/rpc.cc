#include "tools/admin/rpc.h"

#include <chrono>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/api/status.h"
#include "google/protobuf/message.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/impl/client_unary_call.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "grpcpp/impl/rpc_method.h"
#include "grpcpp/support/sync_stream.h"

namespace luban::admin {
namespace {

using google::protobuf::Message;
using google::protobuf::MethodDescriptor;

constexpr int kAttempts = 4;

std::string MethodPath(const MethodDescriptor& method) {
  return absl::StrCat("/", method.service()->full_name(), "/", method.name());
}

// Back-off between attempts: 200 ms, 400 ms, 800 ms.
void Pause(int attempt) { std::this_thread::sleep_for(std::chrono::milliseconds(100 << attempt)); }

}  // namespace

std::unique_ptr<Message> NewMessage(const google::protobuf::Descriptor* type) {
  const Message* prototype =
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(type);
  return std::unique_ptr<Message>(prototype->New());
}

grpc::Status CallUnary(cli::Connections& connections, cli::Service service,
                       const MethodDescriptor& method, const Message& request, Message* response) {
  auto channel = connections.Channel(service);
  if (!channel.ok()) return ToGrpcStatus(channel.status());
  const std::string path = MethodPath(method);
  const grpc::internal::RpcMethod rpc(path.c_str(), grpc::internal::RpcMethod::NORMAL_RPC);
  grpc::Status status;
  for (int attempt = 1;; ++attempt) {
    grpc::ClientContext context;
    connections.Prepare(context);
    response->Clear();
    status = grpc::internal::BlockingUnaryCall<Message, Message>(channel->get(), rpc, &context,
                                                                 request, response);
    if (status.error_code() != grpc::StatusCode::UNAVAILABLE || attempt == kAttempts) break;
    Pause(attempt);
  }
  return status;
}

grpc::Status CallServerStream(cli::Connections& connections, cli::Service service,
                              const MethodDescriptor& method, const Message& request,
                              absl::FunctionRef<void(const Message&)> on_message) {
  auto channel = connections.Channel(service);
  if (!channel.ok()) return ToGrpcStatus(channel.status());
  const std::string path = MethodPath(method);
  const grpc::internal::RpcMethod rpc(path.c_str(), grpc::internal::RpcMethod::SERVER_STREAMING);
  std::unique_ptr<Message> response = NewMessage(method.output_type());
  grpc::Status status;
  for (int attempt = 1;; ++attempt) {
    grpc::ClientContext context;
    connections.PrepareStream(context);
    std::unique_ptr<grpc::ClientReader<Message>> reader(
        grpc::internal::ClientReaderFactory<Message>::Create(channel->get(), rpc, &context,
                                                             request));
    bool received = false;
    while (reader->Read(response.get())) {
      received = true;
      on_message(*response);
      response->Clear();
    }
    status = reader->Finish();
    if (received || status.error_code() != grpc::StatusCode::UNAVAILABLE || attempt == kAttempts) {
      break;
    }
    Pause(attempt);
  }
  return status;
}

}  // namespace luban::admin
