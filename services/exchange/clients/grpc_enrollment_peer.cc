#include "services/exchange/clients/grpc_enrollment_peer.h"

#include <utility>

#include "common/domain/resource_name.h"
#include "common/domain/status_macros.h"

namespace luban::exchange {
namespace {

namespace pb = ::luban::enrollment::v1;

constexpr char kEnrollmentService[] = "the enrollment service";
// The course service's collection of workshops, where trainees are registered.
constexpr char kCourseWorkshops[] = "workshops";

}  // namespace

GrpcEnrollmentPeer::GrpcEnrollmentPeer(std::shared_ptr<grpc::Channel> channel, std::string token,
                                       client::PeerCallOptions options)
    : stub_(pb::EnrollmentService::NewStub(std::move(channel))),
      enrollment_("the exchange service", kEnrollmentService, token, std::move(options)) {}

absl::StatusOr<TraineeStanding> GrpcEnrollmentPeer::CheckEligibility(int64_t trainee_id,
                                                                     const Requirement& requirement,
                                                                     absl::Time deadline) {
  const std::string name = FormatResourceName(kTrainees, trainee_id);
  if (trainee_id <= 0) return client::PeerNotFound(name);
  pb::CheckEligibilityRequest request;
  request.set_trainee(name);
  if (requirement.completed_course_id) {
    request.mutable_requirement()->set_completed_course(
        FormatResourceName(kCourses, *requirement.completed_course_id));
  }
  request.mutable_requirement()->set_certificate_discipline(requirement.certificate_discipline);
  pb::CheckEligibilityResponse response;
  const absl::Status status = enrollment_.Call(
      *stub_, &pb::EnrollmentService::Stub::CheckEligibility, name, request, &response, deadline);
  if (!status.ok()) return status;
  LUBAN_ASSIGN_OR_RETURN(auto home,
                         client::ParsePeerName(kEnrollmentService, "eligibility's home_workshop",
                                               kCourseWorkshops, response.home_workshop()));
  TraineeStanding standing;
  standing.eligible = response.eligible();
  standing.reason = response.reason();
  standing.home_workshop_id = home;
  return standing;
}

}  // namespace luban::exchange
