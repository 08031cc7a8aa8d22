#include "common/api/field_mask.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace luban {

absl::StatusOr<absl::flat_hash_set<std::string>> ReadUpdateMask(
    const google::protobuf::FieldMask& mask, std::initializer_list<absl::string_view> updatable) {
  const std::string allowed = absl::StrJoin(updatable, ", ");
  if (mask.paths().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("update_mask: required; name the fields to change (", allowed, ") or \"*\""));
  }
  absl::flat_hash_set<std::string> paths;
  for (const std::string& path : mask.paths()) {
    if (path == "*") {
      for (absl::string_view field : updatable) paths.insert(std::string(field));
      continue;
    }
    bool known = false;
    for (absl::string_view field : updatable) known |= field == path;
    if (!known) {
      return absl::InvalidArgumentError(
          absl::StrCat("update_mask: \"", path.substr(0, 100),
                       "\" cannot be updated; updatable fields: ", allowed));
    }
    paths.insert(path);
  }
  return paths;
}

}  // namespace luban
