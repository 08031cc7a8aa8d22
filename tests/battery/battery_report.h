// Figures the reliability battery records for docs/reliability.md, which scripts/battery writes
// from them: what the report says is what the battery did in that run.
//
//   RecordFigure("Races", "Enroll calls for the last seats", calls);
//   RecordFigure("Races", "enrollments over capacity", 0);
//
// Each call appends one JSON line {"suite", "test", "section", "figure", "value"} to the file
// named by LUBAN_BATTERY_REPORT (nothing when it is unset: a plain ctest run). One write(2) per
// line on an O_APPEND descriptor, so threads and concurrent test processes may record at once.
//
// The long parts of the battery run reduced by default (CI) and fully with
// LUBAN_BATTERY_FULL=1 (scripts/battery --full): BatteryScale(reduced, full) picks the number.
#ifndef LUBAN_TESTS_BATTERY_BATTERY_REPORT_H_
#define LUBAN_TESTS_BATTERY_BATTERY_REPORT_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace luban::testing {

// Records `value` under `section` and `figure` for the current test (gtest's current suite and
// test name).
void RecordFigure(absl::string_view section, absl::string_view figure, int64_t value);
void RecordFigure(absl::string_view section, absl::string_view figure, double value);
void RecordFigure(absl::string_view section, absl::string_view figure, absl::string_view value);

// True when LUBAN_BATTERY_FULL=1.
bool BatteryFull();
// `full` under BatteryFull(), else `reduced`.
int BatteryScale(int reduced, int full);

}  // namespace luban::testing

#endif  // LUBAN_TESTS_BATTERY_BATTERY_REPORT_H_
