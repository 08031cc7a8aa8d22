#include "common/domain/trace_context.h"

#include <cstdint>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace luban::trace {
namespace {

thread_local std::string current_trace_id;

bool IsLowerHex(absl::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c)) && (c < 'a' || c > 'f')) {
      return false;
    }
  }
  return true;
}

bool AllZeros(absl::string_view s) { return s.find_first_not_of('0') == absl::string_view::npos; }

std::string RandomHex(int words) {
  thread_local absl::BitGen random;
  std::string out;
  for (int i = 0; i < words; ++i) {
    absl::StrAppendFormat(&out, "%016x", absl::Uniform<uint64_t>(random));
  }
  return out;
}

}  // namespace

std::optional<std::string> TraceIdFromTraceparent(absl::string_view traceparent) {
  // version(2) - trace-id(32) - parent-id(16) - flags(2); later versions may append fields.
  if (traceparent.size() < 55) return std::nullopt;
  const absl::string_view version = traceparent.substr(0, 2);
  const absl::string_view trace_id = traceparent.substr(3, 32);
  const absl::string_view span_id = traceparent.substr(36, 16);
  const absl::string_view flags = traceparent.substr(53, 2);
  if (traceparent[2] != '-' || traceparent[35] != '-' || traceparent[52] != '-') {
    return std::nullopt;
  }
  if (!IsLowerHex(version) || version == "ff" || !IsLowerHex(trace_id) || !IsLowerHex(span_id) ||
      !IsLowerHex(flags) || AllZeros(trace_id) || AllZeros(span_id)) {
    return std::nullopt;
  }
  if (version == "00" ? traceparent.size() != 55
                      : traceparent.size() > 55 && traceparent[55] != '-') {
    return std::nullopt;
  }
  return std::string(trace_id);
}

std::string NewTraceId() { return RandomHex(2); }

std::string NewSpanId() { return RandomHex(1); }

std::string ChildTraceparent(absl::string_view trace_id) {
  return absl::StrCat("00-", trace_id, "-", NewSpanId(), "-01");
}

const std::string& CurrentTraceId() { return current_trace_id; }

ScopedTraceId::ScopedTraceId(std::string trace_id)
    : previous_(std::exchange(current_trace_id, std::move(trace_id))) {}

ScopedTraceId::~ScopedTraceId() { current_trace_id = std::move(previous_); }

}  // namespace luban::trace
