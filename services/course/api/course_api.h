// The course service's handler layer: validates requests, maps protos to the domain and back,
// runs each use case in a transaction (mutations through RunMutation: idempotency, audit trail,
// change feed), and returns absl::Status for the one mapping to gRPC status. Free of gRPC server
// types, so it is tested directly; course_service.h wires it to gRPC.
#ifndef LUBAN_SERVICES_COURSE_API_COURSE_API_H_
#define LUBAN_SERVICES_COURSE_API_COURSE_API_H_

#include "absl/status/status.h"
#include "common/auth/policy.h"
#include "common/domain/page_token.h"
#include "common/domain/request_context.h"
#include "luban/course/v1/course.pb.h"
#include "services/course/domain/course_logic.h"
#include "services/course/domain/repository.h"

namespace luban {
class ChangeRecorder;
}  // namespace luban

namespace luban::course {

namespace pb = ::luban::course::v1;

// Who may call which method of luban.course.v1.CourseService.
auth::MethodPolicy CoursePolicy();

class CourseApi {
 public:
  CourseApi(CourseStore* store, const PageTokenCodec* page_tokens, CourseConfig config)
      : store_(*store), page_tokens_(*page_tokens), logic_(std::move(config)) {}

  absl::Status GetInstitution(const RequestContext& rc, const pb::GetInstitutionRequest& request,
                              pb::Institution* response);
  absl::Status ListInstitutions(const RequestContext& rc,
                                const pb::ListInstitutionsRequest& request,
                                pb::ListInstitutionsResponse* response);
  absl::Status CreateInstitution(const RequestContext& rc,
                                 const pb::CreateInstitutionRequest& request,
                                 pb::Institution* response);
  absl::Status UpdateInstitution(const RequestContext& rc,
                                 const pb::UpdateInstitutionRequest& request,
                                 pb::Institution* response);
  absl::Status DeleteInstitution(const RequestContext& rc,
                                 const pb::DeleteInstitutionRequest& request,
                                 pb::DeleteInstitutionResponse* response);

  absl::Status GetWorkshop(const RequestContext& rc, const pb::GetWorkshopRequest& request,
                           pb::Workshop* response);
  absl::Status ListWorkshops(const RequestContext& rc, const pb::ListWorkshopsRequest& request,
                             pb::ListWorkshopsResponse* response);
  absl::Status CreateWorkshop(const RequestContext& rc, const pb::CreateWorkshopRequest& request,
                              pb::Workshop* response);
  absl::Status UpdateWorkshop(const RequestContext& rc, const pb::UpdateWorkshopRequest& request,
                              pb::Workshop* response);
  absl::Status DeleteWorkshop(const RequestContext& rc, const pb::DeleteWorkshopRequest& request,
                              pb::DeleteWorkshopResponse* response);
  absl::Status ChangeWorkshopStatus(const RequestContext& rc,
                                    const pb::ChangeWorkshopStatusRequest& request,
                                    pb::Workshop* response);

  absl::Status GetCourse(const RequestContext& rc, const pb::GetCourseRequest& request,
                         pb::Course* response);
  absl::Status ListCourses(const RequestContext& rc, const pb::ListCoursesRequest& request,
                           pb::ListCoursesResponse* response);
  absl::Status CreateCourse(const RequestContext& rc, const pb::CreateCourseRequest& request,
                            pb::Course* response);
  absl::Status UpdateCourse(const RequestContext& rc, const pb::UpdateCourseRequest& request,
                            pb::Course* response);
  absl::Status DeleteCourse(const RequestContext& rc, const pb::DeleteCourseRequest& request,
                            pb::DeleteCourseResponse* response);

  absl::Status GetCourseRun(const RequestContext& rc, const pb::GetCourseRunRequest& request,
                            pb::CourseRun* response);
  absl::Status ListCourseRuns(const RequestContext& rc, const pb::ListCourseRunsRequest& request,
                              pb::ListCourseRunsResponse* response);
  absl::Status CreateCourseRun(const RequestContext& rc, const pb::CreateCourseRunRequest& request,
                               pb::CourseRun* response);
  absl::Status UpdateCourseRun(const RequestContext& rc, const pb::UpdateCourseRunRequest& request,
                               pb::CourseRun* response);
  absl::Status DeleteCourseRun(const RequestContext& rc, const pb::DeleteCourseRunRequest& request,
                               pb::DeleteCourseRunResponse* response);
  absl::Status OpenCourseRun(const RequestContext& rc, const pb::OpenCourseRunRequest& request,
                             pb::CourseRun* response);
  absl::Status StartCourseRun(const RequestContext& rc, const pb::StartCourseRunRequest& request,
                              pb::CourseRun* response);
  absl::Status CompleteCourseRun(const RequestContext& rc,
                                 const pb::CompleteCourseRunRequest& request,
                                 pb::CourseRun* response);
  absl::Status CancelCourseRun(const RequestContext& rc, const pb::CancelCourseRunRequest& request,
                               pb::CourseRun* response);

  // The caller as its credential names it (no transaction).
  absl::Status GetCaller(const RequestContext& rc, const pb::GetCallerRequest& request,
                         luban::common::v1::Caller* response);
  absl::Status ListAuditRecords(const RequestContext& rc,
                                const pb::ListAuditRecordsRequest& request,
                                pb::ListAuditRecordsResponse* response);

 private:
  absl::Status Transition(const RequestContext& rc, const google::protobuf::Message& request,
                          const std::string& name, const std::string& etag, RunStatus target,
                          const std::string& reason, pb::CourseRun* response);
  // RecordChange for a run, which its workshop's colleges own.
  absl::Status RecordRun(const absl::StatusOr<ChangedRun>& changed, ChangeKind kind,
                         absl::string_view action, pb::CourseRun* state,
                         ChangeRecorder& changes) const;
  // Runs a read-only use case in a transaction.
  absl::Status Read(const RequestContext& rc, absl::FunctionRef<absl::Status(CourseTx&)> body);
  // Runs a read-only use case that usually reads with one statement (a Get, a page of a List, an
  // export's batch) as that statement alone, in one round trip (TransactionalStore::InSingleRead);
  // one that needs a second statement (waitlist positions) runs again in a transaction.
  absl::Status ReadOne(const RequestContext& rc, absl::FunctionRef<absl::Status(CourseTx&)> body);

  CourseStore& store_;
  const PageTokenCodec& page_tokens_;
  const CourseLogic logic_;
};

// Proto <-> domain mappings (exposed for tests).
void ToProto(const Institution& in, pb::Institution* out);
void ToProto(const Workshop& in, pb::Workshop* out);
void ToProto(const Course& in, pb::Course* out);
void ToProto(const CourseRun& in, pb::CourseRun* out);

}  // namespace luban::course

#endif  // LUBAN_SERVICES_COURSE_API_COURSE_API_H_
