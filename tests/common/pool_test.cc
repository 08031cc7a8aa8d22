// ConnectionPool against a real MariaDB.
#include "common/db/pool.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/db/transaction.h"
#include "cppconn/connection.h"
#include "cppconn/resultset.h"
#include "cppconn/statement.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/tcp_proxy.h"
#include "tests/support/test_database.h"

namespace luban::db {
namespace {

using ::testing::HasSubstr;

// A value of this connection's session, read without leaving a transaction open.
std::string SessionValue(PooledConnection& connection, const std::string& expression) {
  std::unique_ptr<sql::Statement> statement(connection.connection().createStatement());
  std::unique_ptr<sql::ResultSet> rows(statement->executeQuery("SELECT " + expression));
  rows->next();
  std::string value = rows->getString(1);
  Commit(connection.connection());
  return value;
}

int64_t ConnectionId(PooledConnection& connection) {
  return std::stoll(SessionValue(connection, "CONNECTION_ID()"));
}

// A TCP port on 127.0.0.1 that nothing listens on (picked by the kernel, then released).
int ClosedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

class PoolTest : public luban::testing::DatabaseTest {};

TEST_F(PoolTest, ReturnedConnectionIsReused) {
  ConnectionPool pool(Config(2));
  int64_t first_id = 0;
  {
    auto lease = pool.Borrow();
    ASSERT_TRUE(lease.ok()) << lease.status();
    first_id = ConnectionId(**lease);
    EXPECT_EQ(pool.GetStats().open, 1);
    EXPECT_EQ(pool.GetStats().idle, 0);
  }
  EXPECT_EQ(pool.GetStats().idle, 1);
  auto again = pool.Borrow();
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(ConnectionId(**again), first_id);
  EXPECT_EQ(pool.GetStats().open, 1);
}

TEST_F(PoolTest, ConnectionsHaveTheDocumentedSessionSettings) {
  ConnectionPool pool(Config(1));
  auto lease = pool.Borrow();
  ASSERT_TRUE(lease.ok()) << lease.status();
  EXPECT_EQ(SessionValue(**lease, "@@autocommit"), "0");
  EXPECT_EQ(SessionValue(**lease, "@@time_zone"), "+00:00");
  EXPECT_EQ(SessionValue(**lease, "@@character_set_connection"), "utf8mb4");
  EXPECT_EQ(SessionValue(**lease, "@@collation_connection"), "utf8mb4_bin");
  EXPECT_THAT(SessionValue(**lease, "@@sql_mode"), HasSubstr("STRICT_ALL_TABLES"));
  EXPECT_EQ(SessionValue(**lease, "DATABASE()"), db().schema());
  // Round trip of text in several scripts, byte-exact.
  EXPECT_EQ(SessionValue(**lease, "'Ҷумъа Қазақстан 天津'"), "Ҷумъа Қазақстан 天津");
}

TEST_F(PoolTest, TwoLeasesAreTwoConnections) {
  ConnectionPool pool(Config(2));
  auto a = pool.Borrow();
  auto b = pool.Borrow();
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_NE(ConnectionId(**a), ConnectionId(**b));
  EXPECT_EQ(pool.GetStats().open, 2);
}

TEST_F(PoolTest, PoolSizeBoundsConnections) {
  DbConfig config = Config(1);
  config.borrow_timeout = absl::Milliseconds(100);
  ConnectionPool pool(config);
  auto held = pool.Borrow();
  ASSERT_TRUE(held.ok()) << held.status();

  auto refused = pool.Borrow();
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(pool.GetStats().open, 1);
  EXPECT_EQ(pool.GetStats().waits, 1);

  // The call's deadline comes before the borrow timeout.
  DbConfig patient = Config(1);
  patient.borrow_timeout = absl::Seconds(60);
  ConnectionPool patient_pool(patient);
  auto only = patient_pool.Borrow();
  ASSERT_TRUE(only.ok()) << only.status();
  auto late = patient_pool.Borrow(absl::Now() + absl::Milliseconds(50));
  EXPECT_EQ(late.status().code(), absl::StatusCode::kDeadlineExceeded);
}

TEST_F(PoolTest, AWaitingBorrowGetsTheReturnedConnection) {
  DbConfig config = Config(1);
  config.borrow_timeout = absl::Seconds(60);
  ConnectionPool pool(config);
  auto held = pool.Borrow();
  ASSERT_TRUE(held.ok()) << held.status();
  const int64_t held_id = ConnectionId(**held);

  int64_t waiter_id = 0;
  absl::Status waiter_status;
  std::thread waiter([&] {
    auto lease = pool.Borrow();
    waiter_status = lease.status();
    if (lease.ok()) waiter_id = ConnectionId(**lease);
  });
  // Return the connection once the waiter is known to be waiting for it.
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (pool.GetStats().waits == 0 && absl::Now() < give_up) std::this_thread::yield();
  EXPECT_EQ(pool.GetStats().waits, 1);
  *held = ConnectionPool::Lease();  // returns the connection
  waiter.join();
  ASSERT_TRUE(waiter_status.ok()) << waiter_status;
  EXPECT_EQ(waiter_id, held_id);
  EXPECT_EQ(pool.GetStats().open, 1);
}

TEST_F(PoolTest, KilledConnectionIsDiscardedByValidation) {
  DbConfig config = Config(2);
  config.validate_after_idle = absl::ZeroDuration();  // validate on every borrow
  ConnectionPool pool(config);
  int64_t killed_id = 0;
  {
    auto lease = pool.Borrow();
    ASSERT_TRUE(lease.ok()) << lease.status();
    killed_id = ConnectionId(**lease);
  }
  ASSERT_TRUE(db().Execute(absl::StrCat("KILL CONNECTION ", killed_id)).ok());

  auto lease = pool.Borrow();
  ASSERT_TRUE(lease.ok()) << lease.status();
  EXPECT_NE(ConnectionId(**lease), killed_id);
  const ConnectionPool::Stats stats = pool.GetStats();
  EXPECT_EQ(stats.discarded, 1);
  EXPECT_EQ(stats.open, 1);
}

TEST_F(PoolTest, KilledConnectionFailsTheTransactionThenThePoolRecovers) {
  DbConfig config = Config(2);
  config.validate_after_idle = absl::Hours(1);  // no validation: the statement meets the kill
  ConnectionPool pool(config);
  int64_t killed_id = 0;
  {
    auto lease = pool.Borrow();
    ASSERT_TRUE(lease.ok()) << lease.status();
    killed_id = ConnectionId(**lease);
  }
  ASSERT_TRUE(db().Execute(absl::StrCat("KILL CONNECTION ", killed_id)).ok());

  int attempts = 0;
  const absl::Status failed =
      RunInTransaction(pool, {.context = "read after kill"}, [&](Session& session) {
        ++attempts;
        return Guarded(session, "read after kill", [&]() -> absl::Status {
          Session::Query(session.Prepare("SELECT 1"));
          return absl::OkStatus();
        });
      });
  EXPECT_EQ(failed.code(), absl::StatusCode::kUnavailable) << failed;
  EXPECT_THAT(std::string(failed.message()), HasSubstr("unreachable"));  // as a connection error
  EXPECT_EQ(attempts, 1);  // a lost connection is never retried on another one
  EXPECT_EQ(pool.GetStats().discarded, 1);
  EXPECT_EQ(pool.GetStats().open, 0);

  int64_t new_id = 0;
  const absl::Status recovered =
      RunInTransaction(pool, {.context = "read again"}, [&](Session& session) {
        return Guarded(session, "read again", [&]() -> absl::Status {
          auto rows = Session::Query(session.Prepare("SELECT CONNECTION_ID()"));
          rows->next();
          new_id = rows->getInt64(1);
          return absl::OkStatus();
        });
      });
  EXPECT_TRUE(recovered.ok()) << recovered;
  EXPECT_NE(new_id, killed_id);
}

TEST_F(PoolTest, PingDetectsAKilledConnection) {
  DbConfig config = Config(1);
  config.validate_after_idle = absl::Hours(1);
  ConnectionPool pool(config);
  ASSERT_TRUE(pool.Ping(absl::Seconds(5)).ok());
  int64_t id = 0;
  {
    auto lease = pool.Borrow();
    ASSERT_TRUE(lease.ok()) << lease.status();
    id = ConnectionId(**lease);
  }
  ASSERT_TRUE(db().Execute(absl::StrCat("KILL CONNECTION ", id)).ok());
  EXPECT_EQ(pool.Ping(absl::Seconds(5)).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(pool.GetStats().discarded, 1);
  EXPECT_TRUE(pool.Ping(absl::Seconds(5)).ok());
}

TEST_F(PoolTest, UnreachableDatabaseIsUnavailable) {
  DbConfig config = Config(2);
  config.hosts[0].port = ClosedPort();
  ConnectionPool pool(config);
  auto lease = pool.Borrow();
  EXPECT_EQ(lease.status().code(), absl::StatusCode::kUnavailable) << lease.status();
  EXPECT_EQ(pool.GetStats().open, 0);  // the failed open gave its slot back
  EXPECT_EQ(pool.Ping(absl::Seconds(5)).code(), absl::StatusCode::kUnavailable);
}

TEST_F(PoolTest, AFailedProbeMakesBorrowFailFastUntilAProbeSucceeds) {
  auto proxy = luban::testing::TcpProxy::Start("127.0.0.1", Config().hosts[0].port);
  ASSERT_TRUE(proxy.ok()) << proxy.status();
  DbConfig config = Config(2);
  config.hosts[0].port = (*proxy)->port();
  ConnectionPool pool(config);
  EXPECT_TRUE(pool.reachable());  // before any probe
  ASSERT_TRUE(pool.Probe(absl::Seconds(1)).ok());
  EXPECT_TRUE(pool.reachable());

  (*proxy)->Block();
  EXPECT_EQ(pool.Probe(absl::Seconds(1)).code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(pool.reachable());
  const absl::Time start = absl::Now();
  auto refused = pool.Borrow(absl::Now() + absl::Seconds(10));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable) << refused.status();
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(100));
  EXPECT_EQ(pool.GetStats().open, 0);  // no connection was even tried

  (*proxy)->Unblock();
  ASSERT_TRUE(pool.Probe(absl::Seconds(1)).ok());  // a new probe connection
  EXPECT_TRUE(pool.reachable());
  auto lease = pool.Borrow();
  ASSERT_TRUE(lease.ok()) << lease.status();
  EXPECT_GT(ConnectionId(**lease), 0);
}

TEST_F(PoolTest, DiscardedLeaseFreesItsSlot) {
  DbConfig config = Config(1);
  config.borrow_timeout = absl::Milliseconds(100);
  ConnectionPool pool(config);
  auto lease = pool.Borrow();
  ASSERT_TRUE(lease.ok()) << lease.status();
  const int64_t id = ConnectionId(**lease);
  lease->Discard();
  EXPECT_EQ(pool.GetStats().open, 0);
  EXPECT_EQ(pool.GetStats().discarded, 1);
  auto next = pool.Borrow();
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_NE(ConnectionId(**next), id);
}

TEST(ParseDbHostsTest, ReadsHostsWithAndWithoutPorts) {
  auto hosts = ParseDbHosts("db-0.luban:3307, db-1.luban ,10.0.0.7:3308", 3306);
  ASSERT_TRUE(hosts.ok()) << hosts.status();
  ASSERT_EQ(hosts->size(), 3u);
  EXPECT_EQ((*hosts)[0].host, "db-0.luban");
  EXPECT_EQ((*hosts)[0].port, 3307);
  EXPECT_EQ((*hosts)[1].host, "db-1.luban");
  EXPECT_EQ((*hosts)[1].port, 3306);
  EXPECT_EQ((*hosts)[2].host, "10.0.0.7");
  EXPECT_EQ((*hosts)[2].port, 3308);
}

TEST(ParseDbHostsTest, RefusesEntriesThatDoNotParseNamingThem) {
  for (const char* list : {"", "db-0,", ":3306", "db-0:port", "db-0:0", "db-0:65536"}) {
    auto hosts = ParseDbHosts(list, 3306);
    EXPECT_EQ(hosts.status().code(), absl::StatusCode::kInvalidArgument) << list;
  }
  EXPECT_THAT(std::string(ParseDbHosts("a:1,b:x", 3306).status().message()), HasSubstr("'b:x'"));
}

// Several hosts (a Galera cluster's nodes): the pool uses one at a time and moves on when it
// cannot be reached.
TEST_F(PoolTest, AnUnreachableFirstHostIsPassedOverForTheNext) {
  DbConfig config = Config(2);
  config.hosts.insert(config.hosts.begin(), DbHost{"127.0.0.1", ClosedPort()});
  ConnectionPool pool(config);
  auto lease = pool.Borrow();
  ASSERT_TRUE(lease.ok()) << lease.status();
  EXPECT_EQ((*lease)->host(), 1);
  EXPECT_EQ(pool.current_host(), 1);
  EXPECT_EQ(pool.GetStats().failovers, 1);
  EXPECT_GT(ConnectionId(**lease), 0);
}

TEST_F(PoolTest, WhenItsHostGoesThePoolMovesOnAndDropsTheIdleConnectionsToIt) {
  auto proxy = luban::testing::TcpProxy::Start("127.0.0.1", Config().hosts[0].port);
  ASSERT_TRUE(proxy.ok()) << proxy.status();
  DbConfig config = Config(3);
  config.hosts.insert(config.hosts.begin(), DbHost{"127.0.0.1", (*proxy)->port()});
  ConnectionPool pool(config);
  {
    auto a = pool.Borrow();
    auto b = pool.Borrow();
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ((*a)->host(), 0);
    EXPECT_EQ((*b)->host(), 0);
  }
  ASSERT_EQ(pool.GetStats().idle, 2);

  (*proxy)->Block();
  // The probe finds host 0 gone and the next answering: the service stays of use.
  EXPECT_TRUE(pool.Probe(absl::Seconds(1)).ok());
  EXPECT_TRUE(pool.reachable());
  EXPECT_EQ(pool.current_host(), 1);
  EXPECT_EQ(pool.GetStats().failovers, 1);
  // Calls get connections to host 1; the idle ones to host 0 are dropped, never lent.
  auto lease = pool.Borrow();
  ASSERT_TRUE(lease.ok()) << lease.status();
  EXPECT_EQ((*lease)->host(), 1);
  EXPECT_GT(ConnectionId(**lease), 0);
  EXPECT_EQ(pool.GetStats().discarded, 2);
  EXPECT_EQ(pool.GetStats().idle, 0);
}

TEST_F(PoolTest, ADiscardedConnectionTakesTheIdleOnesToItsHostWithIt) {
  DbConfig config = Config(3);
  ConnectionPool pool(config);
  auto a = pool.Borrow();
  ASSERT_TRUE(a.ok()) << a.status();
  {
    auto b = pool.Borrow();
    auto c = pool.Borrow();
    ASSERT_TRUE(b.ok() && c.ok());
  }
  ASSERT_EQ(pool.GetStats().idle, 2);
  a->Discard();  // e.g. its server went away under it: the idle ones went too
  EXPECT_EQ(pool.GetStats().discarded, 3);
  EXPECT_EQ(pool.GetStats().open, 0);
  EXPECT_EQ(pool.GetStats().idle, 0);
}

}  // namespace
}  // namespace luban::db
