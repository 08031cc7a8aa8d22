// Calls of any method of the three services through protobuf reflection: the request and the
// response are messages of the method's descriptor types, sent on the service's channel with
// the caller's token and deadline (tools/cli/client_config.h).
#ifndef LUBAN_TOOLS_ADMIN_RPC_H_
#define LUBAN_TOOLS_ADMIN_RPC_H_

#include <memory>

#include "absl/functional/function_ref.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "grpcpp/support/status.h"
#include "tools/cli/client_config.h"

namespace luban::admin {

// A new empty message of `type` (a generated type: the services' protos are linked in).
std::unique_ptr<google::protobuf::Message> NewMessage(const google::protobuf::Descriptor* type);

// Calls a unary method. UNAVAILABLE is retried a few times with the same request (safe for
// mutations: they carry a request_id, and the service answers a retry from its ledger).
grpc::Status CallUnary(cli::Connections& connections, cli::Service service,
                       const google::protobuf::MethodDescriptor& method,
                       const google::protobuf::Message& request,
                       google::protobuf::Message* response);

// Calls a server-streaming method without a deadline, handing each response to `on_message`
// as it arrives. UNAVAILABLE before the first message is retried as for CallUnary.
grpc::Status CallServerStream(cli::Connections& connections, cli::Service service,
                              const google::protobuf::MethodDescriptor& method,
                              const google::protobuf::Message& request,
                              absl::FunctionRef<void(const google::protobuf::Message&)> on_message);

}  // namespace luban::admin

#endif  // LUBAN_TOOLS_ADMIN_RPC_H_
