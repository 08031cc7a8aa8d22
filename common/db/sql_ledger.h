// Ledger over the platform tables of a service's schema (common/db/migrations/0001_platform.sql),
// inside the caller's transaction, and the reads of the change feed.
#ifndef LUBAN_COMMON_DB_SQL_LEDGER_H_
#define LUBAN_COMMON_DB_SQL_LEDGER_H_

#include "absl/strings/string_view.h"
#include <cstdint>
#include <string>
#include <vector>

#include "common/db/transaction.h"
#include "common/domain/ledger.h"

namespace luban::db {

class SqlLedger final : public Ledger {
 public:
  explicit SqlLedger(Session& session) : session_(session) {}

  absl::StatusOr<std::optional<std::string>> ClaimRequest(const RequestKey& key) override;
  absl::StatusOr<std::optional<std::string>> FindResponse(const RequestKey& key) override;
  absl::Status SaveResponse(const RequestKey& key, absl::string_view response) override;
  absl::Status Audit(const AuditRecord& record) override;
  absl::Status PublishChange(const ChangeRecord& record) override;

 private:
  absl::StatusOr<std::optional<std::string>> Stored(const RequestKey& key, bool lock);

  Session& session_;
};

// Events with sequence > after_sequence, ascending, at most `limit`, only of `resource_types`
// when not empty. Throws sql::SQLException (call it inside RunInTransaction).
std::vector<StoredChange> ReadChanges(Session& session, int64_t after_sequence,
                                      const std::vector<std::string>& resource_types, int limit);
// The highest committed sequence.
int64_t LastChangeSequence(Session& session);

// Converts between absl::Time and the DATETIME(6) text the connector returns.
std::string FormatSqlTime(absl::Time time);
absl::Time ParseSqlTime(const std::string& text);

}  // namespace luban::db

#endif  // LUBAN_COMMON_DB_SQL_LEDGER_H_
