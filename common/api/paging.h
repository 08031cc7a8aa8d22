// Paging helpers for List methods (AIP-158) on top of PageTokenCodec.
#ifndef LUBAN_COMMON_API_PAGING_H_
#define LUBAN_COMMON_API_PAGING_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "common/domain/page_token.h"
#include "google/protobuf/message.h"

namespace luban {

// Deterministic bytes of a message (map order fixed), for hashing.
std::string DeterministicBytes(const google::protobuf::Message& message);

// A fingerprint of a list request's filters: the request without page_size and page_token.
uint64_t QueryFingerprint(const google::protobuf::Message& list_request);

// Where a list starts: after this id (0 for the first page), and how many rows to return.
struct PageRequest {
  int64_t after_id = 0;
  int size = kDefaultPageSize;
};

// Reads page_size and page_token of `list_request` (fields of those names).
absl::StatusOr<PageRequest> ReadPageRequest(const PageTokenCodec& codec,
                                            const google::protobuf::Message& list_request);
// The next_page_token after a page ending with `last_id`, or "" when no more rows follow.
std::string NextPageToken(const PageTokenCodec& codec,
                          const google::protobuf::Message& list_request, bool more,
                          int64_t last_id);

}  // namespace luban

#endif  // LUBAN_COMMON_API_PAGING_H_
