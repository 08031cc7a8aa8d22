// Faults under load (the battery), against the services as processes and a real MariaDB:
//  - a response lost after the server committed: the retry with the same request_id returns
//    the first result and writes nothing;
//  - kill -9 of a service, and of MariaDB, in the middle of a write load: every acknowledged
//    write is there after the restart, nothing is half-written, the change feed catches up;
//  - MariaDB hung (SIGSTOP): calls fail fast as UNAVAILABLE, health goes NOT_SERVING, and the
//    services recover by themselves on SIGCONT, with no transaction continued elsewhere;
//  - a peer hung or down: callers fail within their deadline, write nothing, and recover;
//  - a short deadline: nothing commits after it has passed;
//  - SIGTERM under load: NOT_SERVING, the calls in flight finish, a clean exit.
// The database faults run on a PrivateMariaDb, so that the rest of the tests keep theirs.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/db/pool.h"
#include "cppconn/connection.h"
#include "cppconn/exception.h"
#include "cppconn/resultset.h"
#include "cppconn/statement.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/battery/battery_network.h"
#include "tests/battery/battery_report.h"
#include "tests/battery/write_load.h"
#include "tests/support/tcp_proxy.h"

namespace luban::testing {
namespace {

using ::grpc::health::v1::HealthCheckResponse;

constexpr int kCourse = 0;
constexpr int kEnrollment = 1;
constexpr int kExchange = 2;

class FaultsTest : public ::testing::Test {
 protected:
  void Start(BatteryNetwork::Options options) {
    LUBAN_REQUIRE_TEST_DATABASE();
    dir_ = MakeTempDir("luban-faults");
    ASSERT_FALSE(dir_.empty()) << std::strerror(errno);
    auto network = BatteryNetwork::Start(dir_, std::move(options));
    ASSERT_TRUE(network.ok()) << network.status();
    network_ = *std::move(network);
  }
  void TearDown() override {
    network_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  LocalSuite& suite() { return network_->suite(); }

  std::string dir_;
  std::unique_ptr<BatteryNetwork> network_;
};

// --- a lost response --------------------------------------------------------------------------

// Calls `method` through a proxy that throws the response away once the server has it, then
// retries twice with the same request_id on a new connection: one row more in `table` than
// before, the retries answer the same bytes, and neither writes anything.
template <typename Stub, typename Request, typename Response>
void ExpectLostResponseReplayed(LocalSuite& suite, const std::string& addr, TestDatabase& db,
                                const std::string& table,
                                grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                             Response*),
                                const Request& request, const BatteryNetwork& network) {
  const int port = std::stoi(addr.substr(addr.rfind(':') + 1));
  auto proxy = TcpProxy::Start("127.0.0.1", port);
  ASSERT_TRUE(proxy.ok()) << proxy.status();
  auto channel = suite.Channel(absl::StrCat("127.0.0.1:", (*proxy)->port()));
  ASSERT_TRUE(channel.ok());
  // Connected first, so that only the call's response is lost (not the HTTP/2 set-up).
  ASSERT_TRUE((*channel)->WaitForConnected(absl::ToChronoTime(absl::Now() + absl::Seconds(10))));
  Stub stub(*channel);
  auto count = [&] { return db.QueryInt(absl::StrCat("SELECT COUNT(*) FROM ", table)); };
  const auto before = count();
  ASSERT_TRUE(before.ok()) << before.status();

  (*proxy)->DropReplies(true);
  Response lost;
  grpc::Status first = (stub.*method)(network.Context(absl::Seconds(2)).get(), request, &lost);
  EXPECT_EQ(first.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << first.error_message();
  // The server did the work (it may finish after the client gave up).
  for (const absl::Time give_up = absl::Now() + absl::Seconds(30);;) {
    auto now = count();
    ASSERT_TRUE(now.ok()) << now.status();
    if (*now == *before + 1) break;
    ASSERT_LT(absl::Now(), give_up)
        << table << ": the call whose response was lost wrote " << *now - *before << " rows";
    absl::SleepFor(absl::Milliseconds(50));  // a poll interval, not a synchronisation
  }
  ASSERT_TRUE(db.AwaitNoActiveTransactions().ok());
  (*proxy)->DropReplies(false);
  EXPECT_GT((*proxy)->dropped_reply_bytes(), 0);
  const auto written = db.TableChecksum(table);
  const auto ledger = db.TableChecksum("idempotency_keys");
  ASSERT_TRUE(written.ok() && ledger.ok());

  // The connection drops; the client reconnects and retries with the same request_id, twice.
  (*proxy)->Block();
  (*proxy)->Unblock();
  Response retried;
  grpc::Status retry;
  for (int attempt = 0; attempt < 100; ++attempt) {
    retry = (stub.*method)(network.Context().get(), request, &retried);
    if (retry.error_code() != grpc::StatusCode::UNAVAILABLE) break;
    absl::SleepFor(absl::Milliseconds(20));  // client backoff: the old connection was reset
  }
  ASSERT_TRUE(retry.ok()) << retry.error_message();
  Response again;
  ASSERT_TRUE((stub.*method)(network.Context().get(), request, &again).ok());
  EXPECT_EQ(retried.SerializeAsString(), again.SerializeAsString());
  EXPECT_EQ(count().value_or(-1), *before + 1);
  EXPECT_EQ(db.TableChecksum(table).value_or("?"), *written);
  EXPECT_EQ(db.TableChecksum("idempotency_keys").value_or("?"), *ledger);
  EXPECT_GE((*proxy)->forwarded_connections(), 2);
  const bool unchanged = db.TableChecksum(table).value_or("") == *written;
  RecordFigure("Idempotency under a lost response",
               absl::StrCat(Request::descriptor()->name(), ": retries answered from the ledger"),
               int64_t{retry.ok() ? 2 : 0});
  RecordFigure("Idempotency under a lost response",
               absl::StrCat(Request::descriptor()->name(), ": rows written by the retries"),
               int64_t{unchanged ? 0 : 1});
}

TEST_F(FaultsTest, ARetryAfterALostResponseReturnsTheFirstResultAndWritesNothing) {
  Start({});
  if (HasFatalFailure()) return;
  auto run = network_->CreateRun(50, "lost");
  ASSERT_TRUE(run.ok()) << run.status();
  auto trainees = network_->CreateTrainees(1, "lost");
  ASSERT_TRUE(trainees.ok()) << trainees.status();
  auto programme = network_->CreateProgramme(3, "lost");
  ASSERT_TRUE(programme.ok()) << programme.status();

  // One mutation of each service.
  enrollment_pb::EnrollRequest enroll;
  enroll.set_trainee((*trainees)[0]);
  enroll.set_course_run(run->name());
  enroll.set_request_id("lost-enroll");
  ExpectLostResponseReplayed(suite(), suite().enrollment_addr(), suite().enrollment_db(),
                             "enrollments", &enrollment_pb::EnrollmentService::Stub::Enroll, enroll,
                             *network_);
  if (HasFatalFailure()) return;
  course_pb::CreateCourseRunRequest create_run;
  *create_run.mutable_course_run() = *run;
  create_run.mutable_course_run()->clear_name();
  create_run.mutable_course_run()->clear_etag();
  create_run.mutable_course_run()->clear_status();
  create_run.mutable_course_run()->clear_create_time();
  create_run.mutable_course_run()->clear_update_time();
  create_run.mutable_course_run()->clear_country_code();
  create_run.set_request_id("lost-create-run");
  ExpectLostResponseReplayed(suite(), suite().course_addr(), suite().course_db(), "course_runs",
                             &course_pb::CourseService::Stub::CreateCourseRun, create_run,
                             *network_);
  if (HasFatalFailure()) return;
  exchange_pb::NominateRequest nominate;
  nominate.set_programme(programme->name());
  nominate.mutable_teacher()->set_full_name("Каримов Рустам");
  nominate.mutable_teacher()->set_full_name_latin("Karimov Rustam");
  nominate.set_request_id("lost-nominate");
  ExpectLostResponseReplayed(suite(), suite().exchange_addr(), suite().exchange_db(), "mobilities",
                             &exchange_pb::ExchangeService::Stub::Nominate, nominate, *network_);
  RecordFigure("Idempotency under a lost response", "responses lost after the commit", int64_t{3});
}

// --- crashes ----------------------------------------------------------------------------------

TEST_F(FaultsTest, KillingTheServicesMidWriteLosesNoAcknowledgedWrite) {
  Start({});
  if (HasFatalFailure()) return;
  constexpr char kSection[] = "kill -9 of a service under write load";
  const int writes = BatteryScale(120, 1200);
  auto prepared = EnrollLoad::Prepare(*network_, writes, "crash");
  ASSERT_TRUE(prepared.ok()) << prepared.status();
  EnrollLoad& load = **prepared;
  load.Start(8);
  ASSERT_TRUE(load.AwaitAcknowledged(writes / 3, absl::Seconds(120)));
  suite().Kill(kEnrollment);
  const int at_kill = load.acknowledged();
  ASSERT_TRUE(suite().Restart(kEnrollment).ok()) << suite().Logs();
  ASSERT_TRUE(load.AwaitAll(absl::Seconds(180))) << load.acknowledged() << Codes(load.codes());
  load.Stop();
  EXPECT_GT(load.codes()[grpc::StatusCode::UNAVAILABLE], 0)
      << "the load never met the killed service:" << Codes(load.codes());
  ExpectAcknowledgedWritesStored(*network_, load, kSection);
  RecordFigure(kSection, "acknowledged when the enrollment service was killed", int64_t{at_kill});
  RecordFigure(kSection, "kill -9 injected", int64_t{1});

  // The course service killed while its runs change: its feed resumes and the enrollment
  // service's mirror catches up, every event applied once.
  const int updates = BatteryScale(30, 200);
  absl::Mutex mu;
  int acknowledged_updates = 0;  // guarded by mu
  int last_capacity = 0;
  std::jthread updater([&] {
    for (int i = 0; i < updates; ++i) {
      course_pb::UpdateCourseRunRequest update;
      update.mutable_course_run()->set_name(load.run());
      update.mutable_course_run()->set_capacity(writes + 1 + i);
      update.mutable_update_mask()->add_paths("capacity");
      update.set_request_id(absl::StrCat("crash-update-", i));
      grpc::Status status;
      for (int attempt = 0; attempt < 600; ++attempt) {
        course_pb::CourseRun updated;
        status = network_->course().UpdateCourseRun(network_->Context(absl::Seconds(5)).get(),
                                                    update, &updated);
        if (status.error_code() != grpc::StatusCode::UNAVAILABLE) break;
        absl::SleepFor(absl::Milliseconds(50));  // client backoff while the service restarts
      }
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) return;
      absl::MutexLock lock(&mu);
      ++acknowledged_updates;
      last_capacity = writes + 1 + i;
    }
  });
  {
    absl::MutexLock lock(&mu);
    auto half = [&]()
                    ABSL_SHARED_LOCKS_REQUIRED(mu) { return acknowledged_updates >= updates / 2; };
    EXPECT_TRUE(mu.AwaitWithTimeout(absl::Condition(&half), absl::Seconds(120)));
  }
  suite().Kill(kCourse);
  ASSERT_TRUE(suite().Restart(kCourse).ok()) << suite().Logs();
  updater.join();
  ASSERT_EQ(acknowledged_updates, updates);
  ExpectFeedCaughtUp(*network_, load.run(), kSection);
  auto mirrored = suite().enrollment_db().QueryInt(
      absl::StrCat("SELECT capacity FROM run_seats WHERE run_id = ",
                   load.run().substr(load.run().find('/') + 1)));
  ASSERT_TRUE(mirrored.ok()) << mirrored.status();
  EXPECT_EQ(*mirrored, last_capacity);
  RecordFigure(kSection, "run updates acknowledged around a kill -9 of the course service",
               int64_t{acknowledged_updates});
}

TEST_F(FaultsTest, KillingMariaDbMidWriteLosesNoAcknowledgedWrite) {
  BatteryNetwork::Options options;
  options.private_database = true;
  Start(options);
  if (HasFatalFailure()) return;
  constexpr char kSection[] = "kill -9 of MariaDB under write load";
  const int writes = BatteryScale(120, 1200);
  auto prepared = EnrollLoad::Prepare(*network_, writes, "dbcrash");
  ASSERT_TRUE(prepared.ok()) << prepared.status();
  EnrollLoad& load = **prepared;
  const pid_t enrollment_pid = suite().process(kEnrollment).pid();

  load.Start(8);
  // Several kills in one load. A plain kill lands on whatever the eight writers are doing at
  // that instant. Every second kill first hangs the server until health says NOT_SERVING, so
  // each writer has a statement on the wire that is never processed, a COMMIT among them more
  // often than not: the moment where a connector that ignores a failed COMMIT loses a write.
  const int kills = BatteryScale(4, 8);
  std::vector<int64_t> at_kill;
  absl::Duration noticed_slowest;
  for (int k = 1; k <= kills; ++k) {
    ASSERT_TRUE(load.AwaitAcknowledged(writes * k / (kills + 1), absl::Seconds(120)))
        << load.acknowledged() << Codes(load.codes());
    const bool hang_first = k % 2 == 0;
    if (hang_first) {
      network_->database()->Pause();
      auto hung = AwaitHealth(suite(), suite().enrollment_addr(), HealthCheckResponse::NOT_SERVING,
                              absl::Seconds(30));
      ASSERT_TRUE(hung.ok()) << hung.status();
    }
    network_->database()->Kill();
    const absl::Time killed = absl::Now();
    at_kill.push_back(load.acknowledged());
    auto down = AwaitHealth(suite(), suite().enrollment_addr(), HealthCheckResponse::NOT_SERVING,
                            absl::Seconds(30));
    ASSERT_TRUE(down.ok()) << down.status();
    if (!hang_first) noticed_slowest = std::max(noticed_slowest, absl::Now() - killed);
    ASSERT_TRUE(network_->database()->Restart().ok()) << network_->database()->Log();
    for (const std::string& addr :
         {suite().course_addr(), suite().enrollment_addr(), suite().exchange_addr()}) {
      auto up = AwaitHealth(suite(), addr, HealthCheckResponse::SERVING, absl::Seconds(60));
      ASSERT_TRUE(up.ok()) << up.status();
    }
  }
  ASSERT_TRUE(load.AwaitAll(absl::Seconds(180))) << load.acknowledged() << Codes(load.codes());
  load.Stop();
  // The services recovered by themselves: the same processes.
  EXPECT_EQ(suite().process(kEnrollment).pid(), enrollment_pid);
  EXPECT_TRUE(suite().process(kEnrollment).running());
  for (TestDatabase* db :
       {&suite().course_db(), &suite().enrollment_db(), &suite().exchange_db()}) {
    ASSERT_TRUE(db->Reconnect().ok());
  }
  ExpectAcknowledgedWritesStored(*network_, load, kSection);
  ExpectFeedCaughtUp(*network_, load.run(), kSection);
  RecordFigure(kSection, "acknowledged when MariaDB was killed", absl::StrJoin(at_kill, ", "));
  RecordFigure(kSection, "kill -9 injected (every second one into a hung server)", int64_t{kills});
  RecordFigure(kSection, "seconds from a kill until enrollment's health said NOT_SERVING (slowest)",
               absl::ToDoubleSeconds(noticed_slowest));
  RecordFigure(kSection, "services restarted by hand", int64_t{0});
}

// The database connection lost with the COMMIT on its way: the server never saw it and rolled
// the transaction back. The service must not acknowledge it (Connector/C++ 1.1's own commit()
// ignores the failure, and did); the client's retry with the same request_id stores it once.
TEST_F(FaultsTest, ACommitLostWithItsConnectionIsNeverAcknowledged) {
  BatteryNetwork::Options options;
  options.database_proxy = true;
  Start(options);
  if (HasFatalFailure()) return;
  constexpr char kSection[] = "database connection cut with the COMMIT on the wire";
  const int writes = BatteryScale(60, 400);
  auto prepared = EnrollLoad::Prepare(*network_, writes, "cutcommit");
  ASSERT_TRUE(prepared.ok()) << prepared.status();
  EnrollLoad& load = **prepared;

  load.Start(4);
  ASSERT_TRUE(load.AwaitAcknowledged(writes / 4, absl::Seconds(120)));
  // The COMMIT (a COM_QUERY) of a write: its last statement saved the response, which names
  // the new enrollment. (Read-only transactions commit too; cutting those loses nothing.)
  const int cuts = BatteryScale(10, 40);
  network_->database_proxy()->CutRequests(
      "\x03"
      "COMMIT",
      cuts, "enrollments/");
  ASSERT_TRUE(load.AwaitAll(absl::Seconds(180))) << load.acknowledged() << Codes(load.codes());
  load.Stop();
  EXPECT_EQ(network_->database_proxy()->cut_requests(), cuts);
  EXPECT_GT(load.codes()[grpc::StatusCode::UNAVAILABLE], 0)
      << "no Enroll met a cut COMMIT:" << Codes(load.codes());
  ExpectAcknowledgedWritesStored(*network_, load, kSection);
  RecordFigure(kSection, "COMMITs cut with their connection",
               network_->database_proxy()->cut_requests());
  RecordFigure(kSection, "Enroll calls answered UNAVAILABLE (then retried)",
               int64_t{load.codes()[grpc::StatusCode::UNAVAILABLE]});
}

// --- a hung database --------------------------------------------------------------------------

TEST_F(FaultsTest, AHungDatabaseFailsCallsFastAndTheServicesRecoverByThemselves) {
  BatteryNetwork::Options options;
  options.private_database = true;
  Start(options);
  if (HasFatalFailure()) return;
  constexpr char kSection[] = "MariaDB hung (SIGSTOP) and resumed (SIGCONT)";
  auto run = network_->CreateRun(10, "hang");
  ASSERT_TRUE(run.ok()) << run.status();
  auto trainees = network_->CreateTrainees(2, "hang");
  ASSERT_TRUE(trainees.ok()) << trainees.status();
  const pid_t pids[] = {suite().process(kCourse).pid(), suite().process(kEnrollment).pid(),
                        suite().process(kExchange).pid()};

  network_->database()->Pause();
  const absl::Time paused = absl::Now();
  // Health is watched from the SIGSTOP on, while the write below is caught in the hang.
  std::vector<absl::StatusOr<absl::Duration>> noticed;
  std::jthread health_watch([&] {
    for (const std::string& addr :
         {suite().course_addr(), suite().enrollment_addr(), suite().exchange_addr()}) {
      auto down = AwaitHealth(suite(), addr, HealthCheckResponse::NOT_SERVING, absl::Seconds(15));
      noticed.push_back(down.ok() ? absl::StatusOr<absl::Duration>(absl::Now() - paused)
                                  : down.status());
    }
  });
  // A write caught by the hang: it fails within its deadline and must not commit later.
  enrollment_pb::EnrollRequest caught;
  caught.set_trainee((*trainees)[0]);
  caught.set_course_run(run->name());
  caught.set_request_id("hang-caught");
  const absl::Duration deadline = absl::Seconds(3);
  absl::Time start = absl::Now();
  enrollment_pb::Enrollment ignored;
  grpc::Status in_flight =
      network_->enrollment().Enroll(network_->Context(deadline).get(), caught, &ignored);
  const absl::Duration in_flight_took = absl::Now() - start;
  EXPECT_FALSE(in_flight.ok());
  EXPECT_TRUE(in_flight.error_code() == grpc::StatusCode::UNAVAILABLE ||
              in_flight.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)
      << in_flight.error_code() << " " << in_flight.error_message();
  EXPECT_LE(in_flight_took, deadline + absl::Milliseconds(500));

  health_watch.join();
  for (const auto& down : noticed) ASSERT_TRUE(down.ok()) << down.status();
  // Now every call fails fast, well within its deadline, as UNAVAILABLE.
  const int calls = BatteryScale(30, 300);
  absl::Duration slowest;
  int unavailable = 0;
  for (int i = 0; i < calls; ++i) {
    enrollment_pb::GetTraineeRequest get;
    get.set_name((*trainees)[1]);
    enrollment_pb::Trainee trainee;
    start = absl::Now();
    grpc::Status status =
        network_->enrollment().GetTrainee(network_->Context(deadline).get(), get, &trainee);
    slowest = std::max(slowest, absl::Now() - start);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
    unavailable += status.error_code() == grpc::StatusCode::UNAVAILABLE;
  }
  EXPECT_LT(slowest, absl::Seconds(1))
      << "a call in the outage waited " << absl::FormatDuration(slowest);

  network_->database()->Resume();
  std::vector<absl::Duration> recovered;
  for (const std::string& addr :
       {suite().course_addr(), suite().enrollment_addr(), suite().exchange_addr()}) {
    auto up = AwaitHealth(suite(), addr, HealthCheckResponse::SERVING, absl::Seconds(30));
    ASSERT_TRUE(up.ok()) << up.status();
    recovered.push_back(*up);
  }
  // The caught write never committed, not even once the database answered again.
  ASSERT_TRUE(suite().enrollment_db().AwaitNoActiveTransactions().ok());
  auto stored = network_->EnrollmentsOf(run->name());
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_TRUE(stored->empty()) << "the write caught by the hang committed after its deadline";
  // Same processes, working again.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(suite().process(i).pid(), pids[i]);
  enrollment_pb::EnrollRequest after = caught;
  after.set_request_id("hang-after");
  enrollment_pb::Enrollment enrolled;
  grpc::Status works = network_->enrollment().Enroll(network_->Context().get(), after, &enrolled);
  EXPECT_TRUE(works.ok()) << works.error_message();

  RecordFigure(kSection, "SIGSTOP injected", int64_t{1});
  RecordFigure(kSection, "calls made during the hang", int64_t{calls + 1});
  RecordFigure(kSection, "of which UNAVAILABLE at once", int64_t{unavailable});
  RecordFigure(kSection, "slowest of those calls, ms", absl::ToDoubleMilliseconds(slowest));
  RecordFigure(kSection, "the write in flight at the hang: answered after, ms (deadline 3000)",
               absl::ToDoubleMilliseconds(in_flight_took));
  RecordFigure(kSection, "writes committed after their deadline",
               static_cast<int64_t>(stored->size()));
  double slowest_notice = 0;
  for (const auto& d : noticed) {
    slowest_notice = std::max(slowest_notice, absl::ToDoubleSeconds(*d));
  }
  double slowest_recovery = 0;
  for (absl::Duration d : recovered) {
    slowest_recovery = std::max(slowest_recovery, absl::ToDoubleSeconds(d));
  }
  RecordFigure(kSection, "seconds from SIGSTOP until all three said NOT_SERVING", slowest_notice);
  RecordFigure(kSection, "seconds from SIGCONT until all three said SERVING", slowest_recovery);
  RecordFigure(kSection, "services restarted by hand", int64_t{0});
}

// --- a peer hung or down ----------------------------------------------------------------------

TEST_F(FaultsTest, APeerHungOrDownFailsCallsWithinTheDeadlineAndWritesNothing) {
  Start({});
  if (HasFatalFailure()) return;
  constexpr char kSection[] = "A peer service hung or down";
  auto programme = network_->CreateStudyVisit(5, "peer");
  ASSERT_TRUE(programme.ok()) << programme.status();
  auto trainees = network_->CreateTrainees(1, "peer");
  ASSERT_TRUE(trainees.ok()) << trainees.status();
  exchange_pb::NominateRequest nominate;
  nominate.set_programme(programme->name());
  nominate.set_trainee((*trainees)[0]);
  nominate.set_request_id("peer-nominate");
  auto checksum = [&] { return suite().exchange_db().TableChecksum("mobilities"); };
  auto ledger = [&] { return suite().exchange_db().TableChecksum("idempotency_keys"); };
  const auto mobilities_before = checksum();
  const auto ledger_before = ledger();
  ASSERT_TRUE(mobilities_before.ok() && ledger_before.ok());
  const absl::Duration deadline = absl::Seconds(2);

  // Hung: the enrollment service stopped (SIGSTOP) answers nothing.
  suite().process(kEnrollment).Signal(SIGSTOP);
  absl::Time start = absl::Now();
  exchange_pb::Mobility mobility;
  grpc::Status hung =
      network_->exchange().Nominate(network_->Context(deadline).get(), nominate, &mobility);
  const absl::Duration hung_took = absl::Now() - start;
  suite().process(kEnrollment).Signal(SIGCONT);
  // (Seen once under a full battery run: OK. The services' logs say who answered.)
  EXPECT_TRUE(hung.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ||
              hung.error_code() == grpc::StatusCode::UNAVAILABLE)
      << hung.error_code() << " " << hung.error_message() << "\nenrollment at "
      << suite().enrollment_addr() << ", pid " << suite().process(kEnrollment).pid() << "\n"
      << suite().Logs();
  EXPECT_LE(hung_took, deadline + absl::Milliseconds(500));
  ASSERT_TRUE(suite().exchange_db().AwaitNoActiveTransactions().ok());
  EXPECT_EQ(checksum().value_or("?"), *mobilities_before);
  EXPECT_EQ(ledger().value_or("?"), *ledger_before);

  // Down: killed, nothing listens.
  suite().Kill(kEnrollment);
  start = absl::Now();
  grpc::Status down =
      network_->exchange().Nominate(network_->Context(deadline).get(), nominate, &mobility);
  const absl::Duration down_took = absl::Now() - start;
  EXPECT_TRUE(down.error_code() == grpc::StatusCode::UNAVAILABLE ||
              down.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)
      << down.error_code() << " " << down.error_message();
  EXPECT_LE(down_took, deadline + absl::Milliseconds(500));
  EXPECT_EQ(checksum().value_or("?"), *mobilities_before);
  EXPECT_EQ(ledger().value_or("?"), *ledger_before);

  const bool wrote_nothing =
      checksum().value_or("") == *mobilities_before && ledger().value_or("") == *ledger_before;

  // Back: the same request succeeds, once.
  ASSERT_TRUE(suite().Restart(kEnrollment).ok()) << suite().Logs();
  grpc::Status back;
  for (int attempt = 0; attempt < 100; ++attempt) {
    back = network_->exchange().Nominate(network_->Context().get(), nominate, &mobility);
    if (back.error_code() != grpc::StatusCode::UNAVAILABLE) break;
    absl::SleepFor(absl::Milliseconds(50));  // client backoff while the peer channel reconnects
  }
  EXPECT_TRUE(back.ok()) << back.error_message();
  EXPECT_EQ(mobility.state(), exchange_pb::MOBILITY_STATE_NOMINATED);

  RecordFigure(kSection, "peer hung (SIGSTOP): the caller answered after, ms (deadline 2000)",
               absl::ToDoubleMilliseconds(hung_took));
  RecordFigure(kSection, "peer down (kill -9): the caller answered after, ms (deadline 2000)",
               absl::ToDoubleMilliseconds(down_took));
  RecordFigure(kSection, "failed calls that wrote something", int64_t{wrote_nothing ? 0 : 1});
  RecordFigure(kSection, "faults injected", int64_t{2});
}

// --- deadlines --------------------------------------------------------------------------------

// Holds a row lock of a service's schema in a transaction of the test's own, until Release().
class RowLock {
 public:
  RowLock(TestDatabase& db, const std::string& lock_query)
      : pool_(db.Config()), lease_(pool_.Borrow()) {
    if (!lease_.ok()) return;
    try {
      std::unique_ptr<sql::Statement> statement((*lease_)->connection().createStatement());
      std::unique_ptr<sql::ResultSet> rows(statement->executeQuery(lock_query));
      held_ = true;
    } catch (const sql::SQLException& e) {
      error_ = e.what();
    }
  }
  ~RowLock() { Release(); }
  bool held() const { return held_; }
  const std::string& error() const { return error_; }
  void Release() {
    if (!held_) return;
    try {
      db::Rollback((*lease_)->connection());
    } catch (const sql::SQLException&) {
      lease_->Discard();  // the lock ends with the connection
    }
    held_ = false;
  }

