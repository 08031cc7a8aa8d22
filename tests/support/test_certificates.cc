#include "tests/support/test_certificates.h"

#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "tests/support/child_process.h"

#ifndef LUBAN_TLS_CERTS_SCRIPT
#error "LUBAN_TLS_CERTS_SCRIPT must name scripts/tls-certs"
#endif

namespace luban::testing {

absl::Status MakeTestCertificates(const std::string& dir, const std::vector<std::string>& names) {
  std::vector<std::string> argv = {LUBAN_TLS_CERTS_SCRIPT, dir};
  argv.insert(argv.end(), names.begin(), names.end());
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return absl::InternalError(absl::StrCat("cannot create ", dir, ": ", error.message()));
  // The script's output goes next to the certificates (tls-certs.out, tls-certs.err).
  const RunResult result = RunToEnd(argv, CleanEnvironment(), dir, "tls-certs", absl::Seconds(60));
  if (result.exit_code != 0) {
    return absl::InternalError(absl::StrCat("scripts/tls-certs ", dir, " failed: ", result.err));
  }
  return absl::OkStatus();
}

}  // namespace luban::testing
