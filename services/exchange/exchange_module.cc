#include "services/exchange/exchange_module.h"

#include "common/client/channel.h"
#include "common/domain/status_macros.h"

namespace luban::exchange {

std::vector<const std::vector<db::Migration>*> ExchangeModule::migrations() const {
  return {&ExchangeMigrations()};
}

absl::StatusOr<grpc::Service*> ExchangeModule::CreateService(const ServiceEnv& env) {
  if (options_.course_target.empty() || options_.enrollment_target.empty()) {
    return absl::InvalidArgumentError(
        "course_target, enrollment_target: the peers' addresses are required");
  }
  if (options_.service_token.empty() && env.peer_tls.cert_file.empty()) {
    return absl::InvalidArgumentError(
        "service_token: this service's credential for its peers is required (or its "
        "certificate: --peer_tls_ca with --tls_cert and --tls_key)");
  }
  LUBAN_ASSIGN_OR_RETURN(auto course_channel,
                         client::MakeChannel({.target = options_.course_target,
                                              .tls = env.peer_tls,
                                              .fast_reconnect = false,
                                              .keepalive = absl::ZeroDuration()}));
  LUBAN_ASSIGN_OR_RETURN(auto enrollment_channel,
                         client::MakeChannel({.target = options_.enrollment_target,
                                              .tls = env.peer_tls,
                                              .fast_reconnect = false,
                                              .keepalive = absl::ZeroDuration()}));
  store_ = std::make_unique<MySqlExchangeStore>(env.pool);
  course_ = std::make_unique<GrpcCoursePeer>(std::move(course_channel), options_.service_token,
                                             options_.course);
  enrollment_ = std::make_unique<GrpcEnrollmentPeer>(std::move(enrollment_channel),
                                                     options_.service_token, options_.enrollment);
  api_ = std::make_unique<ExchangeApi>(store_.get(), course_.get(), enrollment_.get(),
                                       env.page_tokens);
  service_ = std::make_unique<ExchangeGrpcService>(api_.get(), env.executor, env.credentials,
                                                   env.feed, env.pool);
  LUBAN_RETURN_IF_ERROR(service_->policy().CheckComplete());
  return service_.get();
}

}  // namespace luban::exchange
