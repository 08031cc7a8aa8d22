#include "common/domain/validation.h"

#include <algorithm>
#include <iterator>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/domain/status_macros.h"

namespace luban {

absl::Status InvalidField(absl::string_view field, absl::string_view rule) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", rule));
}

bool IsValidUtf8(absl::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    int extra = 0;
    uint32_t code = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1;
      code = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      code = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      code = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= text.size()) return false;  // truncated sequence
    for (int k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      code = (code << 6) | (cc & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (code < kMin[extra] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

absl::Status CheckText(absl::string_view field, absl::string_view value, size_t min_bytes,
                       size_t max_bytes, bool multiline) {
  if (value.size() < min_bytes) {
    return InvalidField(
        field, min_bytes == 1 ? "required" : absl::StrCat("at least ", min_bytes, " bytes"));
  }
  if (value.size() > max_bytes) {
    return InvalidField(field, absl::StrCat("at most ", max_bytes, " bytes of UTF-8"));
  }
  if (!IsValidUtf8(value)) return InvalidField(field, "must be valid UTF-8");
  for (char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == 0x7F || (c < 0x20 && !(multiline && (c == '\n' || c == '\t' || c == '\r')))) {
      return InvalidField(field, "must not contain control characters");
    }
  }
  if (min_bytes > 0 && absl::StripAsciiWhitespace(value).empty()) {
    return InvalidField(field, "must not be blank");
  }
  return absl::OkStatus();
}

namespace {

// The officially assigned ISO 3166-1 alpha-2 codes (249, as Debian's iso-codes lists them),
// sorted: user-assigned and reserved codes (AA, QM-QZ, XA-XZ, ZZ) and unassigned ones are not
// countries.
// A row per first letter.
// clang-format off
constexpr absl::string_view kAssignedCountryCodes[] = {
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ",
    "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN", "CO", "CR", "CU", "CV", "CW",
    "CX", "CY", "CZ",
    "DE", "DJ", "DK", "DM", "DO", "DZ",
    "EC", "EE", "EG", "EH", "ER", "ES", "ET",
    "FI", "FJ", "FK", "FM", "FO", "FR",
    "GA", "GB", "GD", "GE", "GF", "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT",
    "GU", "GW", "GY",
    "HK", "HM", "HN", "HR", "HT", "HU",
    "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT",
    "JE", "JM", "JO", "JP",
    "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ",
    "LA", "LB", "LC", "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY",
    "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK", "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS",
    "MT", "MU", "MV", "MW", "MX", "MY", "MZ",
    "NA", "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ",
    "OM",
    "PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY",
    "QA",
    "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ",
    "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO", "TR", "TT", "TV", "TW", "TZ",
    "UA", "UG", "UM", "US", "UY", "UZ",
    "VA", "VC", "VE", "VG", "VI", "VN", "VU",
    "WF", "WS",
    "YE", "YT",
    "ZA", "ZM", "ZW",
};
// clang-format on
static_assert(std::size(kAssignedCountryCodes) == 249);
static_assert(std::is_sorted(std::begin(kAssignedCountryCodes), std::end(kAssignedCountryCodes)));

}  // namespace

absl::Status CheckCountryCode(absl::string_view field, absl::string_view code) {
  if (code.size() != 2 || !absl::ascii_isupper(static_cast<unsigned char>(code[0])) ||
      !absl::ascii_isupper(static_cast<unsigned char>(code[1]))) {
    return InvalidField(field, "an ISO 3166-1 alpha-2 country code (two capital letters)");
  }
  if (!std::binary_search(std::begin(kAssignedCountryCodes), std::end(kAssignedCountryCodes),
                          code)) {
    return InvalidField(field, absl::StrCat("an ISO 3166-1 alpha-2 country code assigned to a ",
                                            "country (", code, " is not one)"));
  }
  return absl::OkStatus();
}

absl::Status CheckLanguageTag(absl::string_view field, absl::string_view tag) {
  const auto invalid = [&] {
    return InvalidField(field, "a BCP 47 language tag such as \"tg\", \"ru\" or \"zh-Hans\"");
  };
  if (tag.empty() || tag.size() > 35) return invalid();
  std::vector<absl::string_view> parts = absl::StrSplit(tag, '-');
  const absl::string_view language = parts[0];
  if (language.size() < 2 || language.size() > 3) return invalid();
  for (char c : language) {
    if (!absl::ascii_islower(static_cast<unsigned char>(c))) return invalid();
  }
  for (size_t i = 1; i < parts.size(); ++i) {
    if (parts[i].empty() || parts[i].size() > 8) return invalid();
    for (char c : parts[i]) {
      if (!absl::ascii_isalnum(static_cast<unsigned char>(c))) return invalid();
    }
  }
  return absl::OkStatus();
}

absl::Status CheckRequestId(absl::string_view request_id) {
  if (request_id.empty()) {
    return InvalidField("request_id",
                        "required on every change: a unique key (e.g. a UUID) that makes "
                        "retries safe");
  }
  if (request_id.size() > 128) return InvalidField("request_id", "at most 128 characters");
  for (char ch : request_id) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x21 || c > 0x7E) {
      return InvalidField("request_id", "printable ASCII characters only, no spaces");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<absl::flat_hash_set<std::string>> ParseCountrySet(absl::string_view text) {
  absl::flat_hash_set<std::string> set;
  for (absl::string_view code : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    code = absl::StripAsciiWhitespace(code);
    LUBAN_RETURN_IF_ERROR(CheckCountryCode("workshop_countries", code));
    set.insert(std::string(code));
  }
  if (set.empty()) return InvalidField("workshop_countries", "at least one country code");
  return set;
}

}  // namespace luban
