#include "services/enrollment/domain/model.h"

#include "absl/strings/ascii.h"
#include "common/domain/status_macros.h"
#include "common/domain/validation.h"

namespace luban::enrollment {

std::string DocumentKey(absl::string_view number) {
  std::string key;
  for (char c : number) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      key.push_back(absl::ascii_toupper(static_cast<unsigned char>(c)));
    }
  }
  return key;
}

absl::Status CheckDocumentNumber(absl::string_view field, absl::string_view number) {
  LUBAN_RETURN_IF_ERROR(CheckText(field, number, 1, 64));
  for (char c : number) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != ' ' && c != '-') {
      return InvalidField(field, "letters, digits, spaces and '-' only");
    }
  }
  if (DocumentKey(number).empty()) return InvalidField(field, "at least one letter or digit");
  return absl::OkStatus();
}

}  // namespace luban::enrollment
