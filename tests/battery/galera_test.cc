// The suite on a three-node MariaDB Galera cluster with two replicas of every service (the
// battery): each replica starts at a node of its own and fails over to the others, and clients
// spread their calls over both replicas. Under a write load that reaches every replica and node:
//  - races for the last seats and quota places never overbook;
//  - kill -9 of a node, and SIGSTOP of one (it leaves the primary component): every acknowledged
//    write is there, counters agree with rows, the node rejoins and all three hold the same rows;
//  - kill -9 of a service replica: its callers move to the other, nothing is lost;
//  - a rolling restart of every replica and every node: every write acknowledged in the end.
// One cluster serves every test of the file (it takes about a minute to form); each test has its
// own schemas on it.
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/db/migrations.h"
#include "common/db/pool.h"
#include "gtest/gtest.h"
#include "services/enrollment/storage/mysql_enrollment_store.h"
#include "tests/battery/battery_network.h"
#include "tests/battery/battery_report.h"
#include "tests/battery/races.h"
#include "tests/battery/write_load.h"
#include "tests/support/all_at_once.h"
#include "tests/support/galera_cluster.h"

namespace luban::testing {
namespace {

constexpr int kCourse = 0;
constexpr int kEnrollment = 1;
constexpr int kReplicas = 2;

// How a node caught up, for the report.
const char* CaughtUpBy(GaleraCluster::Transfer transfer) {
  switch (transfer) {
    case GaleraCluster::Transfer::kIncremental:
      return "the writes it missed (IST)";
    case GaleraCluster::Transfer::kFull:
      return "a copy of a donor's whole data (SST)";
    case GaleraCluster::Transfer::kNone:
      break;
  }
  return "replication alone, no transfer";
}

class GaleraTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!TestServerFromEnv().ok()) return;  // SetUp skips (or fails under CI)
    cluster_dir_ = new std::string(MakeTempDir("luban-galera"));
    auto cluster = GaleraCluster::Start(*cluster_dir_);
    if (!cluster.ok()) {
      cluster_error_ = new std::string(cluster.status().ToString());
      return;
    }
    cluster_ = cluster->release();
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
    if (cluster_dir_ != nullptr) std::filesystem::remove_all(*cluster_dir_);
    delete cluster_dir_;
    cluster_dir_ = nullptr;
    delete cluster_error_;
    cluster_error_ = nullptr;
  }

  void SetUp() override {
    LUBAN_REQUIRE_TEST_DATABASE();
    ASSERT_NE(cluster_, nullptr) << "the Galera cluster did not start: "
                                 << (cluster_error_ != nullptr ? *cluster_error_ : "");
    // A test that failed half-way may have left a node down.
    for (int i = 0; i < cluster_->size(); ++i) {
      if (!cluster_->node(i).running()) {
        const absl::Status rejoined = cluster_->Rejoin(i);
        ASSERT_TRUE(rejoined.ok()) << "node " << i << ": " << rejoined;
      }
    }
    dir_ = MakeTempDir("luban-galera-suite");
    ASSERT_FALSE(dir_.empty()) << std::strerror(errno);
    BatteryNetwork::Options options;
    options.cluster = cluster_;
    options.replicas = kReplicas;
    options.pool_size = 8;
    auto network = BatteryNetwork::Start(dir_, options);
    ASSERT_TRUE(network.ok()) << network.status();
    network_ = *std::move(network);
  }
  void TearDown() override {
    network_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  GaleraCluster& cluster() { return *cluster_; }
  LocalSuite& suite() { return network_->suite(); }

  // Every node synced, and holding the same rows as node 0 in every table of the three schemas.
  void ExpectNodesConverged(absl::string_view section) {
    ASSERT_TRUE(cluster().AwaitSynced().ok());
    int tables_compared = 0;
    for (TestDatabase* db :
         {&suite().course_db(), &suite().enrollment_db(), &suite().exchange_db()}) {
      auto first = cluster().Checksums(0, db->schema());
      ASSERT_TRUE(first.ok()) << first.status();
      for (int i = 1; i < cluster().size(); ++i) {
        auto other = cluster().Checksums(i, db->schema());
        ASSERT_TRUE(other.ok()) << other.status();
        EXPECT_EQ(*other, *first) << "node " << i << " differs from node 0 in " << db->schema();
      }
      tables_compared += static_cast<int>(std::count(first->begin(), first->end(), '='));
    }
    RecordFigure(section, "tables whose checksums are equal on all three nodes",
                 int64_t{tables_compared});
  }

  // A write load over both enrollment replicas, `writes` enrollments acknowledged in the end.
  std::unique_ptr<EnrollLoad> StartLoad(int writes, const std::string& tag) {
    auto prepared = EnrollLoad::Prepare(*network_, writes, tag);
    EXPECT_TRUE(prepared.ok()) << prepared.status();
    if (!prepared.ok()) return nullptr;
    (*prepared)->Start(8);
    return *std::move(prepared);
  }

  static GaleraCluster* cluster_;
  static std::string* cluster_dir_;
  static std::string* cluster_error_;
  std::string dir_;
  std::unique_ptr<BatteryNetwork> network_;
};

