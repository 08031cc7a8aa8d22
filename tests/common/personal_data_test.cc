// Redaction by the contracts' marks: every personal-looking field of every message the services
// send (answers, exports, feed resources) carries the mark, and RedactPersonalData clears exactly
// the marked fields, at any depth and inside a feed event's Any.
#include "common/api/personal_data.h"

#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/any.pb.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "luban/common/v1/types.pb.h"
#include "luban/course/v1/course.pb.h"
#include "luban/enrollment/v1/enrollment.pb.h"
#include "luban/exchange/v1/exchange.pb.h"

namespace luban {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Every message type of the contracts, nested ones included.
std::vector<const Descriptor*> ContractMessages() {
  std::vector<const Descriptor*> all;
  const FileDescriptor* files[] = {luban::common::v1::Date::descriptor()->file(),
                                   luban::course::v1::Course::descriptor()->file(),
                                   luban::enrollment::v1::Trainee::descriptor()->file(),
                                   luban::exchange::v1::Mobility::descriptor()->file()};
  std::vector<const Descriptor*> pending;
  for (const FileDescriptor* file : files) {
    for (int i = 0; i < file->message_type_count(); ++i) pending.push_back(file->message_type(i));
  }
  while (!pending.empty()) {
    const Descriptor* type = pending.back();
    pending.pop_back();
    all.push_back(type);
    for (int i = 0; i < type->nested_type_count(); ++i) pending.push_back(type->nested_type(i));
  }
  return all;
}

// Fields whose names look personal but are not a person's data, each with the reason.
const std::map<std::string, std::string>& NotPersonal() {
  static const auto* fields = new std::map<std::string, std::string>{
      {"luban.common.v1.ChangeEvent.resource_name", "the changed record's resource name"},
      {"luban.course.v1.Institution.display_names", "an institution's names"},
      {"luban.course.v1.Workshop.display_names", "a workshop's names"},
      {"luban.enrollment.v1.Trainee.birth_year", "kept for reporters' age bands"},
      {"luban.enrollment.v1.Certificate.workshop_names", "a workshop's names"},
      {"luban.enrollment.v1.Certificate.chinese_institution_names", "an institution's names"},
      {"luban.enrollment.v1.Certificate.partner_institution_names", "an institution's names"},
      {"luban.enrollment.v1.VerifyCertificateResponse.holder_masked_name",
       "masked on purpose: the public certificate check shows it to anyone"},
      {"luban.enrollment.v1.VerifyCertificateResponse.workshop_names", "a workshop's names"},
      {"luban.enrollment.v1.ListTraineesRequest.name_prefix",
       "a request's search (only those who see personal data may send it)"},
      {"luban.enrollment.v1.ListTraineesRequest.document_number",
       "a request's search (only those who see personal data may send it)"},
      {"luban.enrollment.v1.ExportTraineesRequest.after_name", "a resource name to resume at"},
      {"luban.enrollment.v1.ExportEnrollmentsRequest.after_name", "a resource name to resume at"},
      {"luban.exchange.v1.ExportMobilitiesRequest.after_name", "a resource name to resume at"},
  };
  return *fields;
}

bool LooksPersonal(const FieldDescriptor& field) {
  static const std::regex pattern(
      "name|email|phone|address|birth|document|passport|contact|holder|surname|patronymic");
  // A field called just "name" is the record's resource name (AIP-122).
  return field.name() != "name" && std::regex_search(field.name(), pattern);
}

TEST(PersonalDataTest, EveryPersonalLookingFieldOfTheContractsIsMarked) {
  std::set<std::string> allowed_and_seen;
  int marked = 0;
  for (const Descriptor* type : ContractMessages()) {
    for (int i = 0; i < type->field_count(); ++i) {
      const FieldDescriptor& field = *type->field(i);
      marked += IsPersonal(field) ? 1 : 0;
      if (!LooksPersonal(field) || IsPersonal(field)) continue;
      if (NotPersonal().count(field.full_name()) > 0) {
        allowed_and_seen.insert(field.full_name());
        continue;
      }
      ADD_FAILURE() << field.full_name()
                    << " looks like personal data: mark it [(luban.common.v1.personal) = true], "
                       "or say in NotPersonal() why it is not";
    }
  }
  // Trainees' names, birth date, document, contacts; certificate holders' and teachers' names.
  EXPECT_GE(marked, 15);
  for (const auto& [field, reason] : NotPersonal()) {
    EXPECT_EQ(allowed_and_seen.count(field), 1u)
        << field << " (" << reason << ") is no longer an unmarked field";
  }
}

// Every field set (two elements of repeated ones), to `depth`; an Any holds a full trainee.
void Fill(Message* message, int depth) {
  const Reflection& reflection = *message->GetReflection();
  const Descriptor& type = *message->GetDescriptor();
  if (type.full_name() == google::protobuf::Any::descriptor()->full_name()) {
    luban::enrollment::v1::Trainee trainee;
    Fill(&trainee, depth - 1);
    static_cast<google::protobuf::Any*>(message)->PackFrom(trainee);
    return;
  }
  for (int i = 0; i < type.field_count(); ++i) {
    const FieldDescriptor* field = type.field(i);
    if (field->is_map()) continue;
    const int count = field->is_repeated() ? 2 : 1;
    for (int n = 0; n < count; ++n) {
      switch (field->cpp_type()) {
        case FieldDescriptor::CPPTYPE_MESSAGE:
          if (depth <= 0) break;
          Fill(field->is_repeated() ? reflection.AddMessage(message, field)
                                    : reflection.MutableMessage(message, field),
               depth - 1);
          break;
        case FieldDescriptor::CPPTYPE_STRING:
          field->is_repeated() ? reflection.AddString(message, field, "value")
                               : reflection.SetString(message, field, "value");
          break;
        case FieldDescriptor::CPPTYPE_BOOL:
          if (field->name() == "redacted") break;
          field->is_repeated() ? reflection.AddBool(message, field, true)
                               : reflection.SetBool(message, field, true);
          break;
        case FieldDescriptor::CPPTYPE_ENUM:
          field->is_repeated() ? reflection.AddEnumValue(message, field, 1)
                               : reflection.SetEnumValue(message, field, 1);
          break;
        case FieldDescriptor::CPPTYPE_INT32:
          field->is_repeated() ? reflection.AddInt32(message, field, 7)
                               : reflection.SetInt32(message, field, 7);
          break;
        case FieldDescriptor::CPPTYPE_INT64:
          field->is_repeated() ? reflection.AddInt64(message, field, 7)
                               : reflection.SetInt64(message, field, 7);
          break;
        case FieldDescriptor::CPPTYPE_DOUBLE:
          field->is_repeated() ? reflection.AddDouble(message, field, 7)
                               : reflection.SetDouble(message, field, 7);
          break;
        default:
          ADD_FAILURE() << "no test value for " << field->full_name();
      }
    }
  }
}

// The personal fields set anywhere in `message`, an Any's contents included.
void PersonalFieldsSet(const Message& message, std::vector<std::string>* found) {
  if (message.GetDescriptor()->full_name() == google::protobuf::Any::descriptor()->full_name()) {
    luban::enrollment::v1::Trainee trainee;
    if (static_cast<const google::protobuf::Any&>(message).UnpackTo(&trainee)) {
      PersonalFieldsSet(trainee, found);
    }
    return;
  }
  const Reflection& reflection = *message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection.ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (IsPersonal(*field)) found->push_back(field->full_name());
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (field->is_repeated()) {
      for (int i = 0; i < reflection.FieldSize(message, field); ++i) {
        PersonalFieldsSet(reflection.GetRepeatedMessage(message, field, i), found);
      }
    } else {
      PersonalFieldsSet(reflection.GetMessage(message, field), found);
    }
  }
}

