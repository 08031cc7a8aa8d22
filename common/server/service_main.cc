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
#include "common/server/executor.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "openssl/rand.h"
#include "spdlog/sinks/stdout_color_sinks.h"
#include "spdlog/spdlog.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0", "address:port to serve gRPC on");
ABSL_FLAG(std::string, db_host, "127.0.0.1", "MariaDB/MySQL host");
ABSL_FLAG(int, db_port, 3306, "MariaDB/MySQL port");
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

bool IsLoopback(absl::string_view address) {
  return absl::StartsWith(address, "127.") || absl::StartsWith(address, "localhost:") ||
         absl::StartsWith(address, "[::1]:");
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
  while (!ping.ok() && ping.code() == absl::StatusCode::kUnavailable &&
         absl::Now() < wait_until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ping = pool.Ping(absl::Seconds(2));
  }
  if (!ping.ok()) return ping;
  std::vector<const std::vector<db::Migration>*> tracks = {&db::PlatformMigrations()};
  for (const auto* track : module.migrations()) tracks.push_back(track);
  return db::Migrate(pool, tracks);
}

absl::StatusOr<std::unique_ptr<ServiceHost>> ServiceHost::Start(
    ServiceModule& module, HostOptions options, auth::CredentialStore credentials) {
  std::unique_ptr<ServiceHost> host(new ServiceHost());
  host->options_ = std::move(options);
  const HostOptions& o = host->options_;
  host->pool_ = std::make_unique<db::ConnectionPool>(o.db);
  auto migrated = PrepareSchema(*host->pool_, module, o.db_wait);
  if (!migrated.ok()) return migrated.status();
  spdlog::info("schema {} is current: {} migrations, {} applied now", o.db.database,
               migrated->current, migrated->applied);
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
  const ServiceEnv env{host->pool_.get(), host->executor_.get(), host->credentials_.get(),
                       host->page_tokens_.get(), host->feed_.get()};
  auto service = module.CreateService(env);
  if (!service.ok()) return service.status();

  if (!IsLoopback(o.listen)) {
    spdlog::warn("serving plaintext on {}: keep it on loopback or behind TLS", o.listen);
  }
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(o.listen, grpc::InsecureServerCredentials(), &host->port_);
  builder.RegisterService(*service);
  ApplyServerLimits(builder, o);
  host->server_ = builder.BuildAndStart();
  if (host->server_ == nullptr || host->port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", o.listen));
  }
  // Health says NOT_SERVING until the first probe of the database succeeds.
  host->server_->GetHealthCheckService()->SetServingStatus(false);
  host->health_thread_ = std::thread([h = host.get()] { h->HealthLoop(); });
  spdlog::info("serving on port {} (pool {}, queue {})", host->port_, o.db.pool_size,
               o.max_queued_calls);
  return host;
}

void ServiceHost::HealthLoop() {
  auto* health = server_->GetHealthCheckService();
  bool serving = false;
  bool first = true;
  do {
    const bool ok = pool_->Ping(absl::Seconds(1)).ok();
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
  stopping_.Notify();
  if (health_thread_.joinable()) health_thread_.join();
  // A host whose Start() failed is destroyed half-built: only stop what exists.
  if (server_ != nullptr) {
    server_->GetHealthCheckService()->Shutdown();  // NOT_SERVING to every watcher, and stays so
    // Change-feed streams never end by themselves: end them now rather than at the deadline.
    if (feed_ != nullptr) feed_->BeginShutdown();
    server_->Shutdown(absl::ToChronoTime(absl::Now() + options_.shutdown_grace));
  }
  feed_.reset();
  if (executor_ != nullptr) executor_->Shutdown();
  if (server_ != nullptr) spdlog::info("stopped");
}

ServiceHost::~ServiceHost() { Shutdown(); }

int RunService(int argc, char** argv, absl::string_view name, const ModuleFactory& make_module) {
  // SIGTERM/SIGINT are taken by this thread: block them before any other thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  absl::SetProgramUsageMessage(absl::StrCat(
      "luban-", name, ": the ", name,
      " service of the Luban Network. Every flag can also be set with LUBAN_<FLAG>."));
  // --help lists every flag (they live in common/ and main.cc, not in a file named after the
  // binary, which is all Abseil shows by default).
  absl::FlagsUsageConfig usage;
  usage.contains_help_flags = [](absl::string_view) { return true; };
  absl::SetFlagsUsageConfig(usage);
  ApplyEnvironmentToFlags();
  absl::ParseCommandLine(argc, argv);
  // Logs go to stderr, like every diagnostic of a server (stdout stays free for output).
  spdlog::set_default_logger(spdlog::stderr_color_mt(std::string(name)));
  spdlog::set_level(spdlog::level::from_str(absl::GetFlag(FLAGS_log_level)));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %^%l%$ [" + std::string(name) + "] %v",
                      spdlog::pattern_time_type::utc);

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
  options.db.host = absl::GetFlag(FLAGS_db_host);
  options.db.port = absl::GetFlag(FLAGS_db_port);
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
