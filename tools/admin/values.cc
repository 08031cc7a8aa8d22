#include "tools/admin/values.h"

#include <cstdint>
#include <cstdio>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"

namespace luban::admin {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

constexpr absl::string_view kDate = "luban.common.v1.Date";
constexpr absl::string_view kLocalized = "luban.common.v1.LocalizedString";
constexpr absl::string_view kTimestamp = "google.protobuf.Timestamp";

absl::string_view MessageName(const FieldDescriptor* field) {
  return field->message_type() == nullptr ? absl::string_view()
                                          : absl::string_view(field->message_type()->full_name());
}

// The prefix all of an enum's value names share up to a '_' ("COURSE_RUN_STATUS_").
std::string EnumPrefix(const EnumDescriptor* type) {
  std::string prefix = type->value(0)->name();
  for (int i = 1; i < type->value_count(); ++i) {
    const std::string& name = type->value(i)->name();
    size_t n = 0;
    while (n < prefix.size() && n < name.size() && prefix[n] == name[n]) ++n;
    prefix.resize(n);
  }
  const size_t underscore = prefix.rfind('_');
  prefix.resize(underscore == std::string::npos ? 0 : underscore + 1);
  return prefix;
}

absl::Status Invalid(const FieldDescriptor* field, absl::string_view text,
                     absl::string_view expected) {
  return absl::InvalidArgumentError(
      absl::StrCat(field->name(), ": '", text, "' is not ", expected));
}

absl::Status ParseDate(const FieldDescriptor* field, absl::string_view text, Message* date) {
  const std::vector<absl::string_view> parts = absl::StrSplit(text, '-');
  int year = 0;
  int month = 0;
  int day = 0;
  if (parts.size() != 3 || parts[0].size() != 4 || parts[1].size() != 2 || parts[2].size() != 2 ||
      !absl::SimpleAtoi(parts[0], &year) || !absl::SimpleAtoi(parts[1], &month) ||
      !absl::SimpleAtoi(parts[2], &day)) {
    return Invalid(field, text, "a date (YYYY-MM-DD)");
  }
  // The calendar check (month lengths, leap years): absl normalises an impossible date.
  const absl::CivilDay civil(year, month, day);
  if (civil.year() != year || civil.month() != month || civil.day() != day) {
    return Invalid(field, text, "a date of the calendar (YYYY-MM-DD)");
  }
  const Descriptor* type = date->GetDescriptor();
  const Reflection* reflection = date->GetReflection();
  reflection->SetInt32(date, type->FindFieldByName("year"), year);
  reflection->SetInt32(date, type->FindFieldByName("month"), month);
  reflection->SetInt32(date, type->FindFieldByName("day"), day);
  return absl::OkStatus();
}

absl::Status ParseTimestamp(const FieldDescriptor* field, absl::string_view text,
                            Message* timestamp) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &time, &error)) {
    // A bare day means its midnight UTC.
    absl::CivilDay day;
    if (!absl::ParseCivilTime(text, &day)) {
      return Invalid(field, text, "a time (RFC 3339, e.g. 2026-01-31T08:00:00Z, or YYYY-MM-DD)");
    }
    time = absl::FromCivil(day, absl::UTCTimeZone());
  }
  const Descriptor* type = timestamp->GetDescriptor();
  const Reflection* reflection = timestamp->GetReflection();
  const int64_t nanos = absl::ToUnixNanos(time);
  int64_t seconds = nanos / 1000000000;
  int64_t rest = nanos % 1000000000;
  if (rest < 0) {
    rest += 1000000000;
    --seconds;
  }
  reflection->SetInt64(timestamp, type->FindFieldByName("seconds"), seconds);
  reflection->SetInt32(timestamp, type->FindFieldByName("nanos"), static_cast<int32_t>(rest));
  return absl::OkStatus();
}

