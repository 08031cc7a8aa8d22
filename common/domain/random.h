// Unpredictable codes for things that must not be guessed (certificate numbers).
#ifndef LUBAN_COMMON_DOMAIN_RANDOM_H_
#define LUBAN_COMMON_DOMAIN_RANDOM_H_

#include <string>

namespace luban {

// `groups` groups of 4 characters of Crockford's base 32 (no I, L, O, U), joined by '-', from
// a cryptographic random source: 20 bits per group.
std::string RandomCode(int groups);

}  // namespace luban

#endif  // LUBAN_COMMON_DOMAIN_RANDOM_H_
