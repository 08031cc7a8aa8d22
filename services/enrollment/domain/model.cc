#include "services/enrollment/domain/model.h"

#include "absl/strings/ascii.h"

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

}  // namespace luban::enrollment
