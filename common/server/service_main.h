// The one server bootstrap every service's main() calls:
//
//   int main(int argc, char** argv) {
//     return luban::RunService(argc, argv, "course", [] { return MakeCourseModule(); });
//   }
//
// It reads flags (each overridable by an environment variable LUBAN_<FLAG IN CAPITALS>; the
// command line wins), connects the pool (waiting up to --db_wait for the database), applies the
// migrations (and exits with --migrate_only), loads the credentials, and serves the module's
// service on gRPC's callback API with database work on a bounded executor sized to the pool,
// plus the health service (SERVING only while the database answers; NOT_SERVING from shutdown
// on) and server reflection. SIGTERM/SIGINT shut down gracefully: health goes NOT_SERVING, new
// calls are refused, in-flight calls get --shutdown_grace to finish.
//
// The flag contract of TLS, metrics and logs (all optional; exit 2 on a configuration error,
// with one line naming the flags, before the database is touched):
//   --listen=HOST:PORT     plaintext only on loopback (127.x, [::1], localhost): any other
//                          address without --tls_cert is a configuration error.
//   --tls_cert, --tls_key  PEM certificate chain and key: the server speaks TLS only. Both or
//                          neither. The files are re-read every --tls_refresh_interval (60s), so
//                          rotated files are served from the next handshake on, no restart.
//   --tls_client_ca        PEM CA: a client that presents a certificate must have one of this CA
//                          (else the handshake fails); clients without one still connect and use
//                          bearer tokens. A verified certificate whose subject CN is course,
//                          enrollment or exchange, sent without a bearer token, authenticates the
//                          caller as that service (role service, principal "svc-<name>"); a
//                          bearer token, when sent, decides.
//   --peer_tls_ca          PEM CA of the peers' certificates: calls to the peer services use TLS
//                          and present --tls_cert/--tls_key as this service's client certificate
//                          (then --service_token may be left empty). Read at start.
//   --metrics_listen=HOST:PORT  Prometheus text exposition at http://HOST:PORT/metrics (empty:
//                          off). Metric names: luban_rpc_calls_total{method,code},
//                          luban_rpc_latency_seconds{method}, luban_rpc_stream_admissions_total,
//                          luban_db_pool_*, luban_db_transaction_retries_total,
//                          luban_executor_queued, luban_idempotent_replays_total
//                          and the modules' own (luban_course_feed_* in enrollment).
//   --log_format=text|json json: one object per line (time, level, service, msg) and an access
//                          line per call (see common/server/logging.h); the trace id comes from
//                          the call's W3C traceparent or is new, and goes on to peer calls.
#ifndef LUBAN_COMMON_SERVER_SERVICE_MAIN_H_
#define LUBAN_COMMON_SERVER_SERVICE_MAIN_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/auth/credentials.h"
#include "common/client/channel.h"
#include "common/db/migrations.h"
#include "common/db/pool.h"
#include "common/domain/page_token.h"
#include "common/server/change_feed.h"
#include "common/server/executor.h"
#include "grpcpp/impl/codegen/service_type.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"

namespace luban {

// What a running service hands to its module.
struct ServiceEnv {
  db::ConnectionPool* pool;
  BoundedExecutor* executor;
  const auth::CredentialStore* credentials;
  const PageTokenCodec* page_tokens;
  ChangeFeedHub* feed;
  // How to reach the peers (client::MakeChannel's TLS settings): plaintext when not enabled();
  // with a certificate, the peers know this service by it and no service token is needed.
  client::TlsFiles peer_tls;
};

class ServiceModule {
 public:
  virtual ~ServiceModule() = default;
  // Short name, e.g. "course" (logs, defaults).
  virtual absl::string_view name() const = 0;
  // The gRPC service's full name, e.g. "luban.course.v1.CourseService": the health service
  // answers for it as for the server as a whole ("").
  virtual absl::string_view service_full_name() const = 0;
  // The migration tracks of the service's schema besides the platform's.
  virtual std::vector<const std::vector<db::Migration>*> migrations() const = 0;
  // Builds the gRPC service once the schema is current. The module keeps ownership of it; it
  // must outlive the server (RunService destroys the server first).
  virtual absl::StatusOr<grpc::Service*> CreateService(const ServiceEnv& env) = 0;
  // Stops and joins whatever the module runs in the background on `env` (e.g. a change-feed
  // consumer). The host calls it once in Shutdown(), after the server has stopped and before the
  // pool, executor and feed the module was given go away; also when Start() fails after
  // CreateService(). Nothing the module started may use `env` after it returns.
  virtual void Stop() {}
};

// The server's TLS files (PEM). Plaintext when cert_file is empty.
struct ServerTls {
  std::string cert_file;
  std::string key_file;
  // Clients presenting a certificate are verified against this CA (mutual TLS); clients without
  // one still connect (and authenticate with a bearer token). Empty: no certificate is asked.
  std::string client_ca_file;
  // How often the files are read again (rotation without restart).
  absl::Duration refresh_interval = absl::Seconds(60);

