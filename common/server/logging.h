// The services' logs on stderr: `--log_format=text` (a human line each) or `json` (one JSON
// object per line: time, level, service, msg; access lines carry their fields instead of msg).
//
// Access lines, one per call (json: every call at info; text: failures at info, INTERNAL and
// UNKNOWN at error, successes at debug), with the fields
//   method      full gRPC method, "luban.course.v1.CourseService/GetWorkshop"
//   principal   the caller's name ("anonymous" without a credential)
//   code        the gRPC status code's name, "OK", "NOT_FOUND"...
//   latency_ms  from admission to the end of the work
//   trace_id    the W3C trace id (common/domain/trace_context.h)
//   request_id  the idempotency key, when the request has one
//   error       the status message, when not OK
#ifndef LUBAN_COMMON_SERVER_LOGGING_H_
#define LUBAN_COMMON_SERVER_LOGGING_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace luban::logging {

// Makes the default spdlog logger write to stderr as `format` ("text" or "json") at `level`
// ("trace", "debug", "info", "warn", "error"), naming `service`, with protobuf's messages (and
// in json, gRPC's) as lines of its own. INVALID_ARGUMENT for another format. Call once, before
// threads log.
absl::Status Configure(absl::string_view service, absl::string_view format,
                       absl::string_view level);

struct Access {
  absl::string_view method;
  absl::string_view principal;
  absl::StatusCode code;
  double latency_ms;
  absl::string_view trace_id;
  absl::string_view request_id;
  absl::string_view error;
};

// One access line, as above.
void LogAccess(const Access& access);

}  // namespace luban::logging

#endif  // LUBAN_COMMON_SERVER_LOGGING_H_
