#include "tools/bench/plain_server.h"

#include <utility>

#include "common/domain/status_macros.h"
#include "luban/enrollment/v1/enrollment.grpc.pb.h"
#include "tools/bench/samples.h"
#include "tools/bench/start_server.h"

namespace luban::bench {
namespace {

namespace pb = ::luban::enrollment::v1;

}  // namespace

// Each method fills the answer and finishes on gRPC's own thread: what the callback API costs
// and nothing more.
class PlainServer::Service final : public pb::EnrollmentService::CallbackService {
 public:
  grpc::ServerUnaryReactor* GetTrainee(grpc::CallbackServerContext* context,
                                       const pb::GetTraineeRequest*,
                                       pb::Trainee* response) override {
    *response = SampleTrainee();
    return Done(context);
  }

  grpc::ServerUnaryReactor* ListEnrollments(grpc::CallbackServerContext* context,
                                            const pb::ListEnrollmentsRequest* request,
                                            pb::ListEnrollmentsResponse* response) override {
    *response = SamplePage(request->page_size());
    return Done(context);
  }

  grpc::ServerUnaryReactor* Enroll(grpc::CallbackServerContext* context, const pb::EnrollRequest*,
                                   pb::Enrollment* response) override {
    *response = SampleEnrollment();
    return Done(context);
  }

  grpc::ServerUnaryReactor* CreateTrainee(grpc::CallbackServerContext* context,
                                          const pb::CreateTraineeRequest*,
                                          pb::Trainee* response) override {
    *response = SampleTrainee();
    return Done(context);
  }

 private:
  static grpc::ServerUnaryReactor* Done(grpc::CallbackServerContext* context) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

absl::StatusOr<std::unique_ptr<PlainServer>> PlainServer::Start(
    const std::string& listen, std::shared_ptr<grpc::ServerCredentials> credentials) {
  std::unique_ptr<PlainServer> server(new PlainServer());
  server->service_ = std::make_unique<Service>();
  LUBAN_ASSIGN_OR_RETURN(server->server_, StartBenchServer(listen, std::move(credentials),
                                                           server->service_.get(), &server->port_));
  return server;
}

void PlainServer::Shutdown() {
  if (server_ != nullptr) server_->Shutdown();
}

PlainServer::~PlainServer() { Shutdown(); }

}  // namespace luban::bench
