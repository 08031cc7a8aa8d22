#include "tools/bench/ceiling_server.h"

#include <utility>

#include "common/domain/status_macros.h"
#include "common/server/service_main.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "services/enrollment/api/enrollment_api.h"
#include "tools/bench/samples.h"
#include "tools/bench/start_server.h"

namespace luban::bench {
namespace {

namespace pb = ::luban::enrollment::v1;

}  // namespace

class CeilingServer::Service final : public pb::EnrollmentService::CallbackService {
 public:
  Service(BoundedExecutor* executor, const auth::CredentialStore* credentials)
      : policy_(enrollment::EnrollmentPolicy()), calls_(executor, credentials, &policy_) {}

  grpc::ServerUnaryReactor* GetTrainee(grpc::CallbackServerContext* context,
                                       const pb::GetTraineeRequest* request,
                                       pb::Trainee* response) override {
    return calls_.Unary(context, "GetTrainee", request, response,
                        [response](const RequestContext&) {
                          *response = SampleTrainee();
                          return absl::OkStatus();
                        });
  }

  grpc::ServerUnaryReactor* ListEnrollments(grpc::CallbackServerContext* context,
                                            const pb::ListEnrollmentsRequest* request,
                                            pb::ListEnrollmentsResponse* response) override {
    return calls_.Unary(context, "ListEnrollments", request, response,
                        [request, response](const RequestContext&) {
                          *response = SamplePage(request->page_size());
                          return absl::OkStatus();
                        });
  }

  grpc::ServerUnaryReactor* Enroll(grpc::CallbackServerContext* context,
                                   const pb::EnrollRequest* request,
                                   pb::Enrollment* response) override {
    return calls_.Unary(context, "Enroll", request, response, [response](const RequestContext&) {
      *response = SampleEnrollment();
      return absl::OkStatus();
    });
  }

  grpc::ServerUnaryReactor* CreateTrainee(grpc::CallbackServerContext* context,
                                          const pb::CreateTraineeRequest* request,
                                          pb::Trainee* response) override {
    return calls_.Unary(context, "CreateTrainee", request, response,
                        [response](const RequestContext&) {
                          *response = SampleTrainee();
                          return absl::OkStatus();
                        });
  }

 private:
  const auth::MethodPolicy policy_;
  CallRunner calls_;
};

absl::StatusOr<std::unique_ptr<CeilingServer>> CeilingServer::Start(
    const std::string& listen, int threads, auth::CredentialStore credentials,
    std::shared_ptr<grpc::ServerCredentials> server_credentials) {
  std::unique_ptr<CeilingServer> server(new CeilingServer());
  HostOptions options;
  server->credentials_ = std::make_unique<auth::CredentialStore>(std::move(credentials));
  server->executor_ = std::make_unique<BoundedExecutor>(threads, options.max_queued_calls);
  server->service_ = std::make_unique<Service>(server->executor_.get(), server->credentials_.get());
  LUBAN_ASSIGN_OR_RETURN(server->server_, StartBenchServer(listen, std::move(server_credentials),
                                                           server->service_.get(), &server->port_,
                                                           [&](grpc::ServerBuilder& builder) {
                                                             ApplyServerLimits(builder, options);
                                                           }));
  return server;
}

void CeilingServer::Shutdown() {
  if (server_ != nullptr) server_->Shutdown();
  if (executor_ != nullptr) executor_->Shutdown();
}

CeilingServer::~CeilingServer() { Shutdown(); }

}  // namespace luban::bench