// One scalar or enum value into a singular (`index` < 0) or repeated field.
absl::Status SetScalar(Message* message, const FieldDescriptor* field, absl::string_view text,
                       absl::string_view own_collection) {
  const Reflection* reflection = message->GetReflection();
  const bool repeated = field->is_repeated();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string value(text);
      const std::string collection = CollectionOf(field, own_collection);
      uint64_t id = 0;
      if (!collection.empty() && absl::SimpleAtoi(text, &id)) {
        value = absl::StrCat(collection, "/", text);  // short form: "2" -> "courseRuns/2"
      }
      if (repeated) {
        reflection->AddString(message, field, std::move(value));
      } else {
        reflection->SetString(message, field, std::move(value));
      }
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT32: {
      int32_t value = 0;
      if (!absl::SimpleAtoi(text, &value)) return Invalid(field, text, "a whole number");
      repeated ? reflection->AddInt32(message, field, value)
               : reflection->SetInt32(message, field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t value = 0;
      if (!absl::SimpleAtoi(text, &value)) return Invalid(field, text, "a whole number");
      repeated ? reflection->AddInt64(message, field, value)
               : reflection->SetInt64(message, field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t value = 0;
      if (!absl::SimpleAtoi(text, &value)) return Invalid(field, text, "a whole number >= 0");
      repeated ? reflection->AddUInt32(message, field, value)
               : reflection->SetUInt32(message, field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t value = 0;
      if (!absl::SimpleAtoi(text, &value)) return Invalid(field, text, "a whole number >= 0");
      repeated ? reflection->AddUInt64(message, field, value)
               : reflection->SetUInt64(message, field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT: {
      double value = 0;
      if (!absl::SimpleAtod(text, &value)) return Invalid(field, text, "a number");
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_FLOAT) {
        repeated ? reflection->AddFloat(message, field, static_cast<float>(value))
                 : reflection->SetFloat(message, field, static_cast<float>(value));
      } else {
        repeated ? reflection->AddDouble(message, field, value)
                 : reflection->SetDouble(message, field, value);
      }
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      bool value = false;
      if (!absl::SimpleAtob(text, &value)) return Invalid(field, text, "true or false");
      repeated ? reflection->AddBool(message, field, value)
               : reflection->SetBool(message, field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const EnumDescriptor* type = field->enum_type();
      const std::string prefix = EnumPrefix(type);
      std::string wanted = absl::AsciiStrToUpper(absl::StrReplaceAll(text, {{"-", "_"}}));
      const EnumValueDescriptor* value = type->FindValueByName(wanted);
      if (value == nullptr) value = type->FindValueByName(prefix + wanted);
      if (value == nullptr || value->number() == 0) {
        return Invalid(field, text, absl::StrCat("one of ", FriendlyEnumNames(type)));
      }
      repeated ? reflection->AddEnum(message, field, value)
               : reflection->SetEnum(message, field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  return absl::InternalError(absl::StrCat(field->name(), ": not a scalar field"));
}

std::string FormatTimestamp(const Message& timestamp) {
  const Descriptor* type = timestamp.GetDescriptor();
  const Reflection* reflection = timestamp.GetReflection();
  const int64_t seconds = reflection->GetInt64(timestamp, type->FindFieldByName("seconds"));
  const int32_t nanos = reflection->GetInt32(timestamp, type->FindFieldByName("nanos"));
  const absl::Time time = absl::FromUnixSeconds(seconds) + absl::Nanoseconds(nanos);
  return absl::FormatTime(nanos == 0 ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%dT%H:%M:%E*SZ", time,
                          absl::UTCTimeZone());
}

std::string FormatDate(const Message& date) {
  const Descriptor* type = date.GetDescriptor();
  const Reflection* reflection = date.GetReflection();
  const int year = reflection->GetInt32(date, type->FindFieldByName("year"));
  const int month = reflection->GetInt32(date, type->FindFieldByName("month"));
  const int day = reflection->GetInt32(date, type->FindFieldByName("day"));
  if (year == 0 && month == 0 && day == 0) return "";
  char text[16];
  std::snprintf(text, sizeof(text), "%04d-%02d-%02d", year, month, day);
  return text;
}

// One value of a scalar/enum field (`index` for repeated fields).
std::string FormatScalar(const Message& message, const FieldDescriptor* field, int index) {
  const Reflection* reflection = message.GetReflection();
  const bool repeated = field->is_repeated();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return repeated ? reflection->GetRepeatedString(message, field, index)
                      : reflection->GetString(message, field);
    case FieldDescriptor::CPPTYPE_INT32:
      return absl::StrCat(repeated ? reflection->GetRepeatedInt32(message, field, index)
                                   : reflection->GetInt32(message, field));
    case FieldDescriptor::CPPTYPE_INT64:
      return absl::StrCat(repeated ? reflection->GetRepeatedInt64(message, field, index)
                                   : reflection->GetInt64(message, field));
    case FieldDescriptor::CPPTYPE_UINT32:
      return absl::StrCat(repeated ? reflection->GetRepeatedUInt32(message, field, index)
                                   : reflection->GetUInt32(message, field));
    case FieldDescriptor::CPPTYPE_UINT64:
      return absl::StrCat(repeated ? reflection->GetRepeatedUInt64(message, field, index)
                                   : reflection->GetUInt64(message, field));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return absl::StrCat(repeated ? reflection->GetRepeatedDouble(message, field, index)
                                   : reflection->GetDouble(message, field));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return absl::StrCat(repeated ? reflection->GetRepeatedFloat(message, field, index)
                                   : reflection->GetFloat(message, field));
    case FieldDescriptor::CPPTYPE_BOOL:
      return (repeated ? reflection->GetRepeatedBool(message, field, index)
                       : reflection->GetBool(message, field))
                 ? "true"
                 : "false";
    case FieldDescriptor::CPPTYPE_ENUM: {
      const EnumValueDescriptor* value = repeated
                                             ? reflection->GetRepeatedEnum(message, field, index)
                                             : reflection->GetEnum(message, field);
      return value->number() == 0 ? "" : FriendlyEnumName(value);
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  return "";
}

// A message that is not a leaf, in one line: its non-empty leaves "path=value", space-separated
// (for lists of messages such as a mobility's decisions).
std::string FormatInline(const Message& message) {
  std::vector<std::string> parts;
  for (const FieldPath& path : LeafPaths(message.GetDescriptor())) {
    std::string value = FormatPath(message, path, /*compact=*/true);
    if (!value.empty()) parts.push_back(absl::StrCat(PathName(path), "=", value));
  }
  return absl::StrJoin(parts, " ");
}

}  // namespace

std::string PathName(const FieldPath& path) {
  std::vector<std::string> names;
  names.reserve(path.size());
  for (const FieldDescriptor* field : path) names.push_back(field->name());
  return absl::StrJoin(names, ".");
}

bool IsLeaf(const FieldDescriptor* field) {
  if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) return true;
  const absl::string_view type = MessageName(field);
  if (type == kDate || type == kTimestamp) return !field->is_repeated();
  if (type == kLocalized) return field->is_repeated();
  return field->is_repeated();  // other lists of messages are shown inline, never set by flags
}

std::vector<FieldPath> LeafPaths(const Descriptor* type) {
  std::vector<FieldPath> paths;
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    if (IsLeaf(field)) {
      paths.push_back({field});
      continue;
    }
    for (FieldPath& sub : LeafPaths(field->message_type())) {
      sub.insert(sub.begin(), field);
      paths.push_back(std::move(sub));
    }
  }
  return paths;
}

std::string FriendlyEnumName(const EnumValueDescriptor* value) {
  const std::string prefix = EnumPrefix(value->type());
  return absl::AsciiStrToLower(absl::StripPrefix(value->name(), prefix));
}

std::string FriendlyEnumNames(const EnumDescriptor* type) {
  std::vector<std::string> names;
  for (int i = 0; i < type->value_count(); ++i) {
    if (type->value(i)->number() != 0) names.push_back(FriendlyEnumName(type->value(i)));
  }
  return absl::StrJoin(names, ", ");
}

std::string CollectionOf(const FieldDescriptor* field, absl::string_view own_collection) {
  if (field->cpp_type() != FieldDescriptor::CPPTYPE_STRING) return "";
  const std::string& name = field->name();
  if (name == "name" || name == "after_name") return std::string(own_collection);
  if (name == "workshop" || name == "home_workshop") return "workshops";
  if (name == "course_run") return "courseRuns";
  if (name == "course" || name == "completed_course") return "courses";
  if (name == "trainee") return "trainees";
  if (absl::EndsWith(name, "institution")) return "institutions";
  if (name == "programme") return "programmes";
  if (name == "enrollment") return "enrollments";
  if (name == "certificate") return "certificates";
  return "";
}

absl::Status SetFromText(Message* root, const FieldPath& path, absl::string_view text,
                         absl::string_view own_collection) {
  Message* message = root;
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    message = message->GetReflection()->MutableMessage(message, path[i]);
  }
  const FieldDescriptor* field = path.back();
  const Reflection* reflection = message->GetReflection();
  const absl::string_view type = MessageName(field);
  if (type == kDate) return ParseDate(field, text, reflection->MutableMessage(message, field));
  if (type == kTimestamp) {
    return ParseTimestamp(field, text, reflection->MutableMessage(message, field));
  }
  if (type == kLocalized) {
    const size_t separator = text.find('=');
    if (separator == absl::string_view::npos || separator == 0) {
      return Invalid(field, text, "LANG=TEXT (e.g. en=Dushanbe)");
    }
    Message* localized = reflection->AddMessage(message, field);
    const Descriptor* localized_type = localized->GetDescriptor();
    localized->GetReflection()->SetString(localized,
                                          localized_type->FindFieldByName("language_code"),
                                          std::string(text.substr(0, separator)));
    localized->GetReflection()->SetString(localized, localized_type->FindFieldByName("text"),
                                          std::string(text.substr(separator + 1)));
    return absl::OkStatus();
  }
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    return absl::InvalidArgumentError(
        absl::StrCat(field->name(), ": cannot be set from text; use --from-json"));
  }
  if (field->is_repeated()) {
    for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
      if (auto s = SetScalar(message, field, absl::StripAsciiWhitespace(part), own_collection);
          !s.ok()) {
        return s;
      }
    }
    return absl::OkStatus();
  }
  return SetScalar(message, field, text, own_collection);
}

std::string FormatPath(const Message& root, const FieldPath& path, bool compact) {
  const Message* message = &root;
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    if (!message->GetReflection()->HasField(*message, path[i])) return "";
    message = &message->GetReflection()->GetMessage(*message, path[i]);
  }
  const FieldDescriptor* field = path.back();
  const Reflection* reflection = message->GetReflection();
  const absl::string_view type = MessageName(field);
  if (field->is_repeated()) {
    const int size = reflection->FieldSize(*message, field);
    std::vector<std::string> parts;
    parts.reserve(size);
    for (int i = 0; i < size; ++i) {
      if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
        parts.push_back(FormatScalar(*message, field, i));
        continue;
      }
      const Message& item = reflection->GetRepeatedMessage(*message, field, i);
      if (type == kLocalized) {
        const Descriptor* item_type = item.GetDescriptor();
        const std::string& language =
            item.GetReflection()->GetString(item, item_type->FindFieldByName("language_code"));
        const std::string& text =
            item.GetReflection()->GetString(item, item_type->FindFieldByName("text"));
        parts.push_back(compact ? text : absl::StrCat(language, "=", text));
      } else {
        parts.push_back(FormatInline(item));
      }
    }
    if (type == kLocalized) return absl::StrJoin(parts, compact ? " / " : "; ");
    return absl::StrJoin(parts, field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE ? "; " : ",");
  }
  if (type == kDate || type == kTimestamp) {
    if (!reflection->HasField(*message, field)) return "";
    const Message& value = reflection->GetMessage(*message, field);
    return type == kDate ? FormatDate(value) : FormatTimestamp(value);
  }
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    if (!reflection->HasField(*message, field)) return "";
    return FormatInline(reflection->GetMessage(*message, field));
  }
  // A member of a oneof that is not the one set reads as empty, not as its default.
  if (field->containing_oneof() != nullptr && !reflection->HasField(*message, field)) return "";
  return FormatScalar(*message, field, 0);
}

