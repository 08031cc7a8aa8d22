#include "common/domain/page_token.h"

#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "openssl/crypto.h"
#include "openssl/evp.h"
#include "openssl/hmac.h"

namespace luban {
namespace {

constexpr char kVersion = 1;
constexpr size_t kMacBytes = 16;  // truncated HMAC-SHA256: 128 bits against forgery
constexpr size_t kMaxPosition = 256;

void AppendU64(std::string& out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t ReadU64(absl::string_view in) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

absl::Status Invalid(absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("page_token: ", why,
                   "; pass the next_page_token of the previous response unchanged, "
                   "with the same filters, as the same caller"));
}

}  // namespace

absl::StatusOr<int> EffectivePageSize(int requested) {
  if (requested < 0) {
    return absl::InvalidArgumentError("page_size: must not be negative");
  }
  if (requested == 0) return kDefaultPageSize;
  return requested > kMaxPageSize ? kMaxPageSize : requested;
}

PageTokenCodec::PageTokenCodec(std::string secret) : secret_(std::move(secret)) {}

std::string PageTokenCodec::Mac(absl::string_view data) const {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &length);
  return std::string(reinterpret_cast<const char*>(digest), kMacBytes);
}

std::string PageTokenCodec::Encode(uint64_t query_fingerprint, absl::string_view position) const {
  std::string data;
  data.push_back(kVersion);
  AppendU64(data, query_fingerprint);
  data.append(position.data(), position.size());
  data.append(Mac(data));
  return absl::WebSafeBase64Escape(data);
}

absl::StatusOr<std::string> PageTokenCodec::Decode(absl::string_view token,
                                                   uint64_t query_fingerprint) const {
  if (token.size() > 2 * kMaxPosition) return Invalid("too long");
  std::string data;
  if (!absl::WebSafeBase64Unescape(token, &data)) return Invalid("not a page token");
  if (data.size() < 1 + 8 + kMacBytes || data[0] != kVersion) {
    return Invalid("not a page token");
  }
  const absl::string_view body(data.data(), data.size() - kMacBytes);
  const std::string expected = Mac(body);
  if (CRYPTO_memcmp(expected.data(), data.data() + body.size(), kMacBytes) != 0) {
    return Invalid("the token was altered or was not issued by this service");
  }
  if (ReadU64(body.substr(1, 8)) != query_fingerprint) {
    return Invalid("the token belongs to a query with other filters or another caller");
  }
  return std::string(body.substr(9));
}

}  // namespace luban
