// The exchange service's storage over MySQL/MariaDB: the tables of migrations/NNNN_*.sql,
// reached only through prepared statements inside db::RunInTransaction.
//
// The database itself enforces what concurrency could otherwise break: never more approved
// mobilities than the quota (TakeQuotaPlace's conditional UPDATE, backed by a CHECK on
// approved_count) and one open mobility per trainee and programme (a unique key over a generated
// column).
#ifndef LUBAN_SERVICES_EXCHANGE_STORAGE_MYSQL_EXCHANGE_STORE_H_
#define LUBAN_SERVICES_EXCHANGE_STORAGE_MYSQL_EXCHANGE_STORE_H_

#include <cstdint>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/db/migrations.h"
#include "common/db/pool.h"
#include "common/db/sql_ledger.h"
#include "common/db/transaction.h"
#include "services/exchange/domain/repository.h"

namespace luban::exchange {

// The exchange track of schema migrations (generated from services/exchange/migrations).
const std::vector<luban::db::Migration>& ExchangeMigrations();

// ExchangeTx over one database transaction. No exception leaves it: SQL errors become statuses
// (see db::Guarded), and the session remembers their codes for the transaction runner.
//
// Beyond the conventions of ExchangeTx:
//  - FAILED_PRECONDITION "quota: ..." for a programme whose quota would fall below its
//    approved_count; FAILED_PRECONDITION for a mobility whose programme does not exist;
//  - ALREADY_EXISTS for a second open (nominated, approved, departed) mobility of a trainee in a
//    programme;
//  - INVALID_ARGUMENT for a mobility naming no participant or both a trainee and a teacher;
//  - ReleaseQuotaPlace never takes approved_count below 0 (a release at 0 changes nothing).
class MySqlExchangeTx final : public ExchangeTx {
 public:
  explicit MySqlExchangeTx(db::Session& session) : session_(session), ledger_(session) {}

  Ledger& ledger() override { return ledger_; }

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
  // OK when an UPDATE that changed no row still matched one (the connection reports changed
  // rows, not matched ones); NOT_FOUND otherwise.
  absl::Status CheckExists(absl::string_view table, absl::string_view collection, int64_t id);

  db::Session& session_;
  db::SqlLedger ledger_;
};

// The store: each transaction on a MySqlExchangeTx (common/db/transaction.h).
using MySqlExchangeStore = db::SqlStore<ExchangeTx, MySqlExchangeTx>;

}  // namespace luban::exchange

#endif  // LUBAN_SERVICES_EXCHANGE_STORAGE_MYSQL_EXCHANGE_STORE_H_
