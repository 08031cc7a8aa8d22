#include "services/exchange/exchange_module.h"

#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace luban::exchange {

std::vector<const std::vector<db::Migration>*> ExchangeModule::migrations() const {
  return {&ExchangeMigrations()};
}

absl::StatusOr<grpc::Service*> ExchangeModule::CreateService(const ServiceEnv& env) {
  if (options_.course_target.empty() || options_.enrollment_target.empty()) {
    return absl::InvalidArgumentError(
        "course_target, enrollment_target: the peers' addresses are required");
  }
  if (options_.service_token.empty()) {
    return absl::InvalidArgumentError(
        "service_token: this service's credential for its peers is required");
  }
  store_ = std::make_unique<MySqlExchangeStore>(env.pool);
  course_ = std::make_unique<GrpcCoursePeer>(
      grpc::CreateChannel(options_.course_target, grpc::InsecureChannelCredentials()),
      options_.service_token, options_.course);
  enrollment_ = std::make_unique<GrpcEnrollmentPeer>(
      grpc::CreateChannel(options_.enrollment_target, grpc::InsecureChannelCredentials()),
      options_.service_token, options_.enrollment);
  api_ = std::make_unique<ExchangeApi>(store_.get(), course_.get(), enrollment_.get(),
                                       env.page_tokens);
  service_ =
      std::make_unique<ExchangeGrpcService>(api_.get(), env.executor, env.credentials, env.feed);
  if (auto status = service_->policy().CheckComplete(); !status.ok()) return status;
  return service_.get();
}

}  // namespace luban::exchange
