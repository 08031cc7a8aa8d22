// The enrollment service's handler layer: validates requests, maps protos to the domain and back,
// asks the course service what the domain needs (before any transaction: a peer call never holds
// a database connection), runs each use case in a transaction, and redacts personal fields for
// reporters and services. Free of gRPC server types; enrollment_service.h wires it to gRPC.
#ifndef LUBAN_SERVICES_ENROLLMENT_API_ENROLLMENT_API_H_
#define LUBAN_SERVICES_ENROLLMENT_API_ENROLLMENT_API_H_

#include <cstdint>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/auth/policy.h"
#include "common/domain/page_token.h"
#include "common/domain/request_context.h"
#include "luban/common/v1/types.pb.h"
#include "luban/course/v1/course.pb.h"
#include "luban/enrollment/v1/enrollment.pb.h"
#include "services/enrollment/domain/course_directory.h"
#include "services/enrollment/domain/enrollment_logic.h"
#include "services/enrollment/domain/repository.h"

namespace luban::enrollment {

namespace pb = ::luban::enrollment::v1;

// Who may call which method of luban.enrollment.v1.EnrollmentService.
auth::MethodPolicy EnrollmentPolicy();

inline constexpr int kMaxImportRows = 500;
inline constexpr int kExportBatch = 500;

class EnrollmentApi {
 public:
  EnrollmentApi(EnrollmentStore* store, CourseDirectory* directory,
                const PageTokenCodec* page_tokens, EnrollmentConfig config)
      : store_(*store),
        directory_(*directory),
        page_tokens_(*page_tokens),
        logic_(std::move(config)) {}

  // From then on, while `feed_live()` is true, Enroll decides on the run as this service mirrors
  // it from the course service's feed (EnrollmentLogic::EnrollOnMirror) instead of asking the
  // course service: no peer call on the hot path. Call before serving.
  void DecideOnMirroredRuns(std::function<bool()> feed_live) { feed_live_ = std::move(feed_live); }

  absl::Status GetTrainee(const RequestContext& rc, const pb::GetTraineeRequest& request,
                          pb::Trainee* response);
  absl::Status ListTrainees(const RequestContext& rc, const pb::ListTraineesRequest& request,
                            pb::ListTraineesResponse* response);
  absl::Status CreateTrainee(const RequestContext& rc, const pb::CreateTraineeRequest& request,
                             pb::Trainee* response);
  absl::Status UpdateTrainee(const RequestContext& rc, const pb::UpdateTraineeRequest& request,
                             pb::Trainee* response);
  absl::Status ArchiveTrainee(const RequestContext& rc, const pb::ArchiveTraineeRequest& request,
                              pb::Trainee* response);
  absl::Status ImportTrainees(const RequestContext& rc, const pb::ImportTraineesRequest& request,
                              pb::ImportTraineesResponse* response);

  absl::Status GetEnrollment(const RequestContext& rc, const pb::GetEnrollmentRequest& request,
                             pb::Enrollment* response);
  absl::Status ListEnrollments(const RequestContext& rc, const pb::ListEnrollmentsRequest& request,
                               pb::ListEnrollmentsResponse* response);
  absl::Status Enroll(const RequestContext& rc, const pb::EnrollRequest& request,
                      pb::Enrollment* response);
  absl::Status Withdraw(const RequestContext& rc, const pb::WithdrawRequest& request,
                        pb::Enrollment* response);
  absl::Status Complete(const RequestContext& rc, const pb::CompleteRequest& request,
                        pb::Enrollment* response);

  absl::Status GetCertificate(const RequestContext& rc, const pb::GetCertificateRequest& request,
                              pb::Certificate* response);
  absl::Status ListCertificates(const RequestContext& rc,
                                const pb::ListCertificatesRequest& request,
                                pb::ListCertificatesResponse* response);
  absl::Status VerifyCertificate(const RequestContext& rc,
                                 const pb::VerifyCertificateRequest& request,
                                 pb::VerifyCertificateResponse* response);
  absl::Status RevokeCertificate(const RequestContext& rc,
                                 const pb::RevokeCertificateRequest& request,
                                 pb::Certificate* response);
  absl::Status CheckEligibility(const RequestContext& rc,
                                const pb::CheckEligibilityRequest& request,
                                pb::CheckEligibilityResponse* response);
  absl::Status ListAuditRecords(const RequestContext& rc,
                                const pb::ListAuditRecordsRequest& request,
                                pb::ListAuditRecordsResponse* response);

  absl::Status ExportTraineesBatch(const RequestContext& rc, ExportCursor& cursor,
                                   pb::ExportTraineesResponse* batch,
                                   absl::FunctionRef<void()> next_may_start);
  absl::Status ExportEnrollmentsBatch(const RequestContext& rc, ExportCursor& cursor,
                                      pb::ExportEnrollmentsResponse* batch,
                                      absl::FunctionRef<void()> next_may_start);

  // The course service's change feed: the stored cursor, and one event applied exactly once
  // (`info` is `run` as the domain sees it: clients/grpc_course_directory.h's RunInfoFromProto).
  absl::StatusOr<int64_t> CourseFeedCursor();
  absl::Status ApplyCourseRunEvent(int64_t sequence, const RunInfo& info,
                                   const luban::course::v1::CourseRun& run);

 private:
  absl::Status Read(const RequestContext& rc, absl::FunctionRef<absl::Status(EnrollmentTx&)> body);
  // Runs a read-only use case that usually reads with one statement (a Get, a page of a List, an
  // export's batch) as that statement alone, in one round trip (TransactionalStore::InSingleRead);
  // one that needs a second statement (waitlist positions) runs again in a transaction.
  absl::Status ReadOne(const RequestContext& rc,
                       absl::FunctionRef<absl::Status(EnrollmentTx&)> body);
  // A draft trainee from its proto, home workshop resolved with the course service.
  absl::StatusOr<Trainee> TraineeFromProto(const RequestContext& rc, const pb::Trainee& in,
                                           absl::string_view field);

  EnrollmentStore& store_;
  CourseDirectory& directory_;
  const PageTokenCodec& page_tokens_;
  const EnrollmentLogic logic_;
  std::function<bool()> feed_live_;
};

// Proto mappings (exposed for tests). Trainees and certificates are written in full; the
// services' front (CallRunner, ServeExport, ServeWatchChanges) redacts their personal fields per
// caller (common/api/personal_data.h).
void ToProto(const Trainee& in, pb::Trainee* out);
void ToProto(const Enrollment& in, pb::Enrollment* out);
void ToProto(const Certificate& in, pb::Certificate* out);

}  // namespace luban::enrollment

#endif  // LUBAN_SERVICES_ENROLLMENT_API_ENROLLMENT_API_H_
