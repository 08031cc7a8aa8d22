#include "tools/report/report_data.h"

#include <iterator>
#include <limits>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace luban::report {

std::string Period::Label() const {
  if (whole_year) return absl::StrCat(from.year());
  return absl::StrCat(FormatDay(from), "..", FormatDay(to));
}

std::optional<absl::CivilDay> ParseDay(absl::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int year = 0;
  int month = 0;
  int day = 0;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
  }
  if (!absl::SimpleAtoi(text.substr(0, 4), &year) || !absl::SimpleAtoi(text.substr(5, 2), &month) ||
      !absl::SimpleAtoi(text.substr(8, 2), &day)) {
    return std::nullopt;
  }
  if (year < 1900 || year > 9999) return std::nullopt;
  const absl::CivilDay parsed(year, month, day);
  // CivilDay normalises 2026-02-30 to March: a real day survives unchanged.
  if (parsed.year() != year || parsed.month() != month || parsed.day() != day) {
    return std::nullopt;
  }
  return parsed;
}

std::string FormatDay(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

absl::StatusOr<Period> MakePeriod(int year, absl::string_view from, absl::string_view to) {
  const bool range = !from.empty() || !to.empty();
  if (year != 0 && range) {
    return absl::InvalidArgumentError("--year and --from/--to: give one period, not both");
  }
  Period period;
  if (year != 0) {
    if (year < 1900 || year > 9999) {
      return absl::InvalidArgumentError(absl::StrCat("--year: ", year, " is not in 1900..9999"));
    }
    period.from = absl::CivilDay(year, 1, 1);
    period.to = absl::CivilDay(year, 12, 31);
    period.whole_year = true;
    return period;
  }
  if (!range) {
    return absl::InvalidArgumentError("no period: give --year YYYY or --from and --to");
  }
  const std::optional<absl::CivilDay> first = ParseDay(from);
  if (!first) {
    return absl::InvalidArgumentError(
        absl::StrCat("--from: \"", from, "\" is not a day YYYY-MM-DD"));
  }
  const std::optional<absl::CivilDay> last = ParseDay(to);
  if (!last) {
    return absl::InvalidArgumentError(absl::StrCat("--to: \"", to, "\" is not a day YYYY-MM-DD"));
  }
  if (*last < *first) {
    return absl::InvalidArgumentError(absl::StrCat("--to: ", to, " is before --from ", from));
  }
  period.from = *first;
  period.to = *last;
  return period;
}

namespace {

template <size_t N>
absl::string_view NameAt(const absl::string_view (&names)[N], int index) {
  return index >= 0 && static_cast<size_t>(index) < N ? names[index] : names[0];
}

constexpr absl::string_view kSexNames[] = {"unspecified", "female", "male"};
constexpr absl::string_view kAgeBandNames[] = {"<18", "18-24", "25-34", "35-44", "45+", "unknown"};
constexpr absl::string_view kKindNames[] = {"unspecified", "trainee_study_visit",
                                            "teacher_training", "technical_exchange",
                                            "skills_competition"};
constexpr absl::string_view kDirectionNames[] = {"unspecified", "to_china", "to_partner_country"};
constexpr absl::string_view kMobilityStateNames[] = {
    "unspecified", "nominated", "approved", "rejected", "departed", "returned", "cancelled"};
constexpr absl::string_view kProgrammeStatusNames[] = {"unspecified", "planned",   "open",
                                                       "closed",      "completed", "cancelled"};

}  // namespace

absl::string_view SexName(int sex) { return NameAt(kSexNames, sex); }
absl::string_view AgeBandName(int band) {
  return band >= 0 && band < kAgeBandCount ? kAgeBandNames[band] : kAgeBandNames[kAgeBandUnknown];
}
absl::string_view ProgrammeKindName(int kind) { return NameAt(kKindNames, kind); }
absl::string_view DirectionName(int direction) { return NameAt(kDirectionNames, direction); }
absl::string_view MobilityStateName(int state) { return NameAt(kMobilityStateNames, state); }
absl::string_view ProgrammeStatusName(int status) { return NameAt(kProgrammeStatusNames, status); }

int AgeBand(int birth_year, int year) {
  if (birth_year <= 0 || birth_year > year) return kAgeBandUnknown;
  const int age = year - birth_year;
  if (age < 18) return 0;
  if (age <= 24) return 1;
  if (age <= 34) return 2;
  if (age <= 44) return 3;
  return 4;
}

uint16_t PackCountry(absl::string_view code) {
  if (code.size() != 2) return 0;
  return static_cast<uint16_t>((static_cast<unsigned char>(code[0]) << 8) |
                               static_cast<unsigned char>(code[1]));
}

std::string UnpackCountry(uint16_t packed) {
  if (packed == 0) return "";
  return std::string{static_cast<char>(packed >> 8), static_cast<char>(packed & 0xff)};
}

std::optional<int64_t> IdOf(absl::string_view name, absl::string_view collection) {
  if (name.size() <= collection.size() + 1 || name.substr(0, collection.size()) != collection ||
      name[collection.size()] != '/') {
    return std::nullopt;
  }
  const absl::string_view digits = name.substr(collection.size() + 1);
  for (char c : digits) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  }
  int64_t id = 0;
  if (!absl::SimpleAtoi(digits, &id) || id <= 0) return std::nullopt;
  return id;
}

