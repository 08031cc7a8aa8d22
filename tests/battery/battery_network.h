// The suite running with the demo network, for the reliability battery: the three services as
// processes (LocalSuite), optionally on a MariaDB of the test's own (PrivateMariaDb, for the
// database faults), seeded by luban-demo-seed, with stubs and makers of the small fixtures the
// faults need (a run of a given capacity, a programme of a given quota, fresh trainees).
//
//   auto network = BatteryNetwork::Start(dir, {.private_database = true});
//   ASSERT_TRUE(network.ok()) << network.status();
//   auto run = (*network)->CreateRun(5);
#ifndef LUBAN_TESTS_BATTERY_BATTERY_NETWORK_H_
#define LUBAN_TESTS_BATTERY_BATTERY_NETWORK_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "luban/course/v1/course.grpc.pb.h"
#include "luban/enrollment/v1/enrollment.grpc.pb.h"
#include "luban/exchange/v1/exchange.grpc.pb.h"
#include "tests/support/galera_cluster.h"
#include "tests/support/local_suite.h"
#include "tests/support/private_mariadb.h"
#include "tests/support/tcp_proxy.h"

namespace luban::testing {

namespace course_pb = ::luban::course::v1;
namespace enrollment_pb = ::luban::enrollment::v1;
namespace exchange_pb = ::luban::exchange::v1;

// Runs `work(i)` for i in [0, count) on `threads` threads; the first error wins.
absl::Status InParallel(int count, int threads, const std::function<absl::Status(int)>& work);

class BatteryNetwork {
 public:
  struct Options {
    // The services' schemas on a PrivateMariaDb (which the test may kill or pause) instead of
    // the suite's shared test server.
    bool private_database = false;
    // Everyone (services, seed, the test's own checks) reaches the database through a TcpProxy
    // (database_proxy()), which the test may use to cut connections.
    bool database_proxy = false;
    // Database connections (and executor threads) of each service.
    int pool_size = 4;
    // Extra "LUBAN_<FLAG>=value" settings for every service.
    std::vector<std::string> service_env;
    // The services' schemas on this Galera cluster (the test's; it outlives the network), each
    // replica starting at a node of its own.
    GaleraCluster* cluster = nullptr;
    // Processes of each service (LocalSuite::Options::replicas).
    int replicas = 1;
  };

  static absl::StatusOr<std::unique_ptr<BatteryNetwork>> Start(const std::string& dir,
                                                               Options options);

  LocalSuite& suite() { return *suite_; }
  // nullptr without Options::private_database.
  PrivateMariaDb* database() { return database_.get(); }
  // nullptr without Options::database_proxy.
  TcpProxy* database_proxy() { return database_proxy_.get(); }

  // Stubs on channels of their own (made once).
  course_pb::CourseService::Stub& course() { return *course_; }
  enrollment_pb::EnrollmentService::Stub& enrollment() { return *enrollment_; }
  exchange_pb::ExchangeService::Stub& exchange() { return *exchange_; }

  // A context with `caller`'s token and a deadline `timeout` from now.
  std::unique_ptr<grpc::ClientContext> Context(
      absl::Duration timeout = absl::Seconds(20),
      LocalSuite::Caller caller = LocalSuite::kNetworkAdmin) const;

  // An open run of the demo network's first open run's course and workshop, with `capacity`
  // seats.
  absl::StatusOr<course_pb::CourseRun> CreateRun(int capacity, const std::string& tag);
  // `count` new active trainees of that workshop (copies of a demo trainee with their own
  // names and identity documents), created in parallel.
  absl::StatusOr<std::vector<std::string>> CreateTrainees(int count, const std::string& tag);
  // An open teacher-training programme (a copy of the demo's) with `quota` places.
  absl::StatusOr<exchange_pb::Programme> CreateProgramme(int quota, const std::string& tag);
  // An open trainee study visit to China from the demo run's workshop (its partner college
  // sends), with no requirement beyond an active trainee: the trainees of CreateTrainees may be
  // nominated, which makes the exchange service ask the enrollment service.
  absl::StatusOr<exchange_pb::Programme> CreateStudyVisit(int quota, const std::string& tag);
  // `count` nominated teachers of `programme`, in parallel: the mobilities' names.
  absl::StatusOr<std::vector<std::string>> NominateTeachers(const std::string& programme, int count,
                                                            const std::string& tag);

  // Enrollments of `run` by state (every page), through the API.
  absl::StatusOr<std::vector<enrollment_pb::Enrollment>> EnrollmentsOf(const std::string& run);

  // Rows of run_seats whose `enrolled` differs from the enrollments holding a seat of the run
  // (enrolled, completed, failed): 0 when nothing is half-written. From the enrollment schema.
  absl::StatusOr<int64_t> InconsistentRunSeats();

 private:
  BatteryNetwork() = default;
  absl::Status Seed(const std::string& dir);
  // Creates `programme` (a copy of the demo's teacher training, changed by the caller) and opens
  // it.
  absl::StatusOr<exchange_pb::Programme> CreateAndOpen(exchange_pb::Programme programme,
                                                       const std::string& tag);

  std::unique_ptr<PrivateMariaDb> database_;
  std::unique_ptr<TcpProxy> database_proxy_;  // outlives the services that connect through it
  std::unique_ptr<LocalSuite> suite_;
  std::unique_ptr<course_pb::CourseService::Stub> course_;
  std::unique_ptr<enrollment_pb::EnrollmentService::Stub> enrollment_;
  std::unique_ptr<exchange_pb::ExchangeService::Stub> exchange_;
  course_pb::CourseRun template_run_;          // an open run of the demo
  course_pb::Workshop template_workshop_;      // its workshop
  enrollment_pb::Trainee template_trainee_;    // a demo trainee of its workshop
  exchange_pb::Programme template_programme_;  // the demo's teacher training
};

}  // namespace luban::testing

#endif  // LUBAN_TESTS_BATTERY_BATTERY_NETWORK_H_
