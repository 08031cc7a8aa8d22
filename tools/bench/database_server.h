// The benchmark's database ceiling: the plain gRPC server (plain_server.h) that also reads what
// the suite reads, with nothing else of the project. GetTrainee selects the trainee's row by its
// id, ListEnrollments the run's first page (WHERE run_id = ? AND id > ? ORDER BY id LIMIT 51),
// each with all the table's columns, on a Connector/C++ prepared statement of a connection of
// its own, run on a thread of a fixed pool after a hop from gRPC's callback thread (a blocking
// read there would hold one of gRPC's two callback threads), and fills the answer from the row.
// "Suite calls/s ÷ database ceiling calls/s" is then the share that the project's own code (token
// check, policy, metrics, the domain's model and checks, redaction) leaves of what a server doing
// the same read can do; "database ceiling ÷ plain" what the database round trip itself costs.
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
  // Listens on `listen` ("127.0.0.1:0" picks a port), plaintext, with `threads` reading threads,
  // each connected to `database` before this returns (UNAVAILABLE when one cannot connect).
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
