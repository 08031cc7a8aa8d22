// Apart from service_main.cc so that a server without the services' flags (luban-bench's ceiling)
// links it alone.
#include "absl/synchronization/mutex.h"
#include "common/client/channel.h"
#include "common/server/service_main.h"

namespace luban {

void ApplyServerLimits(grpc::ServerBuilder& builder, const HostOptions& options) {
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, options.max_concurrent_streams);
  builder.AddChannelArgument(GRPC_ARG_MAX_METADATA_SIZE, 16 * 1024);
}

void ConfigureServerProcess() {
  client::SkipOpenSslCleanupAtExit();
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}

}  // namespace luban
