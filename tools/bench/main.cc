// luban-bench: the suite's load generator and benchmark (see scripts/bench for the whole run).
//
//   luban-bench seed [--trainees=100000] [--enrollments_per_trainee=3] --data=FILE
//   luban-bench write-runs [--write_runs=64] --data=FILE   (new empty runs and programmes for
//                   the writes)
//   luban-bench run --scenario=point|page|write|create|nominate|mixed --concurrency=8
//                   [--ceiling=HOST:PORT] [--warmup=2s] [--duration=10s] [--round=1]
//                   --data=FILE [--results=FILE]
//   luban-bench export [--round=1] [--service_pid=PID] [--results=FILE]
//   luban-bench serve-ceiling --listen=127.0.0.1:0 --threads=8 --credentials_file=FILE
//                   [--tls_dir=DIR] [--port_file=FILE]
//   luban-bench serve-plain --listen=127.0.0.1:0 [--tls_dir=DIR] [--port_file=FILE]
//                   (plain_server.h: gRPC alone, no project code on the call path)
//   luban-bench serve-database --listen=127.0.0.1:0 --threads=8 [--port_file=FILE]
//                   (database_server.h: the plain server reading what the suite reads; the
//                   enrollment database as the service's LUBAN_DB_HOST, _PORT, _USER,
//                   _PASSWORD and _NAME name it)
//   (--tls_dir: serve TLS with DIR/enrollment.pem and .key, as scripts/tls-certs makes them)
//   luban-bench report --results=FILE --doc=docs/performance.md
//   luban-bench ready --target=HOST:PORT [--wait=60s]   (prints the Unix time in ms at which
//                   the service first reported SERVING)
//
// Services and token as for every client (tools/cli/client_config.h: LUBAN_ENROLLMENT_ADDR,
// LUBAN_TOKEN...): seeding needs a network admin's token; the scenarios run as that caller too.
// `run` and `export` print one JSON line of figures and append it to --results.
#include <signal.h>
#include <sys/resource.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/notification.h"
#include "common/auth/credentials.h"
#include "common/client/await_serving.h"
#include "common/client/channel.h"
#include "common/server/service_main.h"
#include "nlohmann/json.hpp"
#include "tools/bench/bench_data.h"
#include "tools/bench/ceiling_server.h"
#include "tools/bench/closed_loop.h"
#include "tools/bench/database_server.h"
#include "tools/bench/plain_server.h"
#include "tools/bench/report.h"
#include "tools/bench/scenarios.h"
#include "tools/bench/seed.h"
#include "tools/cli/client_config.h"

ABSL_FLAG(std::string, data, "var/bench/bench-data.conf", "what `seed` loaded (written by seed)");
ABSL_FLAG(int64_t, trainees, 100000, "seed: trainees to load");
ABSL_FLAG(int, enrollments_per_trainee, 3, "seed: enrollments per trainee");
ABSL_FLAG(int, read_runs, 600, "seed: runs holding the enrollments");
ABSL_FLAG(int, write_runs, 64,
          "seed, write-runs: runs for the write scenario, and as many programmes for nominate");
ABSL_FLAG(std::string, scenario, "point", "run: point, page, write, create, nominate or mixed");
ABSL_FLAG(int, concurrency, 8, "run: calls outstanding at once");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(2), "run: uncounted warm-up");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(10), "run: measured window");
ABSL_FLAG(std::string, ceiling, "",
          "run: address of a `serve-ceiling` server to load instead of the enrollment service "
          "(not with nominate, which loads the exchange service)");
ABSL_FLAG(int, round, 1, "run/export: round number, recorded with the figures");
ABSL_FLAG(std::string, label, "",
          "run: what was loaded, as the results name it (default: suite, or ceiling with "
          "--ceiling)");
