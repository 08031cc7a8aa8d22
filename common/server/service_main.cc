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

std::string PageTokenSecret() {
  std::string secret = absl::GetFlag(FLAGS_page_token_secret);
  if (!secret.empty()) return secret;
  spdlog::warn("no --page_token_secret: page tokens are valid only within this process");
  secret.resize(32);
  RAND_bytes(reinterpret_cast<unsigned char*>(secret.data()), static_cast<int>(secret.size()));
  return secret;
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

int RunService(int argc, char** argv, ServiceModule& module) {
  // SIGTERM/SIGINT are taken by a dedicated thread: block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  absl::SetProgramUsageMessage(absl::StrCat(
      "luban-", module.name(), ": the ", module.name(),
      " service of the Luban Network. Every flag can also be set with LUBAN_<FLAG>."));
  ApplyEnvironmentToFlags();
  absl::ParseCommandLine(argc, argv);
  spdlog::set_level(spdlog::level::from_str(absl::GetFlag(FLAGS_log_level)));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %^%l%$ [" + std::string(module.name()) + "] %v",
                      spdlog::pattern_time_type::utc);

  db::Driver();  // once, before threads (the connector's driver init is not thread-safe)
  auto password = ReadPassword();
  if (!password.ok()) {
    spdlog::critical("{}", std::string(password.status().message()));
    return 2;
  }
  db::DbConfig config;
  config.host = absl::GetFlag(FLAGS_db_host);
  config.port = absl::GetFlag(FLAGS_db_port);
  config.user = absl::GetFlag(FLAGS_db_user);
  config.password = *password;
  config.database = absl::GetFlag(FLAGS_db_name);
  config.pool_size = std::max(1, absl::GetFlag(FLAGS_db_pool_size));
  if (config.user.empty() || config.database.empty()) {
    spdlog::critical("--db_user and --db_name are required (or LUBAN_DB_USER, LUBAN_DB_NAME)");
    return 2;
  }
  db::ConnectionPool pool(config);

  // Wait for the database (it may start after us), then migrate.
  const absl::Time wait_until = absl::Now() + absl::GetFlag(FLAGS_db_wait);
  absl::Status ping = pool.Ping(absl::Seconds(2));
  while (!ping.ok() && ping.code() == absl::StatusCode::kUnavailable &&
         absl::Now() < wait_until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    ping = pool.Ping(absl::Seconds(2));
  }
  if (!ping.ok()) {
    spdlog::critical("database {}:{}/{}: {}", config.host, config.port, config.database,
                     std::string(ping.message()));
    return 3;
  }
  std::vector<const std::vector<db::Migration>*> tracks = {&db::PlatformMigrations()};
  for (const auto* track : module.migrations()) tracks.push_back(track);
  auto migrated = db::Migrate(pool, tracks);
  if (!migrated.ok()) {
    spdlog::critical("schema migration failed: {}", std::string(migrated.status().message()));
    return 4;
  }
  spdlog::info("schema {} is current: {} migrations, {} applied now", config.database,
               migrated->current, migrated->applied);
  if (absl::GetFlag(FLAGS_migrate_only)) return 0;

  auto credentials = auth::CredentialStore::LoadFile(absl::GetFlag(FLAGS_credentials_file));
  if (!credentials.ok()) {
    spdlog::critical("credentials: {}", std::string(credentials.status().message()));
    return 2;
  }
  const PageTokenCodec page_tokens(PageTokenSecret());
  BoundedExecutor executor(config.pool_size, absl::GetFlag(FLAGS_max_queued_calls));
  auto feed = std::make_unique<ChangeFeedHub>(&pool, &executor);
  const ServiceEnv env{&pool, &executor, &*credentials, &page_tokens, feed.get()};
  auto service = module.CreateService(env);
  if (!service.ok()) {
    spdlog::critical("{}", std::string(service.status().message()));
    return 2;
  }

  const std::string listen = absl::GetFlag(FLAGS_listen);
  if (!IsLoopback(listen)) {
    spdlog::warn("serving plaintext on {}: put it behind TLS or keep it on loopback", listen);
  }
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(*service);
  builder.SetMaxReceiveMessageSize(absl::GetFlag(FLAGS_max_message_bytes));
  builder.SetMaxSendMessageSize(absl::GetFlag(FLAGS_max_message_bytes));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             absl::GetFlag(FLAGS_max_concurrent_streams));
  builder.AddChannelArgument(GRPC_ARG_MAX_METADATA_SIZE, 16 * 1024);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    spdlog::critical("cannot listen on {}", listen);
    return 5;
  }
  auto* health = server->GetHealthCheckService();
  std::string host = listen.substr(0, listen.rfind(':'));
  spdlog::info("serving on {}:{} (pool {}, queue {})", host, port, config.pool_size,
               absl::GetFlag(FLAGS_max_queued_calls));

  // Health follows the database until shutdown.
  absl::Notification stopping;
  std::thread health_thread([&] {
    bool serving = false;
    do {
      const bool ok = pool.Ping(absl::Seconds(1)).ok();
      if (ok != serving || !serving) {
        health->SetServingStatus(ok);
        if (ok != serving) spdlog::info("health: {}", ok ? "SERVING" : "NOT_SERVING (database)");
        serving = ok;
      }
    } while (!stopping.WaitForNotificationWithTimeout(absl::GetFlag(FLAGS_health_interval)));
  });

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  spdlog::info("signal {}: shutting down", signal_number);
  stopping.Notify();
  health_thread.join();
  health->Shutdown();  // NOT_SERVING to every watcher, and stays so
  server->Shutdown(absl::ToChronoTime(absl::Now() + absl::GetFlag(FLAGS_shutdown_grace)));
  feed.reset();
  executor.Shutdown();
  spdlog::info("stopped");
  return 0;
}

}  // namespace luban