TEST(PersonalDataTest, RedactionClearsExactlyTheMarkedFieldsOfEveryMessage) {
  google::protobuf::util::MessageDifferencer differ;
  for (const Descriptor* type : ContractMessages()) {
    for (int i = 0; i < type->field_count(); ++i) {
      if (IsPersonal(*type->field(i)) || type->field(i)->name() == "redacted") {
        differ.IgnoreField(type->field(i));
      }
    }
  }
  int with_personal_data = 0;
  for (const Descriptor* type : ContractMessages()) {
    if (type->options().map_entry()) continue;
    std::unique_ptr<Message> filled(
        google::protobuf::MessageFactory::generated_factory()->GetPrototype(type)->New());
    Fill(filled.get(), 4);
    std::unique_ptr<Message> redacted(filled->New());
    redacted->CopyFrom(*filled);
    RedactPersonalData(redacted.get());

    std::vector<std::string> before, after;
    PersonalFieldsSet(*filled, &before);
    PersonalFieldsSet(*redacted, &after);
    with_personal_data += before.empty() ? 0 : 1;
    EXPECT_TRUE(after.empty()) << type->full_name() << " still has " << after.front();
    std::string differences;
    differ.ReportDifferencesToString(&differences);
    EXPECT_TRUE(differ.Compare(*filled, *redacted))
        << type->full_name() << " changed beyond its personal fields:\n"
        << differences;
  }
  // Trainee, Certificate, Teacher, Mobility, the requests and answers holding them, ChangeEvent.
  EXPECT_GE(with_personal_data, 10);
}

