#include "common/server/rpc.h"

#include <cstdlib>
#include <iostream>

#include "google/protobuf/descriptor.h"
#include "grpc/byte_buffer_reader.h"
#include "grpc/slice.h"

namespace luban::rpc_internal {

std::string TakeBytes(grpc_byte_buffer* buffer) {
  std::string bytes;
  grpc_byte_buffer_reader reader;
  if (grpc_byte_buffer_reader_init(&reader, buffer)) {
    grpc_slice all = grpc_byte_buffer_reader_readall(&reader);
    bytes.assign(reinterpret_cast<const char*>(GRPC_SLICE_START_PTR(all)), GRPC_SLICE_LENGTH(all));
    grpc_slice_unref(all);
    grpc_byte_buffer_reader_destroy(&reader);
  }
  grpc_byte_buffer_destroy(buffer);
  return bytes;
}

int MethodIndex(absl::string_view service_full_name, absl::string_view method) {
  const google::protobuf::ServiceDescriptor* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
          std::string(service_full_name));
  const google::protobuf::MethodDescriptor* found =
      service == nullptr ? nullptr : service->FindMethodByName(std::string(method));
  if (found == nullptr) {
    // A handler line naming a method the service does not have: a programming error.
    std::cerr << service_full_name << " has no method " << method << "\n";
    std::abort();
  }
  return found->index();
}

}  // namespace luban::rpc_internal
