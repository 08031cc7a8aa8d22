// Conversions between the shared proto types (luban.common.v1, well-known types) and domain
// values, used by every service's handler layer.
#ifndef LUBAN_COMMON_API_CONVERT_H_
#define LUBAN_COMMON_API_CONVERT_H_

#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/domain/ledger.h"
#include "common/domain/request_context.h"
#include "common/domain/types.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "google/protobuf/timestamp.pb.h"
#include "luban/common/v1/types.pb.h"

namespace luban {

// A complete, valid calendar date (1900..9999); INVALID_ARGUMENT naming `field` otherwise.
absl::StatusOr<absl::CivilDay> DateFromProto(absl::string_view field,
                                             const luban::common::v1::Date& date);
// An unset message (all zero) -> nullopt; otherwise as DateFromProto.
absl::StatusOr<std::optional<absl::CivilDay>> OptionalDateFromProto(
    absl::string_view field, const luban::common::v1::Date& date);
void DateToProto(absl::CivilDay day, luban::common::v1::Date* out);

void TimeToProto(absl::Time time, google::protobuf::Timestamp* out);
absl::Time TimeFromProto(const google::protobuf::Timestamp& timestamp);

std::vector<LocalizedText> LocalizedFromProto(
    const google::protobuf::RepeatedPtrField<luban::common::v1::LocalizedString>& texts);
void LocalizedToProto(const std::vector<LocalizedText>& texts,
                      google::protobuf::RepeatedPtrField<luban::common::v1::LocalizedString>* out);

// The role as the contract names it (Role::kAnonymous is ROLE_UNSPECIFIED); the two enums are
// tied value for value in convert.cc.
luban::common::v1::Role RoleToProto(Role role);
// Who the caller is: its name, role and, for a college admin, "institutions/{id}".
void CallerToProto(const Principal& principal, luban::common::v1::Caller* out);

// "auditRecords/{id}" and the record's fields.
void ToProto(const StoredAuditRecord& in, luban::common::v1::AuditRecord* out);

}  // namespace luban

#endif  // LUBAN_COMMON_API_CONVERT_H_
