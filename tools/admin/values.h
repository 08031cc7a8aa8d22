// Field values of protobuf messages as the command line writes and reads them, through
// reflection, so one code path serves every request and resource of the three services.
//
// Friendly text forms:
//   enum                   lowercase value name without the enum's prefix: "open", "in_progress"
//                          ('-' and '_' both accepted, and the full name "COURSE_RUN_STATUS_OPEN")
//   luban.common.v1.Date   YYYY-MM-DD
//   Timestamp              RFC 3339, e.g. 2026-01-31T08:00:00Z
//   bool                   true/false (also yes/no, 1/0)
//   repeated string        comma-separated, or the flag repeated
//   LocalizedString list   LANG=TEXT, the flag repeated for more languages
//   resource names         "courseRuns/2", or just "2" where the field names its collection
#ifndef LUBAN_TOOLS_ADMIN_VALUES_H_
#define LUBAN_TOOLS_ADMIN_VALUES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace luban::admin {

// A path of fields from a message to a leaf, e.g. {identity_document, country_code}.
using FieldPath = std::vector<const google::protobuf::FieldDescriptor*>;

// "identity_document.country_code".
std::string PathName(const FieldPath& path);

// Whether `field` is written and read as one text (a scalar, an enum, a Date, a Timestamp, a
// repeated scalar or a list of LocalizedString) rather than descended into.
bool IsLeaf(const google::protobuf::FieldDescriptor* field);

// The leaf paths of `type`, depth first in field order (sub-messages flattened).
std::vector<FieldPath> LeafPaths(const google::protobuf::Descriptor* type);

// "in_progress" for COURSE_RUN_STATUS_IN_PROGRESS.
std::string FriendlyEnumName(const google::protobuf::EnumValueDescriptor* value);
// The friendly names of an enum's values, UNSPECIFIED left out: "scheduled, open, ...".
std::string FriendlyEnumNames(const google::protobuf::EnumDescriptor* type);

// The collection a resource-name field refers to ("workshops" for home_workshop), or "" when
// the field is not a resource name. `name` fields take `own_collection`.
std::string CollectionOf(const google::protobuf::FieldDescriptor* field,
                         absl::string_view own_collection);

// Sets the leaf at `path` under `root` from its friendly text. A repeated leaf gets the value(s)
// appended. INVALID_ARGUMENT naming the field and the expected form.
absl::Status SetFromText(google::protobuf::Message* root, const FieldPath& path,
                         absl::string_view text, absl::string_view own_collection = "");

// The leaf at `path` in friendly text ("" when unset). `compact` renders lists of localized
// strings as their texts only ("Name / Имя"), for tables.
std::string FormatPath(const google::protobuf::Message& root, const FieldPath& path,
                       bool compact = false);

// A short placeholder of the expected form for --help: "INT", "YYYY-MM-DD", "{open,closed}".
std::string ValueHint(const google::protobuf::FieldDescriptor* field);

}  // namespace luban::admin

#endif  // LUBAN_TOOLS_ADMIN_VALUES_H_
