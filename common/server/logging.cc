#include "common/server/logging.h"

#include <cstdio>
#include <memory>
#include <mutex>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "google/protobuf/stubs/logging.h"
#include "grpc/support/log.h"
#include "nlohmann/json.hpp"
#include "spdlog/sinks/base_sink.h"
#include "spdlog/sinks/stdout_color_sinks.h"
#include "spdlog/spdlog.h"

namespace luban::logging {
namespace {

constexpr char kAccessLogger[] = "access";

// Access lines go through their own logger when logs are JSON (its messages are JSON objects of
// their fields); null in text mode.
std::shared_ptr<spdlog::logger>& AccessLogger() {
  static std::shared_ptr<spdlog::logger> logger;
  return logger;
}

std::string Dump(const nlohmann::json& value) {
  // Replace invalid UTF-8 rather than throw: a log line must never fail.
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// One JSON object per line on stderr.
class JsonSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit JsonSink(std::string service) : service_(std::move(service)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    const auto level = spdlog::level::to_string_view(msg.level);
    nlohmann::json line = {
        {"time",
         absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", absl::FromChrono(msg.time), absl::UTCTimeZone())},
        {"level", std::string(level.data(), level.size())},
        {"service", service_}};
    const std::string payload(msg.payload.data(), msg.payload.size());
    std::string out;
    if (msg.logger_name == kAccessLogger && payload.size() > 2 && payload.front() == '{') {
      // The access line's fields, already a JSON object: spliced in, not parsed again.
      out = Dump(line);
      out.back() = ',';
      out.append(payload, 1, std::string::npos);
    } else {
      line["msg"] = payload;
      out = Dump(line);
    }
    out.push_back('\n');
    std::fwrite(out.data(), 1, out.size(), stderr);
  }

  void flush_() override { std::fflush(stderr); }

 private:
  const std::string service_;
};

// spdlog's fmt formats its own string_view, not absl's.
fmt::string_view View(absl::string_view s) { return fmt::string_view(s.data(), s.size()); }

// gRPC's own messages (handshake failures and the like) as log lines of ours, so that JSON logs
// stay one object per line.
void LogGrpcMessage(gpr_log_func_args* args) {
  const spdlog::level::level_enum level =
      args->severity == GPR_LOG_SEVERITY_ERROR  ? spdlog::level::err
      : args->severity == GPR_LOG_SEVERITY_INFO ? spdlog::level::info
                                                : spdlog::level::debug;
  spdlog::log(level, "grpc: {} ({}:{})", args->message, args->file, args->line);
}

// protobuf's messages likewise. Those about data a parse refused concern a caller's request,
// which is answered INVALID_ARGUMENT and logged on its access line: debug, so that no caller
// fills the log with them.
void LogProtobufMessage(google::protobuf::LogLevel level, const char* file, int line,
                        const std::string& message) {
  const spdlog::level::level_enum ours =
      absl::StrContains(message, "when parsing a protocol buffer") ? spdlog::level::debug
      : level >= google::protobuf::LOGLEVEL_ERROR                  ? spdlog::level::err
      : level == google::protobuf::LOGLEVEL_WARNING                ? spdlog::level::warn
                                                                   : spdlog::level::info;
  spdlog::log(ours, "protobuf: {} ({}:{})", message, file, line);
}

}  // namespace

absl::Status Configure(absl::string_view service, absl::string_view format,
                       absl::string_view level) {
  const std::string name(service);
  const spdlog::level::level_enum threshold = spdlog::level::from_str(std::string(level));
  if (format == "json") {
    auto sink = std::make_shared<JsonSink>(name);
    auto logger = std::make_shared<spdlog::logger>(name, sink);
    spdlog::set_default_logger(logger);
    AccessLogger() = std::make_shared<spdlog::logger>(kAccessLogger, sink);
    AccessLogger()->set_level(threshold);
    gpr_set_log_function(LogGrpcMessage);
  } else if (format == "text") {
    // Logs go to stderr, like every diagnostic of a server (stdout stays free for output).
    spdlog::set_default_logger(spdlog::stderr_color_mt(name));
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %^%l%$ [" + name + "] %v",
                        spdlog::pattern_time_type::utc);
  } else {
    return absl::InvalidArgumentError(absl::StrCat("--log_format=", format, ": give text or json"));
  }
  spdlog::set_level(threshold);
  google::protobuf::SetLogHandler(LogProtobufMessage);
  return absl::OkStatus();
}

void LogAccess(const Access& access) {
  const bool ours =
      access.code == absl::StatusCode::kInternal || access.code == absl::StatusCode::kUnknown;
  if (const auto& logger = AccessLogger(); logger != nullptr) {
    const spdlog::level::level_enum level = ours ? spdlog::level::err : spdlog::level::info;
    if (!logger->should_log(level)) return;
    const std::string code = absl::StatusCodeToString(access.code);
    nlohmann::json fields = {{"msg", "call"},
                             {"method", std::string(access.method)},
                             {"principal", std::string(access.principal)},
                             {"code", code},
                             {"latency_ms", access.latency_ms},
                             {"trace_id", std::string(access.trace_id)}};
    if (!access.request_id.empty()) fields["request_id"] = std::string(access.request_id);
    if (access.code != absl::StatusCode::kOk) fields["error"] = std::string(access.error);
    logger->log(level, "{}", Dump(fields));
    return;
  }
  const spdlog::level::level_enum level = access.code == absl::StatusCode::kOk
                                              ? spdlog::level::debug
                                          : ours ? spdlog::level::err
                                                 : spdlog::level::info;
  // The hot path of every successful call: nothing is formatted unless it is logged.
  if (!spdlog::default_logger_raw()->should_log(level)) return;
  const std::string code = absl::StatusCodeToString(access.code);
  if (access.code == absl::StatusCode::kOk) {
    spdlog::log(level, "call method={} principal={} status=OK latency_ms={:.3f} trace_id={}",
                View(access.method), View(access.principal), access.latency_ms,
                View(access.trace_id));
    return;
  }
  spdlog::log(level,
              "call method={} principal={} request_id={} status={} latency_ms={:.3f} "
              "trace_id={} error=\"{}\"",
              View(access.method), View(access.principal), View(access.request_id), code,
              access.latency_ms, View(access.trace_id), View(access.error));
}

}  // namespace luban::logging
