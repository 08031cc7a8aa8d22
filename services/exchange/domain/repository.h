// The exchange service's storage, one transaction at a time. Implemented over MySQL
// (storage/mysql_exchange_store.h) and in memory for unit tests.
#ifndef LUBAN_SERVICES_EXCHANGE_DOMAIN_REPOSITORY_H_
#define LUBAN_SERVICES_EXCHANGE_DOMAIN_REPOSITORY_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/domain/ledger.h"
#include "common/domain/store.h"
#include "common/domain/types.h"
#include "services/exchange/domain/model.h"

namespace luban::exchange {

// Conventions as CourseTx: NOT_FOUND "<collection>/<id>: not found"; `for_update` locks the row
// until the transaction ends; lists are keyset-paged by id; inserts return the new id; updates
// write every mutable column (the caller bumps meta.version). A mobility's decisions are stored
// with it (appended by the caller).
class ExchangeTx {
 public:
  virtual ~ExchangeTx() = default;

  virtual Ledger& ledger() = 0;

  virtual absl::StatusOr<Programme> GetProgramme(int64_t id, bool for_update) = 0;
  virtual absl::StatusOr<Page<Programme>> ListProgrammes(const ProgrammeFilter& filter,
                                                         int64_t after_id, int limit) = 0;
  virtual absl::StatusOr<int64_t> InsertProgramme(const Programme& programme) = 0;
  // Writes every mutable column except approved_count (see TakeQuotaPlace).
  virtual absl::Status UpdateProgramme(const Programme& programme) = 0;
  // The quota guard: one place more, only while approved_count < quota. False when full. The
  // conditional update is the guard: it holds under any concurrency.
  virtual absl::StatusOr<bool> TakeQuotaPlace(int64_t programme_id) = 0;
  virtual absl::Status ReleaseQuotaPlace(int64_t programme_id) = 0;

  virtual absl::StatusOr<Mobility> GetMobility(int64_t id, bool for_update) = 0;
  virtual absl::StatusOr<Page<Mobility>> ListMobilities(const MobilityFilter& filter,
                                                        int64_t after_id, int limit) = 0;
  // ALREADY_EXISTS when the mobility is open (nominated, approved or departed) and its trainee
  // already holds an open mobility in the programme.
  virtual absl::StatusOr<int64_t> InsertMobility(const Mobility& mobility) = 0;
  virtual absl::Status UpdateMobility(const Mobility& mobility) = 0;
  virtual absl::StatusOr<std::vector<Mobility>> ExportMobilities(const ExportCursor& cursor,
                                                                 int limit, ExportNext next) = 0;
};

using ExchangeStore = TransactionalStore<ExchangeTx>;

}  // namespace luban::exchange

#endif  // LUBAN_SERVICES_EXCHANGE_DOMAIN_REPOSITORY_H_
