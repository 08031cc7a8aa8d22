// The data luban-report works on, and the figures it computes from them. Pure code: no network,
// no files (see report_state.h and report_render.h for those).
//
// What the report holds in memory, and how it grows:
//   * Reference data (institutions, workshops, courses, the course runs starting in the period,
//     programmes): a few hundred bytes each, held whole. It grows with the network, not with
//     its trainees.
//   * One compact fixed-size record per row of the three exports, no strings:
//       enrollment  16 bytes (id, run id, trainee id, state, certificate flag)
//       trainee      8 bytes (id, birth year, sex)
//       mobility    12 bytes (id, programme id, state, participant kind)
//     kept in vectors sorted by id (CompactTable). Export rows are turned into records as each
//     batch (<= 500 rows) arrives and dropped; rows changed since the last run replace their
//     record, which is what keeps an incremental run exact.
//   * While merging a batch of changed records, up to `kMergeThreshold` pending records plus the
//     merge's temporary buffer of as many; tables grow by a quarter at a time (the old and the
//     new buffer live together for an instant); while computing, 4 bytes per enrollment of the
//     period for the distinct-trainee counts of one table at a time.
//   So memory is about 16 B x enrollments + 8 B x trainees + 12 B x mobilities (e.g. 1 million
//   enrollments and 333,000 trainees: ~20 MB of records; README.md has measured peaks),
//   whatever the size of names or other row fields. Ids above 2^32-1 are refused (OUT_OF_RANGE):
//   the records store 32-bit ids.
//
// Definitions (also in luban-report --help and the JSON document):
//   * Period: --year Y is Y-01-01..Y-12-31; --from/--to are inclusive days.
//   * An enrollment counts in the period when its course run's start date lies in the period;
//     its year is the run's start year. Enrollments of runs starting elsewhen are left out.
//   * trainees: distinct people with at least one counted enrollment in the row's group (one
//     person may count in several countries, workshops or age bands).
//   * waitlisted/enrolled/completed/failed/withdrawn/cancelled: enrollments in that state now.
//   * completion rate: completed / (enrolled + completed + failed + withdrawn), i.e. of those who
//     took part; waitlisted and cancelled enrollments are left out; empty when nobody took part.
//   * certificates: completed enrollments that issued a certificate (revocations not deducted).
//   * age band: the age reached in the run's start year (start year - birth year, as reporters
//     see only the birth year): <18, 18-24, 25-34, 35-44, 45+, or unknown.
//   * A mobility counts when its programme's dates overlap the period.
//   * quota use: the programme's approved (approved, departed or returned) mobilities / quota.
#ifndef LUBAN_TOOLS_REPORT_REPORT_DATA_H_
#define LUBAN_TOOLS_REPORT_REPORT_DATA_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace luban::report {

// ---------------------------------------------------------------------------------------------
// The period

struct Period {
  absl::CivilDay from;
  absl::CivilDay to;
  // Set when the period is a whole year (--year): its label is then "2026".
  bool whole_year = false;

  bool Contains(absl::CivilDay day) const { return from <= day && day <= to; }
  bool Overlaps(absl::CivilDay first, absl::CivilDay last) const {
    return first <= to && from <= last;
  }
  // "2026" or "2026-01-01..2026-06-30".
  std::string Label() const;
};

// From the flags: exactly one of `year` (non-zero) or both `from` and `to` ("YYYY-MM-DD").
// INVALID_ARGUMENT naming the flag otherwise.
absl::StatusOr<Period> MakePeriod(int year, absl::string_view from, absl::string_view to);

// "YYYY-MM-DD" strictly (a real day of 1900..9999); nullopt otherwise.
std::optional<absl::CivilDay> ParseDay(absl::string_view text);
std::string FormatDay(absl::CivilDay day);

// ---------------------------------------------------------------------------------------------
// Codes shared with the protos (same numbers as luban.enrollment.v1 / luban.exchange.v1)

enum class EnrollmentState : uint8_t {
  kUnspecified = 0,
  kWaitlisted = 1,
  kEnrolled = 2,
  kCompleted = 3,
  kFailed = 4,
  kWithdrawn = 5,
  kCancelled = 6,
};
enum class Sex : uint8_t { kUnspecified = 0, kFemale = 1, kMale = 2 };
inline constexpr int kSexCount = 3;
// "female", "male", "unspecified".
absl::string_view SexName(int sex);

// Age bands, in display order.
inline constexpr int kAgeBandCount = 6;
inline constexpr int kAgeBandUnknown = 5;
// "<18", "18-24", "25-34", "35-44", "45+", "unknown".
absl::string_view AgeBandName(int band);
// The band of someone born in `birth_year` (0: unknown) in `year`.
int AgeBand(int birth_year, int year);

