// The CourseDirectory over gRPC: asks luban.course.v1.CourseService with the enrollment
// service's own credential (role `service`).
//
// Each call gets one deadline, the earlier of the caller's and now + `call_timeout`; attempts
// that fail with UNAVAILABLE are retried after a short backoff while time remains (every method
// here is a read, so a retry cannot change anything twice). The peer's status is mapped:
//   NOT_FOUND                               -> NOT_FOUND "courseRuns/7: not found"
//   UNAVAILABLE, DEADLINE_EXCEEDED, and the
//   other signs of a peer in trouble        -> UNAVAILABLE "the course service is unavailable: ..."
//   PERMISSION_DENIED, UNAUTHENTICATED      -> FAILED_PRECONDITION (our credential is refused: a
//                                              deployment error, see MapPeerStatus)
//   anything else (a malformed request or
//   answer: a bug between the two services) -> INTERNAL
//
// Workshops, institutions and courses are cached (LRU, bounded, with a TTL): founders never
// change and names rarely, and a stale name for a few minutes is harmless. Runs are never cached:
// their status and capacity decide enrollments. Not-found answers are not cached. Thread-safe.
#ifndef LUBAN_SERVICES_ENROLLMENT_CLIENTS_GRPC_COURSE_DIRECTORY_H_
#define LUBAN_SERVICES_ENROLLMENT_CLIENTS_GRPC_COURSE_DIRECTORY_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/support/status.h"
#include "luban/course/v1/course.grpc.pb.h"
#include "services/enrollment/domain/course_directory.h"

namespace luban::enrollment {

struct GrpcCourseDirectoryOptions {
  // Longest a call may take in all (attempts and backoff), whatever the caller's deadline.
  absl::Duration call_timeout = absl::Seconds(2);
  // Backoff before the first retry; doubled each time up to max_backoff.
  absl::Duration initial_backoff = absl::Milliseconds(25);
  absl::Duration max_backoff = absl::Milliseconds(250);
  // How long a cached workshop, institution or course is used before it is asked again.
  absl::Duration cache_ttl = absl::Minutes(5);
  // Entries per cache (workshops, institutions, courses each); least recently used go first.
  size_t cache_capacity = 10000;
  // The clock of cache expiry (tests advance a fake one); deadlines always use the real clock.
  std::function<absl::Time()> clock = [] { return absl::Now(); };
};

// A bounded LRU map from ids to values that expire `ttl` after they were stored. Thread-safe.
template <typename Value>
class ExpiringCache {
 public:
  ExpiringCache(size_t capacity, absl::Duration ttl) : capacity_(capacity), ttl_(ttl) {}

  std::optional<Value> Get(int64_t key, absl::Time now) {
    absl::MutexLock lock(&mu_);
    auto it = index_.find(key);
    if (it == index_.end()) return std::nullopt;
    if (now >= it->second->expires) {
      entries_.erase(it->second);
      index_.erase(it);
      return std::nullopt;
    }
    entries_.splice(entries_.begin(), entries_, it->second);
    return it->second->value;
  }

  void Put(int64_t key, Value value, absl::Time now) {
    if (capacity_ == 0) return;
    absl::MutexLock lock(&mu_);
    auto it = index_.find(key);
    if (it != index_.end()) {
      entries_.erase(it->second);
      index_.erase(it);
    }
    entries_.push_front(Entry{key, std::move(value), now + ttl_});
    index_[key] = entries_.begin();
    while (entries_.size() > capacity_) {
      index_.erase(entries_.back().key);
      entries_.pop_back();
    }
  }

  size_t size() const {
    absl::MutexLock lock(&mu_);
    return entries_.size();
  }

 private:
  struct Entry {
    int64_t key;
    Value value;
    absl::Time expires;
  };

  const size_t capacity_;
  const absl::Duration ttl_;
  mutable absl::Mutex mu_;
  std::list<Entry> entries_ ABSL_GUARDED_BY(mu_);  // most recently used first
  absl::flat_hash_map<int64_t, typename std::list<Entry>::iterator> index_ ABSL_GUARDED_BY(mu_);
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
  template <typename Request, typename Response>
  using Method = grpc::Status (luban::course::v1::CourseService::Stub::*)(grpc::ClientContext*,
                                                                          const Request&,
                                                                          Response*);

  // One read with the deadline, retry and status mapping described above; `name` is the
  // resource asked for (messages).
  template <typename Request, typename Response>
  absl::Status Call(Method<Request, Response> method, absl::string_view name,
                    const Request& request, Response* response, absl::Time caller_deadline);

  std::unique_ptr<luban::course::v1::CourseService::Stub> stub_;
  const std::string authorization_;
  const GrpcCourseDirectoryOptions options_;
  ExpiringCache<WorkshopInfo> workshops_;
  ExpiringCache<InstitutionInfo> institutions_;
  ExpiringCache<CourseInfo> courses_;
};

// The status a call to the course service about `name` ends with, for a failed peer status.
absl::Status MapPeerStatus(const grpc::Status& status, absl::string_view name);

// The luban.course.v1 messages as the enrollment domain sees them. INTERNAL when the course
// service answered with something that breaks its contract (e.g. a malformed resource name).
absl::StatusOr<RunInfo> RunInfoFromProto(const luban::course::v1::CourseRun& run);
absl::StatusOr<WorkshopInfo> WorkshopInfoFromProto(const luban::course::v1::Workshop& workshop);
absl::StatusOr<InstitutionInfo> InstitutionInfoFromProto(
    const luban::course::v1::Institution& institution);
absl::StatusOr<CourseInfo> CourseInfoFromProto(const luban::course::v1::Course& course);

}  // namespace luban::enrollment

#endif  // LUBAN_SERVICES_ENROLLMENT_CLIENTS_GRPC_COURSE_DIRECTORY_H_
