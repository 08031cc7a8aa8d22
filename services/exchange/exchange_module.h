// The exchange service as a ServiceModule: its migrations and its gRPC service on the MySQL
// store, with the course and enrollment services as peers.
#ifndef LUBAN_SERVICES_EXCHANGE_EXCHANGE_MODULE_H_
#define LUBAN_SERVICES_EXCHANGE_EXCHANGE_MODULE_H_

#include <memory>
#include <string>
#include <vector>

#include "common/server/service_main.h"
#include "services/exchange/api/exchange_api.h"
#include "services/exchange/api/exchange_service.h"
#include "services/exchange/clients/grpc_course_peer.h"
#include "services/exchange/clients/grpc_enrollment_peer.h"
#include "services/exchange/storage/mysql_exchange_store.h"

namespace luban::exchange {

struct ExchangeModuleOptions {
  std::string course_target;      // host:port of the course service
  std::string enrollment_target;  // host:port of the enrollment service
  std::string service_token;      // this service's bearer token (role service)
  GrpcCoursePeerOptions course;
  client::PeerCallOptions enrollment;
};

class ExchangeModule final : public ServiceModule {
 public:
  explicit ExchangeModule(ExchangeModuleOptions options) : options_(std::move(options)) {}

  absl::string_view name() const override { return "exchange"; }
  absl::string_view service_full_name() const override {
    return pb::ExchangeService::service_full_name();
  }
  std::vector<const std::vector<db::Migration>*> migrations() const override;
  absl::StatusOr<grpc::Service*> CreateService(const ServiceEnv& env) override;

 private:
  ExchangeModuleOptions options_;
  std::unique_ptr<MySqlExchangeStore> store_;
  std::unique_ptr<GrpcCoursePeer> course_;
  std::unique_ptr<GrpcEnrollmentPeer> enrollment_;
  std::unique_ptr<ExchangeApi> api_;
  std::unique_ptr<ExchangeGrpcService> service_;
};

}  // namespace luban::exchange

#endif  // LUBAN_SERVICES_EXCHANGE_EXCHANGE_MODULE_H_
