// The state file of incremental runs (--state FILE): the export cursors and the compact tables
// of report_data.h, so that the next run reads only the rows changed since and still computes
// exact figures (a changed row replaces its record).
//
// Format (all integers little-endian, whatever the machine):
//   "LBNRPT01"                                    magic and format version
//   3 x cursor: i64 seconds, i32 nanos, u32 n, n bytes of name   (enrollments, trainees,
//   mobilities) u64 n, n x 16 bytes: enrollment id u32, run u32, trainee u32, state u8, certificate
//   u8, 0, 0 u64 n, n x  8 bytes: trainee id u32, birth year i16, sex u8, 0 u64 n, n x 12 bytes:
//   mobility id u32, programme u32, state u8, participant u8, 0, 0 "END!", u64 FNV-1a hash of every
//   byte before "END!"
// Records are sorted by id and unique. The file is about the size of the tables in memory.
#ifndef LUBAN_TOOLS_REPORT_REPORT_STATE_H_
#define LUBAN_TOOLS_REPORT_REPORT_STATE_H_

#include <string>

#include "absl/status/status.h"
#include "tools/report/report_data.h"

namespace luban::report {

// Reads `path` into `snapshot` (replacing its contents). NOT_FOUND when the file does not exist
// (a first run); DATA_LOSS naming the file when it is damaged, truncated or of another format;
// FAILED_PRECONDITION when it cannot be read.
absl::Status LoadState(const std::string& path, Snapshot& snapshot);

// Writes the (flushed) snapshot to `path` atomically: a temporary file in the same directory,
// flushed to disk, then renamed over `path`. A crash leaves the old state or the new one, never
// a mix. FAILED_PRECONDITION naming the file on any I/O error.
absl::Status SaveState(const std::string& path, const Snapshot& snapshot);

// Writes `contents` to `path` the same atomic way (the report's output files).
absl::Status WriteFileAtomically(const std::string& path, const std::string& contents);

}  // namespace luban::report

#endif  // LUBAN_TOOLS_REPORT_REPORT_STATE_H_
