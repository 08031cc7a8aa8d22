#include "services/course/api/course_service.h"

namespace luban::course {

CourseGrpcService::CourseGrpcService(CourseApi* api, BoundedExecutor* executor,
                                     const auth::CredentialStore* credentials, ChangeFeedHub* feed,
                                     const db::ConnectionPool* database)
    : api_(*api),
      policy_(CoursePolicy()),
      calls_(executor, credentials, &policy_, database),
      feed_(*feed) {}

grpc::ServerWriteReactor<pb::WatchChangesResponse>* CourseGrpcService::WatchChanges(
    grpc::CallbackServerContext* context, const pb::WatchChangesRequest* request) {
  return ServeWatchChanges<pb::WatchChangesRequest, pb::WatchChangesResponse>(
      calls_.Admit(context, "WatchChanges", *request), &feed_, *request);
}

}  // namespace luban::course
