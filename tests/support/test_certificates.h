// Certificates for tests, made at test time by scripts/tls-certs (the openssl CLI): never
// committed keys.
//
//   absl::Status made = MakeTestCertificates(dir + "/tls", {"course", "enrollment"});
//   // dir/tls/ca.pem, dir/tls/course.pem, dir/tls/course.key, ...
//
// Each certificate has subject CN=<name> and the names <name>, localhost and 127.0.0.1, and is
// valid for servers and clients; a second directory gets a CA of its own (an unknown CA).
#ifndef LUBAN_TESTS_SUPPORT_TEST_CERTIFICATES_H_
#define LUBAN_TESTS_SUPPORT_TEST_CERTIFICATES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace luban::testing {

// Makes `dir` (if needed), its CA and one certificate per name (kept when present).
absl::Status MakeTestCertificates(const std::string& dir, const std::vector<std::string>& names);

}  // namespace luban::testing

#endif  // LUBAN_TESTS_SUPPORT_TEST_CERTIFICATES_H_
