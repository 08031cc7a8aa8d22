// luban.exchange.v1.ExchangeService on gRPC's callback API: each unary RPC is admitted by the
// CallRunner (credential, method policy) and runs on the bounded executor via ExchangeApi.
#ifndef LUBAN_SERVICES_EXCHANGE_API_EXCHANGE_SERVICE_H_
#define LUBAN_SERVICES_EXCHANGE_API_EXCHANGE_SERVICE_H_

#include "common/auth/policy.h"
#include "common/server/call.h"
#include "common/server/change_feed.h"
#include "luban/exchange/v1/exchange.grpc.pb.h"
#include "services/exchange/api/exchange_api.h"

namespace luban::exchange {

class ExchangeGrpcService final : public pb::ExchangeService::CallbackService {
 public:
  ExchangeGrpcService(ExchangeApi* api, BoundedExecutor* executor,
                      const auth::CredentialStore* credentials, ChangeFeedHub* feed,
      const db::ConnectionPool* database = nullptr);

  const auth::MethodPolicy& policy() const { return policy_; }

// One line per unary RPC: admit, then run ExchangeApi::<Method> on the executor.
#define LUBAN_EXCHANGE_UNARY(Method, Request, Response)                                     \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* context,                   \
                                   const pb::Request* request, pb::Response* response)     \
      override {                                                                           \
    return calls_.Unary(context, #Method, request,                                         \
                        [this, request, response](const RequestContext& rc) {              \
                          return api_.Method(rc, *request, response);                      \
                        });                                                                \
  }
  LUBAN_EXCHANGE_UNARY(GetProgramme, GetProgrammeRequest, Programme)
  LUBAN_EXCHANGE_UNARY(ListProgrammes, ListProgrammesRequest, ListProgrammesResponse)
  LUBAN_EXCHANGE_UNARY(CreateProgramme, CreateProgrammeRequest, Programme)
  LUBAN_EXCHANGE_UNARY(UpdateProgramme, UpdateProgrammeRequest, Programme)
  LUBAN_EXCHANGE_UNARY(ChangeProgrammeStatus, ChangeProgrammeStatusRequest, Programme)
  LUBAN_EXCHANGE_UNARY(GetMobility, GetMobilityRequest, Mobility)
  LUBAN_EXCHANGE_UNARY(ListMobilities, ListMobilitiesRequest, ListMobilitiesResponse)
  LUBAN_EXCHANGE_UNARY(Nominate, NominateRequest, Mobility)
  LUBAN_EXCHANGE_UNARY(ApproveMobility, ApproveMobilityRequest, Mobility)
  LUBAN_EXCHANGE_UNARY(RejectMobility, RejectMobilityRequest, Mobility)
  LUBAN_EXCHANGE_UNARY(ReopenMobility, ReopenMobilityRequest, Mobility)
  LUBAN_EXCHANGE_UNARY(DepartMobility, DepartMobilityRequest, Mobility)
  LUBAN_EXCHANGE_UNARY(ReturnMobility, ReturnMobilityRequest, Mobility)
  LUBAN_EXCHANGE_UNARY(CancelMobility, CancelMobilityRequest, Mobility)
#undef LUBAN_EXCHANGE_UNARY

  grpc::ServerWriteReactor<pb::ExportMobilitiesResponse>* ExportMobilities(
      grpc::CallbackServerContext* context, const pb::ExportMobilitiesRequest* request) override;
  grpc::ServerWriteReactor<pb::WatchChangesResponse>* WatchChanges(
      grpc::CallbackServerContext* context, const pb::WatchChangesRequest* request) override;

 private:
  ExchangeApi& api_;
  const auth::MethodPolicy policy_;
  CallRunner calls_;
  ChangeFeedHub& feed_;
};

}  // namespace luban::exchange

#endif  // LUBAN_SERVICES_EXCHANGE_API_EXCHANGE_SERVICE_H_
