#include "services/enrollment/api/enrollment_service.h"

#include <memory>

#include "common/server/batch_stream.h"

namespace luban::enrollment {
namespace {

// Streams an export batch by batch from a cursor that advances with each batch.
template <typename Response, typename Request, typename ReadBatch>
grpc::ServerWriteReactor<Response>* ServeExport(CallRunner& calls, EnrollmentApi& api,
                                                grpc::CallbackServerContext* context,
                                                absl::string_view method, absl::string_view collection,
                                                const Request& request, ReadBatch read_batch) {
  auto rc = calls.Admit(context, method);
  if (!rc.ok()) return RefuseStream<Response>(rc.status());
  auto cursor = api.ExportStart(request.updated_since(), request.after_name(), collection);
  if (!cursor.ok()) return RefuseStream<Response>(cursor.status());
  auto state = std::make_shared<ExportCursor>(*cursor);
  return new BatchStream<Response>(
      &calls.executor(),
      [rc = *std::move(rc), state, read_batch](Response* batch, bool* done) -> absl::Status {
        RequestContext batch_rc = rc;
        batch_rc.deadline = absl::Now() + absl::Seconds(30);  // per batch; the stream may be long
        if (auto s = read_batch(batch_rc, *state, batch); !s.ok()) return s;
        *done = batch->ByteSizeLong() == 0;
        return absl::OkStatus();
      });
}

}  // namespace

EnrollmentGrpcService::EnrollmentGrpcService(EnrollmentApi* api, BoundedExecutor* executor,
                                             const auth::CredentialStore* credentials,
                                             ChangeFeedHub* feed)
    : api_(*api),
      policy_(EnrollmentPolicy()),
      calls_(executor, credentials, &policy_),
      feed_(*feed) {}

grpc::ServerWriteReactor<pb::ExportTraineesResponse>* EnrollmentGrpcService::ExportTrainees(
    grpc::CallbackServerContext* context, const pb::ExportTraineesRequest* request) {
  return ServeExport<pb::ExportTraineesResponse>(
      calls_, api_, context, "ExportTrainees", kTrainees, *request,
      [this](const RequestContext& rc, ExportCursor& cursor, pb::ExportTraineesResponse* batch) {
        return api_.ExportTraineesBatch(rc, cursor, batch);
      });
}

grpc::ServerWriteReactor<pb::ExportEnrollmentsResponse>* EnrollmentGrpcService::ExportEnrollments(
    grpc::CallbackServerContext* context, const pb::ExportEnrollmentsRequest* request) {
  return ServeExport<pb::ExportEnrollmentsResponse>(
      calls_, api_, context, "ExportEnrollments", kEnrollments, *request,
      [this](const RequestContext& rc, ExportCursor& cursor,
             pb::ExportEnrollmentsResponse* batch) {
        return api_.ExportEnrollmentsBatch(rc, cursor, batch);
      });
}

grpc::ServerWriteReactor<pb::WatchChangesResponse>* EnrollmentGrpcService::WatchChanges(
    grpc::CallbackServerContext* context, const pb::WatchChangesRequest* request) {
  return ServeWatchChanges<pb::WatchChangesRequest, pb::WatchChangesResponse>(
      calls_.Admit(context, "WatchChanges").status(), &feed_, *request);
}

}  // namespace luban::enrollment
