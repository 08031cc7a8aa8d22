// luban.enrollment.v1.EnrollmentService on gRPC's callback API: each unary RPC is admitted by
// the CallRunner (credential, method policy) and runs on the bounded executor via EnrollmentApi;
// exports and the change feed stream with flat memory.
#ifndef LUBAN_SERVICES_ENROLLMENT_API_ENROLLMENT_SERVICE_H_
#define LUBAN_SERVICES_ENROLLMENT_API_ENROLLMENT_SERVICE_H_

#include "common/auth/policy.h"
#include "common/server/call.h"
#include "common/server/change_feed.h"
#include "luban/enrollment/v1/enrollment.grpc.pb.h"
#include "services/enrollment/api/enrollment_api.h"

namespace luban::enrollment {

class EnrollmentGrpcService final : public pb::EnrollmentService::CallbackService {
 public:
  EnrollmentGrpcService(EnrollmentApi* api, BoundedExecutor* executor,
                        const auth::CredentialStore* credentials, ChangeFeedHub* feed,
      const db::ConnectionPool* database = nullptr);

  const auth::MethodPolicy& policy() const { return policy_; }

// One line per unary RPC: admit, then run EnrollmentApi::<Method> on the executor.
#define LUBAN_ENROLLMENT_UNARY(Method, Request, Response)                                   \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* context,                   \
                                   const pb::Request* request, pb::Response* response)     \
      override {                                                                           \
    return calls_.Unary(context, #Method, request,                                         \
                        [this, request, response](const RequestContext& rc) {              \
                          return api_.Method(rc, *request, response);                      \
                        });                                                                \
  }
  LUBAN_ENROLLMENT_UNARY(GetTrainee, GetTraineeRequest, Trainee)
  LUBAN_ENROLLMENT_UNARY(ListTrainees, ListTraineesRequest, ListTraineesResponse)
  LUBAN_ENROLLMENT_UNARY(CreateTrainee, CreateTraineeRequest, Trainee)
  LUBAN_ENROLLMENT_UNARY(UpdateTrainee, UpdateTraineeRequest, Trainee)
  LUBAN_ENROLLMENT_UNARY(ArchiveTrainee, ArchiveTraineeRequest, Trainee)
  LUBAN_ENROLLMENT_UNARY(ImportTrainees, ImportTraineesRequest, ImportTraineesResponse)
  LUBAN_ENROLLMENT_UNARY(GetEnrollment, GetEnrollmentRequest, Enrollment)
  LUBAN_ENROLLMENT_UNARY(ListEnrollments, ListEnrollmentsRequest, ListEnrollmentsResponse)
  LUBAN_ENROLLMENT_UNARY(Enroll, EnrollRequest, Enrollment)
  LUBAN_ENROLLMENT_UNARY(Withdraw, WithdrawRequest, Enrollment)
  LUBAN_ENROLLMENT_UNARY(Complete, CompleteRequest, Enrollment)
  LUBAN_ENROLLMENT_UNARY(GetCertificate, GetCertificateRequest, Certificate)
  LUBAN_ENROLLMENT_UNARY(ListCertificates, ListCertificatesRequest, ListCertificatesResponse)
  LUBAN_ENROLLMENT_UNARY(VerifyCertificate, VerifyCertificateRequest, VerifyCertificateResponse)
  LUBAN_ENROLLMENT_UNARY(RevokeCertificate, RevokeCertificateRequest, Certificate)
  LUBAN_ENROLLMENT_UNARY(CheckEligibility, CheckEligibilityRequest, CheckEligibilityResponse)
#undef LUBAN_ENROLLMENT_UNARY

  grpc::ServerWriteReactor<pb::ExportTraineesResponse>* ExportTrainees(
      grpc::CallbackServerContext* context, const pb::ExportTraineesRequest* request) override;
  grpc::ServerWriteReactor<pb::ExportEnrollmentsResponse>* ExportEnrollments(
      grpc::CallbackServerContext* context, const pb::ExportEnrollmentsRequest* request) override;
  grpc::ServerWriteReactor<pb::WatchChangesResponse>* WatchChanges(
      grpc::CallbackServerContext* context, const pb::WatchChangesRequest* request) override;

 private:
  EnrollmentApi& api_;
  const auth::MethodPolicy policy_;
  CallRunner calls_;
  ChangeFeedHub& feed_;
};

}  // namespace luban::enrollment

#endif  // LUBAN_SERVICES_ENROLLMENT_API_ENROLLMENT_SERVICE_H_
