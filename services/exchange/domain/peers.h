// What the exchange service asks of its peers, behind interfaces so the domain and its tests do
// not depend on gRPC. The gRPC implementations (clients/) call with the service's own
// credential, within the caller's deadline, retry only reads that failed as UNAVAILABLE, and
// report a peer that is down as UNAVAILABLE (never INTERNAL).
#ifndef LUBAN_SERVICES_EXCHANGE_DOMAIN_PEERS_H_
#define LUBAN_SERVICES_EXCHANGE_DOMAIN_PEERS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/exchange/domain/model.h"

namespace luban::exchange {

enum class InstitutionKind { kChineseCollege = 1, kLocalPartner = 2 };

struct InstitutionInfo {
  int64_t id = 0;
  InstitutionKind kind = InstitutionKind::kLocalPartner;
  std::string country;
};

class CoursePeer {
 public:
  virtual ~CoursePeer() = default;
  // NOT_FOUND when the course service has no such institution / run / workshop / course.
  virtual absl::StatusOr<InstitutionInfo> GetInstitution(int64_t id, absl::Time deadline) = 0;
  virtual absl::Status CheckCourseRunExists(int64_t id, absl::Time deadline) = 0;
  // The workshop a course run is given at.
  virtual absl::StatusOr<int64_t> GetCourseRunWorkshop(int64_t id, absl::Time deadline) = 0;
  virtual absl::Status CheckCourseExists(int64_t id, absl::Time deadline) = 0;
  virtual absl::StatusOr<WorkshopFounders> GetWorkshopFounders(int64_t workshop_id,
                                                               absl::Time deadline) = 0;
};

struct TraineeStanding {
  bool eligible = false;
  std::string reason;  // why not, when not
  int64_t home_workshop_id = 0;
};

class EnrollmentPeer {
 public:
  virtual ~EnrollmentPeer() = default;
  // NOT_FOUND when the trainee does not exist; otherwise whether they are active and meet
  // `requirement`.
  virtual absl::StatusOr<TraineeStanding> CheckEligibility(int64_t trainee_id,
                                                           const Requirement& requirement,
                                                           absl::Time deadline) = 0;
};

}  // namespace luban::exchange

#endif  // LUBAN_SERVICES_EXCHANGE_DOMAIN_PEERS_H_