GaleraCluster* GaleraTest::cluster_ = nullptr;
std::string* GaleraTest::cluster_dir_ = nullptr;
std::string* GaleraTest::cluster_error_ = nullptr;

TEST_F(GaleraTest, RacesThroughBothReplicasAndEveryNodeNeverOverbook) {
  constexpr char kSection[] = "Galera: races through two replicas on three nodes";
  RaceForTheLastSeats(*network_, kSection);
  RaceForTheLastPlaces(*network_, kSection);
  ExpectNodesConverged(kSection);
}

// Replicas of a service starting together, each at a node of its own, migrate one new schema: the
// lease row they race for is certified like any write, so each migration is applied once.
TEST_F(GaleraTest, MigratorsStartingTogetherOnEveryNodeApplyEachMigrationOnce) {
  constexpr char kSection[] = "Galera: migrators starting together on every node";
  auto schema = TestDatabase::Create(cluster().server(0));
  ASSERT_TRUE(schema.ok()) << schema.status();
  std::vector<std::unique_ptr<db::ConnectionPool>> pools;
  for (int node = 0; node < cluster().size(); ++node) {
    db::DbConfig config = (*schema)->Config();
    config.hosts = cluster().Hosts(node);
    config.pool_size = 1;
    pools.push_back(std::make_unique<db::ConnectionPool>(config));
  }
  const std::vector<const std::vector<db::Migration>*> tracks = {
      &db::PlatformMigrations(), &enrollment::EnrollmentMigrations()};
  std::vector<absl::StatusOr<db::MigrationReport>> reports(pools.size(),
                                                           absl::UnknownError("did not run"));
  RunAllAtOnce(static_cast<int>(pools.size()),
               [&](int node) { reports[node] = db::Migrate(*pools[node], tracks); });
  const int total = static_cast<int>(tracks[0]->size() + tracks[1]->size());
  int applied = 0;
  for (int node = 0; node < cluster().size(); ++node) {
    ASSERT_TRUE(reports[node].ok()) << "node " << node << ": " << reports[node].status();
    EXPECT_EQ(reports[node]->current, total) << "node " << node;
    applied += reports[node]->applied;
  }
  EXPECT_EQ(applied, total);
  ASSERT_TRUE(cluster().AwaitSynced().ok());
  for (int node = 0; node < cluster().size(); ++node) {
    auto recorded = AdminQuery(
        cluster().server(node),
        absl::StrCat("SELECT COUNT(*) FROM `", (*schema)->schema(), "`.schema_migrations"));
    ASSERT_TRUE(recorded.ok()) << recorded.status();
    EXPECT_EQ(recorded->front().front(), absl::StrCat(total)) << "node " << node;
  }
  RecordFigure(kSection, "migrators, one per node", int64_t{cluster().size()});
  RecordFigure(kSection, "migrations applied in all (each once)", int64_t{applied});
}

// Each run is created through one course replica and opened at once through the other (the
// channel takes the replicas in turn), on another node, in a transaction whose first statement
// writes: the node must have applied the creation before that transaction reads the run.
TEST_F(GaleraTest, AWriteThroughOneReplicaIsSeenByTheNextCallThroughTheOther) {
  constexpr char kSection[] = "Galera: read-your-writes across replicas and nodes";
  // From several threads at once: the more the nodes have to apply, the longer a node lags.
  const int runs = BatteryScale(120, 600);
  std::atomic<int> opened{0};
  const absl::Status status = InParallel(runs, 8, [&](int i) -> absl::Status {
    auto run = network_->CreateRun(3, absl::StrCat("ryw-", i));
    if (!run.ok()) return run.status();
    if (run->status() != course_pb::COURSE_RUN_STATUS_OPEN) {
      return absl::InternalError(absl::StrCat(run->name(), " was not opened"));
    }
    ++opened;
    return absl::OkStatus();
  });
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(opened.load(), runs);
  RecordFigure(kSection, "runs created through one replica and opened through the other",
               int64_t{runs});
  RecordFigure(kSection, "of them not found (or not opened) by the second call",
               int64_t{runs - opened.load()});
}

