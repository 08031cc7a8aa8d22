#include "common/server/service_main.h"

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/domain/status_macros.h"
#include "common/metrics/metrics.h"
#include "common/server/executor.h"
#include "common/server/logging.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "openssl/rand.h"
#include "spdlog/spdlog.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0",
          "address:port to serve gRPC on; anything but loopback needs --tls_cert and --tls_key");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain the server presents (TLS); with --tls_key. Re-read every "
          "--tls_refresh_interval, so a rotated file needs no restart");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA that client certificates are verified against (mutual TLS); clients without "
          "a certificate still connect with a bearer token. A verified certificate with common "
          "name course, enrollment or exchange and no token is that service (svc-<name>)");
ABSL_FLAG(std::string, peer_tls_ca, "",
          "PEM CA of the peer services' certificates: when set, calls to the peers use TLS and "
          "present --tls_cert/--tls_key as this service's client certificate");
ABSL_FLAG(absl::Duration, tls_refresh_interval, absl::Seconds(60),
          "how often the server's TLS files are read again (at least 1s)");
ABSL_FLAG(std::string, db_host, "127.0.0.1",
          "MariaDB/MySQL host, or the nodes of a Galera cluster as host[:port],host[:port]... in "
          "order of preference (this replica's own node first): the service moves to the next "
          "when one cannot be reached or leaves the cluster's primary component");
ABSL_FLAG(int, db_port, 3306, "port of the --db_host entries that name none");
ABSL_FLAG(std::string, db_user, "", "database user (the service's own, with rights on its schema)");
ABSL_FLAG(std::string, db_password, "",
          "database password (prefer LUBAN_DB_PASSWORD or --db_password_file)");
ABSL_FLAG(std::string, db_password_file, "", "file holding the database password");
ABSL_FLAG(std::string, db_name, "", "the service's schema");
ABSL_FLAG(int, db_pool_size, 8, "database connections; also the executor's thread count");
ABSL_FLAG(absl::Duration, db_wait, absl::Seconds(30),
          "how long start-up waits for the database to answer");
ABSL_FLAG(std::string, credentials_file, "", "bearer-token credentials file (token hashes)");
ABSL_FLAG(std::string, page_token_secret, "",
          "secret that authenticates page tokens; replicas must share it (random if empty)");
ABSL_FLAG(bool, migrate_only, false, "apply the schema migrations and exit");
ABSL_FLAG(int, max_queued_calls, 256, "calls waiting for an executor thread before shedding");
ABSL_FLAG(int, max_message_bytes, 4 << 20, "largest request or response message");
ABSL_FLAG(int, max_concurrent_streams, 256, "HTTP/2 streams per client connection");
ABSL_FLAG(absl::Duration, health_interval, absl::Seconds(1),
          "how often the database is probed for the health service");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "how long in-flight calls may run after SIGTERM");
ABSL_FLAG(std::string, log_level, "info", "trace, debug, info, warn, error");
ABSL_FLAG(std::string, log_format, "text",
          "text (a line per event) or json (one JSON object per line, and an access line per "
          "call with method, principal, code, latency_ms, trace_id)");
ABSL_FLAG(std::string, metrics_listen, "",
          "host:port to serve Prometheus metrics on at /metrics; empty: no metrics endpoint");

namespace luban {
namespace {

std::string EnvName(absl::string_view flag) {
  return absl::StrCat("LUBAN_", absl::AsciiStrToUpper(flag));
}

absl::StatusOr<std::string> ReadPassword() {
  const std::string file = absl::GetFlag(FLAGS_db_password_file);
  if (file.empty()) return absl::GetFlag(FLAGS_db_password);
  std::ifstream in(file);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read --db_password_file ", file));
  std::string password;
  std::getline(in, password);
  return password;
}

}  // namespace

void ApplyEnvironmentToFlags() {
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    const char* value = std::getenv(EnvName(name).c_str());
    if (value == nullptr) continue;
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      std::fprintf(stderr, "%s: %s\n", EnvName(name).c_str(), error.c_str());
      std::exit(2);
    }
  }
}