ABSL_FLAG(std::string, results, "", "run/export: append the JSON line to this file too");
ABSL_FLAG(int, service_pid, 0, "export: the enrollment service's pid, to record its peak RSS");
ABSL_FLAG(std::string, listen, "127.0.0.1:0", "serve-ceiling: address to listen on");
ABSL_FLAG(int, threads, 8,
          "serve-ceiling, serve-database: executor threads (the services' --db_pool_size)");
ABSL_FLAG(std::string, credentials_file, "", "serve-ceiling: the services' credentials file");
ABSL_FLAG(std::string, port_file, "",
          "serve-ceiling, serve-plain, serve-database: write the port here once listening");
ABSL_FLAG(std::string, tls_dir, "",
          "serve-ceiling, serve-plain: serve TLS with <dir>/enrollment.pem and .key");
ABSL_FLAG(std::string, target, "", "ready: the service to wait for");
ABSL_FLAG(absl::Duration, wait, absl::Seconds(60), "ready: how long to wait");
ABSL_FLAG(std::string, doc, "docs/performance.md", "report: the document to update");

namespace {

using namespace luban;  // NOLINT: a main file
using Json = nlohmann::json;

int Fail(absl::string_view what, const absl::Status& status) {
  std::fprintf(stderr, "luban-bench: %s: %s\n", std::string(what).c_str(),
               status.ToString().c_str());
  return status.code() == absl::StatusCode::kInvalidArgument ? cli::kExitUsage : cli::kExitFailure;
}

void Emit(const Json& line) {
  const std::string text = line.dump();
  std::printf("%s\n", text.c_str());
  std::fflush(stdout);
  if (const std::string path = absl::GetFlag(FLAGS_results); !path.empty()) {
    std::ofstream(path, std::ios::app) << text << "\n";
  }
}

// VmHWM (peak resident set) of a process, in kB; 0 if unknown.
int64_t PeakRssKb(int pid) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (absl::StartsWith(line, "VmHWM:")) {
      int64_t kb = 0;
      absl::string_view v = absl::StripAsciiWhitespace(absl::string_view(line).substr(6));
      v = absl::StripSuffix(v, " kB");
      if (absl::SimpleAtoi(v, &kb)) return kb;
    }
  }
  return 0;
}

absl::StatusOr<cli::Connections> Connect() {
  absl::StatusOr<cli::ClientConfig> config = cli::LoadClientConfig();
  if (!config.ok()) return config.status();
  if (config->token.empty()) {
    return absl::InvalidArgumentError("LUBAN_TOKEN: a network admin's token is needed");
  }
  return cli::Connections(*std::move(config));
}

int Seed() {
  absl::StatusOr<cli::Connections> connections = Connect();
  if (!connections.ok()) return Fail("seed", connections.status());
  bench::SeedOptions options;
  options.trainees = absl::GetFlag(FLAGS_trainees);
  options.enrollments_per_trainee = absl::GetFlag(FLAGS_enrollments_per_trainee);
  options.read_runs = absl::GetFlag(FLAGS_read_runs);
  options.write_runs = absl::GetFlag(FLAGS_write_runs);
  if (options.trainees < 1 || options.enrollments_per_trainee < 1 || options.write_runs < 1 ||
      options.read_runs < options.enrollments_per_trainee) {
    return Fail("seed",
                absl::InvalidArgumentError("--trainees, --write_runs >= 1 and --read_runs >= "
                                           "--enrollments_per_trainee >= 1"));
  }
  absl::StatusOr<bench::BenchData> data = bench::Seed(*connections, options);
  if (!data.ok()) return Fail("seed", data.status());
  // Keep the write cursor of earlier runs: those pairs are taken.
  if (auto previous = bench::LoadBenchData(absl::GetFlag(FLAGS_data)); previous.ok()) {
    data->write_cursor = previous->write_cursor;
  }
  if (absl::Status s = bench::SaveBenchData(*data, absl::GetFlag(FLAGS_data)); !s.ok()) {
    return Fail("seed", s);
  }
  std::printf("seeded %lld trainees, %lld enrollments, %zu + %zu runs, %zu programmes into %s\n",
              static_cast<long long>(data->trainees()), static_cast<long long>(data->enrollments),
              data->read_runs.size(), data->write_runs.size(), data->programmes.size(),
              absl::GetFlag(FLAGS_data).c_str());
  return 0;
}

