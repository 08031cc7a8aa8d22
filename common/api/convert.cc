#include "common/api/convert.h"

#include "absl/strings/str_cat.h"
#include "common/domain/resource_name.h"
#include "common/domain/status_macros.h"
#include "common/domain/validation.h"

namespace luban {
namespace {

namespace cpb = ::luban::common::v1;

// The domain's roles are the contract's, value for value: RoleToProto is a cast.
static_assert(static_cast<int>(Role::kAnonymous) == cpb::ROLE_UNSPECIFIED);
static_assert(static_cast<int>(Role::kNetworkAdmin) == cpb::ROLE_NETWORK_ADMIN);
static_assert(static_cast<int>(Role::kCollegeAdmin) == cpb::ROLE_COLLEGE_ADMIN);
static_assert(static_cast<int>(Role::kReporter) == cpb::ROLE_REPORTER);
static_assert(static_cast<int>(Role::kService) == cpb::ROLE_SERVICE);
static_assert(cpb::Role_MAX == cpb::ROLE_SERVICE, "a role of the contract the domain lacks");

}  // namespace

absl::StatusOr<absl::CivilDay> DateFromProto(absl::string_view field,
                                             const luban::common::v1::Date& date) {
  if (date.year() < 1900 || date.year() > 9999 || date.month() < 1 || date.month() > 12 ||
      date.day() < 1 || date.day() > 31) {
    return InvalidField(field, "a complete date: year 1900..9999, month 1..12, day 1..31");
  }
  const absl::CivilDay day(date.year(), date.month(), date.day());
  if (day.year() != date.year() || day.month() != date.month() || day.day() != date.day()) {
    return InvalidField(field, absl::StrCat(date.year(), "-", date.month(), "-", date.day(),
                                            " is not a day of the calendar"));
  }
  return day;
}

absl::StatusOr<std::optional<absl::CivilDay>> OptionalDateFromProto(
    absl::string_view field, const luban::common::v1::Date& date) {
  if (date.year() == 0 && date.month() == 0 && date.day() == 0) return std::nullopt;
  LUBAN_ASSIGN_OR_RETURN(auto day, DateFromProto(field, date));
  return std::optional<absl::CivilDay>(day);
}

void DateToProto(absl::CivilDay day, luban::common::v1::Date* out) {
  out->set_year(static_cast<int32_t>(day.year()));
  out->set_month(day.month());
  out->set_day(day.day());
}

void TimeToProto(absl::Time time, google::protobuf::Timestamp* out) {
  const int64_t micros = absl::ToUnixMicros(time);
  int64_t seconds = micros / 1000000;
  int64_t rest = micros % 1000000;
  if (rest < 0) {
    rest += 1000000;
    --seconds;
  }
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(rest * 1000));
}

absl::Time TimeFromProto(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) + absl::Nanoseconds(timestamp.nanos());
}

std::vector<LocalizedText> LocalizedFromProto(
    const google::protobuf::RepeatedPtrField<luban::common::v1::LocalizedString>& texts) {
  std::vector<LocalizedText> out;
  out.reserve(texts.size());
  for (const auto& t : texts) out.push_back({t.language_code(), t.text()});
  return out;
}

void LocalizedToProto(const std::vector<LocalizedText>& texts,
                      google::protobuf::RepeatedPtrField<luban::common::v1::LocalizedString>* out) {
  out->Clear();
  for (const auto& t : texts) {
    auto* item = out->Add();
    item->set_language_code(t.language);
    item->set_text(t.text);
  }
}

cpb::Role RoleToProto(Role role) { return static_cast<cpb::Role>(role); }

void CallerToProto(const Principal& principal, cpb::Caller* out) {
  out->Clear();
  out->set_principal(principal.name);
  out->set_role(RoleToProto(principal.role));
  if (principal.IsCollegeAdmin()) {
    out->set_institution(FormatResourceName("institutions", principal.institution_id));
  }
}

void ToProto(const StoredAuditRecord& in, cpb::AuditRecord* out) {
  out->Clear();
  out->set_name(FormatResourceName("auditRecords", in.id));
  TimeToProto(in.time, out->mutable_time());
  out->set_actor(in.record.actor);
  out->set_actor_role(in.record.actor_role);
  out->set_request_id(in.record.request_id);
  out->set_method(in.record.method);
  out->set_resource(in.record.resource_name);
  out->set_action(in.record.action);
  out->set_details(in.record.details);
}

}  // namespace luban
