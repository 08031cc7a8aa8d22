// Opaque, tamper-evident page tokens (AIP-158).
//
// A token carries the position after which the next page starts and a fingerprint of the query
// it belongs to, authenticated with HMAC-SHA256 under a server secret. A token that was altered,
// minted under another secret, or replayed with different filters or by another caller is refused
// with INVALID_ARGUMENT. Replicas of a service share the secret (flag --page_token_secret).
#ifndef LUBAN_COMMON_DOMAIN_PAGE_TOKEN_H_
#define LUBAN_COMMON_DOMAIN_PAGE_TOKEN_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace luban {

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 1000;

// 0 -> default; above the maximum -> the maximum (clamped, not an error); negative -> error.
absl::StatusOr<int> EffectivePageSize(int requested);

class PageTokenCodec {
 public:
  explicit PageTokenCodec(std::string secret);

  // `position` is opaque to the codec (e.g. the last id returned, in decimal); positions of up to
  // 256 bytes decode again (Decode refuses longer tokens before reading them).
  std::string Encode(uint64_t query_fingerprint, absl::string_view position) const;
  // The position, or INVALID_ARGUMENT ("page_token: ...").
  absl::StatusOr<std::string> Decode(absl::string_view token, uint64_t query_fingerprint) const;

 private:
  std::string Mac(absl::string_view data) const;
  std::string secret_;
};

}  // namespace luban

#endif  // LUBAN_COMMON_DOMAIN_PAGE_TOKEN_H_
