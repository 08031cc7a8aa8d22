// One unary call of the seeding tools (luban-demo-seed, luban-bench seed): bearer token, deadline,
// retries of what is safe to retry, and on failure a message naming what was being done, then
// exit(1).
#ifndef LUBAN_TOOLS_DEMO_SEED_SEED_CALL_H_
#define LUBAN_TOOLS_DEMO_SEED_SEED_CALL_H_

#include <cerrno>  // program_invocation_short_name
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/api/status.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"

namespace luban::demo_seed {

// Whether a failed call of a request with a fixed request_id is worth sending again, unchanged:
// the service was unreachable or slow (UNAVAILABLE, DEADLINE_EXCEEDED; a retry of a request that
// did commit is answered from the service's ledger), or a conflict outlasted the service's own
// retries (ABORTED; also a retry that arrived while the first attempt was still in flight).
inline bool IsRetryable(const grpc::Status& status) {
  return status.error_code() == grpc::StatusCode::UNAVAILABLE ||
         status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ||
         status.error_code() == grpc::StatusCode::ABORTED;
}

// Calls `method` with `token` as bearer token. Every request of the seed carries a fixed
// request_id, so what IsRetryable accepts is retried (a retry returns the first result). Any
// other failure ends the program.
template <typename Stub, typename Request, typename Response>
Response CallOrDie(Stub& stub,
                   grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                   const Request& request, const std::string& token, absl::string_view what) {
  constexpr int kAttempts = 5;
  grpc::Status status;
  for (int attempt = 1;; ++attempt) {
    grpc::ClientContext context;
    if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    Response response;
    status = (stub.*method)(&context, request, &response);
    if (status.ok()) return response;
    if (!IsRetryable(status) || attempt == kAttempts) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250 << attempt));
  }
  const absl::string_view code = StatusCodeName(status.error_code());
  std::fprintf(stderr, "%s: %.*s: %.*s: %s\n", program_invocation_short_name,
               static_cast<int>(what.size()), what.data(), static_cast<int>(code.size()),
               code.data(), status.error_message().c_str());
  std::exit(1);
}

}  // namespace luban::demo_seed

#endif  // LUBAN_TOOLS_DEMO_SEED_SEED_CALL_H_
