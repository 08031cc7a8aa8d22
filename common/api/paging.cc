#include "common/api/paging.h"

#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/domain/status_macros.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/reflection.h"
#include "openssl/sha.h"

namespace luban {

std::string DeterministicBytes(const google::protobuf::Message& message) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return bytes;
}

uint64_t QueryFingerprint(const google::protobuf::Message& list_request, absl::string_view caller) {
  std::unique_ptr<google::protobuf::Message> filters(list_request.New());
  filters->CopyFrom(list_request);
  const auto* descriptor = filters->GetDescriptor();
  const auto* reflection = filters->GetReflection();
  for (const char* name : {"page_size", "page_token"}) {
    if (const auto* field = descriptor->FindFieldByName(name)) {
      reflection->ClearField(filters.get(), field);
    }
  }
  // The caller's name is length-prefixed: no name and filter bytes can be shifted into another.
  const std::string bytes = absl::StrCat(descriptor->full_name(), "|", caller.size(), ":", caller,
                                         "|", DeterministicBytes(*filters));
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  uint64_t fingerprint = 0;
  for (int i = 0; i < 8; ++i) fingerprint = (fingerprint << 8) | digest[i];
  return fingerprint;
}

absl::StatusOr<PageRequest> ReadPageRequest(const PageTokenCodec& codec, absl::string_view caller,
                                            const google::protobuf::Message& list_request) {
  const auto* descriptor = list_request.GetDescriptor();
  const auto* reflection = list_request.GetReflection();
  PageRequest page;
  LUBAN_ASSIGN_OR_RETURN(auto size, EffectivePageSize(reflection->GetInt32(
                                        list_request, descriptor->FindFieldByName("page_size"))));
  page.size = size;
  const std::string token =
      reflection->GetString(list_request, descriptor->FindFieldByName("page_token"));
  if (!token.empty()) {
    LUBAN_ASSIGN_OR_RETURN(auto position,
                           codec.Decode(token, QueryFingerprint(list_request, caller)));
    if (!absl::SimpleAtoi(position, &page.after_id) || page.after_id < 0) {
      return absl::InvalidArgumentError("page_token: not a page token of this list");
    }
  }
  return page;
}

std::string NextPageToken(const PageTokenCodec& codec, absl::string_view caller,
                          const google::protobuf::Message& list_request, bool more,
                          int64_t last_id) {
  if (!more) return "";
  return codec.Encode(QueryFingerprint(list_request, caller), absl::StrCat(last_id));
}

}  // namespace luban