// What the cluster costs in writes against one server, on the same machine in the same run: the
// same enrollment load (8 callers, each enrollment its own transaction with its ledger, audit and
// feed rows) through two replicas on three nodes and through one replica on the one server
// scripts/test started, in interleaved rounds (whatever else runs on the machine weighs on both
// alike), medians reported. Figures for docs/operations.md; nothing is asserted on them, only
// that every write was acknowledged.
TEST_F(GaleraTest, WriteThroughputAndLatencyAgainstOneServer) {
  constexpr char kSection[] = "Galera: writes against one server (same machine, same run)";
  const int writes = BatteryScale(120, 600);
  const int rounds = BatteryScale(1, 3);
  const std::string single_dir = MakeTempDir("luban-galera-single");
  BatteryNetwork::Options options;
  options.pool_size = 8;
  auto single = BatteryNetwork::Start(single_dir, options);
  ASSERT_TRUE(single.ok()) << single.status();
  struct Setup {
    BatteryNetwork* network;
    const char* name;
    std::vector<double> per_second, median_ms, p99_ms;
  };
  Setup setups[] = {{network_.get(), "three Galera nodes, two replicas each", {}, {}, {}},
                    {single->get(), "one server, one replica each", {}, {}, {}}};
  for (int round = 0; round < rounds; ++round) {
    for (Setup& setup : setups) {
      auto prepared = EnrollLoad::Prepare(*setup.network, writes, absl::StrCat("scale-", round));
      ASSERT_TRUE(prepared.ok()) << prepared.status();
      EnrollLoad& load = **prepared;
      const absl::Time start = absl::Now();
      load.Start(8);
      ASSERT_TRUE(load.AwaitAll(absl::Seconds(300)))
          << setup.name << ": " << load.acknowledged() << Codes(load.codes());
      const absl::Duration took = absl::Now() - start;
      load.Stop();
      const std::vector<absl::Duration> latencies = load.OkLatencies();
      ASSERT_EQ(latencies.size(), static_cast<size_t>(writes));
      setup.per_second.push_back(writes / absl::ToDoubleSeconds(took));
      setup.median_ms.push_back(absl::ToDoubleMilliseconds(latencies[(writes - 1) / 2]));
      setup.p99_ms.push_back(absl::ToDoubleMilliseconds(latencies[(writes - 1) * 99 / 100]));
    }
  }
  auto median = [](std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
  };
  for (const Setup& setup : setups) {
    RecordFigure(kSection, absl::StrCat(setup.name, ": enrollments per second"),
                 median(setup.per_second));
    RecordFigure(kSection, absl::StrCat(setup.name, ": median ms per enrollment"),
                 median(setup.median_ms));
    RecordFigure(kSection, absl::StrCat(setup.name, ": 99th percentile ms"), median(setup.p99_ms));
  }
  RecordFigure(kSection, "enrollments per measurement, interleaved rounds",
               absl::StrCat(writes, ", ", rounds));
  single->reset();
  std::filesystem::remove_all(single_dir);
}

TEST_F(GaleraTest, KillingANodeUnderWriteLoadLosesNothingAndTheNodeRejoins) {
  constexpr char kSection[] = "Galera: kill -9 of a node under write load";
  const int writes = BatteryScale(120, 1200);
  std::unique_ptr<EnrollLoad> load = StartLoad(writes, "nodekill");
  ASSERT_NE(load, nullptr);
  ASSERT_TRUE(load->AwaitAcknowledged(writes / 3, absl::Seconds(120))) << Codes(load->codes());
  // Node 2 is the first node of enrollment's first replica (and of exchange's second).
  cluster().node(2).Kill();
  const int at_kill = load->acknowledged();
  ASSERT_TRUE(load->AwaitAcknowledged(2 * writes / 3, absl::Seconds(120)))
      << "the writes stopped with a node down: " << load->acknowledged() << Codes(load->codes())
      << load->Failures();
  const int while_down = load->acknowledged() - at_kill;
  const absl::Status rejoined = cluster().Rejoin(2);
  ASSERT_TRUE(rejoined.ok()) << rejoined;
  // It came back with what it had, and received only what it missed.
  const GaleraCluster::Transfer transfer = cluster().LastTransfer(2);
  EXPECT_EQ(transfer, GaleraCluster::Transfer::kIncremental) << cluster().node(2).LogSinceStart();
  ASSERT_TRUE(load->AwaitAll(absl::Seconds(180))) << load->acknowledged() << Codes(load->codes());
  load->Stop();
  ExpectAcknowledgedWritesStored(*network_, *load, kSection);
  ExpectFeedCaughtUp(*network_, load->run(), kSection);
  ExpectFeedsDense(*network_, kSection);
  ExpectNodesConverged(kSection);
  RecordFigure(kSection, "acknowledged when the node was killed", int64_t{at_kill});
  RecordFigure(kSection, "acknowledged while it was down", int64_t{while_down});
  RecordFigure(kSection, "how the node caught up", CaughtUpBy(transfer));
}

