// Paging helpers for List methods (AIP-158) on top of PageTokenCodec.
#ifndef LUBAN_COMMON_API_PAGING_H_
#define LUBAN_COMMON_API_PAGING_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/domain/ledger.h"
#include "common/domain/page_token.h"
#include "common/domain/types.h"
#include "google/protobuf/message.h"
#include "google/protobuf/repeated_ptr_field.h"

namespace luban {

// Deterministic bytes of a message (map order fixed), for hashing.
std::string DeterministicBytes(const google::protobuf::Message& message);

// A fingerprint of a list request's filters (the request without page_size and page_token) and
// of the caller it is listed for: a token handed to someone else is refused, not honoured with
// that someone's view of the data.
uint64_t QueryFingerprint(const google::protobuf::Message& list_request, absl::string_view caller);

// Where a list starts: after this id in the list's order (0 for the first page; for a list
// newest first, such as the audit trail, the rows with smaller ids), and how many rows to return.
struct PageRequest {
  int64_t after_id = 0;
  int size = kDefaultPageSize;
};

// Reads page_size and page_token of `list_request` (fields of those names) from `caller`
// (Principal::name).
absl::StatusOr<PageRequest> ReadPageRequest(const PageTokenCodec& codec, absl::string_view caller,
                                            const google::protobuf::Message& list_request);
// The next_page_token after a page ending with `last_id`, or "" when no more rows follow.
std::string NextPageToken(const PageTokenCodec& codec, absl::string_view caller,
                          const google::protobuf::Message& list_request, bool more,
                          int64_t last_id);

// The position of a row in its list: its id (a page token carries the last one).
template <typename T>
int64_t RowId(const T& row) {
  return row.meta.id;
}
inline int64_t RowId(const StoredAuditRecord& row) { return row.id; }

// The tail of every list handler: the page's rows (via ToProto(row, item), found by
// argument-dependent lookup) and the next page's token after the last row's RowId.
template <typename T, typename Proto>
absl::Status WritePage(const absl::StatusOr<Page<T>>& page, const PageTokenCodec& codec,
                       absl::string_view caller, const google::protobuf::Message& request,
                       google::protobuf::RepeatedPtrField<Proto>* items,
                       std::string* next_page_token) {
  if (!page.ok()) return page.status();
  items->Clear();
  for (const T& row : page->items) ToProto(row, items->Add());
  *next_page_token = NextPageToken(codec, caller, request, page->more,
                                   page->items.empty() ? 0 : RowId(page->items.back()));
  return absl::OkStatus();
}

}  // namespace luban

#endif  // LUBAN_COMMON_API_PAGING_H_
