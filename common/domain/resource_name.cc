#include "common/domain/resource_name.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace luban {

std::string FormatResourceName(absl::string_view collection, int64_t id) {
  return absl::StrCat(collection, "/", id);
}

absl::StatusOr<int64_t> ParseResourceName(absl::string_view field, absl::string_view collection,
                                          absl::string_view name) {
  auto invalid = [&] {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": expected a resource name \"", collection, "/{id}\" with a positive id, got \"",
        absl::CHexEscape(name.substr(0, 80)), "\""));
  };
  if (name.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": required, a resource name \"", collection, "/{id}\""));
  }
  absl::string_view rest = name;
  if (!absl::ConsumePrefix(&rest, collection) || !absl::ConsumePrefix(&rest, "/")) {
    return invalid();
  }
  if (rest.empty() || rest.size() > 18) return invalid();
  for (char c : rest) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return invalid();
  }
  int64_t id = 0;
  if (!absl::SimpleAtoi(rest, &id) || id <= 0 || rest[0] == '0') return invalid();
  return id;
}

}  // namespace luban