  bool enabled() const { return !cert_file.empty(); }
};

struct HostOptions {
  std::string listen = "127.0.0.1:0";
  ServerTls tls;
  client::TlsFiles peer_tls;
  db::DbConfig db;
  std::string page_token_secret;  // random per process when empty
  int max_queued_calls = 256;
  int max_message_bytes = 4 << 20;
  int max_concurrent_streams = 256;
  absl::Duration db_wait = absl::Seconds(30);
  absl::Duration health_interval = absl::Seconds(1);
  absl::Duration shutdown_grace = absl::Seconds(10);
};

// The gRPC server settings every Luban server shares (message, stream and metadata limits):
// the services' ServiceHost and the benchmark's do-nothing ceiling server alike.
void ApplyServerLimits(grpc::ServerBuilder& builder, const HostOptions& options);

// The configuration errors of the listen address and TLS files, before anything starts:
// INVALID_ARGUMENT naming the flags for a certificate without its key (or the reverse), a client
// CA without a certificate, a listen address that is not loopback without TLS, or one that is not
// HOST:PORT with a port from 0 to 65535; FAILED_PRECONDITION naming the file for one that cannot
// be read.
absl::Status CheckServerTls(absl::string_view listen, const ServerTls& tls);

// The gRPC credentials `tls` describes (insecure when not enabled): the files are watched, so
// certificates rotated in place are served from the next handshake on without a restart.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const ServerTls& tls);

// Connects (waiting up to db_wait for the database) and brings the schema up to date.
absl::StatusOr<db::MigrationReport> PrepareSchema(db::ConnectionPool& pool, ServiceModule& module,
                                                  absl::Duration db_wait);

// A running service: the server, its executor, change feed and health reporting. main() runs one
// until a signal; tests start one in-process on a free loopback port.
class ServiceHost {
 public:
  // `module` must outlive the host; the host stops it (ServiceModule::Stop) in Shutdown().
  static absl::StatusOr<std::unique_ptr<ServiceHost>> Start(ServiceModule& module,
                                                            HostOptions options,
                                                            auth::CredentialStore credentials);
  // Shuts down gracefully if still running.
  ~ServiceHost();

  int port() const { return port_; }
  db::ConnectionPool& pool() { return *pool_; }
  // Health NOT_SERVING, no new calls, in-flight calls get shutdown_grace, then stop. Idempotent.
  void Shutdown();

 private:
  ServiceHost() = default;
  void HealthLoop();

  HostOptions options_;
  ServiceModule* module_ = nullptr;  // not owned; outlives the host
  std::unique_ptr<db::ConnectionPool> pool_;
  std::unique_ptr<auth::CredentialStore> credentials_;
  std::unique_ptr<PageTokenCodec> page_tokens_;
  std::unique_ptr<BoundedExecutor> executor_;
  std::unique_ptr<ChangeFeedHub> feed_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  absl::Notification stopping_;
  std::thread health_thread_;
  bool stopped_ = false;
};

// Process-wide settings of a server process, made before its threads start: RunService and the
// benchmark's ceiling server alike. Turns off Abseil's mutex deadlock detection, which Debian's
// Abseil leaves on: it keeps a global lock-order graph updated on every Mutex acquisition (a few
// per cent of a busy service's CPU, measured with perf under luban-bench). Tests keep it on.
// Also calls client::SkipOpenSslCleanupAtExit(), as every process that speaks TLS must.
void ConfigureServerProcess();

// Applies LUBAN_<NAME> environment variables to every registered flag that has one. Called by
// RunService before parsing the command line; exposed for tools with their own main().
void ApplyEnvironmentToFlags();

// Parses flags, then builds the module with `make_module` (which may read its own flags) and
// runs it until SIGTERM/SIGINT. Exit codes: 0 stopped cleanly, 2 bad configuration, 3 database
// unreachable or cannot listen, 4 schema refused or migration failed.
using ModuleFactory = std::function<absl::StatusOr<std::unique_ptr<ServiceModule>>()>;
int RunService(int argc, char** argv, absl::string_view name, const ModuleFactory& make_module);

}  // namespace luban

#endif  // LUBAN_COMMON_SERVER_SERVICE_MAIN_H_
