#include "services/exchange/api/exchange_service.h"

#include "common/api/request_parts.h"
#include "common/server/batch_stream.h"

namespace luban::exchange {

ExchangeGrpcService::ExchangeGrpcService(ExchangeApi* api, BoundedExecutor* executor,
                                         const auth::CredentialStore* credentials,
                                         ChangeFeedHub* feed, const db::ConnectionPool* database)
    : api_(*api),
      policy_(ExchangePolicy()),
      calls_(executor, credentials, &policy_, database),
      feed_(*feed) {}

grpc::ServerWriteReactor<pb::ExportMobilitiesResponse>* ExchangeGrpcService::ExportMobilities(
    grpc::CallbackServerContext* context, const pb::ExportMobilitiesRequest* request) {
  return ServeExport<pb::ExportMobilitiesResponse, ExportCursor>(
      calls_, context, "ExportMobilities", *request,
      ExportStart(request->updated_since(), request->after_name(), kMobilities),
      [this](const RequestContext& rc, ExportCursor& cursor, pb::ExportMobilitiesResponse* batch,
             absl::FunctionRef<void()> next_may_start) {
        return api_.ExportMobilitiesBatch(rc, cursor, batch, next_may_start);
      });
}

grpc::ServerWriteReactor<pb::WatchChangesResponse>* ExchangeGrpcService::WatchChanges(
    grpc::CallbackServerContext* context, const pb::WatchChangesRequest* request) {
  return ServeWatchChanges<pb::WatchChangesRequest, pb::WatchChangesResponse>(
      calls_.Admit(context, "WatchChanges", *request), &feed_, *request);
}

}  // namespace luban::exchange
