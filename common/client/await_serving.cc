#include "common/client/await_serving.h"

#include <algorithm>

#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"

namespace luban::client {

using ::grpc::health::v1::HealthCheckResponse;

absl::Status AwaitServing(const std::shared_ptr<grpc::Channel>& channel, absl::Time deadline,
                          absl::FunctionRef<bool()> keep_waiting) {
  auto health = grpc::health::v1::Health::NewStub(channel);
  while (absl::Now() < deadline) {
    grpc::ClientContext context;
    context.set_wait_for_ready(true);
    context.set_deadline(absl::ToChronoTime(std::min(deadline, absl::Now() + absl::Seconds(1))));
    auto reader = health->Watch(&context, grpc::health::v1::HealthCheckRequest());
    HealthCheckResponse response;
    bool serving = false;
    while (!serving && reader->Read(&response)) {
      serving = response.status() == HealthCheckResponse::SERVING;
    }
    context.TryCancel();
    reader->Finish().IgnoreError();
    if (serving) return absl::OkStatus();
    if (!keep_waiting()) {
      return absl::FailedPreconditionError("gave up waiting for the service to be SERVING");
    }
  }
  return absl::DeadlineExceededError("the service did not report SERVING in time");
}

}  // namespace luban::client