absl::StatusOr<db::MigrationReport> PrepareSchema(db::ConnectionPool& pool, ServiceModule& module,
                                                  absl::Duration db_wait) {
  // The database may start after us: wait for it, within reason.
  const absl::Time wait_until = absl::Now() + db_wait;
  absl::Status ping = pool.Ping(absl::Seconds(2));
  while (!ping.ok() && ping.code() == absl::StatusCode::kUnavailable && absl::Now() < wait_until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ping = pool.Ping(absl::Seconds(2));
  }
  if (!ping.ok()) return ping;
  std::vector<const std::vector<db::Migration>*> tracks = {&db::PlatformMigrations()};
  for (const auto* track : module.migrations()) tracks.push_back(track);
  return db::Migrate(pool, tracks);
}

absl::StatusOr<std::unique_ptr<ServiceHost>> ServiceHost::Start(ServiceModule& module,
                                                                HostOptions options,
                                                                auth::CredentialStore credentials) {
  LUBAN_RETURN_IF_ERROR(CheckServerTls(options.listen, options.tls));
  std::unique_ptr<ServiceHost> host(new ServiceHost());
  host->options_ = std::move(options);
  const HostOptions& o = host->options_;
  host->pool_ = std::make_unique<db::ConnectionPool>(o.db);
  // Read when scraped: the pool's own counts, nothing added to its hot path.
  metrics::Registry& registry = metrics::Global();
  db::ConnectionPool* pool = host->pool_.get();
  registry.AddCallbackGauge(
      "luban_db_pool_in_use", "Database connections lent out now", {},
      [pool] {
        const db::ConnectionPool::Stats stats = pool->GetStats();
        return static_cast<double>(stats.open - stats.idle);
      },
      host.get());
  registry.AddCallbackGauge(
      "luban_db_pool_open", "Database connections open now", {},
      [pool] { return static_cast<double>(pool->GetStats().open); }, host.get());
  registry.AddCallbackGauge(
      "luban_db_pool_size", "Most database connections the pool opens", {},
      [size = o.db.pool_size] { return static_cast<double>(size); }, host.get());
  registry.AddCallbackGauge(
      "luban_db_pool_waits_total", "Borrows that waited for a free database connection", {},
      [pool] { return static_cast<double>(pool->GetStats().waits); }, host.get(),
      /*counter=*/true);
  registry.AddCallbackGauge(
      "luban_db_pool_discarded_total",
      "Database connections dropped after an error or a failed validation", {},
      [pool] { return static_cast<double>(pool->GetStats().discarded); }, host.get(),
      /*counter=*/true);
  registry.AddCallbackGauge(
      "luban_db_transaction_retries_total",
      "Transactions re-run after a deadlock, a lock wait timeout or a changed record", {},
      [pool] { return static_cast<double>(pool->GetStats().conflict_retries); }, host.get(),
      /*counter=*/true);
  registry.AddCallbackGauge(
      "luban_db_failovers_total",
      "Moves to the next database host (--db_host) after one could not be reached or left the "
      "Galera cluster's primary component",
      {}, [pool] { return static_cast<double>(pool->GetStats().failovers); }, host.get(),
      /*counter=*/true);
  registry.AddCallbackGauge(
      "luban_db_host", "The database host new connections go to (its place in --db_host)", {},
      [pool] { return static_cast<double>(pool->current_host()); }, host.get());
  LUBAN_ASSIGN_OR_RETURN(auto migrated, PrepareSchema(*host->pool_, module, o.db_wait));
  spdlog::info("schema {} is current: {} migrations, {} applied now", o.db.database,
               migrated.current, migrated.applied);
  host->credentials_ = std::make_unique<auth::CredentialStore>(std::move(credentials));
  std::string secret = o.page_token_secret;
  if (secret.empty()) {
    spdlog::warn("no page token secret: page tokens are valid only within this process");
    secret.resize(32);
    RAND_bytes(reinterpret_cast<unsigned char*>(secret.data()), static_cast<int>(secret.size()));
  }
  host->page_tokens_ = std::make_unique<PageTokenCodec>(std::move(secret));
  // Database work runs on as many threads as there are connections: a thread never waits for
  // a connection, and overload queues here (bounded) instead of inside the pool.
  host->executor_ = std::make_unique<BoundedExecutor>(o.db.pool_size, o.max_queued_calls);
  host->feed_ = std::make_unique<ChangeFeedHub>(host->pool_.get(), host->executor_.get());
  registry.AddCallbackGauge(
      "luban_executor_queued", "Calls waiting for an executor thread", {},
      [executor = host->executor_.get()] { return static_cast<double>(executor->queued()); },
      host.get());
  registry.AddCallbackGauge(
      "luban_feed_streams_open", "WatchChanges streams open now", {},
      [feed = host->feed_.get()] { return static_cast<double>(feed->open_streams()); }, host.get());
  const ServiceEnv env{host->pool_.get(),        host->executor_.get(), host->credentials_.get(),
                       host->page_tokens_.get(), host->feed_.get(),     o.peer_tls};
  // Set before CreateService: a host that fails after it still stops what the module started.
  host->module_ = &module;
  LUBAN_ASSIGN_OR_RETURN(auto service, module.CreateService(env));

  LUBAN_ASSIGN_OR_RETURN(auto server_credentials, MakeServerCredentials(o.tls));
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(o.listen, server_credentials, &host->port_);
  // Without this gRPC binds with SO_REUSEPORT, and a second process started on a port in use
  // would share its calls instead of failing.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.RegisterService(service);
  ApplyServerLimits(builder, o);
  host->server_ = builder.BuildAndStart();
  if (host->server_ == nullptr || host->port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", o.listen));
  }
  // Health says NOT_SERVING until the first probe of the database succeeds, for the server ("")
  // and by the service's name, which probes may ask for; SetServingStatus(bool) then sets both.
  host->server_->GetHealthCheckService()->SetServingStatus(std::string(module.service_full_name()),
                                                           false);
  host->server_->GetHealthCheckService()->SetServingStatus(false);
  host->health_thread_ = std::thread([h = host.get()] { h->HealthLoop(); });
  spdlog::info("serving on port {} ({}, pool {}, queue {})", host->port_,
               !o.tls.enabled()               ? "plaintext"
               : o.tls.client_ca_file.empty() ? "TLS"
                                              : "TLS, client certificates verified",
               o.db.pool_size, o.max_queued_calls);
  return host;
}