 private:
  db::ConnectionPool pool_;
  absl::StatusOr<db::ConnectionPool::Lease> lease_;
  bool held_ = false;
  std::string error_;
};

TEST_F(FaultsTest, NothingCommitsAfterTheDeadlinePassed) {
  Start({});
  if (HasFatalFailure()) return;
  constexpr char kSection[] = "Deadlines";
  auto run = network_->CreateRun(10, "deadline");
  ASSERT_TRUE(run.ok()) << run.status();
  auto programme = network_->CreateStudyVisit(5, "deadline");
  ASSERT_TRUE(programme.ok()) << programme.status();
  auto trainees = network_->CreateTrainees(2, "deadline");
  ASSERT_TRUE(trainees.ok()) << trainees.status();
  const absl::Duration deadline = absl::Seconds(1);
  const std::string run_id = run->name().substr(run->name().find('/') + 1);

  // Service -> database: the run's seat row is locked; the Enroll waits past its deadline.
  {
    RowLock lock(suite().enrollment_db(),
                 absl::StrCat("SELECT * FROM run_seats WHERE run_id = ", run_id, " FOR UPDATE"));
    ASSERT_TRUE(lock.held()) << lock.error();
    enrollment_pb::EnrollRequest enroll;
    enroll.set_trainee((*trainees)[0]);
    enroll.set_course_run(run->name());
    enroll.set_request_id("deadline-enroll");
    grpc::Status status;
    std::jthread call([&] {
      enrollment_pb::Enrollment answer;
      status = network_->enrollment().Enroll(network_->Context(deadline).get(), enroll, &answer);
    });
    ASSERT_TRUE(suite().enrollment_db().AwaitLockWaits(1).ok());
    call.join();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << status.error_message();
    lock.Release();  // the server's transaction goes on now, after the deadline
    ASSERT_TRUE(suite().enrollment_db().AwaitNoActiveTransactions().ok());
    auto stored = network_->EnrollmentsOf(run->name());
    ASSERT_TRUE(stored.ok()) << stored.status();
    EXPECT_TRUE(stored->empty()) << "an Enroll committed after its deadline\n"
                                 << suite().Errors(kEnrollment);
    RecordFigure(kSection, "Enroll held past its deadline by a row lock, then released",
                 int64_t{1});
    RecordFigure(kSection, "of which committed after the deadline",
                 static_cast<int64_t>(stored->size()));
  }

  // Service -> peer -> database: the exchange service asks the enrollment service, then its
  // insert waits on a gap lock past the deadline.
  {
    auto max_id = suite().exchange_db().QueryInt("SELECT COALESCE(MAX(id), 0) FROM mobilities");
    ASSERT_TRUE(max_id.ok()) << max_id.status();
    RowLock lock(suite().exchange_db(),
                 absl::StrCat("SELECT * FROM mobilities WHERE id > ", *max_id, " FOR UPDATE"));
    ASSERT_TRUE(lock.held()) << lock.error();
    const auto before = suite().exchange_db().TableChecksum("mobilities");
    ASSERT_TRUE(before.ok());
    exchange_pb::NominateRequest nominate;
    nominate.set_programme(programme->name());
    nominate.set_trainee((*trainees)[1]);
    nominate.set_request_id("deadline-nominate");
    grpc::Status status;
    std::jthread call([&] {
      exchange_pb::Mobility answer;
      status = network_->exchange().Nominate(network_->Context(deadline).get(), nominate, &answer);
    });
    ASSERT_TRUE(suite().exchange_db().AwaitLockWaits(1).ok());
    call.join();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << status.error_message();
    lock.Release();
    ASSERT_TRUE(suite().exchange_db().AwaitNoActiveTransactions().ok());
    EXPECT_EQ(suite().exchange_db().TableChecksum("mobilities").value_or("?"), *before)
        << "a Nominate committed after its deadline";
    RecordFigure(kSection, "Nominate (with its peer call) held past its deadline, then released",
                 int64_t{1});
    RecordFigure(
        kSection, "of which committed after the deadline",
        int64_t{suite().exchange_db().TableChecksum("mobilities").value_or("") == *before ? 0 : 1});
  }
}

// --- graceful shutdown ------------------------------------------------------------------------

TEST_F(FaultsTest, SigtermUnderLoadDrainsTheCallsInFlightAndExitsCleanly) {
  Start({});
  if (HasFatalFailure()) return;
  constexpr char kSection[] = "SIGTERM under load";
  const int writes = BatteryScale(120, 1200);
  auto prepared = EnrollLoad::Prepare(*network_, writes, "term");
  ASSERT_TRUE(prepared.ok()) << prepared.status();
  EnrollLoad& load = **prepared;

  // Health watched from before the signal: it must say NOT_SERVING before the process goes.
  absl::StatusOr<absl::Duration> not_serving = absl::UnknownError("not watched");
  std::jthread watcher([&] {
    not_serving = AwaitHealth(suite(), suite().enrollment_addr(), HealthCheckResponse::NOT_SERVING,
                              absl::Seconds(60));
  });
  load.Start(8);
  ASSERT_TRUE(load.AwaitAcknowledged(writes / 3, absl::Seconds(120)));
  const absl::Time signalled = absl::Now();
  suite().process(kEnrollment).Signal(SIGTERM);
  const std::optional<int> exit_code = suite().process(kEnrollment).AwaitExit(absl::Seconds(30));
  const absl::Duration exit_took = absl::Now() - signalled;
  watcher.join();
  EXPECT_EQ(exit_code, 0) << suite().Errors(kEnrollment);
  EXPECT_TRUE(not_serving.ok()) << not_serving.status();
  const int in_flight_ok = load.OkAcross(signalled);

  ASSERT_TRUE(suite().Restart(kEnrollment).ok()) << suite().Logs();
  ASSERT_TRUE(load.AwaitAll(absl::Seconds(180))) << load.acknowledged() << Codes(load.codes());
  load.Stop();
  // Calls saw OK, or were refused: UNAVAILABLE (the server stopping, or nobody listening) or
  // CANCELLED (gRPC's transport dropping a stream that reached it as it closed; the client
  // retries with its request_id, and the rows below hold each write once). Never another code.
  std::map<grpc::StatusCode, int> codes = load.codes();
  int other = 0;
  for (const auto& [code, count] : codes) {
    if (code != grpc::StatusCode::OK && code != grpc::StatusCode::UNAVAILABLE &&
        code != grpc::StatusCode::CANCELLED) {
      other += count;
    }
  }
  EXPECT_EQ(other, 0) << Codes(codes) << load.Failures();
  EXPECT_GE(in_flight_ok, 1) << "no call was in flight at the signal";
  ExpectAcknowledgedWritesStored(*network_, load, kSection);
  RecordFigure(kSection, "SIGTERM sent", int64_t{1});
  RecordFigure(kSection, "calls in flight at the signal that finished OK", int64_t{in_flight_ok});
  RecordFigure(kSection, "calls refused while it stopped (UNAVAILABLE)",
               int64_t{codes[grpc::StatusCode::UNAVAILABLE]});
  RecordFigure(kSection, "calls refused by the closing transport (CANCELLED), then retried",
               int64_t{codes[grpc::StatusCode::CANCELLED]});
  RecordFigure(kSection, "calls answered with any other code", int64_t{other});
  RecordFigure(kSection, "exit code", int64_t{exit_code.value_or(-1)});
  RecordFigure(kSection, "seconds from SIGTERM to exit", absl::ToDoubleSeconds(exit_took));
}

}  // namespace
}  // namespace luban::testing
