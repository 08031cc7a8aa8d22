// libFuzzer target: ParseResourceName on any bytes (every request names resources).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/domain/resource_name.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  const auto id = luban::ParseResourceName("trainee", "trainees", input);
  if (id.ok()) {
    // Accepted names are canonical: a positive id that prints back to the same name.
    if (*id <= 0 || absl::StrCat("trainees/", *id) != input) std::abort();
  } else if (id.status().code() != absl::StatusCode::kInvalidArgument ||
             id.status().message().find("trainee") == absl::string_view::npos) {
    std::abort();
  }
  return 0;
}
