#include "common/db/sql_ledger.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/db/rows.h"
#include "common/db/sql_error.h"
#include "common/domain/status_macros.h"
#include "common/metrics/metrics.h"
#include "cppconn/exception.h"
#include "cppconn/prepared_statement.h"
#include "cppconn/resultset.h"

namespace luban::db {
namespace {

// A retry answered with the response stored for its request id.
void CountReplay() {
  static const metrics::Counter replays = metrics::Global().GetCounter(
      "luban_idempotent_replays_total",
      "Retried mutations answered with their stored response (same request_id)", {});
  replays.Increment();
}

}  // namespace

absl::StatusOr<std::optional<std::string>> SqlLedger::ClaimRequest(const RequestKey& key) {
  auto& insert = session_.Prepare(
      "INSERT INTO idempotency_keys (actor, request_id, method, request_hash, created_at)"
      " VALUES (?, ?, ?, ?, UTC_TIMESTAMP(6))");
  insert.setString(1, key.actor);
  insert.setString(2, key.request_id);
  insert.setString(3, key.method);
  insert.setString(4, key.request_hash);
  try {
    Session::Update(insert);
    return std::nullopt;  // new request; the row is ours until commit
  } catch (const sql::SQLException& e) {
    if (e.getErrorCode() != kErrDuplicateKey) throw;
  }
  // Seen before (and committed: an uncommitted duplicate would have made us wait).
  LUBAN_ASSIGN_OR_RETURN(auto prior, Stored(key, /*lock=*/true));
  if (!prior.has_value()) {
    return absl::AbortedError("request_id: a concurrent request with the same id is in flight");
  }
  CountReplay();
  return prior;
}

absl::StatusOr<std::optional<std::string>> SqlLedger::FindResponse(const RequestKey& key) {
  auto stored = Stored(key, /*lock=*/false);
  if (stored.ok() && stored->has_value()) CountReplay();
  return stored;
}

absl::StatusOr<std::optional<std::string>> SqlLedger::Stored(const RequestKey& key, bool lock) {
  auto& select =
      session_.Prepare(lock ? "SELECT method, request_hash, response FROM idempotency_keys"
                              " WHERE actor = ? AND request_id = ? LOCK IN SHARE MODE"
                            : "SELECT method, request_hash, response FROM idempotency_keys"
                              " WHERE actor = ? AND request_id = ? AND response IS NOT NULL");
  select.setString(1, key.actor);
  select.setString(2, key.request_id);
  auto row = Session::Query(select);
  if (!row->next()) return std::optional<std::string>();
  if (row->getString(1) != key.method || row->getString(2) != key.request_hash) {
    return absl::InvalidArgumentError(absl::StrCat(
        "request_id '", key.request_id,
        "' was already used for a different request; use a new request_id for a new request"));
  }
  return std::optional<std::string>(std::string(row->getString(3)));
}

absl::Status SqlLedger::SaveResponse(const RequestKey& key, absl::string_view response) {
  auto& update = session_.Prepare(
      "UPDATE idempotency_keys SET response = ? WHERE actor = ? AND request_id = ?");
  // Bound as a string (length-prefixed, byte-exact into the BLOB): setBlob would send it ahead
  // in a COM_STMT_SEND_LONG_DATA packet of its own, one more packet per mutation.
  update.setString(1, std::string(response));
  update.setString(2, key.actor);
  update.setString(3, key.request_id);
  // The claim this transaction inserted first.
  Session::UpdateTheRowItHeld(update, "its request's claim");
  return absl::OkStatus();
}

absl::Status SqlLedger::Audit(const AuditRecord& record) {
  auto& insert = session_.Prepare(
      "INSERT INTO audit_log (at, actor, actor_role, request_id, method, resource_name, action,"
      " details) VALUES (UTC_TIMESTAMP(6), ?, ?, ?, ?, ?, ?, ?)");
  insert.setString(1, record.actor);
  insert.setString(2, record.actor_role);
  insert.setString(3, record.request_id);
  insert.setString(4, record.method);
  insert.setString(5, record.resource_name);
  insert.setString(6, record.action);
  insert.setString(7, record.details);
  Session::Update(insert);
  return absl::OkStatus();
}

absl::StatusOr<Page<StoredAuditRecord>> SqlLedger::ListAudit(absl::string_view resource_name,
                                                             int64_t before_id, int limit) {
  LUBAN_RETURN_IF_ERROR(CheckLimit(limit));
  return Guarded(session_, "list audit records", [&]() -> absl::StatusOr<Page<StoredAuditRecord>> {
    // Backwards along audit_log_resource (resource_name, id) for one resource, along the primary
    // key for all: either way no sort, and no row before the page is read.
    std::string query =
        "SELECT id, TIMESTAMPDIFF(MICROSECOND, '1970-01-01', at), actor, actor_role, request_id,"
        " method, resource_name, action, details FROM audit_log";
    std::vector<absl::string_view> conditions;
    if (!resource_name.empty()) conditions.push_back("resource_name = ?");
    if (before_id > 0) conditions.push_back("id < ?");
    if (!conditions.empty()) absl::StrAppend(&query, " WHERE ", absl::StrJoin(conditions, " AND "));
    absl::StrAppend(&query, " ORDER BY id DESC LIMIT ?");
    auto& select = session_.Prepare(query);
    Binder bind(select);
    if (!resource_name.empty()) bind.Text(std::string(resource_name));
    if (before_id > 0) bind.Int64(before_id);
    bind.Int64(int64_t{limit} + 1);
    return ReadPage<StoredAuditRecord>(
        select, limit, [](sql::ResultSet& row) -> absl::StatusOr<StoredAuditRecord> {
          StoredAuditRecord stored;
          stored.id = row.getInt64(1);
          stored.time = absl::FromUnixMicros(row.getInt64(2));
          stored.record.actor = GetText(row, 3);
          stored.record.actor_role = GetText(row, 4);
          stored.record.request_id = GetText(row, 5);
          stored.record.method = GetText(row, 6);
          stored.record.resource_name = GetText(row, 7);
          stored.record.action = GetText(row, 8);
          stored.record.details = GetText(row, 9);
          return stored;
        });
  });
}

absl::Status SqlLedger::PublishChange(const ChangeRecord& record) {
  // No sequence yet: the feed's sequencer numbers the event once it is committed (SequenceChanges),
  // so writers share no lock here.
  auto& insert = session_.Prepare(
      "INSERT INTO change_events (at, resource_type, resource_name, change_type, payload,"
      " request_id, actor, owner_institution_1, owner_institution_2)"
      " VALUES (UTC_TIMESTAMP(6), ?, ?, ?, ?, ?, ?, ?, ?)");
  insert.setString(1, record.resource_type);
  insert.setString(2, record.resource_name);
  insert.setInt(3, static_cast<int>(record.kind));
  insert.setString(4, record.payload);  // as the response in SaveResponse
  insert.setString(5, record.request_id);
  insert.setString(6, record.actor);
  insert.setInt64(7, record.owners.first);
  insert.setInt64(8, record.owners.second);
  Session::Update(insert);
  session_.NoteChangePublished();
  return absl::OkStatus();
}

int SequenceChanges(Session& session, int limit) {
  // The head's lock first: the snapshot of the next read starts after it, so it sees every event
  // a sequencer before us numbered and every event committed until now.
  auto head_rows = Session::Query(
      session.Prepare("SELECT last_sequence FROM change_feed_head WHERE id = 1 FOR UPDATE"));
  if (!head_rows->next()) {
    throw sql::SQLException("change_feed_head has no row", "HY000", 0);
  }
  const int64_t head = head_rows->getInt64(1);
  // A consistent read: only committed events, without waiting for (or locking out) writers.
  auto& pending =
      session.Prepare("SELECT id FROM change_events WHERE sequence IS NULL ORDER BY id LIMIT ?");
  pending.setInt(1, limit);
  auto rows = Session::Query(pending);
  std::vector<int64_t> ids;
  while (rows->next()) ids.push_back(rows->getInt64(1));
  if (ids.empty()) return 0;
  // One statement for the batch, driven by the id list through the primary key so that it locks
  // exactly those rows: a scan (the optimizer's choice on a small table) would lock, and wait
  // for, the uncommitted events of writers.
  auto& number = session.Prepare(
      "UPDATE JSON_TABLE(?, '$[*]' COLUMNS (n FOR ORDINALITY, id BIGINT PATH '$')) AS batch"
      " STRAIGHT_JOIN change_events AS event FORCE INDEX (PRIMARY) ON event.id = batch.id"
      " SET event.sequence = ? + batch.n");
  number.setString(1, absl::StrCat("[", absl::StrJoin(ids, ","), "]"));
  number.setInt64(2, head);
  if (Session::Update(number) != static_cast<int64_t>(ids.size())) {
    throw sql::SQLException("the change feed's events changed while being numbered", "HY000", 0);
  }
  // The head moves only from where this transaction read it under lock (else, numbers given twice
  // and the head set back).
  auto& advance = session.Prepare(
      "UPDATE change_feed_head SET last_sequence = ? WHERE id = 1 AND last_sequence = ?");
  advance.setInt64(1, head + static_cast<int64_t>(ids.size()));
  advance.setInt64(2, head);
  Session::UpdateTheRowItHeld(advance, "the change feed's head as it read it");
  return static_cast<int>(ids.size());
}

absl::Status NumberCommittedChanges(ConnectionPool& pool) {
  constexpr int kBatch = 1000;
  int numbered = kBatch;
  while (numbered == kBatch) {
    numbered = 0;
    const absl::Status status =
        RunInTransaction(pool, {.context = "number the change feed"}, [&](Session& session) {
          return Guarded(session, "number the change feed", [&]() -> absl::Status {
            numbered = SequenceChanges(session, kBatch);
            return absl::OkStatus();
          });
        });
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

std::vector<StoredChange> ReadChanges(Session& session, int64_t after_sequence,
                                      const ChangeFilter& filter, int limit) {
  std::string query =
      "SELECT sequence, TIMESTAMPDIFF(MICROSECOND, '1970-01-01', at), resource_type,"
      " resource_name, change_type, payload, request_id, actor, owner_institution_1,"
      " owner_institution_2 FROM change_events WHERE sequence > ?";
  if (!filter.resource_types.empty()) {
    std::vector<std::string> marks(filter.resource_types.size(), "?");
    absl::StrAppend(&query, " AND resource_type IN (", absl::StrJoin(marks, ","), ")");
  }
  // Institution 0 owns nothing: the unowned events are not any college's.
  const bool by_owner = filter.owner_institution.has_value() && *filter.owner_institution != 0;
  if (filter.owner_institution.has_value()) {
    absl::StrAppend(
        &query, by_owner ? " AND ? IN (owner_institution_1, owner_institution_2)" : " AND FALSE");
  }
  absl::StrAppend(&query, " ORDER BY sequence LIMIT ?");
  auto& select = session.Prepare(query);
  int index = 1;
  select.setInt64(index++, after_sequence);
  for (const auto& type : filter.resource_types) select.setString(index++, type);
  if (by_owner) select.setInt64(index++, *filter.owner_institution);
  select.setInt(index, limit);
  auto rows = Session::Query(select);
  std::vector<StoredChange> changes;
  while (rows->next()) {
    StoredChange change;
    change.sequence = rows->getInt64(1);
    change.time = absl::FromUnixMicros(rows->getInt64(2));
    change.record.resource_type = rows->getString(3);
    change.record.resource_name = rows->getString(4);
    change.record.kind = static_cast<ChangeKind>(rows->getInt(5));
    change.record.payload = rows->getString(6);
    change.record.request_id = rows->getString(7);
    change.record.actor = rows->getString(8);
    change.record.owners = {rows->getInt64(9), rows->getInt64(10)};
    changes.push_back(std::move(change));
  }
  return changes;
}

int64_t LastChangeSequence(Session& session) {
  auto rows =
      Session::Query(session.Prepare("SELECT last_sequence FROM change_feed_head WHERE id = 1"));
  return rows->next() ? rows->getInt64(1) : 0;
}

std::string FormatSqlTime(absl::Time time) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%E6S", time, absl::UTCTimeZone());
}

}  // namespace luban::db
