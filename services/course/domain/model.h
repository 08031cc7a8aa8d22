// The course service's domain: institutions, workshops, the catalogue and course runs.
#ifndef LUBAN_SERVICES_COURSE_DOMAIN_MODEL_H_
#define LUBAN_SERVICES_COURSE_DOMAIN_MODEL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/domain/types.h"

namespace luban::course {

inline constexpr char kInstitutions[] = "institutions";
inline constexpr char kWorkshops[] = "workshops";
inline constexpr char kCourses[] = "courses";
inline constexpr char kCourseRuns[] = "courseRuns";

enum class InstitutionKind { kChineseCollege = 1, kLocalPartner = 2 };

struct Institution {
  Meta meta;
  InstitutionKind kind = InstitutionKind::kLocalPartner;
  std::string country;
  std::vector<LocalizedText> names;
  std::string city;
  std::string website;
};

enum class WorkshopStatus { kPlanned = 1, kOperating = 2, kSuspended = 3, kClosed = 4 };

struct Workshop {
  Meta meta;
  std::vector<LocalizedText> names;
  std::string country;
  std::string city;
  int64_t chinese_institution_id = 0;
  int64_t partner_institution_id = 0;
  WorkshopStatus status = WorkshopStatus::kPlanned;
  std::optional<absl::CivilDay> opened_date;
  std::vector<std::string> disciplines;

  bool CoFoundedBy(int64_t institution_id) const {
    return institution_id == chinese_institution_id || institution_id == partner_institution_id;
  }
};

struct Course {
  Meta meta;
  std::string code;
  std::vector<LocalizedText> titles;
  std::string discipline;
  int hours = 0;
  std::vector<std::string> languages;
  std::string description;
};

enum class RunStatus { kScheduled = 1, kOpen = 2, kInProgress = 3, kCompleted = 4, kCancelled = 5 };

struct CourseRun {
  Meta meta;
  int64_t course_id = 0;
  int64_t workshop_id = 0;
  absl::CivilDay start_date;
  absl::CivilDay end_date;
  int capacity = 0;
  std::string language;
  RunStatus status = RunStatus::kScheduled;
  int pass_score = 60;
  int min_attendance_percent = 80;
  std::string cancel_reason;
  std::string country;  // the workshop's, copied at creation (workshops never move)
};

// The institutions that own each record (for the change feed, see OwningInstitutions). A run's
// are its workshop's: see ChangedRun.
inline OwningInstitutions OwnersOf(const Institution& in) { return {in.meta.id, 0}; }
inline OwningInstitutions OwnersOf(const Workshop& in) {
  return {in.chinese_institution_id, in.partner_institution_id};
}
inline OwningInstitutions OwnersOf(const Course&) { return {}; }  // the network's catalogue

// A run as a mutation left it, with the institutions that own it: its workshop's two colleges,
// which the mutation read for its own checks anyway.
struct ChangedRun {
  CourseRun run;
  OwningInstitutions owners;
};
inline OwningInstitutions OwnersOf(const ChangedRun& in) { return in.owners; }

// Filters of the list methods; unset members do not filter.
struct InstitutionFilter {
  std::string country;
  std::optional<InstitutionKind> kind;
};

struct WorkshopFilter {
  std::string country;
  std::optional<int64_t> institution_id;
  std::optional<WorkshopStatus> status;
  // Set for college admins: only workshops this institution co-founded.
  std::optional<int64_t> visible_to_institution;
};

struct CourseFilter {
  std::string discipline;
};

struct CourseRunFilter {
  std::string country;
  std::optional<int64_t> workshop_id;
  std::optional<int64_t> institution_id;
  std::optional<int64_t> course_id;
  std::optional<RunStatus> status;
  std::optional<absl::CivilDay> start_from;
  std::optional<absl::CivilDay> start_to;
  std::optional<int64_t> visible_to_institution;
};

// Partial updates: set members replace the stored value.
struct InstitutionPatch {
  std::optional<std::vector<LocalizedText>> names;
  std::optional<std::string> city;
  std::optional<std::string> website;
};

struct WorkshopPatch {
  std::optional<std::vector<LocalizedText>> names;
  std::optional<std::string> city;
  std::optional<std::optional<absl::CivilDay>> opened_date;
  std::optional<std::vector<std::string>> disciplines;
};

struct CoursePatch {
  std::optional<std::vector<LocalizedText>> titles;
  std::optional<std::string> discipline;
  std::optional<int> hours;
  std::optional<std::vector<std::string>> languages;
  std::optional<std::string> description;
};

struct CourseRunPatch {
  std::optional<absl::CivilDay> start_date;
  std::optional<absl::CivilDay> end_date;
  std::optional<int> capacity;
  std::optional<std::string> language;
  std::optional<int> pass_score;
  std::optional<int> min_attendance_percent;
};

}  // namespace luban::course

#endif  // LUBAN_SERVICES_COURSE_DOMAIN_MODEL_H_
