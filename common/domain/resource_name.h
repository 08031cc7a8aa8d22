// Resource names "<collection>/<id>" (AIP-122) with positive 64-bit ids.
#ifndef LUBAN_COMMON_DOMAIN_RESOURCE_NAME_H_
#define LUBAN_COMMON_DOMAIN_RESOURCE_NAME_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace luban {

// A resource name taken apart.
struct ResourceId {
  std::string collection;  // e.g. "workshops"
  int64_t id = 0;
  bool operator==(const ResourceId&) const = default;
};

std::string FormatResourceName(absl::string_view collection, int64_t id);

// NOT_FOUND "<collection>/<id>: not found", as every service answers for a record that does not
// exist or that the caller may not see.
absl::Status ResourceNotFound(absl::string_view collection, int64_t id);

// The id of `name` in `collection`. INVALID_ARGUMENT naming `field` when `name` is empty, of
// another collection or has no positive decimal id.
absl::StatusOr<int64_t> ParseResourceName(absl::string_view field, absl::string_view collection,
                                          absl::string_view name);

// `name` as a resource name of one of `collections` (e.g. the collections a service owns). As
// ParseResourceName: INVALID_ARGUMENT naming `field` (and the collections) otherwise.
absl::StatusOr<ResourceId> ParseResourceNameIn(absl::string_view field,
                                               absl::Span<const absl::string_view> collections,
                                               absl::string_view name);

}  // namespace luban

#endif  // LUBAN_COMMON_DOMAIN_RESOURCE_NAME_H_
