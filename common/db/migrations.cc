#include "common/db/migrations.h"

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/db/pool.h"
#include "common/db/sql_error.h"
#include "common/domain/status_macros.h"
#include "cppconn/connection.h"
#include "cppconn/exception.h"
#include "cppconn/prepared_statement.h"
#include "cppconn/resultset.h"
#include "cppconn/statement.h"
#include "openssl/sha.h"

namespace luban::db {
namespace {

std::string Checksum(const char* sql) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  const std::string text(sql);
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

void Execute(sql::Connection& connection, const std::string& statement) {
  std::unique_ptr<sql::Statement> s(connection.createStatement());
  s->execute(statement);
}

struct Applied {
  std::string checksum;
};

// The migration lock: a lease in a row of its own. Replicas starting together on different
// Galera nodes must not both migrate, and Galera replicates no GET_LOCK (nor table locks); a
// written row it does certify, so the second of two racing takers fails at COMMIT (1213) where
// one server would make it wait on the row. A migrator that dies leaves the lease to expire.
class MigrationLock {
 public:
  MigrationLock(sql::Connection& connection, absl::Duration lease)
      : connection_(connection),
        lease_seconds_(std::max<int64_t>(1, absl::ToInt64Seconds(lease))),
        holder_(absl::StrCat(Hostname(), ":", getpid(), ":", absl::Uniform<uint32_t>(bits_))) {}

