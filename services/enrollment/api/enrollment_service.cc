#include "services/enrollment/api/enrollment_service.h"

#include "common/api/request_parts.h"
#include "common/server/batch_stream.h"

namespace luban::enrollment {

EnrollmentGrpcService::EnrollmentGrpcService(EnrollmentApi* api, BoundedExecutor* executor,
                                             const auth::CredentialStore* credentials,
                                             ChangeFeedHub* feed,
                                             const db::ConnectionPool* database)
    : api_(*api),
      policy_(EnrollmentPolicy()),
      calls_(executor, credentials, &policy_, database),
      feed_(*feed) {}

grpc::ServerWriteReactor<pb::ExportTraineesResponse>* EnrollmentGrpcService::ExportTrainees(
    grpc::CallbackServerContext* context, const pb::ExportTraineesRequest* request) {
  return ServeExport<pb::ExportTraineesResponse, ExportCursor>(
      calls_, context, "ExportTrainees", *request,
      ExportStart(request->updated_since(), request->after_name(), kTrainees),
      [this](const RequestContext& rc, ExportCursor& cursor, pb::ExportTraineesResponse* batch,
             absl::FunctionRef<void()> next_may_start) {
        return api_.ExportTraineesBatch(rc, cursor, batch, next_may_start);
      });
}

grpc::ServerWriteReactor<pb::ExportEnrollmentsResponse>* EnrollmentGrpcService::ExportEnrollments(
    grpc::CallbackServerContext* context, const pb::ExportEnrollmentsRequest* request) {
  return ServeExport<pb::ExportEnrollmentsResponse, ExportCursor>(
      calls_, context, "ExportEnrollments", *request,
      ExportStart(request->updated_since(), request->after_name(), kEnrollments),
      [this](const RequestContext& rc, ExportCursor& cursor, pb::ExportEnrollmentsResponse* batch,
             absl::FunctionRef<void()> next_may_start) {
        return api_.ExportEnrollmentsBatch(rc, cursor, batch, next_may_start);
      });
}

grpc::ServerWriteReactor<pb::WatchChangesResponse>* EnrollmentGrpcService::WatchChanges(
    grpc::CallbackServerContext* context, const pb::WatchChangesRequest* request) {
  return ServeWatchChanges<pb::WatchChangesRequest, pb::WatchChangesResponse>(
      calls_.Admit(context, "WatchChanges", *request), &feed_, *request);
}

}  // namespace luban::enrollment
