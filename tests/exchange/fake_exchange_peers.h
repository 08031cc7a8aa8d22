// In-memory stand-ins of the exchange service's peers (services/exchange/domain/peers.h), for
// tests and fuzz targets of ExchangeApi. NOT_FOUND "<collection>/<id>: not found" for what they
// do not hold, as the gRPC peers answer; each counts its calls and can be taken down on its own
// (FakePeer).
#ifndef LUBAN_TESTS_EXCHANGE_FAKE_EXCHANGE_PEERS_H_
#define LUBAN_TESTS_EXCHANGE_FAKE_EXCHANGE_PEERS_H_

#include <cstdint>
#include <map>
#include <set>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/exchange/domain/peers.h"
#include "tests/support/fake_peer.h"

namespace luban::exchange::testing {

// The course service. It starts with: institutions/1 (CN) and /2 (TJ) founding workshops/1,
// institutions/3 (CN) and /4 (KZ) founding workshops/2; courses/1 and /2; courseRuns/1 and /2
// at workshops/1, /3 and /4 at workshops/2.
class FakeCoursePeer final : public CoursePeer, public luban::testing::FakePeer {
 public:
  FakeCoursePeer();

  // Methods are counted by their names ("GetInstitution", "CheckCourseRunExists", ...).
  absl::StatusOr<InstitutionInfo> GetInstitution(int64_t id, absl::Time deadline) override;
  absl::Status CheckCourseRunExists(int64_t id, absl::Time deadline) override;
  absl::StatusOr<int64_t> GetCourseRunWorkshop(int64_t id, absl::Time deadline) override;
  absl::Status CheckCourseExists(int64_t id, absl::Time deadline) override;
  absl::StatusOr<WorkshopFounders> GetWorkshopFounders(int64_t workshop_id,
                                                       absl::Time deadline) override;

  // What the course service holds, by id: institutions, the workshop of each course run, the
  // courses, each workshop's founders.
  std::map<int64_t, InstitutionInfo>& institutions() { return institutions_; }
  std::map<int64_t, int64_t>& run_workshops() { return run_workshops_; }
  std::set<int64_t>& courses() { return courses_; }
  std::map<int64_t, WorkshopFounders>& workshops() { return workshops_; }

 private:
  std::map<int64_t, InstitutionInfo> institutions_;
  std::map<int64_t, int64_t> run_workshops_;
  std::set<int64_t> courses_;
  std::map<int64_t, WorkshopFounders> workshops_;
};

// The enrollment service. It starts with trainees/1 and /2 (home workshops/1) eligible for any
// requirement, and trainees/3 (home workshops/2) who has not completed courses/1.
class FakeEnrollmentPeer final : public EnrollmentPeer, public luban::testing::FakePeer {
 public:
  FakeEnrollmentPeer();

  // Counted as "CheckEligibility". The standing of a trainee whatever the requirement.
  absl::StatusOr<TraineeStanding> CheckEligibility(int64_t trainee_id,
                                                   const Requirement& requirement,
                                                   absl::Time deadline) override;

  // Each trainee's standing, by trainee id.
  std::map<int64_t, TraineeStanding>& trainees() { return trainees_; }

 private:
  std::map<int64_t, TraineeStanding> trainees_;
};

}  // namespace luban::exchange::testing

#endif  // LUBAN_TESTS_EXCHANGE_FAKE_EXCHANGE_PEERS_H_