absl::StatusOr<uint32_t> CompactIdOf(absl::string_view name, absl::string_view collection,
                                     absl::string_view what) {
  const std::optional<int64_t> id = IdOf(name, collection);
  if (!id) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": \"", name, "\" is not a ", collection, "/<id> name"));
  }
  if (*id > std::numeric_limits<uint32_t>::max()) {
    return absl::OutOfRangeError(
        absl::StrCat(what, ": ", name,
                     " has an id above 2^32-1, which the report's compact tables cannot hold"));
  }
  return static_cast<uint32_t>(*id);
}

int64_t Counts::took_part() const {
  return state(EnrollmentState::kEnrolled) + state(EnrollmentState::kCompleted) +
         state(EnrollmentState::kFailed) + state(EnrollmentState::kWithdrawn);
}

std::optional<int64_t> RateBp(int64_t part, int64_t whole) {
  if (whole <= 0) return std::nullopt;
  // Integer arithmetic: the same figures always print the same digits.
  return (part * 20000 + whole) / (2 * whole);
}

std::optional<int64_t> Counts::completion_rate_bp() const {
  return RateBp(state(EnrollmentState::kCompleted), took_part());
}

std::string FormatRate(std::optional<int64_t> basis_points) {
  if (!basis_points) return "";
  return absl::StrFormat("%d.%04d", *basis_points / 10000, *basis_points % 10000);
}

namespace {

// One table's groups: counts plus the trainee ids seen, made distinct at the end.
template <typename Key>
class Grouping {
 public:
  void Add(const Key& key, const EnrollmentRecord& e) {
    Group& group = groups_[key];
    ++group.counts.enrollments;
    if (e.state < 7) ++group.counts.by_state[e.state];
    if (e.certificate != 0) ++group.counts.certificates;
    group.trainees.push_back(e.trainee);
  }

  std::map<Key, Counts> Finish() {
    std::map<Key, Counts> out;
    for (auto& [key, group] : groups_) {
      std::sort(group.trainees.begin(), group.trainees.end());
      group.counts.trainees = std::distance(
          group.trainees.begin(), std::unique(group.trainees.begin(), group.trainees.end()));
      std::vector<uint32_t>().swap(group.trainees);
      out.emplace(key, group.counts);
    }
    return out;
  }

 private:
  struct Group {
    Counts counts;
    std::vector<uint32_t> trainees;
  };
  std::map<Key, Group> groups_;
};

// What an enrollment of the period contributes to: its run's facts and its trainee's.
struct Placed {
  const EnrollmentRecord* enrollment;
  const RunInfo* run;
  int year;
  uint16_t country;
  int sex;
  int band;
};

}  // namespace

