#include "common/domain/types.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/domain/status_macros.h"
#include "common/domain/validation.h"

namespace luban {

absl::Status CheckLocalizedTexts(absl::string_view field, const std::vector<LocalizedText>& texts,
                                 size_t max_bytes) {
  if (texts.empty()) return InvalidField(field, "at least one language is required");
  if (texts.size() > 16) return InvalidField(field, "at most 16 languages");
  absl::flat_hash_set<absl::string_view> seen;
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::string item = absl::StrCat(field, "[", i, "]");
    if (auto s = CheckLanguageTag(absl::StrCat(item, ".language_code"), texts[i].language);
        !s.ok()) {
      return s;
    }
    if (!seen.insert(texts[i].language).second) {
      return InvalidField(absl::StrCat(item, ".language_code"),
                          absl::StrCat("language \"", texts[i].language, "\" appears twice"));
    }
    LUBAN_RETURN_IF_ERROR(CheckText(absl::StrCat(item, ".text"), texts[i].text, 1, max_bytes));
  }
  return absl::OkStatus();
}

std::string FormatEtag(int64_t version) { return absl::StrCat("\"", version, "\""); }

absl::StatusOr<std::optional<int64_t>> ParseEtag(absl::string_view field, absl::string_view etag) {
  if (etag.empty()) return std::nullopt;
  absl::string_view digits = etag;
  int64_t version = 0;
  if (!absl::ConsumePrefix(&digits, "\"") || !absl::ConsumeSuffix(&digits, "\"") ||
      !absl::SimpleAtoi(digits, &version) || version <= 0) {
    return InvalidField(field, "not an etag returned by this service");
  }
  return version;
}

absl::Status CheckVersion(absl::string_view resource_name, std::optional<int64_t> expected,
                          int64_t actual) {
  if (expected.has_value() && *expected != actual) {
    return absl::AbortedError(absl::StrCat(
        "etag: ", resource_name, " was changed by someone else since you read it (your etag ",
        FormatEtag(*expected), ", current ", FormatEtag(actual),
        "); read it again and reapply your change"));
  }
  return absl::OkStatus();
}

}  // namespace luban
