// The gRPC ceiling of the benchmark: an EnrollmentService that answers GetTrainee,
// ListEnrollments and Enroll from memory, through the services' own call path (the bearer-token
// check, the method policy, the hop onto the bounded executor, the status mapping) and the same
// server settings, with answers as large as the real service's. It does all a service does
// except the domain rules and the database, so "service calls/s ÷ ceiling calls/s" is the share
// of gRPC's best that the suite reaches. Other methods answer UNIMPLEMENTED.
#ifndef LUBAN_TOOLS_BENCH_CEILING_SERVER_H_
#define LUBAN_TOOLS_BENCH_CEILING_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/auth/credentials.h"
#include "common/auth/policy.h"
#include "common/server/call.h"
#include "common/server/executor.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "luban/enrollment/v1/enrollment.grpc.pb.h"

namespace luban::bench {

class CeilingServer {
 public:
  // Listens on `listen` ("127.0.0.1:0" picks a port) with `server_credentials` (plaintext or
  // TLS, as the suite under comparison) and `threads` executor threads (give the services'
  // --db_pool_size: the same threading model).
  static absl::StatusOr<std::unique_ptr<CeilingServer>> Start(
      const std::string& listen, int threads, auth::CredentialStore credentials,
      std::shared_ptr<grpc::ServerCredentials> server_credentials);
  ~CeilingServer();

  int port() const { return port_; }
  void Wait() { server_->Wait(); }
  void Shutdown();

 private:
  class Service;
  CeilingServer() = default;

  std::unique_ptr<auth::CredentialStore> credentials_;
  std::unique_ptr<BoundedExecutor> executor_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace luban::bench

#endif  // LUBAN_TOOLS_BENCH_CEILING_SERVER_H_
