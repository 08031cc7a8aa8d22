#include "tests/support/galera_cluster.h"

#include <unistd.h>

#include <fstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"

#ifndef LUBAN_GALERA_CNF
#error "LUBAN_GALERA_CNF must be defined"
#endif

namespace luban::testing {
namespace {

// A node's ports: SQL, group communication, incremental and full state transfer.
struct NodePorts {
  int sql = 0;
  int gcomm = 0;
  int ist = 0;
  int sst = 0;
};

// The node's option file: the deployed my.cnf and galera.cnf, then what is the node's own.
absl::Status WriteNodeConfig(const std::string& file, int index, const NodePorts& ports,
                             const std::string& cluster_address, const std::string& password) {
  std::ofstream out(file, std::ios::trunc);
  out << "!include " << LUBAN_MY_CNF << "\n"
      << "!include " << LUBAN_GALERA_CNF << "\n"
      << "[mariadbd]\n"
      << "wsrep_node_name = node" << index << "\n"
      << "wsrep_node_address = 127.0.0.1:" << ports.gcomm << "\n"
      << "wsrep_cluster_address = " << cluster_address << "\n"
      << "wsrep_provider_options = \"gmcast.listen_addr=tcp://127.0.0.1:" << ports.gcomm
      << ";ist.recv_addr=127.0.0.1:" << ports.ist << "\"\n"
      << "wsrep_sst_receive_address = 127.0.0.1:" << ports.sst << "\n"
      << "wsrep_sst_auth = root:" << password
      << "\n"
      // Smaller than my.cnf's: three nodes share the test machine.
      << "innodb_buffer_pool_size = 64M\n";
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", file));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<GaleraCluster>> GaleraCluster::Start(const std::string& dir,
                                                                    int nodes) {
  std::unique_ptr<GaleraCluster> cluster(new GaleraCluster());
  std::vector<NodePorts> ports(nodes);
  std::vector<std::string> members;
  for (NodePorts& p : ports) {
    p = {FreePort(), FreePort(), FreePort(), FreePort()};
    members.push_back(absl::StrCat("127.0.0.1:", p.gcomm));
  }
  const std::string address = absl::StrCat("gcomm://", absl::StrJoin(members, ","));
  const std::string password = absl::StrCat("galera-", ::getpid(), "-", ports[0].sql);
  for (int i = 0; i < nodes; ++i) {
    const std::string node_dir = absl::StrCat(dir, "/node", i);
    PrivateMariaDb::Options options;
    options.defaults_file = absl::StrCat(dir, "/node", i, ".cnf");
    options.admin_password = password;
    options.port = ports[i].sql;
    if (i == 0) {
      options.first_start_args = {"--wsrep-new-cluster"};
    } else {
      options.set_up_root = false;  // the donor's accounts arrive with its data
      options.start_timeout = absl::Seconds(300);
    }
    if (absl::Status written =
            WriteNodeConfig(options.defaults_file, i, ports[i], address, password);
        !written.ok()) {
      return written;
    }
    auto node = PrivateMariaDb::Start(node_dir, std::move(options));
    if (!node.ok()) {
      // A joiner that failed most often failed on its donor's side: say what node 0 did too.
      return absl::Status(
          node.status().code(),
          absl::StrCat("Galera node ", i, ": ", node.status().message(),
                       i == 0
                           ? ""
                           : absl::StrCat("\n=== node 0 (the donor)\n", cluster->nodes_[0]->Log(),
                                          "\n=== its mariabackup log\n",
                                          ReadWholeFile(absl::StrCat(
                                              dir, "/node0/data/mariabackup.backup.log")))));
    }
    cluster->nodes_.push_back(*std::move(node));
    // One joiner at a time: each takes a full copy from a synced donor.
    if (absl::Status synced = cluster->AwaitSynced(); !synced.ok()) return synced;
  }
  return cluster;
}

std::vector<db::DbHost> GaleraCluster::Hosts(int first) const {
  std::vector<db::DbHost> hosts;
  for (int k = 0; k < size(); ++k) {
    const TestServer& server = nodes_[(first + k) % size()]->server();
    hosts.push_back({server.host, server.port});
  }
  return hosts;
}

absl::Status GaleraCluster::Rejoin(int i) {
  PrivateMariaDb& node = *nodes_[i];
  std::vector<std::string> args;
  // A node that stopped cleanly wrote its position to grastate.dat; a crashed one left -1 there.
  const std::string state = ReadWholeFile(absl::StrCat(node.dir(), "/data/grastate.dat"));
  const size_t seqno = state.find("seqno:");
  if (seqno != std::string::npos &&
      absl::StartsWith(absl::StripLeadingAsciiWhitespace(state.substr(seqno + 6)), "-1")) {
    auto log = node.RunOnce({"--wsrep-recover"}, "wsrep-recover");
    if (!log.ok()) return log.status();
    const std::string kRecovered = "WSREP: Recovered position: ";
    const size_t at = log->find(kRecovered);
    if (at == std::string::npos) {
      return absl::InternalError(
          absl::StrCat("Galera node ", i, ": no position recovered:\n", *log));
    }
    const size_t from = at + kRecovered.size();
    const std::string position = log->substr(from, log->find_first_of(" \n", from) - from);
    args.push_back(absl::StrCat("--wsrep-start-position=", position));
  }
  if (absl::Status restarted = node.Restart(args); !restarted.ok()) return restarted;
  return AwaitSynced();
}

GaleraCluster::Transfer GaleraCluster::LastTransfer(int i) const {
  return TransferIn(nodes_[i]->LogSinceStart());
}

GaleraCluster::Transfer GaleraCluster::TransferIn(absl::string_view log) {
  // At a start, what the state transfer script of galera.cnf's wsrep_sst_method says on the
  // joiner (the server logs "SST received" either way); a node that rejoins without a restart
  // (resumed after SIGSTOP) receives the writes it missed without the script.
  if (absl::StrContains(log, "mariabackup SST completed on joiner")) return Transfer::kFull;
  if (absl::StrContains(log, "mariabackup IST completed on joiner") ||
      absl::StrContains(log, "WSREP: Receiving IST: ")) {
    return Transfer::kIncremental;
  }
  return Transfer::kNone;
}

absl::StatusOr<std::string> GaleraCluster::State(int i) const {
  auto rows = AdminQuery(
      server(i),
      "SELECT MAX(IF(VARIABLE_NAME = 'WSREP_LOCAL_STATE_COMMENT', VARIABLE_VALUE, NULL)), "
      "MAX(IF(VARIABLE_NAME = 'WSREP_CLUSTER_SIZE', VARIABLE_VALUE, NULL)), "
      "MAX(IF(VARIABLE_NAME = 'WSREP_CLUSTER_STATUS', VARIABLE_VALUE, NULL)) "
      "FROM information_schema.GLOBAL_STATUS");
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return absl::InternalError("no wsrep status");
  return absl::StrJoin(rows->front(), " ");
}

absl::Status GaleraCluster::AwaitSynced(absl::Duration timeout) const {
  const std::string want = absl::StrCat("Synced ", size(), " Primary");
  const absl::Time deadline = absl::Now() + timeout;
  std::string last;
  for (int i = 0; i < size();) {
    if (!nodes_[i]->running()) {
      ++i;
      continue;
    }
    absl::StatusOr<std::string> state = State(i);
    last = state.ok() ? *state : std::string(state.status().message());
    if (last == want) {
      ++i;
      continue;
    }
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(absl::StrCat("Galera node ", i, " is not \"", want,
                                                      "\" after ", absl::FormatDuration(timeout),
                                                      ": ", last, "\n", nodes_[i]->Log()));
    }
    absl::SleepFor(absl::Milliseconds(100));  // a poll interval, not a synchronisation
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> GaleraCluster::Checksums(int i, const std::string& schema) const {
  auto tables =
      AdminQuery(server(i), absl::StrCat("SELECT TABLE_NAME FROM information_schema.TABLES "
                                         "WHERE TABLE_SCHEMA = '",
                                         schema, "' ORDER BY TABLE_NAME"));
  if (!tables.ok()) return tables.status();
  std::vector<std::string> sums;
  for (const std::vector<std::string>& table : *tables) {
    auto sum =
        AdminQuery(server(i), absl::StrCat("CHECKSUM TABLE `", schema, "`.`", table[0], "`"));
    if (!sum.ok()) return sum.status();
    sums.push_back(absl::StrCat(table[0], "=", sum->empty() ? "?" : sum->front()[1]));
  }
  return absl::StrJoin(sums, " ");
}

}  // namespace luban::testing
