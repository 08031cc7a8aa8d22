// Update masks (AIP-134): which fields of a resource an Update call changes.
#ifndef LUBAN_COMMON_API_FIELD_MASK_H_
#define LUBAN_COMMON_API_FIELD_MASK_H_

#include <initializer_list>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/field_mask.pb.h"

namespace luban {

// The paths of `mask`, each one of `updatable`; "*" stands for all of them. INVALID_ARGUMENT
// ("update_mask: ...") for an empty mask, an unknown or output-only/immutable path.
absl::StatusOr<absl::flat_hash_set<std::string>> ReadUpdateMask(
    const google::protobuf::FieldMask& mask, std::initializer_list<absl::string_view> updatable);

}  // namespace luban

#endif  // LUBAN_COMMON_API_FIELD_MASK_H_
