// The exchange service's domain: programmes with quotas and the mobilities through them.
#ifndef LUBAN_SERVICES_EXCHANGE_DOMAIN_MODEL_H_
#define LUBAN_SERVICES_EXCHANGE_DOMAIN_MODEL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/domain/types.h"

namespace luban::exchange {

inline constexpr char kProgrammes[] = "programmes";
inline constexpr char kMobilities[] = "mobilities";
// Collections of the other services this one refers to.
inline constexpr char kInstitutions[] = "institutions";
inline constexpr char kCourses[] = "courses";
inline constexpr char kCourseRuns[] = "courseRuns";
inline constexpr char kTrainees[] = "trainees";

enum class ProgrammeKind {
  kTraineeStudyVisit = 1,
  kTeacherTraining = 2,
  kTechnicalExchange = 3,
  kSkillsCompetition = 4
};
enum class Direction { kToChina = 1, kToPartnerCountry = 2 };
enum class ProgrammeStatus { kPlanned = 1, kOpen = 2, kClosed = 3, kCompleted = 4, kCancelled = 5 };

struct Requirement {
  std::optional<int64_t> completed_course_id;
  std::string certificate_discipline;
};

struct Programme {
  Meta meta;
  std::vector<LocalizedText> titles;
  int64_t chinese_institution_id = 0;
  int64_t partner_institution_id = 0;
  std::string partner_country;
  ProgrammeKind kind = ProgrammeKind::kTraineeStudyVisit;
  Direction direction = Direction::kToChina;
  absl::CivilDay start_date;
  absl::CivilDay end_date;
  int quota = 0;
  int approved_count = 0;  // approved, departed or returned mobilities
  Requirement requirement;
  std::optional<int64_t> course_run_id;
  ProgrammeStatus status = ProgrammeStatus::kPlanned;

  int64_t sending_institution_id() const {
    return direction == Direction::kToChina ? partner_institution_id : chinese_institution_id;
  }
  int64_t receiving_institution_id() const {
    return direction == Direction::kToChina ? chinese_institution_id : partner_institution_id;
  }
  bool Involves(int64_t institution_id) const {
    return institution_id != 0 &&
           (institution_id == chinese_institution_id || institution_id == partner_institution_id);
  }
};

enum class MobilityState {
  kNominated = 1,
  kApproved = 2,
  kRejected = 3,
  kDeparted = 4,
  kReturned = 5,
  kCancelled = 6
};

// States that hold a place of the programme's quota.
inline bool HoldsQuota(MobilityState state) {
  return state == MobilityState::kApproved || state == MobilityState::kDeparted ||
         state == MobilityState::kReturned;
}

struct Teacher {
  std::string full_name;
  std::string full_name_latin;
  std::string position;
};

struct Decision {
  MobilityState state = MobilityState::kNominated;
  std::string actor;
  absl::Time time;
  std::string reason;
};

struct Mobility {
  Meta meta;
  int64_t programme_id = 0;
  std::optional<int64_t> trainee_id;  // a trainee, or else
  std::optional<Teacher> teacher;     // a teacher
  int64_t sending_institution_id = 0;
  int64_t receiving_institution_id = 0;
  MobilityState state = MobilityState::kNominated;
  std::vector<Decision> decisions;
};

// The institutions that own each record (for the change feed, see OwningInstitutions), as the
// reads check them: a programme's two colleges, a mobility's sending and receiving ones.
inline OwningInstitutions OwnersOf(const Programme& in) {
  return {in.chinese_institution_id, in.partner_institution_id};
}
inline OwningInstitutions OwnersOf(const Mobility& in) {
  return {in.sending_institution_id, in.receiving_institution_id};
}

struct ProgrammeFilter {
  std::optional<int64_t> institution_id;
  std::string country;
  std::optional<ProgrammeKind> kind;
  std::optional<Direction> direction;
  std::optional<int> year;
  std::optional<ProgrammeStatus> status;
  // Set for college admins: only programmes their institution is part of.
  std::optional<int64_t> visible_to_institution;
};

struct MobilityFilter {
  std::optional<int64_t> programme_id;
  std::optional<int64_t> institution_id;
  std::optional<MobilityState> state;
  std::optional<int64_t> trainee_id;
  std::optional<int64_t> visible_to_institution;
};

struct ProgrammePatch {
  std::optional<std::vector<LocalizedText>> titles;
  std::optional<absl::CivilDay> start_date;
  std::optional<absl::CivilDay> end_date;
  std::optional<int> quota;
  std::optional<Requirement> requirement;
  std::optional<std::optional<int64_t>> course_run_id;
};

}  // namespace luban::exchange

#endif  // LUBAN_SERVICES_EXCHANGE_DOMAIN_MODEL_H_