// Programme kinds, directions, mobility states: the proto numbers; names are lower-case words
// of the enum ("trainee_study_visit", "to_china", "approved"); "unspecified" out of range.
absl::string_view ProgrammeKindName(int kind);
absl::string_view DirectionName(int direction);
absl::string_view MobilityStateName(int state);
absl::string_view ProgrammeStatusName(int status);
inline constexpr int kMobilityStateCount = 7;  // 0..6

// A two-letter country code packed into 16 bits ("TJ" -> 'T' << 8 | 'J'): keys without strings.
uint16_t PackCountry(absl::string_view code);
std::string UnpackCountry(uint16_t packed);

// The numeric id of "collection/123" when it names `collection`; nullopt otherwise.
std::optional<int64_t> IdOf(absl::string_view name, absl::string_view collection);
// As IdOf, for the 32-bit ids of the compact records: OUT_OF_RANGE above 2^32-1,
// INVALID_ARGUMENT for a malformed name (naming `what`).
absl::StatusOr<uint32_t> CompactIdOf(absl::string_view name, absl::string_view collection,
                                     absl::string_view what);

// ---------------------------------------------------------------------------------------------
// Reference data (small; held whole)

struct InstitutionInfo {
  std::string name;  // display name
  std::string country;
  bool chinese = false;
};
struct WorkshopInfo {
  std::string name;
  std::string country;
  std::string city;
  int64_t chinese_institution = 0;
  int64_t partner_institution = 0;
};
struct CourseInfo {
  std::string code;
  std::string title;
  std::string discipline;
};
struct RunInfo {
  int64_t workshop = 0;
  int64_t course = 0;
  absl::CivilDay start;
};
struct ProgrammeInfo {
  std::string title;
  int64_t chinese_institution = 0;
  int64_t partner_institution = 0;
  std::string partner_country;
  int kind = 0;
  int direction = 0;
  int status = 0;
  absl::CivilDay start;
  absl::CivilDay end;
  int quota = 0;
  int approved_count = 0;
};

struct ReferenceData {
  absl::flat_hash_map<int64_t, InstitutionInfo> institutions;
  absl::flat_hash_map<int64_t, WorkshopInfo> workshops;
  absl::flat_hash_map<int64_t, CourseInfo> courses;
  // Only the runs that matter (those starting in the period); others are left out.
  absl::flat_hash_map<int64_t, RunInfo> runs;
  absl::flat_hash_map<int64_t, ProgrammeInfo> programmes;
};

// ---------------------------------------------------------------------------------------------
// Compact per-row records

struct EnrollmentRecord {
  uint32_t id = 0;
  uint32_t run = 0;
  uint32_t trainee = 0;
  uint8_t state = 0;        // EnrollmentState
  uint8_t certificate = 0;  // 1 once a certificate was issued
};
struct TraineeRecord {
  uint32_t id = 0;
  int16_t birth_year = 0;  // 0: unknown
  uint8_t sex = 0;         // Sex
};
enum class Participant : uint8_t { kUnknown = 0, kTrainee = 1, kTeacher = 2 };
struct MobilityRecord {
  uint32_t id = 0;
  uint32_t programme = 0;
  uint8_t state = 0;        // proto MobilityState
  uint8_t participant = 0;  // Participant
};
static_assert(sizeof(EnrollmentRecord) == 16);
static_assert(sizeof(TraineeRecord) == 8);
static_assert(sizeof(MobilityRecord) == 12);

// Records sorted by id, at most one per id; Put() replaces the record of an id it already
// holds. Puts are buffered and merged in batches of kMergeThreshold (and by Flush()), so a
// stream of changes costs O(n log n) overall, not O(n) per insertion.
template <typename Record>
class CompactTable {
 public:
  static constexpr size_t kMergeThreshold = 1 << 16;

  void Put(const Record& record) {
    pending_.push_back(record);
    if (pending_.size() >= kMergeThreshold) Flush();
  }

  // Merges the buffered Puts; a later Put of an id wins over an earlier one.
  void Flush() {
    if (pending_.empty()) return;
    const auto by_id = [](const Record& a, const Record& b) { return a.id < b.id; };
    std::stable_sort(pending_.begin(), pending_.end(), by_id);
    const size_t old_size = rows_.size();
    // Grow by a quarter, not double: while reallocating, the old and the new buffer both live.
    if (rows_.capacity() < old_size + pending_.size()) {
      rows_.reserve(std::max(old_size + pending_.size(), rows_.capacity() + rows_.capacity() / 4));
    }
    rows_.insert(rows_.end(), pending_.begin(), pending_.end());
    pending_.clear();
    pending_.shrink_to_fit();
    // Stable: of equal ids, the old record comes first, then the new ones in arrival order.
    std::inplace_merge(rows_.begin(), rows_.begin() + static_cast<std::ptrdiff_t>(old_size),
                       rows_.end(), by_id);
    // Keep the last record of each id.
    size_t out = 0;
    for (size_t i = 0; i < rows_.size(); ++i) {
      if (i + 1 < rows_.size() && rows_[i + 1].id == rows_[i].id) continue;
      rows_[out++] = rows_[i];
    }
    rows_.resize(out);
  }

