// An in-memory ExchangeStore for unit tests of the exchange domain rules, with the contract of
// the MySQL store (storage/mysql_exchange_store.h), which
// tests/exchange/mysql_exchange_store_test.cc checks against both:
//  - NOT_FOUND "<collection>/<id>: not found" (also from TakeQuotaPlace and ReleaseQuotaPlace);
//  - the quota guard: TakeQuotaPlace adds one to approved_count only while it is below the
//    quota (false otherwise); ReleaseQuotaPlace takes one away, never below 0; UpdateProgramme
//    leaves approved_count as stored; FAILED_PRECONDITION "quota: ..." for a programme written
//    with a quota below its approved_count (or a negative count);
//  - ALREADY_EXISTS for a second open (nominated, approved, departed) mobility of a trainee in a
//    programme; FAILED_PRECONDITION for a mobility whose programme does not exist (the foreign
//    key); INVALID_ARGUMENT for a mobility naming no participant or both kinds;
//  - keyset paging by id (rows after after_id, ascending, at most limit, `more`), same filters
//    (an institution on either side; the year of the start date, none for a year outside
//    DATE's 1000..9999);
//  - exports in (update_time, id) order after the cursor;
//  - times kept to the microsecond, as DATETIME(6) and the decisions JSON keep them;
//  - a transaction whose body fails leaves the store (and its ledger) as it was; ids handed out
//    are not reused, as AUTO_INCREMENT does not reuse them.
// Transactions run one at a time (a body must not start another transaction of the same store),
// so `for_update` needs no locks here.
#ifndef LUBAN_TESTS_EXCHANGE_FAKE_EXCHANGE_STORE_H_
#define LUBAN_TESTS_EXCHANGE_FAKE_EXCHANGE_STORE_H_

#include <cstdint>
#include <deque>
#include <map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/exchange/domain/repository.h"
#include "tests/support/in_memory_ledger.h"

namespace luban::exchange::testing {

// Everything the fake stores; copied to roll a failed transaction back.
struct FakeExchangeData {
  std::map<int64_t, Programme> programmes;
  std::map<int64_t, Mobility> mobilities;
  luban::testing::InMemoryLedger ledger;
};

// The last id handed out per table, kept across rollbacks.
struct FakeExchangeIds {
  int64_t programme = 0;
  int64_t mobility = 0;
};

class FakeExchangeTx final : public ExchangeTx {
 public:
  FakeExchangeTx(FakeExchangeData& data, FakeExchangeIds& ids) : data_(data), ids_(ids) {}

  Ledger& ledger() override { return data_.ledger; }

  absl::StatusOr<Programme> GetProgramme(int64_t id, bool for_update) override;
  absl::StatusOr<Page<Programme>> ListProgrammes(const ProgrammeFilter& filter, int64_t after_id,
                                                 int limit) override;
  absl::StatusOr<int64_t> InsertProgramme(const Programme& programme) override;
  absl::Status UpdateProgramme(const Programme& programme) override;
  absl::StatusOr<bool> TakeQuotaPlace(int64_t programme_id) override;
  absl::Status ReleaseQuotaPlace(int64_t programme_id) override;

  absl::StatusOr<Mobility> GetMobility(int64_t id, bool for_update) override;
  absl::StatusOr<Page<Mobility>> ListMobilities(const MobilityFilter& filter, int64_t after_id,
                                                int limit) override;
  absl::StatusOr<int64_t> InsertMobility(const Mobility& mobility) override;
  absl::Status UpdateMobility(const Mobility& mobility) override;
  absl::StatusOr<std::vector<Mobility>> ExportMobilities(const ExportCursor& cursor, int limit,
                                                         ExportNext next) override;

 private:
  // The checks of the unique and foreign keys and CHECK constraints, as the database makes them.
  absl::Status CheckMobilityKeys(const Mobility& mobility) const;

  FakeExchangeData& data_;
  FakeExchangeIds& ids_;
};

class FakeExchangeStore final : public ExchangeStore {
 public:
  absl::Status InTransaction(absl::string_view context, absl::Time deadline,
                             absl::FunctionRef<absl::Status(ExchangeTx&)> body) override;

  // The committed state, for assertions and seeding (do not call from inside a body).
  FakeExchangeData& data() { return data_; }
  const luban::testing::InMemoryLedger& ledger() const { return data_.ledger; }

  // The next `count` transactions fail with `status` without running their body (e.g.
  // UNAVAILABLE for a database that is down, ABORTED for a conflict that outlived the retries).
  void FailNextTransactions(absl::Status status, int count = 1);
  // Transactions started, and of those committed.
  int transactions() const;
  int commits() const;

 private:
  mutable absl::Mutex mu_;
  FakeExchangeData data_;
  FakeExchangeIds ids_;
  std::deque<absl::Status> failures_ ABSL_GUARDED_BY(mu_);
  int transactions_ ABSL_GUARDED_BY(mu_) = 0;
  int commits_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace luban::exchange::testing

#endif  // LUBAN_TESTS_EXCHANGE_FAKE_EXCHANGE_STORE_H_