void ServiceHost::HealthLoop() {
  auto* health = server_->GetHealthCheckService();
  bool serving = false;
  bool first = true;
  do {
    // The probe's own connection and 1 s timeouts: a hung database is noticed within about a
    // second, and from then on calls fail fast (ConnectionPool::reachable).
    const bool ok = pool_->Probe(absl::Seconds(1)).ok();
    if (ok != serving || first) {
      health->SetServingStatus(ok);
      spdlog::info("health: {}", ok ? "SERVING" : "NOT_SERVING (the database does not answer)");
      serving = ok;
      first = false;
    }
  } while (!stopping_.WaitForNotificationWithTimeout(options_.health_interval));
}

void ServiceHost::Shutdown() {
  if (stopped_) return;
  stopped_ = true;
  metrics::Global().RemoveCallbacks(this);
  stopping_.Notify();
  if (health_thread_.joinable()) health_thread_.join();
  // A host whose Start() failed is destroyed half-built: only stop what exists.
  if (server_ != nullptr) {
    server_->GetHealthCheckService()->Shutdown();  // NOT_SERVING to every watcher, and stays so
    // Change-feed streams never end by themselves: end them now rather than at the deadline.
    if (feed_ != nullptr) feed_->BeginShutdown();
    server_->Shutdown(absl::ToChronoTime(absl::Now() + options_.shutdown_grace));
  }
  // The module's background work uses the pool, executor and feed: it stops before they go.
  if (module_ != nullptr) module_->Stop();
  feed_.reset();
  if (executor_ != nullptr) executor_->Shutdown();
  if (server_ != nullptr) spdlog::info("stopped");
}

ServiceHost::~ServiceHost() { Shutdown(); }

