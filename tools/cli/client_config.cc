#include "tools/cli/client_config.h"

#include <cstdlib>
#include <fstream>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/api/status.h"

// Empty defaults: an empty flag means "not given", so the environment and the config file apply.
ABSL_FLAG(std::string, config, "",
          "client config file of `key = value` lines (default: $LUBAN_CONFIG, else "
          "~/.config/luban/client.conf if it exists)");
ABSL_FLAG(std::string, course_addr, "",
          "course service host:port (env LUBAN_COURSE_ADDR; default 127.0.0.1:50051)");
ABSL_FLAG(std::string, enrollment_addr, "",
          "enrollment service host:port (env LUBAN_ENROLLMENT_ADDR; default 127.0.0.1:50052)");
ABSL_FLAG(std::string, exchange_addr, "",
          "exchange service host:port (env LUBAN_EXCHANGE_ADDR; default 127.0.0.1:50053)");
ABSL_FLAG(std::string, token_file, "",
          "file whose first line is the bearer token (env LUBAN_TOKEN_FILE); the token itself "
          "only ever comes from LUBAN_TOKEN or this file, never the command line");
ABSL_FLAG(std::string, tls, "", "true: use TLS even without --tls_ca (env LUBAN_TLS)");
ABSL_FLAG(std::string, tls_ca, "",
          "PEM file of the CA that signs the services' certificates "
          "(env LUBAN_TLS_CA); setting it turns TLS on");
ABSL_FLAG(std::string, tls_cert, "", "PEM client certificate for mutual TLS (env LUBAN_TLS_CERT)");
ABSL_FLAG(std::string, tls_key, "", "PEM key of --tls_cert (env LUBAN_TLS_KEY)");
ABSL_FLAG(std::string, tls_server_name, "",
          "name the services' certificates carry, if not the address's host "
          "(env LUBAN_TLS_SERVER_NAME)");
ABSL_FLAG(std::string, timeout, "", "deadline of each call, e.g. 30s (env LUBAN_TIMEOUT)");

namespace luban::cli {
namespace {

struct Setting {
  const char* key;  // flag name and config key
  const char* env;
  absl::Flag<std::string>* flag;
};

const Setting kSettings[] = {
    {"course_addr", "LUBAN_COURSE_ADDR", &FLAGS_course_addr},
    {"enrollment_addr", "LUBAN_ENROLLMENT_ADDR", &FLAGS_enrollment_addr},
    {"exchange_addr", "LUBAN_EXCHANGE_ADDR", &FLAGS_exchange_addr},
    {"token_file", "LUBAN_TOKEN_FILE", &FLAGS_token_file},
    {"tls", "LUBAN_TLS", &FLAGS_tls},
    {"tls_ca", "LUBAN_TLS_CA", &FLAGS_tls_ca},
    {"tls_cert", "LUBAN_TLS_CERT", &FLAGS_tls_cert},
    {"tls_key", "LUBAN_TLS_KEY", &FLAGS_tls_key},
    {"tls_server_name", "LUBAN_TLS_SERVER_NAME", &FLAGS_tls_server_name},
    {"timeout", "LUBAN_TIMEOUT", &FLAGS_timeout},
};

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

// The config file to read: --config, else $LUBAN_CONFIG, else the per-user file if present.
// `required` is true when the user named it (then it must exist).
std::string ConfigPath(bool* required) {
  *required = true;
  if (std::string path = absl::GetFlag(FLAGS_config); !path.empty()) return path;
  if (std::string path = Env("LUBAN_CONFIG"); !path.empty()) return path;
  *required = false;
  if (std::string xdg = Env("XDG_CONFIG_HOME"); !xdg.empty()) {
    return absl::StrCat(xdg, "/luban/client.conf");
  }
  if (std::string home = Env("HOME"); !home.empty()) {
    return absl::StrCat(home, "/.config/luban/client.conf");
  }
  return "";
}

absl::StatusOr<absl::flat_hash_map<std::string, std::string>> ReadConfigFile() {
  absl::flat_hash_map<std::string, std::string> values;
  bool required = false;
  const std::string path = ConfigPath(&required);
  if (path.empty()) return values;
  std::ifstream in(path);
  if (!in) {
    if (!required) return values;
    return absl::FailedPreconditionError(absl::StrCat("cannot read the config file ", path));
  }
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    absl::string_view text = absl::StripAsciiWhitespace(line);
    if (text.empty() || text.front() == '#') continue;
    const size_t equals = text.find('=');
    if (equals == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", number, ": expected `key = value`"));
    }
    const std::string key(absl::StripAsciiWhitespace(text.substr(0, equals)));
    const std::string value(absl::StripAsciiWhitespace(text.substr(equals + 1)));
    bool known = false;
    for (const Setting& setting : kSettings) known = known || key == setting.key;
    if (!known) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ":", number, ": unknown key `", key,
          "` (known: course_addr, enrollment_addr, exchange_addr, token_file, tls, tls_ca, "
          "tls_cert, tls_key, tls_server_name, timeout; the token itself belongs in token_file)"));
    }
    values[key] = value;
  }
  return values;
}