  // The record of `id`, or nullptr. Only what was merged (call Flush() first).
  const Record* Find(uint32_t id) const {
    auto it = std::lower_bound(rows_.begin(), rows_.end(), id,
                               [](const Record& r, uint32_t key) { return r.id < key; });
    return it != rows_.end() && it->id == id ? &*it : nullptr;
  }

  // Merged records, sorted by id.
  const std::vector<Record>& rows() const { return rows_; }
  size_t size() const { return rows_.size(); }
  // Replaces the contents (records must be sorted by id and unique: see report_state.cc). Give
  // `rows` some spare capacity if changes will follow: merging them then needs no reallocation.
  void Assign(std::vector<Record> rows) {
    rows_ = std::move(rows);
    pending_.clear();
  }

 private:
  std::vector<Record> rows_;
  std::vector<Record> pending_;
};

// Where one export stands: the update time and name of the last row read. The next run asks
// for rows changed at or after `seconds`.`nanos`, skipping those up to `after_name` at exactly
// that time.
struct ExportCursor {
  int64_t seconds = 0;
  int32_t nanos = 0;
  std::string after_name;

  bool empty() const { return seconds == 0 && nanos == 0 && after_name.empty(); }
  bool operator==(const ExportCursor&) const = default;
};

// Everything the report keeps between runs: the three tables and their export cursors.
struct Snapshot {
  CompactTable<EnrollmentRecord> enrollments;
  CompactTable<TraineeRecord> trainees;
  CompactTable<MobilityRecord> mobilities;
  ExportCursor enrollments_cursor;
  ExportCursor trainees_cursor;
  ExportCursor mobilities_cursor;

  void Flush() {
    enrollments.Flush();
    trainees.Flush();
    mobilities.Flush();
  }
};

// ---------------------------------------------------------------------------------------------
// Figures

struct Counts {
  int64_t trainees = 0;  // distinct
  int64_t enrollments = 0;
  int64_t by_state[7] = {0, 0, 0, 0, 0, 0, 0};  // indexed by EnrollmentState
  int64_t certificates = 0;

  int64_t state(EnrollmentState s) const { return by_state[static_cast<int>(s)]; }
  // enrolled + completed + failed + withdrawn.
  int64_t took_part() const;
  // Completion rate in basis points (0..10000, rounded half up); nullopt when took_part() is 0.
  std::optional<int64_t> completion_rate_bp() const;
  bool operator==(const Counts&) const = default;
};

// "0.6667" (4 decimals) for a rate in basis points; "" for none.
std::string FormatRate(std::optional<int64_t> basis_points);

// A rate of `part` over `whole` in basis points, rounded half up; nullopt when whole <= 0.
std::optional<int64_t> RateBp(int64_t part, int64_t whole);

struct MobilityCounts {
  int64_t mobilities = 0;
  int64_t trainees = 0;  // mobilities of trainees
  int64_t teachers = 0;  // mobilities of teachers
  bool operator==(const MobilityCounts&) const = default;
};

struct ProgrammeQuota {
  int64_t programme = 0;
  int quota = 0;
  int approved_count = 0;
  int64_t mobilities = 0;  // all mobilities of the programme, in any state
};

struct Figures {
  Period period;
  // Keys: year; (year, packed country); (year, workshop id); (year, course id);
  // (year, packed country, sex, age band). `total` is the whole period (its trainees are
  // distinct across years, unlike a sum of by_year).
  Counts total;
  std::map<int, Counts> by_year;
  std::map<std::pair<int, uint16_t>, Counts> by_country;
  std::map<std::pair<int, int64_t>, Counts> by_workshop;
  std::map<std::pair<int, int64_t>, Counts> by_course;
  std::map<std::tuple<int, uint16_t, int, int>, Counts> by_sex_age;
  // Key: (kind, direction, mobility state).
  std::map<std::tuple<int, int, int>, MobilityCounts> mobilities;
  // Programmes overlapping the period, by id.
  std::vector<ProgrammeQuota> quotas;
  // Rows known (whole tables, not only the period).
  int64_t known_enrollments = 0;
  int64_t known_trainees = 0;
  int64_t known_mobilities = 0;
};

// Computes every figure for `period` from the (flushed) snapshot and the reference data.
// Enrollments whose run is not in `reference.runs`, or starts outside the period, are left out;
// so are mobilities of programmes not in `reference.programmes` or not overlapping the period.
Figures ComputeFigures(const Period& period, const Snapshot& snapshot,
                       const ReferenceData& reference);

}  // namespace luban::report

#endif  // LUBAN_TOOLS_REPORT_REPORT_DATA_H_