TEST_F(GaleraTest, APausedNodeLeavesTheClusterAndTheWritesGoOnWithoutIt) {
  constexpr char kSection[] = "Galera: SIGSTOP of a node under write load";
  const int writes = BatteryScale(120, 1200);
  std::unique_ptr<EnrollLoad> load = StartLoad(writes, "nodestop");
  ASSERT_NE(load, nullptr);
  ASSERT_TRUE(load->AwaitAcknowledged(writes / 3, absl::Seconds(120))) << Codes(load->codes());
  // Node 1 is the first node of course's second replica and of exchange's first.
  cluster().node(1).Pause();
  const absl::Time paused = absl::Now();
  const int at_pause = load->acknowledged();
  ASSERT_TRUE(load->AwaitAcknowledged(2 * writes / 3, absl::Seconds(120)))
      << "the writes stopped with a node hung: " << load->acknowledged() << Codes(load->codes())
      << load->Failures();
  const absl::Duration resumed_after = absl::Now() - paused;
  // The other two went on as the primary component without it.
  auto state = cluster().State(0);
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(*state, "Synced 2 Primary");
  const size_t logged_before = cluster().node(1).Log().size();
  cluster().node(1).Resume();
  const absl::Status synced = cluster().AwaitSynced();
  ASSERT_TRUE(synced.ok()) << synced;
  // Back in the primary component, it received what it missed; never a copy of a donor's data.
  const std::string since_resumed = cluster().node(1).Log().substr(logged_before);
  const GaleraCluster::Transfer transfer = GaleraCluster::TransferIn(since_resumed);
  EXPECT_NE(transfer, GaleraCluster::Transfer::kFull) << since_resumed;
  ASSERT_TRUE(load->AwaitAll(absl::Seconds(180))) << load->acknowledged() << Codes(load->codes());
  load->Stop();
  ExpectAcknowledgedWritesStored(*network_, *load, kSection);
  ExpectFeedCaughtUp(*network_, load->run(), kSection);
  ExpectFeedsDense(*network_, kSection);
  ExpectNodesConverged(kSection);
  RecordFigure(kSection, "acknowledged when the node was paused", int64_t{at_pause});
  RecordFigure(kSection, "seconds until a third of the writes more were acknowledged without it",
               absl::ToDoubleSeconds(resumed_after));
  RecordFigure(kSection, "how the node caught up when resumed", CaughtUpBy(transfer));
}

TEST_F(GaleraTest, KillingAServiceReplicaMovesItsCallersToTheOther) {
  constexpr char kSection[] = "Galera: kill -9 of a service replica under write load";
  const int writes = BatteryScale(120, 1200);
  std::unique_ptr<EnrollLoad> load = StartLoad(writes, "replicakill");
  ASSERT_NE(load, nullptr);
  ASSERT_TRUE(load->AwaitAcknowledged(writes / 3, absl::Seconds(120))) << Codes(load->codes());
  // One replica of enrollment (the load's service) and one of course (whose change feed the
  // enrollment replicas follow) die; neither is started again until the load is done.
  suite().Kill(kEnrollment, 0);
  suite().Kill(kCourse, 0);
  const int at_kill = load->acknowledged();
  ASSERT_TRUE(load->AwaitAll(absl::Seconds(180)))
      << "the load did not finish on the remaining replicas: " << load->acknowledged()
      << Codes(load->codes()) << load->Failures();
  load->Stop();
  // A change made now reaches the enrollment replicas through the course replica left.
  course_pb::UpdateCourseRunRequest update;
  update.mutable_course_run()->set_name(load->run());
  update.mutable_course_run()->set_capacity(writes + 7);
  update.mutable_update_mask()->add_paths("capacity");
  update.set_request_id("replicakill-update");
  course_pb::CourseRun updated;
  grpc::Status status =
      network_->course().UpdateCourseRun(network_->Context().get(), update, &updated);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ExpectAcknowledgedWritesStored(*network_, *load, kSection);
  ExpectFeedCaughtUp(*network_, load->run(), kSection);
  ExpectFeedsDense(*network_, kSection);
  ASSERT_TRUE(suite().Restart(kEnrollment, 0).ok()) << suite().Logs();
  ASSERT_TRUE(suite().Restart(kCourse, 0).ok()) << suite().Logs();
  RecordFigure(kSection, "acknowledged when the replicas were killed", int64_t{at_kill});
  RecordFigure(kSection, "calls answered UNAVAILABLE, then retried to success",
               int64_t{load->codes()[grpc::StatusCode::UNAVAILABLE]});
}

