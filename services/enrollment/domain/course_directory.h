// What the enrollment service asks of the course service, behind an interface so the domain and
// its tests do not depend on gRPC. The gRPC implementation (clients/grpc_course_directory.h)
// calls with the service's own credential, honours the caller's deadline, retries only reads
// that failed as UNAVAILABLE, and caches what cannot change (workshop founders, names).
//
// Errors: NOT_FOUND when the course service has no such resource ("courseRuns/7: not found");
// UNAVAILABLE when it cannot be reached in time (never INTERNAL for a peer's outage).
#ifndef LUBAN_SERVICES_ENROLLMENT_DOMAIN_COURSE_DIRECTORY_H_
#define LUBAN_SERVICES_ENROLLMENT_DOMAIN_COURSE_DIRECTORY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/domain/types.h"
#include "services/enrollment/domain/model.h"

namespace luban::enrollment {

struct RunInfo {
  int64_t id = 0;
  int64_t course_id = 0;
  int64_t workshop_id = 0;
  RunStatus status = RunStatus::kScheduled;
  int capacity = 0;
  int pass_score = 0;
  int min_attendance_percent = 0;
  std::string country;
  int64_t version = 0;  // the run's version (from its etag); 0 when unknown
};

struct WorkshopInfo {
  WorkshopFounders owners;  // workshop id and founders
  std::string country;
  std::vector<LocalizedText> names;
};

struct InstitutionInfo {
  int64_t id = 0;
  std::vector<LocalizedText> names;
};

struct CourseInfo {
  int64_t id = 0;
  std::string code;
  std::vector<LocalizedText> titles;
  std::string discipline;
};

class CourseDirectory {
 public:
  virtual ~CourseDirectory() = default;
  // The run as the course service has it now (never cached: status and capacity change).
  virtual absl::StatusOr<RunInfo> GetRun(int64_t run_id, absl::Time deadline) = 0;
  virtual absl::StatusOr<WorkshopInfo> GetWorkshop(int64_t workshop_id, absl::Time deadline) = 0;
  virtual absl::StatusOr<InstitutionInfo> GetInstitution(int64_t institution_id,
                                                         absl::Time deadline) = 0;
  virtual absl::StatusOr<CourseInfo> GetCourse(int64_t course_id, absl::Time deadline) = 0;
};

}  // namespace luban::enrollment

#endif  // LUBAN_SERVICES_ENROLLMENT_DOMAIN_COURSE_DIRECTORY_H_