int WriteRuns() {
  absl::StatusOr<cli::Connections> connections = Connect();
  if (!connections.ok()) return Fail("write-runs", connections.status());
  absl::StatusOr<bench::BenchData> data = bench::LoadBenchData(absl::GetFlag(FLAGS_data));
  if (!data.ok()) return Fail("write-runs", data.status());
  if (absl::Status s = bench::OpenWriteRuns(*connections, absl::GetFlag(FLAGS_write_runs), &*data);
      !s.ok()) {
    return Fail("write-runs", s);
  }
  if (absl::Status s = bench::SaveBenchData(*data, absl::GetFlag(FLAGS_data)); !s.ok()) {
    return Fail("write-runs", s);
  }
  std::printf("%zu empty write runs and %zu programmes recorded in %s\n", data->write_runs.size(),
              data->programmes.size(), absl::GetFlag(FLAGS_data).c_str());
  return 0;
}

int Run() {
  absl::StatusOr<cli::Connections> connections = Connect();
  if (!connections.ok()) return Fail("run", connections.status());
  absl::StatusOr<bench::BenchData> data = bench::LoadBenchData(absl::GetFlag(FLAGS_data));
  if (!data.ok()) return Fail("run", data.status());
  const std::string ceiling = absl::GetFlag(FLAGS_ceiling);
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel;
  std::shared_ptr<grpc::Channel> exchange;  // none on a ceiling run: they stand in for enrollment
  if (ceiling.empty()) {
    channel = connections->Channel(cli::Service::kEnrollment);
    absl::StatusOr<std::shared_ptr<grpc::Channel>> exchange_channel =
        connections->Channel(cli::Service::kExchange);
    if (!exchange_channel.ok()) return Fail("run", exchange_channel.status());
    exchange = *std::move(exchange_channel);
  } else {
    // With the client's TLS settings: a TLS round loads the ceilings over TLS too.
    client::ChannelOptions options;
    options.target = ceiling;
    options.tls = connections->config().tls;
    channel = client::MakeChannel(options);
  }
  if (!channel.ok()) return Fail("run", channel.status());
  const int concurrency = absl::GetFlag(FLAGS_concurrency);
  if (concurrency < 1 || concurrency > 4096) {
    return Fail("run", absl::InvalidArgumentError("--concurrency: 1..4096"));
  }
  std::atomic<int64_t> write_cursor{data->write_cursor};
  const std::string scenario = absl::GetFlag(FLAGS_scenario);
  absl::StatusOr<bench::StartCall> start = bench::MakeScenario(
      scenario, *channel, exchange, connections->config().token, *data, &write_cursor);
  if (!start.ok()) return Fail("run", start.status());
  bench::LoadOptions options;
  options.concurrency = concurrency;
  options.warmup = absl::GetFlag(FLAGS_warmup);
  options.window = absl::GetFlag(FLAGS_duration);
  const bench::LoadResult r = bench::RunClosedLoop(options, *std::move(start));
  // Writes take their pairs for good, the database ceiling's too.
  if (write_cursor.load() != data->write_cursor) {
    data->write_cursor = write_cursor.load();
    if (absl::Status s = bench::SaveBenchData(*data, absl::GetFlag(FLAGS_data)); !s.ok()) {
      return Fail("run", s);
    }
  }
  Json errors = Json::object();
  for (const auto& [code, count] : r.errors) errors[code] = count;
  std::string label = absl::GetFlag(FLAGS_label);
  if (label.empty()) label = ceiling.empty() ? "suite" : "ceiling";
  Emit({{"kind", "load"},
        {"target", label},
        {"scenario", scenario},
        {"concurrency", concurrency},
        {"round", absl::GetFlag(FLAGS_round)},
        {"seconds", r.seconds},
        {"calls", r.calls},
        {"ok", r.ok},
        {"calls_per_second", r.calls_per_second},
        {"p50_us", r.p50_us},
        {"p90_us", r.p90_us},
        {"p99_us", r.p99_us},
        {"p999_us", r.p999_us},
        {"max_us", r.max_us},
        {"errors", errors}});
  return r.ok > 0 ? 0 : cli::kExitFailure;
}

