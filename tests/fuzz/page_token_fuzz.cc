// libFuzzer target: PageTokenCodec::Decode on any bytes (a caller's page_token is untrusted), and
// the round trip of every position it encodes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "common/domain/page_token.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const luban::PageTokenCodec codec("fuzzing secret");
  const absl::string_view input(reinterpret_cast<const char*>(data), size);

  // Untrusted: either a position or INVALID_ARGUMENT naming the field, never anything else.
  const auto decoded = codec.Decode(input, /*query_fingerprint=*/42);
  if (!decoded.ok() && (decoded.status().code() != absl::StatusCode::kInvalidArgument ||
                        !absl::StartsWith(decoded.status().message(), "page_token"))) {
    std::abort();
  }

  // Ours: what Encode gives decodes to the same position (of up to 256 bytes, the header's
  // bound), and only for the same query.
  if (input.size() > 256) return 0;
  const std::string token = codec.Encode(7, input);
  const auto back = codec.Decode(token, 7);
  if (!back.ok() || *back != input) std::abort();
  if (codec.Decode(token, 8).ok()) std::abort();
  return 0;
}
