// The exchange service's CoursePeer over gRPC: asks luban.course.v1.CourseService with the
// exchange service's own credential (role `service`) through client::PeerCaller
// (common/client/peer_call.h): one deadline per call (the earlier of the caller's and now +
// `call_timeout`), retries of UNAVAILABLE (every method here is a read), and the course
// service's status mapped: "institutions/7: not found", "the course service is unavailable:
// ...", "the exchange service's credential is not accepted by the course service (...)".
//
// Institutions (kind and country) and workshops' founders never change, so they are cached
// (LRU, bounded, with a TTL that only bounds how long a deleted one is still believed in).
// Whether a course or a run exists is asked every time: cheap, and a scheduled run can be
// deleted. Not-found answers are never cached. Thread-safe.
#ifndef LUBAN_SERVICES_EXCHANGE_CLIENTS_GRPC_COURSE_PEER_H_
#define LUBAN_SERVICES_EXCHANGE_CLIENTS_GRPC_COURSE_PEER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/client/expiring_cache.h"
#include "common/client/peer_call.h"
#include "grpcpp/channel.h"
#include "luban/course/v1/course.grpc.pb.h"
#include "services/exchange/domain/peers.h"

namespace luban::exchange {

// Deadline, retry and backoff of each call (client::PeerCallOptions), and the caches.
struct GrpcCoursePeerOptions : client::PeerCallOptions {
  // How long a cached institution or workshop's founders are used before they are asked again.
  absl::Duration cache_ttl = absl::Minutes(5);
  // Entries per cache (institutions, workshops each); least recently used go first.
  size_t cache_capacity = 10000;
  // The clock of cache expiry (tests advance a fake one); deadlines always use the real clock.
  std::function<absl::Time()> clock = [] { return absl::Now(); };
};

class GrpcCoursePeer final : public CoursePeer {
 public:
  // `token` is the exchange service's bearer token at the course service.
  GrpcCoursePeer(std::shared_ptr<grpc::Channel> channel, std::string token,
                 GrpcCoursePeerOptions options = {});

  absl::StatusOr<InstitutionInfo> GetInstitution(int64_t id, absl::Time deadline) override;
  absl::Status CheckCourseRunExists(int64_t id, absl::Time deadline) override;
  absl::StatusOr<int64_t> GetCourseRunWorkshop(int64_t id, absl::Time deadline) override;
  absl::Status CheckCourseExists(int64_t id, absl::Time deadline) override;
  absl::StatusOr<WorkshopFounders> GetWorkshopFounders(int64_t workshop_id,
                                                       absl::Time deadline) override;

 private:
  std::unique_ptr<luban::course::v1::CourseService::Stub> stub_;
  const GrpcCoursePeerOptions options_;
  const client::PeerCaller course_;
  client::ExpiringCache<InstitutionInfo> institutions_;
  client::ExpiringCache<WorkshopFounders> founders_;
};

}  // namespace luban::exchange

#endif  // LUBAN_SERVICES_EXCHANGE_CLIENTS_GRPC_COURSE_PEER_H_