int Export() {
  absl::StatusOr<cli::Connections> connections = Connect();
  if (!connections.ok()) return Fail("export", connections.status());
  auto channel = connections->Channel(cli::Service::kEnrollment);
  if (!channel.ok()) return Fail("export", channel.status());
  const bench::ExportResult r = bench::RunExport(*channel, connections->config().token);
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const int pid = absl::GetFlag(FLAGS_service_pid);
  Emit({{"kind", "export"},
        {"round", absl::GetFlag(FLAGS_round)},
        {"rows", r.rows},
        {"seconds", r.seconds},
        {"rows_per_second", r.rows_per_second},
        {"consumer_peak_rss_kb", usage.ru_maxrss},
        {"service_peak_rss_kb", pid > 0 ? PeakRssKb(pid) : 0},
        {"error", r.error}});
  return r.error.empty() ? 0 : cli::kExitFailure;
}

// The port of a started server into --port_file (atomically: a reader never sees half of it).
void WritePortFile(int port) {
  if (const std::string port_file = absl::GetFlag(FLAGS_port_file); !port_file.empty()) {
    const std::string temp = port_file + ".tmp";
    std::ofstream(temp, std::ios::trunc) << port << "\n";
    std::rename(temp.c_str(), port_file.c_str());
  }
}

// Blocks SIGTERM and SIGINT (before any thread starts, so every thread inherits the mask) and
// returns them, for sigwait.
sigset_t BlockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

// Plaintext, or TLS with --tls_dir's enrollment certificate, through the services' own
// MakeServerCredentials: the ceilings serve TLS as the suite does.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> CeilingCredentials() {
  const std::string dir = absl::GetFlag(FLAGS_tls_dir);
  ServerTls tls;
  if (!dir.empty()) {
    tls.cert_file = dir + "/enrollment.pem";
    tls.key_file = dir + "/enrollment.key";
  }
  if (absl::Status s = CheckServerTls(absl::GetFlag(FLAGS_listen), tls); !s.ok()) return s;
  return MakeServerCredentials(tls);
}

// Announces a started server (--port_file, a line on stderr naming `what`) and serves until
// SIGTERM or SIGINT (blocked in `signals`).
template <typename Server>
int ServeUntilStopped(Server& server, const sigset_t& signals, const char* what) {
  WritePortFile(server.port());
  std::fprintf(stderr, "luban-bench: %s on port %d\n", what, server.port());
  int signal = 0;
  sigwait(&signals, &signal);
  server.Shutdown();
  return 0;
}

int ServeCeiling() {
  ConfigureServerProcess();  // as the services do
  const std::string path = absl::GetFlag(FLAGS_credentials_file);
  absl::StatusOr<auth::CredentialStore> credentials = auth::CredentialStore::LoadFile(path);
  if (!credentials.ok()) return Fail("serve-ceiling", credentials.status());
  // SIGTERM/SIGINT end the server.
  const sigset_t signals = BlockStopSignals();
  auto server_credentials = CeilingCredentials();
  if (!server_credentials.ok()) return Fail("serve-ceiling", server_credentials.status());
  auto server =
      bench::CeilingServer::Start(absl::GetFlag(FLAGS_listen), absl::GetFlag(FLAGS_threads),
                                  *std::move(credentials), *std::move(server_credentials));
  if (!server.ok()) return Fail("serve-ceiling", server.status());
  return ServeUntilStopped(**server, signals, "ceiling server");
}

