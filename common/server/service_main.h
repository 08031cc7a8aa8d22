// The one server bootstrap every service's main() calls:
//
//   int main(int argc, char** argv) {
//     luban::course::CourseModule module;
//     return luban::RunService(argc, argv, module);
//   }
//
// It reads flags (each overridable by an environment variable LUBAN_<FLAG IN CAPITALS>; the
// command line wins), connects the pool (waiting up to --db_wait for the database), applies the
// migrations (and exits with --migrate_only), loads the credentials, and serves the module's
// service on gRPC's callback API with database work on a bounded executor sized to the pool,
// plus the health service (SERVING only while the database answers; NOT_SERVING from shutdown
// on) and server reflection. SIGTERM/SIGINT shut down gracefully: health goes NOT_SERVING, new
// calls are refused, in-flight calls get --shutdown_grace to finish.
#ifndef LUBAN_COMMON_SERVER_SERVICE_MAIN_H_
#define LUBAN_COMMON_SERVER_SERVICE_MAIN_H_

#include <memory>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/statusor.h"
#include "common/auth/credentials.h"
#include "common/db/migrations.h"
#include "common/db/pool.h"
#include "common/domain/page_token.h"
#include "common/server/change_feed.h"
#include "common/server/executor.h"
#include "grpcpp/impl/codegen/service_type.h"

namespace luban {

// What a running service hands to its module.
struct ServiceEnv {
  db::ConnectionPool* pool;
  BoundedExecutor* executor;
  const auth::CredentialStore* credentials;
  const PageTokenCodec* page_tokens;
  ChangeFeedHub* feed;
};

class ServiceModule {
 public:
  virtual ~ServiceModule() = default;
  // Short name, e.g. "course" (logs, defaults).
  virtual absl::string_view name() const = 0;
  // The migration tracks of the service's schema besides the platform's.
  virtual std::vector<const std::vector<db::Migration>*> migrations() const = 0;
  // Builds the gRPC service once the schema is current. The module keeps ownership of it; it
  // must outlive the server (RunService destroys the server first).
  virtual absl::StatusOr<grpc::Service*> CreateService(const ServiceEnv& env) = 0;
};

// Applies LUBAN_<NAME> environment variables to every registered flag that has one. Called by
// RunService before parsing the command line; exposed for tools with their own main().
void ApplyEnvironmentToFlags();

int RunService(int argc, char** argv, ServiceModule& module);

}  // namespace luban

#endif  // LUBAN_COMMON_SERVER_SERVICE_MAIN_H_