// A resolved value and where it came from (for error messages).
struct Resolved {
  std::string value;
  std::string source;
};

std::optional<Resolved> Resolve(const Setting& setting,
                                const absl::flat_hash_map<std::string, std::string>& file) {
  if (std::string value = absl::GetFlag(*setting.flag); !value.empty()) {
    return Resolved{std::move(value), absl::StrCat("--", setting.key)};
  }
  if (std::string value = Env(setting.env); !value.empty()) {
    return Resolved{std::move(value), setting.env};
  }
  if (auto it = file.find(setting.key); it != file.end() && !it->second.empty()) {
    return Resolved{it->second, absl::StrCat("config key ", setting.key)};
  }
  return std::nullopt;
}

}  // namespace

const std::string& ClientConfig::Address(Service service) const {
  switch (service) {
    case Service::kCourse:
      return course_addr;
    case Service::kEnrollment:
      return enrollment_addr;
    case Service::kExchange:
      return exchange_addr;
  }
  return course_addr;
}

absl::StatusOr<ClientConfig> LoadClientConfig() {
  absl::StatusOr<absl::flat_hash_map<std::string, std::string>> file = ReadConfigFile();
  if (!file.ok()) return file.status();
  ClientConfig config;
  std::string token_file;
  for (const Setting& setting : kSettings) {
    const std::optional<Resolved> resolved = Resolve(setting, *file);
    if (!resolved.has_value()) continue;
    const std::string key = setting.key;
    const std::string& value = resolved->value;
    if (key == "course_addr") {
      config.course_addr = value;
    } else if (key == "enrollment_addr") {
      config.enrollment_addr = value;
    } else if (key == "exchange_addr") {
      config.exchange_addr = value;
    } else if (key == "token_file") {
      token_file = value;
    } else if (key == "tls") {
      if (!absl::SimpleAtob(value, &config.tls.use_tls)) {
        return absl::InvalidArgumentError(
            absl::StrCat(resolved->source, ": `", value, "` is not true or false"));
      }
    } else if (key == "tls_ca") {
      config.tls.ca_file = value;
    } else if (key == "tls_cert") {
      config.tls.cert_file = value;
    } else if (key == "tls_key") {
      config.tls.key_file = value;
    } else if (key == "tls_server_name") {
      config.tls.server_name = value;
    } else if (key == "timeout") {
      if (!absl::ParseDuration(value, &config.timeout) || config.timeout <= absl::ZeroDuration()) {
        return absl::InvalidArgumentError(absl::StrCat(
            resolved->source, ": `", value, "` is not a positive duration such as 30s or 2m"));
      }
    }
  }
  config.token = Env("LUBAN_TOKEN");
  if (config.token.empty() && !token_file.empty()) {
    std::ifstream in(token_file);
    if (!in) {
      return absl::FailedPreconditionError(absl::StrCat("cannot read the token file ", token_file));
    }
    std::string line;
    std::getline(in, line);
    config.token = std::string(absl::StripAsciiWhitespace(line));
    if (config.token.empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("the token file ", token_file, " is empty"));
    }
  }
  return config;
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> Connections::Channel(Service service) {
  std::shared_ptr<grpc::Channel>& channel = channels_[static_cast<int>(service)];
  if (channel == nullptr) {
    client::ChannelOptions options;
    options.target = config_.Address(service);
    options.tls = config_.tls;
    absl::StatusOr<std::shared_ptr<grpc::Channel>> made = client::MakeChannel(options);
    if (!made.ok()) return made.status();
    channel = *std::move(made);
  }
  return channel;
}

void Connections::Prepare(grpc::ClientContext& context) const {
  context.set_deadline(absl::ToChronoTime(absl::Now() + config_.timeout));
  PrepareStream(context);
}

void Connections::PrepareStream(grpc::ClientContext& context) const {
  if (!config_.token.empty()) context.AddMetadata("authorization", "Bearer " + config_.token);
}

ExitCode ExitCodeFor(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return kExitOk;
    case grpc::StatusCode::INVALID_ARGUMENT:
      return kExitUsage;
    case grpc::StatusCode::NOT_FOUND:
      return kExitNotFound;
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::UNAUTHENTICATED:
      return kExitPermission;
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::CANCELLED:
      return kExitUnavailable;
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return kExitConflict;
    default:
      return kExitFailure;
  }
}

std::string ErrorLine(absl::string_view program, absl::string_view what,
                      const grpc::Status& status) {
  std::string message = status.error_message();
  // One line, whatever the server wrote.
  for (char& c : message) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return absl::StrCat(program, ": ", what, ": ", StatusCodeName(status.error_code()), ": ",
                      message);
}

}  // namespace luban::cli
