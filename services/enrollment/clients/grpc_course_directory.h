// The CourseDirectory over gRPC: asks luban.course.v1.CourseService with the enrollment
// service's own credential (role `service`), through client::PeerCaller (common/client/
// peer_call.h): one deadline per call (the earlier of the caller's and now + `call_timeout`),
// retries of UNAVAILABLE (every method here is a read, so a retry cannot change anything twice),
// and the peer's status mapped to "courseRuns/7: not found", "the course service is
// unavailable: ...", "the enrollment service's credential is not accepted by the course
// service ..." and so on.
//
// Workshops, institutions and courses are cached (LRU, bounded, with a TTL): founders never
// change and names rarely, and a stale name for a few minutes is harmless. Runs are never cached:
// their status and capacity decide enrollments. Not-found answers are not cached. Thread-safe.
#ifndef LUBAN_SERVICES_ENROLLMENT_CLIENTS_GRPC_COURSE_DIRECTORY_H_
#define LUBAN_SERVICES_ENROLLMENT_CLIENTS_GRPC_COURSE_DIRECTORY_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/client/expiring_cache.h"
#include "common/client/peer_call.h"
#include "grpcpp/channel.h"
#include "luban/course/v1/course.grpc.pb.h"
#include "services/enrollment/domain/course_directory.h"

namespace luban::enrollment {

// Deadline, retry and backoff of each call (client::PeerCallOptions), and the caches.
struct GrpcCourseDirectoryOptions : client::PeerCallOptions {
  // How long a cached workshop, institution or course is used before it is asked again.
  absl::Duration cache_ttl = absl::Minutes(5);
  // Entries per cache (workshops, institutions, courses each); least recently used go first.
  size_t cache_capacity = 10000;
  // The clock of cache expiry (tests advance a fake one); deadlines always use the real clock.
  std::function<absl::Time()> clock = [] { return absl::Now(); };
};

class GrpcCourseDirectory final : public CourseDirectory {
 public:
  // `token` is the enrollment service's bearer token at the course service.
  GrpcCourseDirectory(std::shared_ptr<grpc::Channel> channel, std::string token,
                      GrpcCourseDirectoryOptions options = {});

  absl::StatusOr<RunInfo> GetRun(int64_t run_id, absl::Time deadline) override;
  absl::StatusOr<WorkshopInfo> GetWorkshop(int64_t workshop_id, absl::Time deadline) override;
  absl::StatusOr<InstitutionInfo> GetInstitution(int64_t institution_id,
                                                 absl::Time deadline) override;
  absl::StatusOr<CourseInfo> GetCourse(int64_t course_id, absl::Time deadline) override;

 private:
  std::unique_ptr<luban::course::v1::CourseService::Stub> stub_;
  const GrpcCourseDirectoryOptions options_;
  const client::PeerCaller course_;
  client::ExpiringCache<WorkshopInfo> workshops_;
  client::ExpiringCache<InstitutionInfo> institutions_;
  client::ExpiringCache<CourseInfo> courses_;
};

// The luban.course.v1 messages as the enrollment domain sees them. INTERNAL when the course
// service answered with something that breaks its contract (e.g. a malformed resource name).
absl::StatusOr<RunInfo> RunInfoFromProto(const luban::course::v1::CourseRun& run);
absl::StatusOr<WorkshopInfo> WorkshopInfoFromProto(const luban::course::v1::Workshop& workshop);
absl::StatusOr<InstitutionInfo> InstitutionInfoFromProto(
    const luban::course::v1::Institution& institution);
absl::StatusOr<CourseInfo> CourseInfoFromProto(const luban::course::v1::Course& course);

}  // namespace luban::enrollment

#endif  // LUBAN_SERVICES_ENROLLMENT_CLIENTS_GRPC_COURSE_DIRECTORY_H_