TEST_F(GaleraTest, ARollingRestartOfEveryReplicaAndNodeLosesNoWrite) {
  constexpr char kSection[] = "Galera: rolling restart of every replica and node under load";
  const int writes = BatteryScale(240, 2400);
  std::unique_ptr<EnrollLoad> load = StartLoad(writes, "rolling");
  ASSERT_NE(load, nullptr);
  ASSERT_TRUE(load->AwaitAcknowledged(writes / 8, absl::Seconds(120))) << Codes(load->codes());
  int restarts = 0;
  int incremental = 0;
  for (int service = 0; service < 3; ++service) {
    for (int replica = 0; replica < kReplicas; ++replica) {
      // SIGTERM: the replica drains, says NOT_SERVING, and its callers move to the other.
      ASSERT_TRUE(suite().Restart(service, replica).ok()) << suite().Logs();
      ++restarts;
    }
  }
  // Node 0 last: the test's own checks read through it.
  for (int node = cluster().size() - 1; node >= 0; --node) {
    cluster().node(node).Stop();
    const absl::Status rejoined = cluster().Rejoin(node);
    ASSERT_TRUE(rejoined.ok()) << "node " << node << ": " << rejoined;
    // Writes it missed while down arrive incrementally; never a copy of a donor's whole data.
    const GaleraCluster::Transfer transfer = cluster().LastTransfer(node);
    EXPECT_NE(transfer, GaleraCluster::Transfer::kFull) << cluster().node(node).LogSinceStart();
    if (transfer == GaleraCluster::Transfer::kIncremental) ++incremental;
    ++restarts;
  }
  for (TestDatabase* db :
       {&suite().course_db(), &suite().enrollment_db(), &suite().exchange_db()}) {
    ASSERT_TRUE(db->Reconnect().ok());
  }
  ASSERT_TRUE(load->AwaitAll(absl::Seconds(240)))
      << load->acknowledged() << Codes(load->codes()) << load->Failures();
  load->Stop();
  // Every failed attempt was retried with its request id until it succeeded; none was refused by
  // a rule. CANCELLED is a replica's shutdown refusing a call that reached it as its server
  // stopped (seen once in a CI run: one call of 240): an outcome the caller cannot know, retried
  // like UNAVAILABLE, and ExpectAcknowledgedWritesStored below checks what the retries stored.
  for (const auto& [code, count] : load->codes()) {
    EXPECT_TRUE(code == grpc::StatusCode::OK || code == grpc::StatusCode::UNAVAILABLE ||
                code == grpc::StatusCode::DEADLINE_EXCEEDED || code == grpc::StatusCode::ABORTED ||
                code == grpc::StatusCode::CANCELLED)
        << count << " calls answered " << code << load->Failures();
  }
  ExpectAcknowledgedWritesStored(*network_, *load, kSection);
  ExpectFeedCaughtUp(*network_, load->run(), kSection);
  ExpectFeedsDense(*network_, kSection);
  ExpectNodesConverged(kSection);
  int64_t failed = 0;
  for (const auto& [code, count] : load->codes()) {
    if (code != grpc::StatusCode::OK) failed += count;
  }
  RecordFigure(kSection, "replicas and nodes restarted one at a time", int64_t{restarts});
  RecordFigure(kSection, "nodes that caught up by incremental transfer (the others missed nothing)",
               int64_t{incremental});
  RecordFigure(kSection, "failed attempts, each retried to success", failed);
}

}  // namespace
}  // namespace luban::testing
