#include "common/api/request_parts.h"

#include "common/api/convert.h"
#include "common/domain/resource_name.h"
#include "common/domain/status_macros.h"
#include "common/domain/validation.h"

namespace luban {

absl::StatusOr<std::optional<int64_t>> OptionalResourceName(absl::string_view field,
                                                            absl::string_view collection,
                                                            const std::string& name) {
  if (name.empty()) return std::optional<int64_t>();
  LUBAN_ASSIGN_OR_RETURN(auto id, ParseResourceName(field, collection, name));
  return std::optional<int64_t>(id);
}

absl::StatusOr<std::optional<ResourceId>> OptionalResourceNameIn(
    absl::string_view field, absl::Span<const absl::string_view> collections,
    const std::string& name) {
  if (name.empty()) return std::optional<ResourceId>();
  LUBAN_ASSIGN_OR_RETURN(auto id, ParseResourceNameIn(field, collections, name));
  return std::optional<ResourceId>(std::move(id));
}

absl::StatusOr<Target> ReadTarget(absl::string_view collection, const std::string& name,
                                  const std::string& etag) {
  Target target;
  LUBAN_ASSIGN_OR_RETURN(auto id, ParseResourceName("name", collection, name));
  target.id = id;
  LUBAN_ASSIGN_OR_RETURN(auto version, ParseEtag("etag", etag));
  target.version = version;
  return target;
}

absl::Status AsField(absl::string_view field, const absl::Status& status) {
  if (status.code() != absl::StatusCode::kNotFound) return status;
  return absl::NotFoundError(absl::StrCat(field, ": ", status.message()));
}

absl::StatusOr<ExportCursor> ExportStart(const google::protobuf::Timestamp& updated_since,
                                         const std::string& after_name,
                                         absl::string_view collection) {
  ExportCursor cursor;
  if (updated_since.seconds() != 0 || updated_since.nanos() != 0) {
    if (updated_since.seconds() < 0 || updated_since.nanos() < 0 ||
        updated_since.nanos() > 999999999) {
      return InvalidField("updated_since", "a valid timestamp");
    }
    cursor.updated_since = TimeFromProto(updated_since);
  }
  if (!after_name.empty()) {
    LUBAN_ASSIGN_OR_RETURN(auto id, ParseResourceName("after_name", collection, after_name));
    cursor.after_id = id;
  }
  return cursor;
}

void MetaToProto(const Meta& meta, google::protobuf::Timestamp* create_time,
                 google::protobuf::Timestamp* update_time, std::string* etag) {
  TimeToProto(meta.create_time, create_time);
  TimeToProto(meta.update_time, update_time);
  *etag = FormatEtag(meta.version);
}

}  // namespace luban
