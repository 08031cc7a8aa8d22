#include "common/db/migrations.h"

#include <map>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
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

absl::StatusOr<MigrationReport> MigrateLocked(
    sql::Connection& connection, const std::vector<const std::vector<Migration>*>& tracks) {
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
                                        absl::Duration lock_timeout) {
  LUBAN_ASSIGN_OR_RETURN(auto lease, pool.Borrow(absl::Now() + lock_timeout));
  sql::Connection& connection = (lease)->connection();
  try {
    {
      std::unique_ptr<sql::PreparedStatement> lock(
          connection.prepareStatement("SELECT GET_LOCK(CONCAT(DATABASE(), '.migrations'), ?)"));
      lock->setInt(1, static_cast<int>(absl::ToInt64Seconds(lock_timeout)));
      std::unique_ptr<sql::ResultSet> got(lock->executeQuery());
      if (!got->next() || got->getInt(1) != 1) {
        return absl::UnavailableError("another process holds the migration lock");
      }
    }
    auto report = MigrateLocked(connection, tracks);
    Execute(connection, "DO RELEASE_LOCK(CONCAT(DATABASE(), '.migrations'))");
    Commit(connection);
    return report;
  } catch (const sql::SQLException& e) {
    lease.Discard();  // also drops the named lock with the session
    return SqlErrorToStatus(e, "migrate the schema");
  }
}

}  // namespace luban::db