int ServePlain() {
  const sigset_t signals = BlockStopSignals();
  auto credentials = CeilingCredentials();
  if (!credentials.ok()) return Fail("serve-plain", credentials.status());
  auto server = bench::PlainServer::Start(absl::GetFlag(FLAGS_listen), *std::move(credentials));
  if (!server.ok()) return Fail("serve-plain", server.status());
  return ServeUntilStopped(**server, signals, "plain gRPC server");
}

int ServeDatabase() {
  const sigset_t signals = BlockStopSignals();
  bench::DatabaseAddress database;
  const auto setting = [](const char* name) {
    const char* value = std::getenv(name);
    return std::string(value == nullptr ? "" : value);
  };
  database.host = setting("LUBAN_DB_HOST");
  database.user = setting("LUBAN_DB_USER");
  database.password = setting("LUBAN_DB_PASSWORD");
  database.schema = setting("LUBAN_DB_NAME");
  if (database.host.empty() || database.user.empty() || database.schema.empty() ||
      !absl::SimpleAtoi(setting("LUBAN_DB_PORT"), &database.port)) {
    return Fail("serve-database",
                absl::InvalidArgumentError("set LUBAN_DB_HOST, LUBAN_DB_PORT, LUBAN_DB_USER, "
                                           "LUBAN_DB_PASSWORD and LUBAN_DB_NAME"));
  }
  auto server = bench::DatabaseServer::Start(absl::GetFlag(FLAGS_listen),
                                             absl::GetFlag(FLAGS_threads), database);
  if (!server.ok()) return Fail("serve-database", server.status());
  return ServeUntilStopped(**server, signals, "database ceiling server");
}

int Ready() {
  client::ChannelOptions options;
  options.target = absl::GetFlag(FLAGS_target);
  // TLS as the clients' settings say (LUBAN_TLS_CA...): a TLS server is waited for over TLS.
  if (absl::StatusOr<cli::ClientConfig> config = cli::LoadClientConfig(); config.ok()) {
    options.tls = config->tls;
  }
  options.fast_reconnect = true;
  auto channel = client::MakeChannel(options);
  if (!channel.ok()) return Fail("ready", channel.status());
  const absl::Status ready =
      client::AwaitServing(*channel, absl::Now() + absl::GetFlag(FLAGS_wait));
  if (!ready.ok()) return Fail(absl::StrCat("ready: ", options.target), ready);
  std::printf("%lld\n", static_cast<long long>(absl::ToUnixMillis(absl::Now())));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "luban-bench seed|run|export|serve-ceiling|serve-plain|serve-database|ready|report [flags]: "
      "the suite's "
      "load generator "
      "(see scripts/bench for the whole benchmark)");
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() != 2) {
    std::fprintf(stderr,
                 "luban-bench: give one command: seed, run, export, serve-ceiling, serve-plain, "
                 "serve-database or report "
                 "(--help lists the flags)\n");
    return cli::kExitUsage;
  }
  const std::string command = args[1];
  if (command == "seed") return Seed();
  if (command == "write-runs") return WriteRuns();
  if (command == "run") return Run();
  if (command == "export") return Export();
  if (command == "serve-ceiling") return ServeCeiling();
  if (command == "serve-plain") return ServePlain();
  if (command == "serve-database") return ServeDatabase();
  if (command == "ready") return Ready();
  if (command == "report") {
    absl::Status s = bench::WriteReport(absl::GetFlag(FLAGS_results), absl::GetFlag(FLAGS_doc));
    return s.ok() ? 0 : Fail("report", s);
  }
  std::fprintf(stderr,
               "luban-bench: unknown command `%s` (seed, run, export, serve-ceiling, "
               "serve-plain, serve-database, report)\n",
               command.c_str());
  return cli::kExitUsage;
}