Figures ComputeFigures(const Period& period, const Snapshot& snapshot,
                       const ReferenceData& reference) {
  Figures figures;
  figures.period = period;
  figures.known_enrollments = static_cast<int64_t>(snapshot.enrollments.size());
  figures.known_trainees = static_cast<int64_t>(snapshot.trainees.size());
  figures.known_mobilities = static_cast<int64_t>(snapshot.mobilities.size());

  // One pass per table keeps only that table's trainee ids in memory at a time.
  const auto for_each_placed = [&](auto&& visit) {
    for (const EnrollmentRecord& e : snapshot.enrollments.rows()) {
      auto run = reference.runs.find(e.run);
      if (run == reference.runs.end() || !period.Contains(run->second.start)) continue;
      Placed placed{&e, &run->second,   static_cast<int>(run->second.start.year()), 0,
                    0,  kAgeBandUnknown};
      if (auto workshop = reference.workshops.find(run->second.workshop);
          workshop != reference.workshops.end()) {
        placed.country = PackCountry(workshop->second.country);
      }
      if (const TraineeRecord* trainee = snapshot.trainees.Find(e.trainee); trainee != nullptr) {
        placed.sex = trainee->sex < kSexCount ? trainee->sex : 0;
        placed.band = AgeBand(trainee->birth_year, placed.year);
      }
      visit(placed);
    }
  };

  {
    Grouping<int> g;
    for_each_placed([&](const Placed& p) { g.Add(0, *p.enrollment); });
    auto total = g.Finish();
    if (!total.empty()) figures.total = total.begin()->second;
  }
  {
    Grouping<int> g;
    for_each_placed([&](const Placed& p) { g.Add(p.year, *p.enrollment); });
    figures.by_year = g.Finish();
  }
  {
    Grouping<std::pair<int, uint16_t>> g;
    for_each_placed([&](const Placed& p) { g.Add({p.year, p.country}, *p.enrollment); });
    figures.by_country = g.Finish();
  }
  {
    Grouping<std::pair<int, int64_t>> g;
    for_each_placed([&](const Placed& p) { g.Add({p.year, p.run->workshop}, *p.enrollment); });
    figures.by_workshop = g.Finish();
  }
  {
    Grouping<std::pair<int, int64_t>> g;
    for_each_placed([&](const Placed& p) { g.Add({p.year, p.run->course}, *p.enrollment); });
    figures.by_course = g.Finish();
  }
  {
    Grouping<std::tuple<int, uint16_t, int, int>> g;
    for_each_placed([&](const Placed& p) {
      g.Add({p.year, p.country, p.sex, p.band}, *p.enrollment);
    });
    figures.by_sex_age = g.Finish();
  }

  // Exchanges.
  std::map<int64_t, ProgrammeQuota> quotas;
  for (const auto& [id, programme] : reference.programmes) {
    if (!period.Overlaps(programme.start, programme.end)) continue;
    quotas[id] = ProgrammeQuota{id, programme.quota, programme.approved_count, 0};
  }
  for (const MobilityRecord& m : snapshot.mobilities.rows()) {
    auto quota = quotas.find(m.programme);
    if (quota == quotas.end()) continue;
    ++quota->second.mobilities;
    const ProgrammeInfo& programme = reference.programmes.at(m.programme);
    MobilityCounts& counts = figures.mobilities[{programme.kind, programme.direction, m.state}];
    ++counts.mobilities;
    if (m.participant == static_cast<uint8_t>(Participant::kTrainee)) ++counts.trainees;
    if (m.participant == static_cast<uint8_t>(Participant::kTeacher)) ++counts.teachers;
  }
  for (auto& [id, quota] : quotas) figures.quotas.push_back(quota);
  return figures;
}

}  // namespace luban::report
