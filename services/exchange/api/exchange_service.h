// luban.exchange.v1.ExchangeService on gRPC's callback API: each unary RPC is admitted by the
// CallRunner (credential, method policy) and runs on the bounded executor via ExchangeApi.
#ifndef LUBAN_SERVICES_EXCHANGE_API_EXCHANGE_SERVICE_H_
#define LUBAN_SERVICES_EXCHANGE_API_EXCHANGE_SERVICE_H_

#include "common/auth/policy.h"
#include "common/server/call.h"
#include "common/server/change_feed.h"
#include "common/server/rpc.h"
#include "luban/exchange/v1/exchange.grpc.pb.h"
#include "services/exchange/api/exchange_api.h"

namespace luban::exchange {

class ExchangeGrpcService final : public CallbackService<pb::ExchangeService> {
 public:
  ExchangeGrpcService(ExchangeApi* api, BoundedExecutor* executor,
                      const auth::CredentialStore* credentials, ChangeFeedHub* feed,
                      const db::ConnectionPool* database = nullptr);

  const auth::MethodPolicy& policy() const { return policy_; }

  // One line per RPC (common/server/rpc.h).
  LUBAN_UNARY_RPC(GetProgramme, pb::GetProgrammeRequest, pb::Programme)
  LUBAN_UNARY_RPC(ListProgrammes, pb::ListProgrammesRequest, pb::ListProgrammesResponse)
  LUBAN_UNARY_RPC(CreateProgramme, pb::CreateProgrammeRequest, pb::Programme)
  LUBAN_UNARY_RPC(UpdateProgramme, pb::UpdateProgrammeRequest, pb::Programme)
  LUBAN_UNARY_RPC(ChangeProgrammeStatus, pb::ChangeProgrammeStatusRequest, pb::Programme)
  LUBAN_UNARY_RPC(GetMobility, pb::GetMobilityRequest, pb::Mobility)
  LUBAN_UNARY_RPC(ListMobilities, pb::ListMobilitiesRequest, pb::ListMobilitiesResponse)
  LUBAN_UNARY_RPC(Nominate, pb::NominateRequest, pb::Mobility)
  LUBAN_UNARY_RPC(ApproveMobility, pb::ApproveMobilityRequest, pb::Mobility)
  LUBAN_UNARY_RPC(RejectMobility, pb::RejectMobilityRequest, pb::Mobility)
  LUBAN_UNARY_RPC(ReopenMobility, pb::ReopenMobilityRequest, pb::Mobility)
  LUBAN_UNARY_RPC(DepartMobility, pb::DepartMobilityRequest, pb::Mobility)
  LUBAN_UNARY_RPC(ReturnMobility, pb::ReturnMobilityRequest, pb::Mobility)
  LUBAN_UNARY_RPC(CancelMobility, pb::CancelMobilityRequest, pb::Mobility)
  LUBAN_UNARY_RPC(ListAuditRecords, pb::ListAuditRecordsRequest, pb::ListAuditRecordsResponse)

  LUBAN_SERVER_STREAMING_RPC(ExportMobilities, pb::ExportMobilitiesRequest,
                             pb::ExportMobilitiesResponse)
  LUBAN_SERVER_STREAMING_RPC(WatchChanges, pb::WatchChangesRequest, pb::WatchChangesResponse)

 private:
  ExchangeApi& api_;
  const auth::MethodPolicy policy_;
  CallRunner calls_;
  ChangeFeedHub& feed_;
};

}  // namespace luban::exchange

#endif  // LUBAN_SERVICES_EXCHANGE_API_EXCHANGE_SERVICE_H_
