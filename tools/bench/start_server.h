// How every bench server (plain, call path, database) starts: one place for the builder lines
// they share.
#ifndef LUBAN_TOOLS_BENCH_START_SERVER_H_
#define LUBAN_TOOLS_BENCH_START_SERVER_H_

#include <memory>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"

namespace luban::bench {

// Starts a server of `service` on `listen` ("127.0.0.1:0" picks a port, written to `port`) with
// `credentials` and gRPC's health service, which `luban-bench ready` waits for. `configure` adds
// to the builder (the call-path ceiling sets the services' limits). UNAVAILABLE when it cannot
// listen.
absl::StatusOr<std::unique_ptr<grpc::Server>> StartBenchServer(
    const std::string& listen, std::shared_ptr<grpc::ServerCredentials> credentials,
    grpc::Service* service, int* port,
    absl::FunctionRef<void(grpc::ServerBuilder&)> configure = [](grpc::ServerBuilder&) {});

}  // namespace luban::bench

#endif  // LUBAN_TOOLS_BENCH_START_SERVER_H_
