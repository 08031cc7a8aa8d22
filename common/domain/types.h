// Small value types and checks shared by the services' domain models.
#ifndef LUBAN_COMMON_DOMAIN_TYPES_H_
#define LUBAN_COMMON_DOMAIN_TYPES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace luban {

// Bookkeeping every stored resource carries.
struct Meta {
  int64_t id = 0;
  int64_t version = 0;  // bumped by every change; the etag
  absl::Time create_time;
  absl::Time update_time;

  // A new row: version 1, created and updated at `now`.
  void Stamp(absl::Time now) {
    version = 1;
    create_time = update_time = now;
  }
  // A changed row: the next version, updated at `now`.
  void Bump(absl::Time now) {
    ++version;
    update_time = now;
  }
};

// A position in an export: rows changed after (updated_since, after_id), in that order.
struct ExportCursor {
  absl::Time updated_since = absl::InfinitePast();
  int64_t after_id = 0;
};

// Told by a store's export, when a batch is full, where the next one starts: once its rows are
// selected and before they are decoded, so that the next batch's read can start meanwhile.
using ExportNext = absl::FunctionRef<void(const ExportCursor& next)>;

// A text in one language (BCP 47 tag), UTF-8 in any script.
struct LocalizedText {
  std::string language;
  std::string text;
  bool operator==(const LocalizedText&) const = default;
};

// 1..16 entries, each with a valid tag (unique within the list) and 1..max_bytes of text.
absl::Status CheckLocalizedTexts(absl::string_view field, const std::vector<LocalizedText>& texts,
                                 size_t max_bytes = 500);

// Etags are the resource's version, quoted: "\"7\"". An update or transition that carries an
// etag is refused with ABORTED unless it matches the stored version.
std::string FormatEtag(int64_t version);
// Empty -> nullopt (no check requested); malformed -> INVALID_ARGUMENT naming `field`.
absl::StatusOr<std::optional<int64_t>> ParseEtag(absl::string_view field, absl::string_view etag);
// ABORTED when `expected` is set and differs from `actual`.
absl::Status CheckVersion(absl::string_view resource_name, std::optional<int64_t> expected,
                          int64_t actual);

// A page of a keyset-paged list: rows after a position, and whether more follow.
template <typename T>
struct Page {
  std::vector<T> items;
  bool more = false;
};

// The institutions that own a record, as its reads check ownership: a workshop's two colleges
// (and so its runs, enrollments, certificates and the trainees based there), an institution
// itself, a programme's two colleges and their mobilities. 0 for none: a change to the
// catalogue is owned by no college.
struct OwningInstitutions {
  int64_t first = 0;
  int64_t second = 0;

  bool Include(int64_t institution_id) const {
    return institution_id != 0 && (institution_id == first || institution_id == second);
  }
};

// A workshop (the course service's) and the two colleges that founded it, whose college admins
// see what happens there. Workshops never change founders, so the other services' rows keep a
// copy for filtering.
struct WorkshopFounders {
  int64_t workshop_id = 0;
  int64_t chinese_institution_id = 0;
  int64_t partner_institution_id = 0;

  OwningInstitutions institutions() const {
    return {chinese_institution_id, partner_institution_id};
  }
  bool Include(int64_t institution_id) const { return institutions().Include(institution_id); }
};

}  // namespace luban

#endif  // LUBAN_COMMON_DOMAIN_TYPES_H_
