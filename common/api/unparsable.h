// Requests whose bytes do not parse as their message type. gRPC hands a callback handler nothing
// for them; common/server/rpc.h hands it an empty request carrying the mark below instead, so
// that the call is refused as INVALID_ARGUMENT, counted and logged like any other refusal.
#ifndef LUBAN_COMMON_API_UNPARSABLE_H_
#define LUBAN_COMMON_API_UNPARSABLE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace luban {

// Why `wire` is not a valid `type`, as precisely as the bytes tell: a string field (by its path,
// e.g. "trainee.contacts[1].value") that is not valid UTF-8, a field cut short, malformed data,
// nesting deeper than protobuf parses. The returned text is for a caller, without the bytes.
std::string WhyUnparsable(const google::protobuf::Descriptor& type, absl::string_view wire);

// Marks `request` (left empty by the failed parse) as unparsable because of `why`. The mark is
// an unknown field numbered 0, which no wire data can carry: a client cannot forge it.
void MarkUnparsable(google::protobuf::Message* request, absl::string_view why);

// INVALID_ARGUMENT "request is not a valid <full message name>: <why>" for a marked request,
// OK for any other.
absl::Status CheckParsed(const google::protobuf::Message& request);

}  // namespace luban

#endif  // LUBAN_COMMON_API_UNPARSABLE_H_
