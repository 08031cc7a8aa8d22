// Waiting for a service to be ready: the one way the tools (luban-demo-seed, luban-bench ready)
// and the tests wait for a service they started.
//
//   absl::Status ready = client::AwaitServing(channel, absl::Now() + absl::Seconds(60));
#ifndef LUBAN_COMMON_CLIENT_AWAIT_SERVING_H_
#define LUBAN_COMMON_CLIENT_AWAIT_SERVING_H_

#include <memory>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"

namespace luban::client {

// Returns OK as soon as the service behind `channel` reports SERVING on the gRPC health service.
// It watches the status (short Watch calls that wait for the connection, so a service still
// starting costs no reconnect backoff) rather than polling. DEADLINE_EXCEEDED at `deadline`;
// FAILED_PRECONDITION as soon as `keep_waiting` (asked between calls) says false, e.g. because
// the service's process has exited.
absl::Status AwaitServing(
    const std::shared_ptr<grpc::Channel>& channel, absl::Time deadline,
    absl::FunctionRef<bool()> keep_waiting = [] { return true; });

}  // namespace luban::client

#endif  // LUBAN_COMMON_CLIENT_AWAIT_SERVING_H_
