// The benchmark's plain gRPC ceiling: an EnrollmentService on gRPC's own callback API and nothing
// else of the project (no token check, no policy, no executor hop, no status mapping), answering
// GetTrainee, ListEnrollments, Enroll and CreateTrainee with the same answers as the call-path
// ceiling (samples.h), on the calling thread. The scenarios send it the same request bytes, so
// "suite calls/s ÷ plain calls/s" is the share of what gRPC alone does on this machine that the
// suite reaches. Other methods answer UNIMPLEMENTED.
#ifndef LUBAN_TOOLS_BENCH_PLAIN_SERVER_H_
#define LUBAN_TOOLS_BENCH_PLAIN_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"

namespace luban::bench {

class PlainServer {
 public:
  // Listens on `listen` ("127.0.0.1:0" picks a port) with `credentials` (insecure or TLS, as the
  // suite under comparison runs).
  static absl::StatusOr<std::unique_ptr<PlainServer>> Start(
      const std::string& listen, std::shared_ptr<grpc::ServerCredentials> credentials);
  ~PlainServer();

  int port() const { return port_; }
  void Shutdown();

 private:
  class Service;
  PlainServer() = default;

  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace luban::bench

#endif  // LUBAN_TOOLS_BENCH_PLAIN_SERVER_H_
