// Redaction of personal data, driven by the contracts: a field marked
// [(luban.common.v1.personal) = true] is cleared for callers who do not see personal data
// (Principal::SeesPersonalData), in every message the services send them. CallRunner applies it
// to unary answers, ServeExport to export batches and ServeWatchChanges to feed events, so no
// method can forget it.
#ifndef LUBAN_COMMON_API_PERSONAL_DATA_H_
#define LUBAN_COMMON_API_PERSONAL_DATA_H_

#include "common/domain/request_context.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace luban {

// Whether `field` is marked personal.
bool IsPersonal(const google::protobuf::FieldDescriptor& field);

// Clears every personal field of `message` and of the messages it holds, at any depth, those
// packed in a google.protobuf.Any (feed events) included; a message that had personal fields
// to clear and has a `bool redacted` field gets it set. Messages of types that cannot hold
// personal data are left untouched without a walk.
void RedactPersonalData(google::protobuf::Message* message);

// RedactPersonalData(message) unless `who` sees personal data.
inline void RedactFor(const Principal& who, google::protobuf::Message* message) {
  if (!who.SeesPersonalData()) RedactPersonalData(message);
}

}  // namespace luban

#endif  // LUBAN_COMMON_API_PERSONAL_DATA_H_
