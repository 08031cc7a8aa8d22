// The benchmark's database ceiling: the plain gRPC server (plain_server.h) that also does the
// database work the suite does, with nothing else of the project. GetTrainee selects the trainee's
// row by its id, ListEnrollments the run's first page (WHERE run_id = ? AND id > ? ORDER BY id
// LIMIT 51), each with all the table's columns; Enroll runs the suite's statements for an
// enrollment on a run it mirrors, in one transaction (the request's claim, the seat row and the
// trainee locked, the enrollment inserted and counted, the audit row, the change event, the
// recorded answer, COMMIT), keeping only the seat count of the rules. Each runs on Connector/C++
// prepared statements of connections of its own, on a thread of a fixed pool after a hop from
// gRPC's callback thread (a blocking call there would hold one of gRPC's two callback threads),
// and fills the answer from the rows. "Suite calls/s ÷ database ceiling calls/s" is then the
// share that the project's own code (token check, policy, metrics, the domain's model and rules,
// redaction) leaves of what a server doing the same database work can do; "database ceiling ÷
// plain" (reads) or "÷ sysbench oltp_insert" (Enroll) what that database work itself costs.
// Other methods answer UNIMPLEMENTED.
#ifndef LUBAN_TOOLS_BENCH_DATABASE_SERVER_H_
#define LUBAN_TOOLS_BENCH_DATABASE_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/server.h"

namespace luban::bench {

// The enrollment schema's database, as the service's LUBAN_DB_* settings name it.
struct DatabaseAddress {
  std::string host;
  int port = 3306;
  std::string user;
  std::string password;
  std::string schema;
};

class DatabaseServer {
 public:
  // Listens on `listen` ("127.0.0.1:0" picks a port), plaintext, with `threads` threads, each
  // connected to `database` before this returns (UNAVAILABLE when one cannot connect).
  static absl::StatusOr<std::unique_ptr<DatabaseServer>> Start(const std::string& listen,
                                                               int threads,
                                                               const DatabaseAddress& database);
  ~DatabaseServer();

  int port() const { return port_; }
  void Shutdown();

 private:
  class Service;
  DatabaseServer() = default;

  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace luban::bench

#endif  // LUBAN_TOOLS_BENCH_DATABASE_SERVER_H_
