#include "common/domain/random.h"

#include <cstdint>
#include <vector>

#include "openssl/rand.h"

namespace luban {

std::string RandomCode(int groups) {
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  std::vector<unsigned char> bytes(static_cast<size_t>(groups) * 4);
  RAND_bytes(bytes.data(), static_cast<int>(bytes.size()));
  std::string code;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i > 0 && i % 4 == 0) code.push_back('-');
    code.push_back(kAlphabet[bytes[i] & 31]);
  }
  return code;
}

}  // namespace luban
