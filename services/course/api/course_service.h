// luban.course.v1.CourseService on gRPC's callback API: each RPC is admitted by the CallRunner
// (credential, method policy) and its work runs on the bounded executor via CourseApi.
#ifndef LUBAN_SERVICES_COURSE_API_COURSE_SERVICE_H_
#define LUBAN_SERVICES_COURSE_API_COURSE_SERVICE_H_

#include "common/auth/policy.h"
#include "common/server/call.h"
#include "common/server/change_feed.h"
#include "common/server/rpc.h"
#include "luban/course/v1/course.grpc.pb.h"
#include "services/course/api/course_api.h"

namespace luban::course {

class CourseGrpcService final : public CallbackService<pb::CourseService> {
 public:
  CourseGrpcService(CourseApi* api, BoundedExecutor* executor,
                    const auth::CredentialStore* credentials, ChangeFeedHub* feed,
                    const db::ConnectionPool* database = nullptr);

  const auth::MethodPolicy& policy() const { return policy_; }

  // One line per RPC (common/server/rpc.h).
  LUBAN_UNARY_RPC(GetInstitution, pb::GetInstitutionRequest, pb::Institution)
  LUBAN_UNARY_RPC(ListInstitutions, pb::ListInstitutionsRequest, pb::ListInstitutionsResponse)
  LUBAN_UNARY_RPC(CreateInstitution, pb::CreateInstitutionRequest, pb::Institution)
  LUBAN_UNARY_RPC(UpdateInstitution, pb::UpdateInstitutionRequest, pb::Institution)
  LUBAN_UNARY_RPC(DeleteInstitution, pb::DeleteInstitutionRequest, pb::DeleteInstitutionResponse)
  LUBAN_UNARY_RPC(GetWorkshop, pb::GetWorkshopRequest, pb::Workshop)
  LUBAN_UNARY_RPC(ListWorkshops, pb::ListWorkshopsRequest, pb::ListWorkshopsResponse)
  LUBAN_UNARY_RPC(CreateWorkshop, pb::CreateWorkshopRequest, pb::Workshop)
  LUBAN_UNARY_RPC(UpdateWorkshop, pb::UpdateWorkshopRequest, pb::Workshop)
  LUBAN_UNARY_RPC(DeleteWorkshop, pb::DeleteWorkshopRequest, pb::DeleteWorkshopResponse)
  LUBAN_UNARY_RPC(ChangeWorkshopStatus, pb::ChangeWorkshopStatusRequest, pb::Workshop)
  LUBAN_UNARY_RPC(GetCourse, pb::GetCourseRequest, pb::Course)
  LUBAN_UNARY_RPC(ListCourses, pb::ListCoursesRequest, pb::ListCoursesResponse)
  LUBAN_UNARY_RPC(CreateCourse, pb::CreateCourseRequest, pb::Course)
  LUBAN_UNARY_RPC(UpdateCourse, pb::UpdateCourseRequest, pb::Course)
  LUBAN_UNARY_RPC(DeleteCourse, pb::DeleteCourseRequest, pb::DeleteCourseResponse)
  LUBAN_UNARY_RPC(GetCourseRun, pb::GetCourseRunRequest, pb::CourseRun)
  LUBAN_UNARY_RPC(ListCourseRuns, pb::ListCourseRunsRequest, pb::ListCourseRunsResponse)
  LUBAN_UNARY_RPC(CreateCourseRun, pb::CreateCourseRunRequest, pb::CourseRun)
  LUBAN_UNARY_RPC(UpdateCourseRun, pb::UpdateCourseRunRequest, pb::CourseRun)
  LUBAN_UNARY_RPC(DeleteCourseRun, pb::DeleteCourseRunRequest, pb::DeleteCourseRunResponse)
  LUBAN_UNARY_RPC(OpenCourseRun, pb::OpenCourseRunRequest, pb::CourseRun)
  LUBAN_UNARY_RPC(StartCourseRun, pb::StartCourseRunRequest, pb::CourseRun)
  LUBAN_UNARY_RPC(CompleteCourseRun, pb::CompleteCourseRunRequest, pb::CourseRun)
  LUBAN_UNARY_RPC(CancelCourseRun, pb::CancelCourseRunRequest, pb::CourseRun)
  LUBAN_UNARY_RPC(GetCaller, pb::GetCallerRequest, luban::common::v1::Caller)
  LUBAN_UNARY_RPC(ListAuditRecords, pb::ListAuditRecordsRequest, pb::ListAuditRecordsResponse)

  LUBAN_SERVER_STREAMING_RPC(WatchChanges, pb::WatchChangesRequest, pb::WatchChangesResponse)

 private:
  CourseApi& api_;
  const auth::MethodPolicy policy_;
  CallRunner calls_;
  ChangeFeedHub& feed_;
};

}  // namespace luban::course

#endif  // LUBAN_SERVICES_COURSE_API_COURSE_SERVICE_H_