int RunService(int argc, char** argv, absl::string_view name, const ModuleFactory& make_module) {
  ConfigureServerProcess();
  // SIGTERM/SIGINT are taken by this thread: block them before any other thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  absl::SetProgramUsageMessage(
      absl::StrCat("luban-", name, ": the ", name,
                   " service of the Luban Network. Every flag can also be set with LUBAN_<FLAG>."));
  // --help lists every flag (they live in common/ and main.cc, not in a file named after the
  // binary, which is all Abseil shows by default).
  absl::FlagsUsageConfig usage;
  usage.contains_help_flags = [](absl::string_view) { return true; };
  absl::SetFlagsUsageConfig(usage);
  ApplyEnvironmentToFlags();
  absl::ParseCommandLine(argc, argv);
  if (auto status =
          logging::Configure(name, absl::GetFlag(FLAGS_log_format), absl::GetFlag(FLAGS_log_level));
      !status.ok()) {
    std::fprintf(stderr, "luban-%s: %s\n", std::string(name).c_str(),
                 std::string(status.message()).c_str());
    return 2;
  }

  auto made = make_module();
  if (!made.ok()) {
    spdlog::critical("{}", std::string(made.status().message()));
    return 2;
  }
  ServiceModule& module = **made;
  db::Driver();  // once, before threads (the connector's driver init is not thread-safe)
  auto password = ReadPassword();
  if (!password.ok()) {
    spdlog::critical("{}", std::string(password.status().message()));
    return 2;
  }
  HostOptions options;
  options.listen = absl::GetFlag(FLAGS_listen);
  options.tls.cert_file = absl::GetFlag(FLAGS_tls_cert);
  options.tls.key_file = absl::GetFlag(FLAGS_tls_key);
  options.tls.client_ca_file = absl::GetFlag(FLAGS_tls_client_ca);
  options.tls.refresh_interval = absl::GetFlag(FLAGS_tls_refresh_interval);
  if (auto status = CheckServerTls(options.listen, options.tls); !status.ok()) {
    spdlog::critical("{}", std::string(status.message()));
    return 2;
  }
  if (const std::string peer_ca = absl::GetFlag(FLAGS_peer_tls_ca); !peer_ca.empty()) {
    options.peer_tls.ca_file = peer_ca;
    options.peer_tls.cert_file = options.tls.cert_file;
    options.peer_tls.key_file = options.tls.key_file;
  }
  auto db_hosts = db::ParseDbHosts(absl::GetFlag(FLAGS_db_host), absl::GetFlag(FLAGS_db_port));
  if (!db_hosts.ok()) {
    spdlog::critical("--db_host: {}", std::string(db_hosts.status().message()));
    return 2;
  }
  options.db.hosts = *std::move(db_hosts);
  options.db.user = absl::GetFlag(FLAGS_db_user);
  options.db.password = *password;
  options.db.database = absl::GetFlag(FLAGS_db_name);
  options.db.pool_size = std::max(1, absl::GetFlag(FLAGS_db_pool_size));
  options.page_token_secret = absl::GetFlag(FLAGS_page_token_secret);
  options.max_queued_calls = absl::GetFlag(FLAGS_max_queued_calls);
  options.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  options.max_concurrent_streams = absl::GetFlag(FLAGS_max_concurrent_streams);
  options.db_wait = absl::GetFlag(FLAGS_db_wait);
  options.health_interval = absl::GetFlag(FLAGS_health_interval);
  options.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);
  if (options.db.user.empty() || options.db.database.empty()) {
    spdlog::critical("--db_user and --db_name are required (or LUBAN_DB_USER, LUBAN_DB_NAME)");
    return 2;
  }

  if (absl::GetFlag(FLAGS_migrate_only)) {
    db::ConnectionPool pool(options.db);
    auto migrated = PrepareSchema(pool, module, options.db_wait);
    if (!migrated.ok()) {
      spdlog::critical("schema migration failed: {}", std::string(migrated.status().message()));
      return migrated.status().code() == absl::StatusCode::kUnavailable ? 3 : 4;
    }
    spdlog::info("schema {} is current: {} migrations, {} applied now", options.db.database,
                 migrated->current, migrated->applied);
    return 0;
  }

  auto credentials = auth::CredentialStore::LoadFile(absl::GetFlag(FLAGS_credentials_file));
  if (!credentials.ok()) {
    spdlog::critical("credentials: {}", std::string(credentials.status().message()));
    return 2;
  }
  if (const std::string metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
      !metrics_listen.empty()) {
    auto port = metrics::Global().Serve(metrics_listen);
    if (!port.ok()) {
      spdlog::critical("--metrics_listen: {}", std::string(port.status().message()));
      return 3;
    }
    spdlog::info("metrics on http://{}/metrics (port {})", metrics_listen, *port);
  }
  auto host = ServiceHost::Start(module, options, *std::move(credentials));
  if (!host.ok()) {
    spdlog::critical("{}", std::string(host.status().message()));
    return host.status().code() == absl::StatusCode::kFailedPrecondition ? 4 : 3;
  }
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  spdlog::info("signal {}: shutting down", signal_number);
  (*host)->Shutdown();
  return 0;
}

}  // namespace luban
