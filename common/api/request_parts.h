// Reading the parts every service's requests share: optional references, the target of a
// change (name + etag), the request id of a mutation, optional enum filters; and writing the
// bookkeeping every resource carries.
#ifndef LUBAN_COMMON_API_REQUEST_PARTS_H_
#define LUBAN_COMMON_API_REQUEST_PARTS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "common/domain/request_context.h"
#include "common/domain/resource_name.h"
#include "common/domain/types.h"
#include "google/protobuf/timestamp.pb.h"

namespace luban {

// An optional reference: empty -> nullopt; otherwise a resource name of `collection`.
absl::StatusOr<std::optional<int64_t>> OptionalResourceName(absl::string_view field,
                                                            absl::string_view collection,
                                                            const std::string& name);
// An optional reference to a record of one of `collections`: empty -> nullopt.
absl::StatusOr<std::optional<ResourceId>> OptionalResourceNameIn(
    absl::string_view field, absl::Span<const absl::string_view> collections,
    const std::string& name);

// What a Delete, Update or transition acts on: the resource and, when the caller sent one, the
// version its etag names.
struct Target {
  int64_t id = 0;
  std::optional<int64_t> version;
};
absl::StatusOr<Target> ReadTarget(absl::string_view collection, const std::string& name,
                                  const std::string& etag);

// A peer's NOT_FOUND reported against the request field it came from.
absl::Status AsField(absl::string_view field, const absl::Status& status);

// Where an export starts: rows changed at or after `updated_since` (unset: from the beginning),
// skipping those at exactly that time up to and including `after_name` (a resource name of
// `collection`, for resuming a broken export). INVALID_ARGUMENT naming the field otherwise.
absl::StatusOr<ExportCursor> ExportStart(const google::protobuf::Timestamp& updated_since,
                                         const std::string& after_name,
                                         absl::string_view collection);

// The cursor of one export batch's read (BatchStream): it moves once, to where the store says the
// next batch starts (Next, the store's ExportNext; the next read then starts, `next_may_start`,
// and reads the cursor), or after a last, partial batch to its last row (Last). The read itself
// selects from() and touches the cursor no other way; a re-run of it (a single read run again as
// a transaction) reads from the same start and moves nothing twice.
class ExportBatchCursor {
 public:
  ExportBatchCursor(ExportCursor& cursor, absl::FunctionRef<void()> next_may_start)
      : cursor_(cursor), from_(cursor), next_may_start_(next_may_start) {}

  const ExportCursor& from() const { return from_; }

  void Next(const ExportCursor& next) {
    if (moved_) return;
    moved_ = true;
    cursor_ = next;
    next_may_start_();
  }

  template <typename T>
  void Last(const std::vector<T>& rows) {
    if (moved_ || rows.empty()) return;
    cursor_ = {rows.back().meta.update_time, rows.back().meta.id};
  }

 private:
  ExportCursor& cursor_;
  const ExportCursor from_;
  absl::FunctionRef<void()> next_may_start_;
  bool moved_ = false;
};

// Writes create_time, update_time and etag.
void MetaToProto(const Meta& meta, google::protobuf::Timestamp* create_time,
                 google::protobuf::Timestamp* update_time, std::string* etag);

// A domain enum from its proto value: a value the contract names (`is_valid` is the generated
// <Enum>_IsValid) other than 0 (UNSPECIFIED). Domain enums carry the contract's numbers, which
// each service asserts where it maps them.
template <typename Domain, typename Proto>
std::optional<Domain> EnumFromProto(Proto value, bool (*is_valid)(int)) {
  const int v = static_cast<int>(value);
  if (v == 0 || !is_valid(v)) return std::nullopt;
  return static_cast<Domain>(v);
}

// An optional enum filter: 0 (unspecified) means any; values the contract does not name are
// refused.
template <typename Domain, typename Proto>
absl::StatusOr<std::optional<Domain>> EnumFilter(absl::string_view field, Proto value,
                                                 bool (*is_valid)(int)) {
  if (static_cast<int>(value) == 0) return std::optional<Domain>();
  auto converted = EnumFromProto<Domain>(value, is_valid);
  if (!converted) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": unknown value ", static_cast<int>(value)));
  }
  return converted;
}

}  // namespace luban

#endif  // LUBAN_COMMON_API_REQUEST_PARTS_H_
