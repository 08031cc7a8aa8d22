#include "common/auth/credentials.h"

#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/domain/resource_name.h"
#include "openssl/sha.h"

namespace luban::auth {
namespace {

absl::StatusOr<Role> ParseRole(absl::string_view text) {
  if (text == "network_admin") return Role::kNetworkAdmin;
  if (text == "college_admin") return Role::kCollegeAdmin;
  if (text == "reporter") return Role::kReporter;
  if (text == "service") return Role::kService;
  return absl::InvalidArgumentError(absl::StrCat("unknown role '", text, "'"));
}

bool IsSha256Hex(absl::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

std::string HashToken(absl::string_view token) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

absl::StatusOr<Principal> ServicePrincipalForCertificate(absl::string_view common_name) {
  if (common_name == "course" || common_name == "enrollment" || common_name == "exchange") {
    return Principal{absl::StrCat("svc-", common_name), Role::kService, 0};
  }
  return absl::NotFoundError(
      absl::StrCat("the client certificate's common name '", common_name, "' is no service"));
}

absl::StatusOr<CredentialStore> CredentialStore::Parse(absl::string_view text) {
  CredentialStore store;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || absl::StartsWith(line, "#")) continue;
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    auto fail = [&](absl::string_view why) {
      return absl::InvalidArgumentError(absl::StrCat("credentials line ", line_number, ": ", why));
    };
    if (fields.size() < 3 || fields.size() > 4) {
      return fail("expected '<sha256 hex> <role> <name> [institutions/<id>]'");
    }
    if (!IsSha256Hex(fields[0])) return fail("the first field must be 64 hex digits");
    auto role = ParseRole(fields[1]);
    if (!role.ok()) return fail(role.status().message());
    Principal principal{std::string(fields[2]), *role, 0};
    if (*role == Role::kCollegeAdmin) {
      if (fields.size() != 4) return fail("a college_admin needs its institution");
      auto id = ParseResourceName("institution", "institutions", fields[3]);
      if (!id.ok()) return fail(id.status().message());
      principal.institution_id = *id;
    } else if (fields.size() == 4) {
      return fail("only a college_admin is bound to an institution");
    }
    std::string hash = absl::AsciiStrToLower(fields[0]);
    if (!store.by_hash_.emplace(std::move(hash), std::move(principal)).second) {
      return fail("duplicate token hash");
    }
  }
  return store;
}

absl::StatusOr<CredentialStore> CredentialStore::LoadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read the credentials file '", path, "'"));
  }
  std::stringstream text;
  text << in.rdbuf();
  auto store = Parse(text.str());
  if (!store.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", store.status().message()));
  }
  return store;
}

absl::StatusOr<Principal> CredentialStore::Authenticate(absl::string_view authorization) const {
  absl::string_view token = authorization;
  if (!absl::ConsumePrefix(&token, "Bearer ") && !absl::ConsumePrefix(&token, "bearer ")) {
    return absl::UnauthenticatedError("authorization metadata must be 'Bearer <token>'");
  }
  token = absl::StripAsciiWhitespace(token);
  if (token.empty()) return absl::UnauthenticatedError("the bearer token is empty");
  auto it = by_hash_.find(HashToken(token));
  if (it == by_hash_.end()) {
    return absl::UnauthenticatedError("the bearer token is not valid");
  }
  return it->second;
}

}  // namespace luban::auth
