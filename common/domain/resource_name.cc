#include "common/domain/resource_name.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/domain/status_macros.h"

namespace luban {

std::string FormatResourceName(absl::string_view collection, int64_t id) {
  return absl::StrCat(collection, "/", id);
}

absl::Status ResourceNotFound(absl::string_view collection, int64_t id) {
  return absl::NotFoundError(absl::StrCat(FormatResourceName(collection, id), ": not found"));
}

absl::StatusOr<int64_t> ParseResourceName(absl::string_view field, absl::string_view collection,
                                          absl::string_view name) {
  auto invalid = [&] {
    return absl::InvalidArgumentError(absl::StrCat(field, ": expected a resource name \"",
                                                   collection, "/{id}\" with a positive id, got \"",
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

absl::StatusOr<ResourceId> ParseResourceNameIn(absl::string_view field,
                                               absl::Span<const absl::string_view> collections,
                                               absl::string_view name) {
  const size_t slash = name.find('/');
  const absl::string_view collection =
      slash == absl::string_view::npos ? absl::string_view() : name.substr(0, slash);
  for (absl::string_view candidate : collections) {
    if (candidate != collection) continue;
    LUBAN_ASSIGN_OR_RETURN(auto id, ParseResourceName(field, candidate, name));
    return ResourceId{std::string(candidate), id};
  }
  const std::string expected =
      absl::StrCat("a resource name \"{collection}/{id}\" of ", absl::StrJoin(collections, ", "));
  if (name.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": required, ", expected));
  }
  return absl::InvalidArgumentError(absl::StrCat(field, ": expected ", expected, ", got \"",
                                                 absl::CHexEscape(name.substr(0, 80)), "\""));
}

}  // namespace luban
