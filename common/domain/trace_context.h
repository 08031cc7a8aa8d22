// W3C Trace Context (https://www.w3.org/TR/trace-context/): the trace id a call carries through
// the services, for logs. A call brings it in the `traceparent` metadata
// ("00-<32 hex trace id>-<16 hex parent span id>-<2 hex flags>"), or gets a new one; the
// CallRunner makes it the current trace of the thread running the call's work, and PeerCaller
// sends it on to the peers with a new span id.
#ifndef LUBAN_COMMON_DOMAIN_TRACE_CONTEXT_H_
#define LUBAN_COMMON_DOMAIN_TRACE_CONTEXT_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace luban::trace {

// The trace id of a valid `traceparent` value (version 00, or a later one read as 00: lowercase
// hex, ids not all zeros); nullopt otherwise.
std::optional<std::string> TraceIdFromTraceparent(absl::string_view traceparent);

// A random trace id (32 lowercase hex digits) and span id (16).
std::string NewTraceId();
std::string NewSpanId();

// "00-<trace_id>-<new span id>-01": what a call made on behalf of `trace_id` sends.
std::string ChildTraceparent(absl::string_view trace_id);

// The trace id of the call this thread works for ("" when none).
const std::string& CurrentTraceId();

// Makes `trace_id` the thread's current trace id while it lives (restoring the previous one).
class ScopedTraceId {
 public:
  explicit ScopedTraceId(std::string trace_id);
  ~ScopedTraceId();
  ScopedTraceId(const ScopedTraceId&) = delete;
  ScopedTraceId& operator=(const ScopedTraceId&) = delete;

 private:
  std::string previous_;
};

}  // namespace luban::trace

#endif  // LUBAN_COMMON_DOMAIN_TRACE_CONTEXT_H_
