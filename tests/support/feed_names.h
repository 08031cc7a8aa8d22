// Reading a service's change feed (WatchChanges, through any service's stub) as one caller
// follows it.
#ifndef LUBAN_TESTS_SUPPORT_FEED_NAMES_H_
#define LUBAN_TESTS_SUPPORT_FEED_NAMES_H_

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/sync_stream.h"
#include "gtest/gtest.h"
#include "luban/common/v1/types.pb.h"

namespace luban::testing {
namespace feed_internal {

template <typename Response>
Response ResponseOf(grpc::ClientReader<Response>*);  // only named in decltype

// Follows `stub`'s feed from its start as the caller of `token`, handing each batch to `take`
// until it returns true or the stream ends (20 s at most). Returns how the stream ended.
template <typename Stub, typename Take>
grpc::Status Follow(Stub& stub, const std::string& token, Take take) {
  grpc::ClientContext context;
  context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  auto reader = stub.WatchChanges(&context, {});
  decltype(ResponseOf(reader.get())) batch;
  bool done = false;
  while (!done && reader->Read(&batch)) done = take(batch);
  context.TryCancel();
  return reader->Finish();
}

}  // namespace feed_internal

// The sequence of the first event of `resource_name` on the feed as `token` follows it; 0 if the
// stream ends first.
template <typename Stub>
int64_t FeedSequenceOf(Stub& stub, const std::string& token, const std::string& resource_name) {
  int64_t sequence = 0;
  feed_internal::Follow(stub, token, [&](const auto& batch) {
    for (const auto& event : batch.events()) {
      if (event.resource_name() == resource_name) sequence = event.sequence();
    }
    return sequence != 0;
  }).IgnoreError();
  return sequence;
}

// The feed's events up to sequence `last`, as `token` follows it. Fails the test when the stream
// ends before it gets there.
template <typename Stub>
std::vector<luban::common::v1::ChangeEvent> FeedEvents(Stub& stub, const std::string& token,
                                                       int64_t last) {
  std::vector<luban::common::v1::ChangeEvent> events;
  bool caught_up = false;
  const grpc::Status status = feed_internal::Follow(stub, token, [&](const auto& batch) {
    for (const auto& event : batch.events()) {
      if (event.sequence() <= last) events.push_back(event);
    }
    caught_up = batch.last_sequence() >= last;
    return caught_up;
  });
  EXPECT_TRUE(caught_up) << token << ": " << status.error_message();
  return events;
}

// The resources the feed names up to sequence `last`, as `token` follows it.
template <typename Stub>
std::set<std::string> FeedNames(Stub& stub, const std::string& token, int64_t last) {
  std::set<std::string> names;
  for (const auto& event : FeedEvents(stub, token, last)) names.insert(event.resource_name());
  return names;
}

}  // namespace luban::testing

#endif  // LUBAN_TESTS_SUPPORT_FEED_NAMES_H_
