// libFuzzer target: WhyUnparsable against protobuf's own parser on any bytes, as the request of
// any method of the three services (the first byte picks it): a reason is found exactly when
// protobuf refuses the bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/api/unparsable.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/stubs/logging.h"
#include "luban/course/v1/course.pb.h"
#include "luban/enrollment/v1/enrollment.pb.h"
#include "luban/exchange/v1/exchange.pb.h"

namespace {

void Quiet(google::protobuf::LogLevel, const char*, int, const std::string&) {}

// Every request type of the three services.
std::vector<const google::protobuf::Descriptor*> RequestTypes() {
  std::vector<const google::protobuf::Descriptor*> types;
  const google::protobuf::FileDescriptor* files[] = {
      luban::course::v1::Course::descriptor()->file(),
      luban::enrollment::v1::Trainee::descriptor()->file(),
      luban::exchange::v1::Mobility::descriptor()->file()};
  for (const google::protobuf::FileDescriptor* file : files) {
    for (int s = 0; s < file->service_count(); ++s) {
      for (int m = 0; m < file->service(s)->method_count(); ++m) {
        types.push_back(file->service(s)->method(m)->input_type());
      }
    }
  }
  return types;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<const google::protobuf::Descriptor*> types = [] {
    google::protobuf::SetLogHandler(Quiet);
    return RequestTypes();
  }();
  if (size == 0) return 0;
  const google::protobuf::Descriptor& type = *types[data[0] % types.size()];
  const absl::string_view wire(reinterpret_cast<const char*>(data + 1), size - 1);
  std::unique_ptr<google::protobuf::Message> message(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(&type)->New());
  const bool parses = message->ParseFromArray(wire.data(), static_cast<int>(wire.size()));
  const bool explained = luban::WhyUnparsable(type, wire) != "it does not parse as one";
  if (parses == explained) std::abort();
  return 0;
}