std::string ValueHint(const FieldDescriptor* field) {
  const absl::string_view type = MessageName(field);
  std::string hint;
  if (type == kDate) {
    hint = "YYYY-MM-DD";
  } else if (type == kTimestamp) {
    hint = "TIME";
  } else if (type == kLocalized) {
    return "LANG=TEXT (repeatable)";
  } else {
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
      case FieldDescriptor::CPPTYPE_INT64:
      case FieldDescriptor::CPPTYPE_UINT32:
      case FieldDescriptor::CPPTYPE_UINT64:
        hint = "INT";
        break;
      case FieldDescriptor::CPPTYPE_DOUBLE:
      case FieldDescriptor::CPPTYPE_FLOAT:
        hint = "NUMBER";
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        hint = "true|false";
        break;
      case FieldDescriptor::CPPTYPE_ENUM:
        hint = absl::StrCat(
            "{", absl::StrReplaceAll(FriendlyEnumNames(field->enum_type()), {{", ", "|"}}), "}");
        break;
      default: {
        const std::string collection = CollectionOf(field, "");
        hint = collection.empty() ? "TEXT" : absl::StrCat(collection, "/ID");
      }
    }
  }
  if (field->is_repeated()) absl::StrAppend(&hint, ",... (repeatable)");
  return hint;
}

}  // namespace luban::admin
