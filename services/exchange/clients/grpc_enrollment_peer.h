// The exchange service's EnrollmentPeer over gRPC: asks luban.enrollment.v1.EnrollmentService
// CheckEligibility with the exchange service's own credential (role `service`) through
// client::PeerCaller (common/client/peer_call.h): one deadline per call (the earlier of the
// caller's and now + `call_timeout`), retries of UNAVAILABLE (a read), and the enrollment
// service's status mapped: "trainees/7: not found", "the enrollment service is unavailable:
// ...", "the exchange service's credential is not accepted by the enrollment service (...)".
//
// Never cached: a trainee's standing decides a nomination and changes with every completion,
// certificate or archiving. Thread-safe.
#ifndef LUBAN_SERVICES_EXCHANGE_CLIENTS_GRPC_ENROLLMENT_PEER_H_
#define LUBAN_SERVICES_EXCHANGE_CLIENTS_GRPC_ENROLLMENT_PEER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/client/peer_call.h"
#include "grpcpp/channel.h"
#include "luban/enrollment/v1/enrollment.grpc.pb.h"
#include "services/exchange/domain/model.h"
#include "services/exchange/domain/peers.h"

namespace luban::exchange {

class GrpcEnrollmentPeer final : public EnrollmentPeer {
 public:
  // `token` is the exchange service's bearer token at the enrollment service.
  GrpcEnrollmentPeer(std::shared_ptr<grpc::Channel> channel, std::string token,
                     client::PeerCallOptions options = {});

  // The requirement goes as it is: completed_course "courses/{id}" and certificate_discipline,
  // each when set.
  absl::StatusOr<TraineeStanding> CheckEligibility(int64_t trainee_id,
                                                   const Requirement& requirement,
                                                   absl::Time deadline) override;

 private:
  std::unique_ptr<luban::enrollment::v1::EnrollmentService::Stub> stub_;
  const client::PeerCaller enrollment_;
};

}  // namespace luban::exchange

#endif  // LUBAN_SERVICES_EXCHANGE_CLIENTS_GRPC_ENROLLMENT_PEER_H_
