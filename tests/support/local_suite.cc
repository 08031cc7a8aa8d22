#include "tests/support/local_suite.h"

#include <signal.h>

#include <fstream>
#include <utility>

#include "absl/strings/str_cat.h"
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

  for (int& port : suite->ports_) port = FreePort();
  for (int i = 0; i < 3; ++i) {
    std::vector<std::string> env = CleanEnvironment();
    for (std::string& setting :
         ServiceDbEnvironment(suite->databases_[i]->Config(), options.pool_size, "10s")) {
      env.push_back(std::move(setting));
    }
    env.push_back(absl::StrCat("LUBAN_CREDENTIALS_FILE=", credentials));
    env.push_back(absl::StrCat("LUBAN_LISTEN=127.0.0.1:", suite->ports_[i]));
    env.push_back(absl::StrCat("LUBAN_PAGE_TOKEN_SECRET=suite-secret-", kNames[i]));
    env.push_back("LUBAN_HEALTH_INTERVAL=100ms");
    env.push_back("LUBAN_SHUTDOWN_GRACE=5s");
    for (const std::string& setting : options.service_env) env.push_back(setting);
    if (options.metrics) {
      suite->metrics_ports_[i] = FreePort();
      env.push_back(absl::StrCat("LUBAN_METRICS_LISTEN=127.0.0.1:", suite->metrics_ports_[i]));
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
    suite->environments_[i] = std::move(env);
    if (absl::Status started = suite->Launch(i); !started.ok()) return started;
  }
  return suite;
}

absl::Status LocalSuite::Launch(int service) {
  ChildProcess& process = services_[service];
  process = ChildProcess::Spawn({kBinaries[service]}, environments_[service], dir_,
                                absl::StrCat(kNames[service], ".", ++launches_[service]));
  if (process.pid() <= 0) {
    return absl::InternalError(absl::StrCat("cannot start luban-", kNames[service]));
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      Channel(absl::StrCat("127.0.0.1:", ports_[service]));
  if (!channel.ok()) return channel.status();
  if (!client::AwaitServing(*channel, absl::Now() + absl::Seconds(60), [&] {
         return process.running();
       }).ok()) {
    return absl::UnavailableError(
        absl::StrCat("luban-", kNames[service], " did not become SERVING\n", process.Logs()));
  }
  return absl::OkStatus();
}

void LocalSuite::Kill(int service) {
  services_[service].Signal(SIGKILL);
  services_[service].AwaitExit(absl::Seconds(30));
}

absl::Status LocalSuite::Restart(int service) {
  if (services_[service].running()) {
    services_[service].Signal(SIGTERM);
    if (!services_[service].AwaitExit(absl::Seconds(30)).has_value()) Kill(service);
  }
  return Launch(service);
}

LocalSuite::~LocalSuite() {
  // The callers first, so that no service waits on a peer that is gone.
  for (int i = 2; i >= 0; --i) services_[i].Signal(SIGTERM);
  for (int i = 2; i >= 0; --i) {
    if (!services_[i].AwaitExit(absl::Seconds(10)).has_value()) services_[i].Signal(SIGKILL);
    services_[i].AwaitExit(absl::Seconds(10));
  }
}

std::string LocalSuite::course_addr() const { return absl::StrCat("127.0.0.1:", ports_[0]); }
std::string LocalSuite::enrollment_addr() const { return absl::StrCat("127.0.0.1:", ports_[1]); }
std::string LocalSuite::exchange_addr() const { return absl::StrCat("127.0.0.1:", ports_[2]); }

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
  for (int i = 0; i < 3; ++i) {
    absl::StrAppend(&logs, "=== luban-", kNames[i], "\n", services_[i].Logs(), "\n");
  }
  return logs;
}

}  // namespace luban::testing
