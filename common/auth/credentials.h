// Bearer-token authentication against a credentials file that holds only token hashes.
//
// File format, one principal per line ('#' starts a comment):
//   <sha256 hex of the token> <role> <principal name> [institutions/<id>]
// Roles: network_admin, college_admin (the institution is required), reporter, service.
// Tokens are high-entropy secrets (e.g. `openssl rand -hex 32`), so one SHA-256 is enough: the
// file leaks no token, and lookup by hash needs no constant-time comparison of secrets.
#ifndef LUBAN_COMMON_AUTH_CREDENTIALS_H_
#define LUBAN_COMMON_AUTH_CREDENTIALS_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/domain/request_context.h"

namespace luban::auth {

// Lowercase hex SHA-256 of `token`.
std::string HashToken(absl::string_view token);

// The principal a peer service is when it calls with a client certificate, verified against
// --tls_client_ca, whose subject common name is a service's name ("course", "enrollment",
// "exchange") and no bearer token: role service, named "svc-<name>" as in the credentials files
// ("svc-enrollment"). NotFound for any other common name.
absl::StatusOr<Principal> ServicePrincipalForCertificate(absl::string_view common_name);

class CredentialStore {
 public:
  // Parses the file's text; INVALID_ARGUMENT naming the line on any malformed entry.
  static absl::StatusOr<CredentialStore> Parse(absl::string_view text);
  static absl::StatusOr<CredentialStore> LoadFile(const std::string& path);

  // The principal for an `authorization` metadata value ("Bearer <token>"). UNAUTHENTICATED when
  // the value is malformed or the token unknown; the message never echoes the token.
  absl::StatusOr<Principal> Authenticate(absl::string_view authorization) const;

  size_t size() const { return by_hash_.size(); }

 private:
  absl::flat_hash_map<std::string, Principal> by_hash_;
};

}  // namespace luban::auth

#endif  // LUBAN_COMMON_AUTH_CREDENTIALS_H_
