// The whole suite as processes for end-to-end tests: luban-course, luban-enrollment and
// luban-exchange started from their binaries on the test MariaDB (each its own fresh schema and
// user), on free loopback ports, with a credentials file holding one token per role; optionally
// several replicas of each service, over the nodes of a Galera cluster.
//
//   auto suite = LocalSuite::Start(dir);         // dir: a test temp directory
//   ASSERT_TRUE(suite.ok()) << suite.status();
//   (*suite)->ClientEnvironment(LocalSuite::kNetworkAdmin)  // LUBAN_*_ADDR, LUBAN_TOKEN
//
// The binaries' paths come from the compile definitions LUBAN_COURSE_BINARY,
// LUBAN_ENROLLMENT_BINARY and LUBAN_EXCHANGE_BINARY (see tests/CMakeLists.txt). Start fails with
// FAILED_PRECONDITION when no test database is configured: call LUBAN_REQUIRE_TEST_DATABASE()
// first.
#ifndef LUBAN_TESTS_SUPPORT_LOCAL_SUITE_H_
#define LUBAN_TESTS_SUPPORT_LOCAL_SUITE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/channel.h"
#include "tests/support/child_process.h"
#include "tests/support/test_database.h"

namespace luban::testing {

class LocalSuite {
 public:
  // The callers the credentials file knows. The college admin is bound to the institution
  // named by `college_institution` (default "institutions/2"; set before the data exists, the
  // id is simply the second institution created). kService is svc-enrollment's token and
  // kExchangeService svc-exchange's (the role "service"; without Options::tls the services call
  // each other with them).
  enum Caller {
    kNetworkAdmin,
    kCollegeAdmin,
    kOtherCollegeAdmin,
    kReporter,
    kAnonymous,
    kService,
    kExchangeService
  };

  struct Options {
    std::string college_institution = "institutions/2";
    std::string other_college_institution = "institutions/3";
    // The services serve TLS with certificates made in "<dir>/tls" (MakeTestCertificates: CN
    // course, enrollment, exchange, one CA), verify client certificates, and call each other
    // over mutual TLS with no service token: their certificates are their identity. Clients
    // then need LUBAN_TLS_CA (ClientEnvironment sets it).
    bool tls = false;
    // Extra "LUBAN_<FLAG>=value" settings for every service (e.g. LUBAN_LOG_FORMAT=json).
    std::vector<std::string> service_env;
    // Each service serves /metrics on a free loopback port (metrics_port()).
    bool metrics = false;
    // The server the schemas are made on (e.g. a PrivateMariaDb's); default: the test server
    // of the environment (TestServerFromEnv).
    std::optional<TestServer> server;
    // Database connections (and executor threads) of each service.
    int pool_size = 4;
    // Processes of each service, all on the same schema; clients and peers are given every
    // replica's address (course_addr() etc.).
    int replicas = 1;
    // The database's nodes (e.g. GaleraCluster::Hosts(0)); the k-th process of the suite
    // (course's replicas first, then enrollment's, then exchange's) tries them from node
    // k % size on. Empty: the server's own address.
    std::vector<db::DbHost> db_hosts;
  };

  // Starts the three services in `dir` (logs there) and waits until each is SERVING.
  static absl::StatusOr<std::unique_ptr<LocalSuite>> Start(const std::string& dir, Options options);
  static absl::StatusOr<std::unique_ptr<LocalSuite>> Start(const std::string& dir) {
    return Start(dir, Options());
  }

  // Stops the services (SIGTERM, then SIGKILL after 10 s) and drops the schemas.
  ~LocalSuite();

  // Every replica of the service, "127.0.0.1:port[,127.0.0.1:port]" (what MakeChannel takes).
  std::string course_addr() const { return addr(0); }
  std::string enrollment_addr() const { return addr(1); }
  std::string exchange_addr() const { return addr(2); }
  // Service 0, 1, 2 (course, enrollment, exchange): every replica's address, or one replica's.
  std::string addr(int service) const;
  std::string addr(int service, int replica) const;
  int replicas() const { return replicas_; }
  // The bearer token of `caller` ("" for kAnonymous).
  std::string Token(Caller caller) const;
  // The /metrics port of luban-course, luban-enrollment, luban-exchange (0, 1, 2); 0 without
  // Options::metrics.
  int metrics_port(int service, int replica = 0) const {
    return metrics_ports_[Instance(service, replica)];
  }
  // With Options::tls, the directory of the CA and the certificates ("" without).
  const std::string& tls_dir() const { return tls_dir_; }
  // A channel to a service's address (TLS with Options::tls), reconnecting promptly.
  absl::StatusOr<std::shared_ptr<grpc::Channel>> Channel(const std::string& addr) const;

  // CleanEnvironment() plus LUBAN_COURSE_ADDR, LUBAN_ENROLLMENT_ADDR, LUBAN_EXCHANGE_ADDR,
  // LUBAN_TLS_CA with Options::tls and, unless kAnonymous, LUBAN_TOKEN: the environment a client
  // process needs.
  std::vector<std::string> ClientEnvironment(Caller caller) const;

  // The services' schemas, for checks on the stored data.
  TestDatabase& course_db() { return *databases_[0]; }
  TestDatabase& enrollment_db() { return *databases_[1]; }
  TestDatabase& exchange_db() { return *databases_[2]; }

  // Fault injection, per replica of a service: luban-course, luban-enrollment, luban-exchange
  // (0, 1, 2).
  ChildProcess& process(int service, int replica = 0) {
    return processes_[Instance(service, replica)];
  }
  // SIGKILL, and waits until the process is gone.
  void Kill(int service, int replica = 0);
  // Starts the replica again with the same settings and port (stopping it first with SIGTERM
  // if it still runs) and waits until it is SERVING.
  absl::Status Restart(int service, int replica = 0);

  // Each process's logs so far (for failure messages).
  std::string Logs() const;
  // What a replica of luban-course, luban-enrollment, luban-exchange (0, 1, 2) wrote to stderr.
  std::string Errors(int service, int replica = 0) const {
    return processes_[Instance(service, replica)].Errors();
  }

 private:
  LocalSuite() = default;
  int Instance(int service, int replica) const { return service * replicas_ + replica; }
  std::string InstanceName(int instance) const;
  // Spawns process `instance` with environments_[instance] and waits until it is SERVING.
  absl::Status Launch(int instance);

  std::string dir_;
  std::string tls_dir_;
  int replicas_ = 1;
  std::unique_ptr<TestDatabase> databases_[3];
  // By instance: service * replicas + replica.
  std::vector<ChildProcess> processes_;
  std::vector<std::vector<std::string>> environments_;
  std::vector<int> launches_;
  std::vector<int> ports_;
  std::vector<int> metrics_ports_;
};

}  // namespace luban::testing

#endif  // LUBAN_TESTS_SUPPORT_LOCAL_SUITE_H_
