// Schema migrations: numbered SQL files, embedded into each binary (see
// cmake/LubanMigrations.cmake), applied in order and recorded in `schema_migrations`.
//
// A schema has several tracks: "platform" (tables every service keeps, common/db/migrations)
// and the service's own ("course", ...). Per track, versions apply in ascending order, each
// once; re-running does nothing. A schema holding a version this binary does not know (a newer
// release migrated it) is refused with FAILED_PRECONDITION, as is an applied migration whose text
// has since changed. Concurrent migrators (replicas starting together, on one server or on
// different nodes of a Galera cluster) serialise on a lease written in `schema_migration_lock`:
// the others wait for it until `lock_timeout` (then UNAVAILABLE), and a migrator that died leaves
// it to expire after `lock_lease`, which each migration renews.
#ifndef LUBAN_COMMON_DB_MIGRATIONS_H_
#define LUBAN_COMMON_DB_MIGRATIONS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace luban::db {

class ConnectionPool;

struct Migration {
  const char* track;  // e.g. "course"
  int version;        // from the file name, NNNN_name.sql
  const char* name;   // the rest of the file name
  const char* sql;    // statements separated by ';' at the end of a line
};

// The platform track, shared by every service.
const std::vector<Migration>& PlatformMigrations();

struct MigrationReport {
  int applied = 0;  // migrations applied by this call
  int current = 0;  // migrations recorded in the schema after it
};

// Brings the schema up to date with `migrations` (any mix of tracks).
absl::StatusOr<MigrationReport> Migrate(ConnectionPool& pool,
                                        const std::vector<const std::vector<Migration>*>& tracks,
                                        absl::Duration lock_timeout = absl::Seconds(60),
                                        absl::Duration lock_lease = absl::Seconds(30));

// Splits a migration's text into statements (exposed for tests).
std::vector<std::string> SplitStatements(const std::string& sql);

}  // namespace luban::db

#endif  // LUBAN_COMMON_DB_MIGRATIONS_H_
