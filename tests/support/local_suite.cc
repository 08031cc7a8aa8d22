#include "tests/support/local_suite.h"

#include <signal.h>

#include <algorithm>
#include <fstream>
#include <string_view>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/auth/credentials.h"
#include "common/client/await_serving.h"
#include "common/client/channel.h"
#include "tests/support/test_certificates.h"

#if !defined(LUBAN_COURSE_BINARY) || !defined(LUBAN_ENROLLMENT_BINARY) || \
    !defined(LUBAN_EXCHANGE_BINARY)
#error "LUBAN_COURSE_BINARY, LUBAN_ENROLLMENT_BINARY and LUBAN_EXCHANGE_BINARY must be defined"
#endif

namespace luban::testing {
namespace {

constexpr const char* kBinaries[] = {LUBAN_COURSE_BINARY, LUBAN_ENROLLMENT_BINARY,
                                     LUBAN_EXCHANGE_BINARY};
constexpr const char* kNames[] = {"course", "enrollment", "exchange"};

// Fixed test tokens: the suite's databases are throwaway, and the credentials file holds only
// their hashes, as in production.
constexpr char kEnrollmentServiceToken[] = "suite-svc-enrollment";
constexpr char kExchangeServiceToken[] = "suite-svc-exchange";
constexpr const char* kTokens[] = {"suite-network-admin",
                                   "suite-college-admin",
                                   "suite-other-college-admin",
                                   "suite-reporter",
                                   "",
                                   kEnrollmentServiceToken,
                                   kExchangeServiceToken};

// The port a service process says it serves on ("serving on port N" in its log, plain or JSON).
absl::StatusOr<int> AwaitListeningPort(const ChildProcess& process, absl::Duration timeout) {
  static constexpr std::string_view kSays = "serving on port ";
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    const std::string log = process.Errors();
    if (const size_t at = log.find(kSays); at != std::string::npos) {
      const size_t digits = at + kSays.size();
      int port = 0;
      if (absl::SimpleAtoi(log.substr(digits, log.find_first_not_of("0123456789", digits) - digits),
                           &port)) {
        return port;
      }
    }
    if (!process.running()) {
      return absl::UnavailableError(absl::StrCat("exited before serving\n", process.Logs()));
    }
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("not serving after ", absl::FormatDuration(timeout), "\n", process.Logs()));
    }
    absl::SleepFor(absl::Milliseconds(20));  // polling the child's log, not a synchronisation
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<LocalSuite>> LocalSuite::Start(const std::string& dir,
                                                              Options options) {
  std::unique_ptr<LocalSuite> suite(new LocalSuite());
  suite->dir_ = dir;
  if (options.tls) {
    suite->tls_dir_ = absl::StrCat(dir, "/tls");
    absl::Status made = MakeTestCertificates(suite->tls_dir_, {kNames[0], kNames[1], kNames[2]});
    if (!made.ok()) return made;
  }
  for (auto& database : suite->databases_) {
    absl::StatusOr<std::unique_ptr<TestDatabase>> created =
        options.server.has_value() ? TestDatabase::Create(*options.server) : TestDatabase::Create();
    if (!created.ok()) return created.status();
    database = *std::move(created);
  }

  const std::string credentials = absl::StrCat(dir, "/credentials");
  {
    std::ofstream out(credentials, std::ios::trunc);
    out << "# local suite principals\n"
        << auth::HashToken(kTokens[kNetworkAdmin]) << " network_admin suite-admin\n"
        << auth::HashToken(kTokens[kCollegeAdmin]) << " college_admin suite-college "
        << options.college_institution << "\n"
        << auth::HashToken(kTokens[kOtherCollegeAdmin]) << " college_admin suite-other-college "
        << options.other_college_institution << "\n"
        << auth::HashToken(kTokens[kReporter]) << " reporter suite-reporter\n"
        << auth::HashToken(kEnrollmentServiceToken) << " service svc-enrollment\n"
        << auth::HashToken(kExchangeServiceToken) << " service svc-exchange\n";
    if (!out.good()) {
      return absl::InternalError(absl::StrCat("cannot write ", credentials));
    }
  }

  const int replicas = std::max(1, options.replicas);
  const int instances = 3 * replicas;
  suite->replicas_ = replicas;
  suite->processes_.resize(instances);
  suite->environments_.resize(instances);
  suite->launches_.assign(instances, 0);
  suite->metrics_ports_.assign(instances, 0);
  // Each process listens on a port the kernel gives it (":0") and says which in its log; it keeps
  // that port when restarted. A port picked here in advance could be taken by another test's
  // process first, and a process of another suite answering on it would pass for this one.
  suite->ports_.assign(instances, 0);
  for (int k = 0; k < instances; ++k) {
    const int i = k / replicas;  // the service
    db::DbConfig db = suite->databases_[i]->Config();
    if (!options.db_hosts.empty()) {
      const int nodes = static_cast<int>(options.db_hosts.size());
      db.hosts.clear();
      for (int n = 0; n < nodes; ++n) db.hosts.push_back(options.db_hosts[(k + n) % nodes]);
    }
    std::vector<std::string> env = CleanEnvironment();
    for (std::string& setting : ServiceDbEnvironment(db, options.pool_size, "10s")) {
      env.push_back(std::move(setting));
    }
    env.push_back(absl::StrCat("LUBAN_CREDENTIALS_FILE=", credentials));
    env.push_back(absl::StrCat("LUBAN_PAGE_TOKEN_SECRET=suite-secret-", kNames[i]));
    env.push_back("LUBAN_HEALTH_INTERVAL=100ms");
    env.push_back("LUBAN_SHUTDOWN_GRACE=5s");
    for (const std::string& setting : options.service_env) env.push_back(setting);
    if (options.metrics) {
      suite->metrics_ports_[k] = FreePort();
      env.push_back(absl::StrCat("LUBAN_METRICS_LISTEN=127.0.0.1:", suite->metrics_ports_[k]));
    }
    if (i >= 1) env.push_back(absl::StrCat("LUBAN_COURSE_TARGET=", suite->course_addr()));
    if (i == 2) env.push_back(absl::StrCat("LUBAN_ENROLLMENT_TARGET=", suite->enrollment_addr()));
    if (options.tls) {
      // Mutual TLS between the services: the certificate is the service's identity.
      const std::string tls = suite->tls_dir_;
      env.push_back(absl::StrCat("LUBAN_TLS_CERT=", tls, "/", kNames[i], ".pem"));
      env.push_back(absl::StrCat("LUBAN_TLS_KEY=", tls, "/", kNames[i], ".key"));
      env.push_back(absl::StrCat("LUBAN_TLS_CLIENT_CA=", tls, "/ca.pem"));
      env.push_back(absl::StrCat("LUBAN_PEER_TLS_CA=", tls, "/ca.pem"));
    } else {
      if (i == 1) env.push_back(absl::StrCat("LUBAN_SERVICE_TOKEN=", kEnrollmentServiceToken));
      if (i == 2) env.push_back(absl::StrCat("LUBAN_SERVICE_TOKEN=", kExchangeServiceToken));
    }
    suite->environments_[k] = std::move(env);
    if (absl::Status started = suite->Launch(k); !started.ok()) return started;
  }
  return suite;
}

// "course", or "course-2" for a second replica.
std::string LocalSuite::InstanceName(int instance) const {
  const int replica = instance % replicas_;
  return replica == 0 ? std::string(kNames[instance / replicas_])
                      : absl::StrCat(kNames[instance / replicas_], "-", replica + 1);
}

absl::Status LocalSuite::Launch(int instance) {
  ChildProcess& process = processes_[instance];
  std::vector<std::string> env = environments_[instance];
  env.push_back(absl::StrCat("LUBAN_LISTEN=127.0.0.1:", ports_[instance]));
  process = ChildProcess::Spawn({kBinaries[instance / replicas_]}, env, dir_,
                                absl::StrCat(InstanceName(instance), ".", ++launches_[instance]));
  if (process.pid() <= 0) {
    return absl::InternalError(absl::StrCat("cannot start luban-", InstanceName(instance)));
  }
  // Its own log says where it listens: a restarted process that lost its port to another exits.
  absl::StatusOr<int> port = AwaitListeningPort(process, absl::Seconds(60));
  if (!port.ok()) {
    return absl::Status(port.status().code(), absl::StrCat("luban-", InstanceName(instance), ": ",
                                                           port.status().message()));
  }
  ports_[instance] = *port;
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      Channel(absl::StrCat("127.0.0.1:", ports_[instance]));
  if (!channel.ok()) return channel.status();
  if (!client::AwaitServing(*channel, absl::Now() + absl::Seconds(60), [&] {
         return process.running();
       }).ok()) {
    return absl::UnavailableError(absl::StrCat("luban-", InstanceName(instance),
                                               " did not become SERVING\n", process.Logs()));
  }
  return absl::OkStatus();
}

void LocalSuite::Kill(int service, int replica) {
  ChildProcess& process = processes_[Instance(service, replica)];
  process.Signal(SIGKILL);
  process.AwaitExit(absl::Seconds(30));
}

absl::Status LocalSuite::Restart(int service, int replica) {
  ChildProcess& process = processes_[Instance(service, replica)];
  if (process.running()) {
    process.Signal(SIGTERM);
    if (!process.AwaitExit(absl::Seconds(30)).has_value()) Kill(service, replica);
  }
  return Launch(Instance(service, replica));
}

LocalSuite::~LocalSuite() {
  // The callers first, so that no service waits on a peer that is gone.
  for (auto p = processes_.rbegin(); p != processes_.rend(); ++p) p->Signal(SIGTERM);
  for (auto p = processes_.rbegin(); p != processes_.rend(); ++p) {
    if (!p->AwaitExit(absl::Seconds(10)).has_value()) p->Signal(SIGKILL);
    p->AwaitExit(absl::Seconds(10));
  }
}

std::string LocalSuite::addr(int service, int replica) const {
  return absl::StrCat("127.0.0.1:", ports_[Instance(service, replica)]);
}

std::string LocalSuite::addr(int service) const {
  std::vector<std::string> all;
  for (int r = 0; r < replicas_; ++r) all.push_back(addr(service, r));
  return absl::StrJoin(all, ",");
}

std::string LocalSuite::Token(Caller caller) const { return kTokens[caller]; }

absl::StatusOr<std::shared_ptr<grpc::Channel>> LocalSuite::Channel(const std::string& addr) const {
  client::ChannelOptions options;
  options.target = addr;
  if (!tls_dir_.empty()) options.tls.ca_file = absl::StrCat(tls_dir_, "/ca.pem");
  options.fast_reconnect = true;
  return client::MakeChannel(options);
}

std::vector<std::string> LocalSuite::ClientEnvironment(Caller caller) const {
  std::vector<std::string> env = CleanEnvironment();
  env.push_back(absl::StrCat("LUBAN_COURSE_ADDR=", course_addr()));
  env.push_back(absl::StrCat("LUBAN_ENROLLMENT_ADDR=", enrollment_addr()));
  env.push_back(absl::StrCat("LUBAN_EXCHANGE_ADDR=", exchange_addr()));
  if (!tls_dir_.empty()) env.push_back(absl::StrCat("LUBAN_TLS_CA=", tls_dir_, "/ca.pem"));
  if (caller != kAnonymous) env.push_back(absl::StrCat("LUBAN_TOKEN=", Token(caller)));
  return env;
}

std::string LocalSuite::Logs() const {
  std::string logs;
  for (int k = 0; k < static_cast<int>(processes_.size()); ++k) {
    absl::StrAppend(&logs, "=== luban-", InstanceName(k), "\n", processes_[k].Logs(), "\n");
  }
  return logs;
}

}  // namespace luban::testing
