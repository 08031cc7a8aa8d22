// Field checks shared by every service's request validation. Each returns INVALID_ARGUMENT with
// a message "<field>: <rule>" so a caller knows what to fix.
#ifndef LUBAN_COMMON_DOMAIN_VALIDATION_H_
#define LUBAN_COMMON_DOMAIN_VALIDATION_H_

#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace luban {

absl::Status InvalidField(absl::string_view field, absl::string_view rule);

// UTF-8 text of min..max bytes without control characters (tabs and newlines only when
// `multiline`). Any script; stored byte-exact.
absl::Status CheckText(absl::string_view field, absl::string_view value, size_t min_bytes,
                       size_t max_bytes, bool multiline = false);
// Well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool IsValidUtf8(absl::string_view text);
// An ISO 3166-1 alpha-2 code assigned to a country: two ASCII capitals, one of the 249 in the
// standard (no user-assigned or reserved code such as XX, ZZ, QQ).
absl::Status CheckCountryCode(absl::string_view field, absl::string_view code);
// BCP 47 language tag shape: a 2-3 letter lowercase language, then '-'-separated subtags of 1-8
// letters or digits (e.g. "tg", "zh-Hans", "uz-Latn").
absl::Status CheckLanguageTag(absl::string_view field, absl::string_view tag);
// request_id: 1..128 printable ASCII characters.
absl::Status CheckRequestId(absl::string_view request_id);

// Comma-separated set of country codes, e.g. "TJ,KZ,UZ,KG,TM" (configuration).
absl::StatusOr<absl::flat_hash_set<std::string>> ParseCountrySet(absl::string_view text);

}  // namespace luban

#endif  // LUBAN_COMMON_DOMAIN_VALIDATION_H_
