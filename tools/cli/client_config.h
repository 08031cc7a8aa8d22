// Settings shared by the suite's command-line clients (luban-admin, luban-report): where the
// three services are, the caller's bearer token, TLS files, and the per-call timeout.
//
// Each setting is looked up, first match wins, in:
//   1. a command-line flag                     --course_addr=host:port
//   2. the environment                         LUBAN_COURSE_ADDR=host:port
//   3. the config file                         course_addr = host:port
//      (--config, else $LUBAN_CONFIG, else $XDG_CONFIG_HOME/luban/client.conf or
//       ~/.config/luban/client.conf if it exists)
//   4. the default                             127.0.0.1:50051
//
// | setting         | flag / config key | environment            | default          |
// |-----------------|-------------------|------------------------|------------------|
// | course service  | course_addr       | LUBAN_COURSE_ADDR      | 127.0.0.1:50051  |
// | enrollment      | enrollment_addr   | LUBAN_ENROLLMENT_ADDR  | 127.0.0.1:50052  |
// | exchange        | exchange_addr     | LUBAN_EXCHANGE_ADDR    | 127.0.0.1:50053  |
// | token file      | token_file        | LUBAN_TOKEN_FILE       | (none)           |
// | token           | (env only)        | LUBAN_TOKEN            | (none)           |
// | TLS on          | tls               | LUBAN_TLS              | false            |
// | CA file         | tls_ca            | LUBAN_TLS_CA           | (none)           |
// | client cert     | tls_cert          | LUBAN_TLS_CERT         | (none)           |
// | client key      | tls_key           | LUBAN_TLS_KEY          | (none)           |
// | server name     | tls_server_name   | LUBAN_TLS_SERVER_NAME  | (target's host)  |
// | call timeout    | timeout           | LUBAN_TIMEOUT          | 30s              |
//
// The token is never taken from the command line (it would show in `ps` and shell history):
// LUBAN_TOKEN, else the first line of the token file. Config file lines are `key = value`;
// blank lines and lines starting with '#' are ignored; an unknown key is an error.
#ifndef LUBAN_TOOLS_CLI_CLIENT_CONFIG_H_
#define LUBAN_TOOLS_CLI_CLIENT_CONFIG_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/client/channel.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"

namespace luban::cli {

// The three services.
enum class Service { kCourse, kEnrollment, kExchange };

struct ClientConfig {
  std::string course_addr = "127.0.0.1:50051";
  std::string enrollment_addr = "127.0.0.1:50052";
  std::string exchange_addr = "127.0.0.1:50053";
  std::string token;  // may be empty: only anonymous calls (certificate verification) work
  client::TlsFiles tls;
  absl::Duration timeout = absl::Seconds(30);

  const std::string& Address(Service service) const;
};

// Reads the settings from the flags (declared in client_config.cc; they show in --help of every
// client that links this library), the environment and the config file, as above.
// INVALID_ARGUMENT naming the setting and its source for a malformed value or an unknown config
// key; FAILED_PRECONDITION for an unreadable config or token file.
absl::StatusOr<ClientConfig> LoadClientConfig();

// Opens channels and prepares calls for one ClientConfig. Channels are opened on first use and
// shared by all calls to the same service.
class Connections {
 public:
  explicit Connections(ClientConfig config) : config_(std::move(config)) {}

  const ClientConfig& config() const { return config_; }

  // The channel to `service`; the MakeChannel error (naming the setting) if it cannot be made.
  absl::StatusOr<std::shared_ptr<grpc::Channel>> Channel(Service service);

  // Sets the deadline (now + timeout) and, when there is a token, "authorization: Bearer".
  void Prepare(grpc::ClientContext& context) const;
  // As Prepare without a deadline: for export streams that may run long.
  void PrepareStream(grpc::ClientContext& context) const;

 private:
  ClientConfig config_;
  std::shared_ptr<grpc::Channel> channels_[3];
};

// Process exit codes of the clients, by what failed. Documented in each client's --help.
enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,      // anything not below (INTERNAL, UNKNOWN, DATA_LOSS...)
  kExitUsage = 2,        // bad command line or configuration; INVALID_ARGUMENT from a service
  kExitNotFound = 3,     // NOT_FOUND
  kExitPermission = 4,   // PERMISSION_DENIED, UNAUTHENTICATED
  kExitUnavailable = 5,  // UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED
  kExitConflict = 6,     // ALREADY_EXISTS, ABORTED, FAILED_PRECONDITION, OUT_OF_RANGE,
                         // RESOURCE_EXHAUSTED
  kExitPartial = 7,      // a bulk operation where some rows were refused
};

// The exit code for a failed call's status.
ExitCode ExitCodeFor(grpc::StatusCode code);

// One line for the user: "<program>: <what>: <CODE_NAME>: <message>".
std::string ErrorLine(absl::string_view program, absl::string_view what,
                      const grpc::Status& status);

}  // namespace luban::cli

#endif  // LUBAN_TOOLS_CLI_CLIENT_CONFIG_H_
