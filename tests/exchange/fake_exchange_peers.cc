#include "tests/exchange/fake_exchange_peers.h"

#include <string>

#include "common/domain/resource_name.h"

namespace luban::exchange::testing {
namespace {

constexpr char kWorkshops[] = "workshops";
constexpr char kExchangeService[] = "the exchange service";

}  // namespace

FakeCoursePeer::FakeCoursePeer() : FakePeer(kExchangeService, "the course service") {
  institutions_[1] = {1, InstitutionKind::kChineseCollege, "CN"};
  institutions_[2] = {2, InstitutionKind::kLocalPartner, "TJ"};
  institutions_[3] = {3, InstitutionKind::kChineseCollege, "CN"};
  institutions_[4] = {4, InstitutionKind::kLocalPartner, "KZ"};
  run_workshops_ = {{1, 1}, {2, 1}, {3, 2}, {4, 2}};
  courses_ = {1, 2};
  workshops_[1] = {1, 1, 2};
  workshops_[2] = {2, 3, 4};
}

absl::StatusOr<InstitutionInfo> FakeCoursePeer::GetInstitution(int64_t id, absl::Time) {
  return Lookup("GetInstitution", kInstitutions, id, institutions_);
}

absl::Status FakeCoursePeer::CheckCourseRunExists(int64_t id, absl::Time) {
  return Lookup("CheckCourseRunExists", kCourseRuns, id, run_workshops_).status();
}

absl::StatusOr<int64_t> FakeCoursePeer::GetCourseRunWorkshop(int64_t id, absl::Time) {
  return Lookup("GetCourseRunWorkshop", kCourseRuns, id, run_workshops_);
}

absl::Status FakeCoursePeer::CheckCourseExists(int64_t id, absl::Time) {
  const std::string name = FormatResourceName(kCourses, id);
  if (absl::Status entered = Enter("CheckCourseExists", name); !entered.ok()) return entered;
  return courses_.contains(id) ? absl::OkStatus() : client::PeerNotFound(name);
}

absl::StatusOr<WorkshopFounders> FakeCoursePeer::GetWorkshopFounders(int64_t workshop_id,
                                                                     absl::Time) {
  return Lookup("GetWorkshopFounders", kWorkshops, workshop_id, workshops_);
}

FakeEnrollmentPeer::FakeEnrollmentPeer() : FakePeer(kExchangeService, "the enrollment service") {
  trainees_[1] = {true, "", 1};
  trainees_[2] = {true, "", 1};
  trainees_[3] = {false, "has not completed courses/1", 2};
}

absl::StatusOr<TraineeStanding> FakeEnrollmentPeer::CheckEligibility(int64_t trainee_id,
                                                                     const Requirement&,
                                                                     absl::Time) {
  return Lookup("CheckEligibility", kTrainees, trainee_id, trainees_);
}

}  // namespace luban::exchange::testing
