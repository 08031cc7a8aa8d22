#include "tests/exchange/fake_exchange_store.h"

#include <algorithm>
#include <optional>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/domain/resource_name.h"

namespace luban::exchange::testing {
namespace {

// Messages and codes as the MySQL store gives them.
absl::Status NotFound(absl::string_view collection, int64_t id) {
  return absl::NotFoundError(absl::StrCat(FormatResourceName(collection, id), ": not found"));
}

absl::Status CheckLimit(int limit) {
  if (limit < 1) return absl::InvalidArgumentError("limit: must be at least 1");
  return absl::OkStatus();
}

// The CHECK (approved_count BETWEEN 0 AND quota).
absl::Status CheckWithinQuota(int approved_count, int quota) {
  if (approved_count < 0 || approved_count > quota) {
    return absl::FailedPreconditionError(
        "quota: must not be below the programme's approved mobilities");
  }
  return absl::OkStatus();
}

absl::Status CheckDecisionTimes(const Mobility& mobility) {
  for (const Decision& decision : mobility.decisions) {
    if (decision.time == absl::InfinitePast() || decision.time == absl::InfiniteFuture()) {
      return absl::InvalidArgumentError("decisions: a decision's time must be finite");
    }
  }
  return absl::OkStatus();
}

bool IsOpen(MobilityState state) {
  return state == MobilityState::kNominated || state == MobilityState::kApproved ||
         state == MobilityState::kDeparted;
}

// DATETIME(6) keeps microseconds, truncating the rest.
absl::Time ToMicros(absl::Time time) { return absl::FromUnixMicros(absl::ToUnixMicros(time)); }

Programme Stored(Programme row, int64_t id) {
  row.meta.id = id;
  row.meta.create_time = ToMicros(row.meta.create_time);
  row.meta.update_time = ToMicros(row.meta.update_time);
  return row;
}

Mobility Stored(Mobility row, int64_t id) {
  row.meta.id = id;
  row.meta.create_time = ToMicros(row.meta.create_time);
  row.meta.update_time = ToMicros(row.meta.update_time);
  for (Decision& decision : row.decisions) decision.time = ToMicros(decision.time);
  return row;
}

template <typename T>
absl::StatusOr<T> Find(const std::map<int64_t, T>& rows, absl::string_view collection, int64_t id) {
  auto it = rows.find(id);
  if (it == rows.end()) return NotFound(collection, id);
  return it->second;
}

template <typename T, typename Predicate>
absl::StatusOr<Page<T>> ListAfter(const std::map<int64_t, T>& rows, int64_t after_id, int limit,
                                  Predicate matches) {
  if (auto s = CheckLimit(limit); !s.ok()) return s;
  Page<T> page;
  for (auto it = rows.upper_bound(after_id); it != rows.end(); ++it) {
    if (!matches(it->second)) continue;
    if (static_cast<int64_t>(page.items.size()) == limit) {
      page.more = true;
      break;
    }
    page.items.push_back(it->second);
  }
  return page;
}

// Rows changed after `cursor`, in (update_time, id) order; the cursor's time compares at the
// precision the table keeps.
template <typename T>
absl::StatusOr<std::vector<T>> ExportAfter(const std::map<int64_t, T>& rows,
                                           const ExportCursor& cursor, int limit, ExportNext next) {
  if (auto s = CheckLimit(limit); !s.ok()) return s;
  const absl::Time since = ToMicros(cursor.updated_since);
  std::vector<T> after;
  for (const auto& [id, row] : rows) {
    if (std::tie(row.meta.update_time, id) > std::tie(since, cursor.after_id)) after.push_back(row);
  }
  std::sort(after.begin(), after.end(), [](const T& a, const T& b) {
    return std::tie(a.meta.update_time, a.meta.id) < std::tie(b.meta.update_time, b.meta.id);
  });
  if (static_cast<int64_t>(after.size()) >= limit) {
    after.resize(static_cast<size_t>(limit));
    next({after.back().meta.update_time, after.back().meta.id});
  }
  return after;
}

bool Involves(const std::optional<int64_t>& institution, int64_t one, int64_t other) {
  return !institution.has_value() || *institution == one || *institution == other;
}

}  // namespace

// ---- key checks ----

absl::Status FakeExchangeTx::CheckMobilityKeys(const Mobility& mobility) const {
  if (auto s = CheckDecisionTimes(mobility); !s.ok()) return s;
  if (mobility.trainee_id.has_value() == mobility.teacher.has_value()) {
    return absl::InvalidArgumentError(
        "participant: a mobility names exactly one trainee or one teacher");
  }
  if (!data_.programmes.contains(mobility.programme_id)) {
    return absl::FailedPreconditionError("mobility: its programme does not exist");
  }
  if (mobility.trainee_id.has_value() && IsOpen(mobility.state)) {
    for (const auto& [id, other] : data_.mobilities) {
      if (id != mobility.meta.id && other.programme_id == mobility.programme_id &&
          other.trainee_id == mobility.trainee_id && IsOpen(other.state)) {
        return absl::AlreadyExistsError(
            absl::StrCat(FormatResourceName(kTrainees, *mobility.trainee_id),
                         " already holds an open mobility in ",
                         FormatResourceName(kProgrammes, mobility.programme_id)));
      }
    }
  }
  return absl::OkStatus();
}

// ---- programmes ----

absl::StatusOr<Programme> FakeExchangeTx::GetProgramme(int64_t id, bool /*for_update*/) {
  return Find(data_.programmes, kProgrammes, id);
}

absl::StatusOr<Page<Programme>> FakeExchangeTx::ListProgrammes(const ProgrammeFilter& filter,
                                                               int64_t after_id, int limit) {
  return ListAfter(data_.programmes, after_id, limit, [&](const Programme& p) {
    return Involves(filter.institution_id, p.chinese_institution_id, p.partner_institution_id) &&
           (filter.country.empty() || p.partner_country == filter.country) &&
           (!filter.kind.has_value() || p.kind == *filter.kind) &&
           (!filter.direction.has_value() || p.direction == *filter.direction) &&
           (!filter.year.has_value() || (*filter.year >= 1000 && *filter.year <= 9999 &&
                                         p.start_date.year() == *filter.year)) &&
           (!filter.status.has_value() || p.status == *filter.status) &&
           Involves(filter.visible_to_institution, p.chinese_institution_id,
                    p.partner_institution_id);
  });
}

absl::StatusOr<int64_t> FakeExchangeTx::InsertProgramme(const Programme& programme) {
  if (auto s = CheckWithinQuota(programme.approved_count, programme.quota); !s.ok()) return s;
  const int64_t id = ++ids_.programme;
  data_.programmes[id] = Stored(programme, id);
  return id;
}

absl::Status FakeExchangeTx::UpdateProgramme(const Programme& programme) {
  auto it = data_.programmes.find(programme.meta.id);
  if (it == data_.programmes.end()) return NotFound(kProgrammes, programme.meta.id);
  // Every mutable column but approved_count, which only the quota methods move.
  const int approved_count = it->second.approved_count;
  if (auto s = CheckWithinQuota(approved_count, programme.quota); !s.ok()) return s;
  const absl::Time create_time = it->second.meta.create_time;
  it->second = Stored(programme, programme.meta.id);
  it->second.meta.create_time = create_time;
  it->second.approved_count = approved_count;
  return absl::OkStatus();
}

absl::StatusOr<bool> FakeExchangeTx::TakeQuotaPlace(int64_t programme_id) {
  auto it = data_.programmes.find(programme_id);
  if (it == data_.programmes.end()) return NotFound(kProgrammes, programme_id);
  if (it->second.approved_count >= it->second.quota) return false;
  ++it->second.approved_count;
  return true;
}

absl::Status FakeExchangeTx::ReleaseQuotaPlace(int64_t programme_id) {
  auto it = data_.programmes.find(programme_id);
  if (it == data_.programmes.end()) return NotFound(kProgrammes, programme_id);
  if (it->second.approved_count > 0) --it->second.approved_count;
  return absl::OkStatus();
}

// ---- mobilities ----

absl::StatusOr<Mobility> FakeExchangeTx::GetMobility(int64_t id, bool /*for_update*/) {
  return Find(data_.mobilities, kMobilities, id);
}

absl::StatusOr<Page<Mobility>> FakeExchangeTx::ListMobilities(const MobilityFilter& filter,
                                                              int64_t after_id, int limit) {
  return ListAfter(data_.mobilities, after_id, limit, [&](const Mobility& m) {
    return (!filter.programme_id.has_value() || m.programme_id == *filter.programme_id) &&
           Involves(filter.institution_id, m.sending_institution_id, m.receiving_institution_id) &&
           (!filter.state.has_value() || m.state == *filter.state) &&
           (!filter.trainee_id.has_value() || m.trainee_id == filter.trainee_id) &&
           Involves(filter.visible_to_institution, m.sending_institution_id,
                    m.receiving_institution_id);
  });
}

absl::StatusOr<int64_t> FakeExchangeTx::InsertMobility(const Mobility& mobility) {
  Mobility row = mobility;
  row.meta.id = 0;
  if (auto s = CheckMobilityKeys(row); !s.ok()) return s;
  const int64_t id = ++ids_.mobility;
  data_.mobilities[id] = Stored(std::move(row), id);
  return id;
}

absl::Status FakeExchangeTx::UpdateMobility(const Mobility& mobility) {
  auto it = data_.mobilities.find(mobility.meta.id);
  if (it == data_.mobilities.end()) return NotFound(kMobilities, mobility.meta.id);
  if (auto s = CheckMobilityKeys(mobility); !s.ok()) return s;
  const absl::Time create_time = it->second.meta.create_time;
  it->second = Stored(mobility, mobility.meta.id);
  it->second.meta.create_time = create_time;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Mobility>> FakeExchangeTx::ExportMobilities(const ExportCursor& cursor,
                                                                       int limit, ExportNext next) {
  return ExportAfter(data_.mobilities, cursor, limit, next);
}

// ---- store ----

absl::Status FakeExchangeStore::InTransaction(absl::string_view context, absl::Time deadline,
                                              absl::FunctionRef<absl::Status(ExchangeTx&)> body) {
  absl::MutexLock lock(&mu_);
  ++transactions_;
  if (absl::Now() >= deadline) {
    return absl::DeadlineExceededError(
        absl::StrCat(context, ": the deadline passed before the work started"));
  }
  if (!failures_.empty()) {
    absl::Status failure = std::move(failures_.front());
    failures_.pop_front();
    return failure;
  }
  FakeExchangeData before = data_;
  FakeExchangeTx tx(data_, ids_);
  absl::Status status = body(tx);
  if (!status.ok()) {
    data_ = std::move(before);
    return status;
  }
  ++commits_;
  return absl::OkStatus();
}

void FakeExchangeStore::FailNextTransactions(absl::Status status, int count) {
  absl::MutexLock lock(&mu_);
  for (int i = 0; i < count; ++i) failures_.push_back(status);
}

int FakeExchangeStore::transactions() const {
  absl::MutexLock lock(&mu_);
  return transactions_;
}

int FakeExchangeStore::commits() const {
  absl::MutexLock lock(&mu_);
  return commits_;
}

}  // namespace luban::exchange::testing
