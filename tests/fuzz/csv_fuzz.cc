// libFuzzer target: the CSV reader on any bytes (an operator's import file), and the writer's
// output read back field for field.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "tools/cli/csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);

  // Untrusted: records or INVALID_ARGUMENT, with a bounded record size.
  std::istringstream in(input);
  luban::cli::CsvReader reader(in, /*max_record_bytes=*/4096);
  std::vector<std::string> fields;
  std::vector<std::vector<std::string>> records;
  while (reader.Next(&fields)) records.push_back(fields);
  if (!reader.status().ok() && reader.status().code() != absl::StatusCode::kInvalidArgument) {
    std::abort();
  }

  // Ours: every record written reads back unchanged. (A record of one empty field is written as
  // an empty line, which reads as no record; skip those.)
  std::ostringstream out;
  luban::cli::CsvWriter writer(out);
  std::vector<std::vector<std::string>> written;
  for (const auto& record : records) {
    if (record.size() == 1 && record[0].empty()) continue;
    writer.WriteRow(record);
    written.push_back(record);
  }
  std::vector<std::vector<std::string>> reread;
  if (!luban::cli::ParseCsv(out.str(), &reread).ok() || reread != written) std::abort();
  return 0;
}