TEST(PersonalDataTest, ARedactedTraineeSaysSoAndKeepsWhatReportsNeed) {
  luban::enrollment::v1::Trainee trainee;
  trainee.set_name("trainees/7");
  trainee.set_family_name("Раҳимов");
  trainee.set_given_name_latin("Rahimjon");
  trainee.mutable_birth_date()->set_year(2004);
  trainee.set_birth_year(2004);
  trainee.set_citizenship("TJ");
  trainee.mutable_identity_document()->set_number("A1234567");
  trainee.mutable_contacts()->set_email("r@example.tj");
  trainee.set_home_workshop("workshops/1");
  luban::common::v1::ChangeEvent event;
  event.mutable_resource()->PackFrom(trainee);
  RedactPersonalData(&event);
  luban::enrollment::v1::Trainee redacted;
  ASSERT_TRUE(event.resource().UnpackTo(&redacted));
  EXPECT_TRUE(redacted.redacted());
  EXPECT_EQ(redacted.family_name(), "");
  EXPECT_EQ(redacted.given_name_latin(), "");
  EXPECT_FALSE(redacted.has_birth_date());
  EXPECT_FALSE(redacted.has_identity_document());
  EXPECT_FALSE(redacted.has_contacts());
  EXPECT_EQ(redacted.name(), "trainees/7");
  EXPECT_EQ(redacted.birth_year(), 2004);
  EXPECT_EQ(redacted.citizenship(), "TJ");
  EXPECT_EQ(redacted.home_workshop(), "workshops/1");

  // Only those who do not see personal data get it redacted.
  luban::exchange::v1::Mobility mobility;
  mobility.mutable_teacher()->set_full_name("Учитель");
  RedactFor(Principal{"tju-admin", Role::kCollegeAdmin, 2}, &mobility);
  EXPECT_EQ(mobility.teacher().full_name(), "Учитель");
  RedactFor(Principal{"admin", Role::kNetworkAdmin, 0}, &mobility);
  EXPECT_EQ(mobility.teacher().full_name(), "Учитель");
  RedactFor(Principal{"svc-exchange", Role::kService, 0}, &mobility);
  EXPECT_EQ(mobility.teacher().full_name(), "");
  mobility.mutable_teacher()->set_full_name("Учитель");
  RedactFor(Principal{"reports", Role::kReporter, 0}, &mobility);
  EXPECT_EQ(mobility.teacher().full_name(), "");
}

}  // namespace
}  // namespace luban
