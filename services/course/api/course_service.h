// luban.course.v1.CourseService on gRPC's callback API: each RPC is admitted by the CallRunner
// (credential, method policy) and its work runs on the bounded executor via CourseApi.
#ifndef LUBAN_SERVICES_COURSE_API_COURSE_SERVICE_H_
#define LUBAN_SERVICES_COURSE_API_COURSE_SERVICE_H_

#include "common/auth/policy.h"
#include "common/server/call.h"
#include "common/server/change_feed.h"
#include "luban/course/v1/course.grpc.pb.h"
#include "services/course/api/course_api.h"

namespace luban::course {

class CourseGrpcService final : public pb::CourseService::CallbackService {
 public:
  CourseGrpcService(CourseApi* api, BoundedExecutor* executor,
                    const auth::CredentialStore* credentials, ChangeFeedHub* feed,
      const db::ConnectionPool* database = nullptr);

  const auth::MethodPolicy& policy() const { return policy_; }

// One line per unary RPC: admit, then run CourseApi::<Method> on the executor.
#define LUBAN_COURSE_UNARY(Method, Request, Response)                                       \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* context,                   \
                                   const pb::Request* request, pb::Response* response)     \
      override {                                                                           \
    return calls_.Unary(context, #Method, request,                                         \
                        [this, request, response](const RequestContext& rc) {              \
                          return api_.Method(rc, *request, response);                      \
                        });                                                                \
  }
  LUBAN_COURSE_UNARY(GetInstitution, GetInstitutionRequest, Institution)
  LUBAN_COURSE_UNARY(ListInstitutions, ListInstitutionsRequest, ListInstitutionsResponse)
  LUBAN_COURSE_UNARY(CreateInstitution, CreateInstitutionRequest, Institution)
  LUBAN_COURSE_UNARY(UpdateInstitution, UpdateInstitutionRequest, Institution)
  LUBAN_COURSE_UNARY(DeleteInstitution, DeleteInstitutionRequest, DeleteInstitutionResponse)
  LUBAN_COURSE_UNARY(GetWorkshop, GetWorkshopRequest, Workshop)
  LUBAN_COURSE_UNARY(ListWorkshops, ListWorkshopsRequest, ListWorkshopsResponse)
  LUBAN_COURSE_UNARY(CreateWorkshop, CreateWorkshopRequest, Workshop)
  LUBAN_COURSE_UNARY(UpdateWorkshop, UpdateWorkshopRequest, Workshop)
  LUBAN_COURSE_UNARY(DeleteWorkshop, DeleteWorkshopRequest, DeleteWorkshopResponse)
  LUBAN_COURSE_UNARY(ChangeWorkshopStatus, ChangeWorkshopStatusRequest, Workshop)
  LUBAN_COURSE_UNARY(GetCourse, GetCourseRequest, Course)
  LUBAN_COURSE_UNARY(ListCourses, ListCoursesRequest, ListCoursesResponse)
  LUBAN_COURSE_UNARY(CreateCourse, CreateCourseRequest, Course)
  LUBAN_COURSE_UNARY(UpdateCourse, UpdateCourseRequest, Course)
  LUBAN_COURSE_UNARY(DeleteCourse, DeleteCourseRequest, DeleteCourseResponse)
  LUBAN_COURSE_UNARY(GetCourseRun, GetCourseRunRequest, CourseRun)
  LUBAN_COURSE_UNARY(ListCourseRuns, ListCourseRunsRequest, ListCourseRunsResponse)
  LUBAN_COURSE_UNARY(CreateCourseRun, CreateCourseRunRequest, CourseRun)
  LUBAN_COURSE_UNARY(UpdateCourseRun, UpdateCourseRunRequest, CourseRun)
  LUBAN_COURSE_UNARY(DeleteCourseRun, DeleteCourseRunRequest, DeleteCourseRunResponse)
  LUBAN_COURSE_UNARY(OpenCourseRun, OpenCourseRunRequest, CourseRun)
  LUBAN_COURSE_UNARY(StartCourseRun, StartCourseRunRequest, CourseRun)
  LUBAN_COURSE_UNARY(CompleteCourseRun, CompleteCourseRunRequest, CourseRun)
  LUBAN_COURSE_UNARY(CancelCourseRun, CancelCourseRunRequest, CourseRun)
#undef LUBAN_COURSE_UNARY

  grpc::ServerWriteReactor<pb::WatchChangesResponse>* WatchChanges(
      grpc::CallbackServerContext* context, const pb::WatchChangesRequest* request) override;

 private:
  CourseApi& api_;
  const auth::MethodPolicy policy_;
  CallRunner calls_;
  ChangeFeedHub& feed_;
};

}  // namespace luban::course

#endif  // LUBAN_SERVICES_COURSE_API_COURSE_SERVICE_H_
