// luban.enrollment.v1.EnrollmentService on gRPC's callback API: each unary RPC is admitted by
// the CallRunner (credential, method policy) and runs on the bounded executor via EnrollmentApi;
// exports and the change feed stream with flat memory.
#ifndef LUBAN_SERVICES_ENROLLMENT_API_ENROLLMENT_SERVICE_H_
#define LUBAN_SERVICES_ENROLLMENT_API_ENROLLMENT_SERVICE_H_

#include "common/auth/policy.h"
#include "common/server/call.h"
#include "common/server/change_feed.h"
#include "common/server/rpc.h"
#include "luban/enrollment/v1/enrollment.grpc.pb.h"
#include "services/enrollment/api/enrollment_api.h"

namespace luban::enrollment {

class EnrollmentGrpcService final : public CallbackService<pb::EnrollmentService> {
 public:
  EnrollmentGrpcService(EnrollmentApi* api, BoundedExecutor* executor,
                        const auth::CredentialStore* credentials, ChangeFeedHub* feed,
                        const db::ConnectionPool* database = nullptr);

  const auth::MethodPolicy& policy() const { return policy_; }

  // One line per RPC (common/server/rpc.h).
  LUBAN_UNARY_RPC(GetTrainee, pb::GetTraineeRequest, pb::Trainee)
  LUBAN_UNARY_RPC(ListTrainees, pb::ListTraineesRequest, pb::ListTraineesResponse)
  LUBAN_UNARY_RPC(CreateTrainee, pb::CreateTraineeRequest, pb::Trainee)
  LUBAN_UNARY_RPC(UpdateTrainee, pb::UpdateTraineeRequest, pb::Trainee)
  LUBAN_UNARY_RPC(ArchiveTrainee, pb::ArchiveTraineeRequest, pb::Trainee)
  LUBAN_UNARY_RPC(ImportTrainees, pb::ImportTraineesRequest, pb::ImportTraineesResponse)
  LUBAN_UNARY_RPC(GetEnrollment, pb::GetEnrollmentRequest, pb::Enrollment)
  LUBAN_UNARY_RPC(ListEnrollments, pb::ListEnrollmentsRequest, pb::ListEnrollmentsResponse)
  LUBAN_UNARY_RPC(Enroll, pb::EnrollRequest, pb::Enrollment)
  LUBAN_UNARY_RPC(Withdraw, pb::WithdrawRequest, pb::Enrollment)
  LUBAN_UNARY_RPC(Complete, pb::CompleteRequest, pb::Enrollment)
  LUBAN_UNARY_RPC(GetCertificate, pb::GetCertificateRequest, pb::Certificate)
  LUBAN_UNARY_RPC(ListCertificates, pb::ListCertificatesRequest, pb::ListCertificatesResponse)
  LUBAN_UNARY_RPC(VerifyCertificate, pb::VerifyCertificateRequest, pb::VerifyCertificateResponse)
  LUBAN_UNARY_RPC(RevokeCertificate, pb::RevokeCertificateRequest, pb::Certificate)
  LUBAN_UNARY_RPC(CheckEligibility, pb::CheckEligibilityRequest, pb::CheckEligibilityResponse)
  LUBAN_UNARY_RPC(ListAuditRecords, pb::ListAuditRecordsRequest, pb::ListAuditRecordsResponse)

  LUBAN_SERVER_STREAMING_RPC(ExportTrainees, pb::ExportTraineesRequest, pb::ExportTraineesResponse)
  LUBAN_SERVER_STREAMING_RPC(ExportEnrollments, pb::ExportEnrollmentsRequest,
                             pb::ExportEnrollmentsResponse)
  LUBAN_SERVER_STREAMING_RPC(WatchChanges, pb::WatchChangesRequest, pb::WatchChangesResponse)

 private:
  EnrollmentApi& api_;
  const auth::MethodPolicy policy_;
  CallRunner calls_;
  ChangeFeedHub& feed_;
};

}  // namespace luban::enrollment

#endif  // LUBAN_SERVICES_ENROLLMENT_API_ENROLLMENT_SERVICE_H_
