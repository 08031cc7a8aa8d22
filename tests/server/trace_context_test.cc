// W3C traceparent parsing and the thread's current trace id.
#include "common/domain/trace_context.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace luban::trace {
namespace {

TEST(TraceContextTest, TakesTheTraceIdOfAValidTraceparent) {
  EXPECT_EQ(TraceIdFromTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            "4bf92f3577b34da6a3ce929d0e0e4736");
  // A later version may append fields.
  EXPECT_EQ(TraceIdFromTraceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-xyz"),
            "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST(TraceContextTest, RefusesAnInvalidTraceparent) {
  for (const char* invalid : {
           "",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",       // no flags
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",    // upper case
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",    // zero trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",    // zero span id
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // version ff
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",  // 00 has no more
           "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
       }) {
    EXPECT_FALSE(TraceIdFromTraceparent(invalid).has_value()) << invalid;
  }
}

TEST(TraceContextTest, ChildTraceparentKeepsTheTraceWithANewSpan) {
  const std::string trace_id = NewTraceId();
  ASSERT_EQ(trace_id.size(), 32u);
  const std::string child = ChildTraceparent(trace_id);
  EXPECT_EQ(TraceIdFromTraceparent(child), trace_id);
  EXPECT_TRUE(absl::StartsWith(child, "00-" + trace_id + "-")) << child;
  EXPECT_NE(ChildTraceparent(trace_id), child);  // a new span id each time
}

TEST(TraceContextTest, ScopedTraceIdSetsAndRestoresTheCurrentOne) {
  EXPECT_EQ(CurrentTraceId(), "");
  {
    ScopedTraceId outer("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    EXPECT_EQ(CurrentTraceId(), "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    {
      ScopedTraceId inner("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
      EXPECT_EQ(CurrentTraceId(), "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
    }
    EXPECT_EQ(CurrentTraceId(), "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  }
  EXPECT_EQ(CurrentTraceId(), "");
}

}  // namespace
}  // namespace luban::trace
