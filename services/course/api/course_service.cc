#include "services/course/api/course_service.h"

#include <string>
#include <vector>

#include "common/api/status.h"
#include "common/domain/validation.h"

namespace luban::course {

CourseGrpcService::CourseGrpcService(CourseApi* api, BoundedExecutor* executor,
                                     const auth::CredentialStore* credentials,
                                     ChangeFeedHub* feed)
    : api_(*api), policy_(CoursePolicy()), calls_(executor, credentials, &policy_), feed_(*feed) {}

grpc::ServerWriteReactor<pb::WatchChangesResponse>* CourseGrpcService::WatchChanges(
    grpc::CallbackServerContext* context, const pb::WatchChangesRequest* request) {
  absl::Status status = calls_.Admit(context, "WatchChanges").status();
  if (status.ok() && request->after_sequence() < 0) {
    status = InvalidField("after_sequence", "must not be negative");
  }
  if (status.ok() && (request->max_batch_size() < 0)) {
    status = InvalidField("max_batch_size", "must not be negative");
  }
  if (status.ok() && request->resource_types_size() > 16) {
    status = InvalidField("resource_types", "at most 16 types");
  }
  if (!status.ok()) {
    // A reactor that only reports the refusal.
    class Refusal final : public grpc::ServerWriteReactor<pb::WatchChangesResponse> {
     public:
      explicit Refusal(const grpc::Status& s) { Finish(s); }
      void OnDone() override { delete this; }
    };
    return new Refusal(ToGrpcStatus(status));
  }
  const int batch = request->max_batch_size() == 0 ? 100
                                                    : std::min(request->max_batch_size(), 1000);
  std::vector<std::string> types(request->resource_types().begin(),
                                 request->resource_types().end());
  return new FeedStream<pb::WatchChangesResponse>(&feed_, request->after_sequence(),
                                                  std::move(types), batch);
}

}  // namespace luban::course
