#include "common/api/personal_data.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/any.pb.h"
#include "luban/common/v1/annotations.pb.h"

namespace luban {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

bool IsAny(const Descriptor& type) {
  return type.full_name() == google::protobuf::Any::descriptor()->full_name();
}

// What redaction needs to know of a message type, worked out once per type.
class PersonalTypes {
 public:
  struct Facts {
    // A personal field, a message field that may hold one, or an Any.
    bool may_hold = false;
    // The type's own `bool redacted` field, when it has personal fields of its own: set on
    // redaction so that a reader can tell a cleared field from an empty one.
    const FieldDescriptor* redacted_flag = nullptr;
  };

  Facts Of(const Descriptor& type) {
    absl::MutexLock lock(&mu_);
    return OfLocked(type);
  }

 private:
  Facts OfLocked(const Descriptor& type) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (auto it = known_.find(&type); it != known_.end()) return it->second;
    known_[&type] = Facts{};  // a type that holds itself adds nothing by doing so
    Facts facts;
    bool own_personal_fields = false;
    for (int i = 0; i < type.field_count(); ++i) {
      const FieldDescriptor& field = *type.field(i);
      if (IsPersonal(field)) {
        own_personal_fields = true;
      } else if (field.cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
                 OfLocked(*field.message_type()).may_hold) {
        facts.may_hold = true;
      }
    }
    facts.may_hold = facts.may_hold || own_personal_fields || IsAny(type);
    const FieldDescriptor* redacted = type.FindFieldByName("redacted");
    if (own_personal_fields && redacted != nullptr &&
        redacted->type() == FieldDescriptor::TYPE_BOOL && !redacted->is_repeated()) {
      facts.redacted_flag = redacted;
    }
    known_[&type] = facts;
    return facts;
  }

  absl::Mutex mu_;
  absl::flat_hash_map<const Descriptor*, Facts> known_ ABSL_GUARDED_BY(mu_);
};

PersonalTypes& Types() {
  static PersonalTypes* types = new PersonalTypes();
  return *types;
}

void Redact(Message* message);

// The message an Any carries, redacted in place (left alone when its type is not linked in).
void RedactAny(google::protobuf::Any* any) {
  const absl::string_view url = any->type_url();
  const std::string type_name(url.substr(url.rfind('/') + 1));
  const Descriptor* type =
      google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(type_name);
  if (type == nullptr || !Types().Of(*type).may_hold) return;
  std::unique_ptr<Message> inner(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(type)->New());
  if (!any->UnpackTo(inner.get())) return;
  Redact(inner.get());
  any->PackFrom(*inner);
}

void Redact(Message* message) {
  const Descriptor& type = *message->GetDescriptor();
  if (IsAny(type)) {
    RedactAny(static_cast<google::protobuf::Any*>(message));
    return;
  }
  const PersonalTypes::Facts facts = Types().Of(type);
  if (!facts.may_hold) return;
  const Reflection& reflection = *message->GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection.ListFields(*message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (IsPersonal(*field)) {
      reflection.ClearField(message, field);
      continue;
    }
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (field->is_repeated()) {
      for (int i = 0; i < reflection.FieldSize(*message, field); ++i) {
        Redact(reflection.MutableRepeatedMessage(message, field, i));
      }
    } else {
      Redact(reflection.MutableMessage(message, field));
    }
  }
  if (facts.redacted_flag != nullptr) reflection.SetBool(message, facts.redacted_flag, true);
}

}  // namespace

bool IsPersonal(const FieldDescriptor& field) {
  return field.options().GetExtension(luban::common::v1::personal);
}

void RedactPersonalData(Message* message) { Redact(message); }

}  // namespace luban
