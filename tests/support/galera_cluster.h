// A MariaDB Galera cluster of a test's own: three nodes (PrivateMariaDb) on loopback ports,
// replicating synchronously with Debian's galera-4, state transfer by mariabackup, each node
// with deploy/mariadb/my.cnf and galera.cnf as deployed.
//
//   auto cluster = GaleraCluster::Start(dir);   // ~1 min: node 1 starts it, 2 and 3 join
//   ASSERT_TRUE(cluster.ok()) << cluster.status();
//   auto db = TestDatabase::Create((*cluster)->server(0));  // made on node 1, on all three
//   config.hosts = (*cluster)->Hosts(2);                      // node 3 first, then 1 and 2
//   (*cluster)->node(1).Kill();  ASSERT_TRUE((*cluster)->Rejoin(1).ok());
#ifndef LUBAN_TESTS_SUPPORT_GALERA_CLUSTER_H_
#define LUBAN_TESTS_SUPPORT_GALERA_CLUSTER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/db/pool.h"
#include "tests/support/private_mariadb.h"
#include "tests/support/test_database.h"

namespace luban::testing {

class GaleraCluster {
 public:
  // Starts node 0 as a new cluster, then the others one at a time (each copies node 0's data),
  // and returns once all are synced in one primary component. Node i keeps its data in
  // "<dir>/node<i>".
  static absl::StatusOr<std::unique_ptr<GaleraCluster>> Start(const std::string& dir,
                                                              int nodes = 3);

  int size() const { return static_cast<int>(nodes_.size()); }
  PrivateMariaDb& node(int i) { return *nodes_[i]; }
  // Root on node i (the same account and password on every node).
  const TestServer& server(int i) const { return nodes_[i]->server(); }
  // Every node's address, starting at node `first` and going round: a replica's --db_host.
  std::vector<db::DbHost> Hosts(int first) const;

  // Starts node i again on its data after Kill() or Stop(): it rejoins, receiving what it
  // missed, and this returns once the whole cluster is synced again. After a crash (Kill()) it
  // first recovers the position of its last committed write (mariadbd --wsrep-recover), as
  // Debian's galera_recovery does for systemd: without it a crashed node knows no position and
  // takes a copy of a donor's whole data.
  absl::Status Rejoin(int i);

  // How node i caught up with the cluster when it last started: kIncremental when it received
  // only the writes it missed (IST, from a donor's write-set cache), kFull when it took a copy of
  // a donor's whole data (SST, by mariabackup), kNone when it did neither (it started the cluster).
  enum class Transfer { kNone, kIncremental, kFull };
  Transfer LastTransfer(int i) const;
  // The same from what a node logged (e.g. since it was resumed).
  static Transfer TransferIn(absl::string_view log);

  // "<state> <cluster size> <component>" of node i, e.g. "Synced 3 Primary"; an error when the
  // node does not answer.
  absl::StatusOr<std::string> State(int i) const;
  // Polls until every node that runs says "Synced <size()> Primary".
  absl::Status AwaitSynced(absl::Duration timeout = absl::Seconds(120)) const;
  // CHECKSUM TABLE of every table of `schema` on node i, "table=checksum" in table order: equal
  // on two nodes when they hold the same rows.
  absl::StatusOr<std::string> Checksums(int i, const std::string& schema) const;

 private:
  GaleraCluster() = default;

  std::vector<std::unique_ptr<PrivateMariaDb>> nodes_;
};

}  // namespace luban::testing

#endif  // LUBAN_TESTS_SUPPORT_GALERA_CLUSTER_H_
