// Ledger over the platform tables of a service's schema (common/db/migrations/0001_platform.sql),
// inside the caller's transaction, and the reads of the change feed.
#ifndef LUBAN_COMMON_DB_SQL_LEDGER_H_
#define LUBAN_COMMON_DB_SQL_LEDGER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
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
  absl::StatusOr<Page<StoredAuditRecord>> ListAudit(absl::string_view resource_name,
                                                    int64_t before_id, int limit) override;
  absl::Status PublishChange(const ChangeRecord& record) override;

 private:
  absl::StatusOr<std::optional<std::string>> Stored(const RequestKey& key, bool lock);

  Session& session_;
};

// Numbers up to `limit` committed events that have no sequence yet, in the order of their ids,
// after the highest sequence, and advances the head: call it in a transaction of its own and
// commit (the head stays locked until then). Returns how many it numbered. Writers never wait for
// it, nor it for them: it reads committed events only and locks just the rows it numbers.
// Throws sql::SQLException (call it inside RunInTransaction).
int SequenceChanges(Session& session, int limit);
// Numbers every event committed so far, in transactions of SequenceChanges on `pool` (the feed's
// hub does this after each commit; tests call it to see the feed as a reader soon will).
absl::Status NumberCommittedChanges(ConnectionPool& pool);

// Events with sequence > after_sequence that pass `filter`, ascending, at most `limit`. Throws
// sql::SQLException (call it inside RunInTransaction).
std::vector<StoredChange> ReadChanges(Session& session, int64_t after_sequence,
                                      const ChangeFilter& filter, int limit);
// The highest sequence handed out (every event up to it is committed).
int64_t LastChangeSequence(Session& session);

// A time as DATETIME(6) text, to bind. Stored times are read back as microseconds since the
// epoch (TIMESTAMPDIFF(MICROSECOND, '1970-01-01', column)), never parsed from text.
std::string FormatSqlTime(absl::Time time);

}  // namespace luban::db

#endif  // LUBAN_COMMON_DB_SQL_LEDGER_H_