  // Takes the lease, waiting for another holder's to end or expire until `deadline`:
  // UNAVAILABLE naming the holder then. Throws sql::SQLException on other errors.
  absl::Status Acquire(absl::Time deadline) {
    Execute(connection_,
            "CREATE TABLE IF NOT EXISTS schema_migration_lock ("
            " id TINYINT NOT NULL PRIMARY KEY, holder VARCHAR(255) NOT NULL,"
            " expires_at DATETIME(6) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
    // Lost to another node's migrator, the row is there all the same.
    UnlessConflict([&] {
      Execute(connection_,
              "INSERT IGNORE INTO schema_migration_lock (id, holder, expires_at)"
              " VALUES (1, '', '1970-01-01')");
      Commit(connection_);
      return true;
    });
    absl::Duration pause = absl::Milliseconds(50);
    while (true) {
      if (TryTake()) return absl::OkStatus();
      if (absl::Now() + pause >= deadline) {
        return absl::UnavailableError(
            absl::StrCat("another process holds the migration lock (", CurrentHolder(), ")"));
      }
      absl::SleepFor(pause);  // a back-off between attempts, not a synchronisation
      pause = std::min(pause * 2, absl::Seconds(1));
    }
  }

  // Extends the lease (before each migration, so that a long run does not lose it); ABORTED
  // when it expired and another process took it.
  absl::Status Renew() {
    if (Update("UPDATE schema_migration_lock SET expires_at = UTC_TIMESTAMP(6) + INTERVAL ? SECOND"
               " WHERE id = 1 AND holder = ?")) {
      return absl::OkStatus();
    }
    return absl::AbortedError(
        absl::StrCat("the migration lock's lease expired and ", CurrentHolder(), " took it"));
  }

  void Release() { ReleaseOn(connection_); }
  // Releases the lease over another connection (after this one failed).
  void ReleaseOn(sql::Connection& connection) {
    std::unique_ptr<sql::PreparedStatement> free(connection.prepareStatement(
        "UPDATE schema_migration_lock SET holder = '', expires_at = '1970-01-01'"
        " WHERE id = 1 AND holder = ?"));
    free->setString(1, holder_);
    free->executeUpdate();
    Commit(connection);
  }

 private:
  static std::string Hostname() {
    char name[256] = {};
    if (gethostname(name, sizeof(name) - 1) != 0) return "unknown-host";
    return name;
  }

  bool TryTake() {
    return UnlessConflict([&] {
      return Update(
          "UPDATE schema_migration_lock SET expires_at = UTC_TIMESTAMP(6) + INTERVAL ? SECOND,"
          " holder = ? WHERE id = 1 AND (holder = '' OR expires_at < UTC_TIMESTAMP(6))");
    });
  }

  // What `write` returns, or false (rolled back) when another writer of the row won it: another
  // node's at COMMIT (Galera's certification), or a deadlock on one server. Throws on other
  // errors.
  bool UnlessConflict(absl::FunctionRef<bool()> write) {
    try {
      return write();
    } catch (const sql::SQLException& e) {
      if (!IsRetryableTransactionError(e.getErrorCode())) throw;
      Rollback(connection_);
      return false;
    }
  }

  // Runs `statement` (parameters: the lease's seconds, the holder) and commits; whether it
  // changed the row.
  bool Update(const char* statement) {
    std::unique_ptr<sql::PreparedStatement> update(connection_.prepareStatement(statement));
    update->setInt64(1, lease_seconds_);
    update->setString(2, holder_);
    const int changed = update->executeUpdate();
    Commit(connection_);
    return changed == 1;
  }

  std::string CurrentHolder() {
    std::unique_ptr<sql::Statement> s(connection_.createStatement());
    std::unique_ptr<sql::ResultSet> row(
        s->executeQuery("SELECT holder, expires_at FROM schema_migration_lock WHERE id = 1"));
    std::string holder = "nobody";
    if (row->next()) {
      holder = absl::StrCat(std::string(row->getString(1)), ", lease until ",
                            std::string(row->getString(2)), " UTC");
    }
    Commit(connection_);
    return holder;
  }

  sql::Connection& connection_;
  const int64_t lease_seconds_;
  absl::BitGen bits_;
  const std::string holder_;
};

absl::StatusOr<MigrationReport> MigrateLocked(
    sql::Connection& connection, const std::vector<const std::vector<Migration>*>& tracks,
    MigrationLock& lock) {
  Execute(connection,
          "CREATE TABLE IF NOT EXISTS schema_migrations ("
          " track VARCHAR(64) NOT NULL, version INT NOT NULL, name VARCHAR(255) NOT NULL,"
          " checksum CHAR(64) NOT NULL, applied_at DATETIME(6) NOT NULL,"
          " PRIMARY KEY (track, version)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
  Commit(connection);

  std::map<std::pair<std::string, int>, Applied> applied;
  {
    std::unique_ptr<sql::Statement> s(connection.createStatement());
    std::unique_ptr<sql::ResultSet> rows(
        s->executeQuery("SELECT track, version, checksum FROM schema_migrations"));
    while (rows->next()) {
      applied[{rows->getString(1), rows->getInt(2)}] = Applied{rows->getString(3)};
    }
    Commit(connection);
  }

  // Refuse a schema newer than this binary, or one whose history was rewritten.
  std::map<std::pair<std::string, int>, const Migration*> known;
  for (const auto* track : tracks) {
    for (const Migration& m : *track) known[{m.track, m.version}] = &m;
  }
  for (const auto& [key, row] : applied) {
    auto it = known.find(key);
    if (it == known.end()) {
      return absl::FailedPreconditionError(
          absl::StrCat("the database schema has migration ", key.first, "/", key.second,
                       " which this binary does not know: it was migrated by a newer release; "
                       "refusing to start"));
    }
    if (row.checksum != Checksum(it->second->sql)) {
      return absl::FailedPreconditionError(
          absl::StrCat("migration ", key.first, "/", key.second, " (", it->second->name,
                       ") was changed after it was applied; add a new migration instead"));
    }
  }

  MigrationReport report;
  for (const auto& [key, migration] : known) {  // ordered by track, then version
    if (applied.contains(key)) continue;
    LUBAN_RETURN_IF_ERROR(lock.Renew());
    for (const std::string& statement : SplitStatements(migration->sql)) {
      Execute(connection, statement);
    }
    std::unique_ptr<sql::PreparedStatement> record(connection.prepareStatement(
        "INSERT INTO schema_migrations (track, version, name, checksum, applied_at)"
        " VALUES (?, ?, ?, ?, UTC_TIMESTAMP(6))"));
    record->setString(1, migration->track);
    record->setInt(2, migration->version);
    record->setString(3, migration->name);
    record->setString(4, Checksum(migration->sql));
    record->executeUpdate();
    Commit(connection);
    ++report.applied;
  }
  report.current = static_cast<int>(applied.size()) + report.applied;
  return report;
}

}  // namespace

std::vector<std::string> SplitStatements(const std::string& sql) {
  std::vector<std::string> statements;
  std::string current;
  for (absl::string_view line : absl::StrSplit(sql, '\n')) {
    absl::string_view trimmed = absl::StripAsciiWhitespace(line);
    if (trimmed.empty() || absl::StartsWith(trimmed, "--")) continue;
    absl::StrAppend(&current, line, "\n");
    if (absl::EndsWith(trimmed, ";")) {
      std::string statement(absl::StripTrailingAsciiWhitespace(current));
      statement.pop_back();  // the ';'
      statements.push_back(std::move(statement));
      current.clear();
    }
  }
  if (!absl::StripAsciiWhitespace(current).empty()) {
    statements.emplace_back(absl::StripAsciiWhitespace(current));
  }
  return statements;
}

absl::StatusOr<MigrationReport> Migrate(ConnectionPool& pool,
                                        const std::vector<const std::vector<Migration>*>& tracks,
                                        absl::Duration lock_timeout, absl::Duration lock_lease) {
  const absl::Time deadline = absl::Now() + lock_timeout;
  LUBAN_ASSIGN_OR_RETURN(auto lease, pool.Borrow(deadline));
  sql::Connection& connection = lease->connection();
  MigrationLock lock(connection, lock_lease);
  try {
    LUBAN_RETURN_IF_ERROR(lock.Acquire(deadline));
    auto report = MigrateLocked(connection, tracks, lock);
    lock.Release();
    return report;
  } catch (const sql::SQLException& e) {
    lease.Discard();
    // The next migrator (this service restarted, or another replica) should not wait for the
    // lease to expire: free it now if the database still answers.
    if (auto again = pool.Borrow(absl::Now() + absl::Seconds(2)); again.ok()) {
      try {
        lock.ReleaseOn((*again)->connection());
      } catch (const sql::SQLException&) {
        again->Discard();  // it expires instead
      }
    }
    return SqlErrorToStatus(e, "migrate the schema");
  }
}

}  // namespace luban::db
