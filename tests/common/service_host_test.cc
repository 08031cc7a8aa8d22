// ServiceHost's shutdown order: a module's background work (such as enrollment's course feed
// consumer) uses the host's pool, so the host stops the module before the pool goes, both in
// Shutdown() and when Start() fails after the module was created.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/auth/credentials.h"
#include "common/server/service_main.h"
#include "gtest/gtest.h"
#include "luban/course/v1/course.grpc.pb.h"
#include "tests/support/test_database.h"

namespace luban {
namespace {

// A module whose background thread borrows a connection from the host's pool, over and over,
// until the module is stopped.
class BackgroundModule final : public ServiceModule {
 public:
  ~BackgroundModule() override { Stop(); }

  absl::string_view name() const override { return "background"; }
  absl::string_view service_full_name() const override {
    return luban::course::v1::CourseService::service_full_name();
  }
  std::vector<const std::vector<db::Migration>*> migrations() const override { return {}; }

  absl::StatusOr<grpc::Service*> CreateService(const ServiceEnv& env) override {
    pool_ = env.pool;
    worker_ = std::thread([this] { Work(); });
    return &service_;
  }

  void Stop() override {
    {
      absl::MutexLock lock(&mu_);
      if (stopped_) return;
      stopped_ = true;
    }
    if (worker_.joinable()) worker_.join();
    // Reads the pool after the worker's last borrow: a pool freed already is a use after free
    // (ASan) here.
    if (pool_ != nullptr) pool_stats_at_stop_ = pool_->GetStats();
  }

  // Waits until the worker has borrowed `count` connections in all.
  void AwaitBorrows(int count) {
    const auto enough = [this, count]()
                            ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return borrows_ >= count; };
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&enough));
  }

  bool stopped() {
    absl::MutexLock lock(&mu_);
    return stopped_;
  }
  int borrows() {
    absl::MutexLock lock(&mu_);
    return borrows_;
  }
  const db::ConnectionPool::Stats& pool_stats_at_stop() const { return pool_stats_at_stop_; }

 private:
  void Work() {
    for (;;) {
      {
        absl::MutexLock lock(&mu_);
        if (stopped_) return;
      }
      auto lease = pool_->Borrow(absl::Now() + absl::Seconds(2));
      absl::MutexLock lock(&mu_);
      if (lease.ok()) ++borrows_;
    }
  }

  luban::course::v1::CourseService::Service service_;  // no method implemented: never called
  db::ConnectionPool* pool_ = nullptr;
  std::thread worker_;
  absl::Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  int borrows_ ABSL_GUARDED_BY(mu_) = 0;
  db::ConnectionPool::Stats pool_stats_at_stop_{};
};

class ServiceHostTest : public testing::DatabaseTest {
 protected:
  HostOptions Options() const {
    HostOptions options;
    options.db = Config(2);
    options.page_token_secret = "test-secret";
    options.shutdown_grace = absl::Seconds(1);
    return options;
  }
};

TEST_F(ServiceHostTest, ShutdownStopsTheModulesBackgroundWorkBeforeThePoolGoes) {
  BackgroundModule module;
  auto host = ServiceHost::Start(module, Options(), *auth::CredentialStore::Parse(""));
  ASSERT_TRUE(host.ok()) << host.status();
  module.AwaitBorrows(20);  // the worker is busy on the pool
  ASSERT_FALSE(module.stopped());

  (*host)->Shutdown();
  EXPECT_TRUE(module.stopped()) << "Shutdown() returned with the module still running";
  EXPECT_GE(module.pool_stats_at_stop().open, 1) << "the pool was still open when it stopped";
  const int borrows = module.borrows();
  host->reset();  // frees the pool
  EXPECT_EQ(module.borrows(), borrows) << "the module borrowed after Shutdown()";
}

TEST_F(ServiceHostTest, AStartThatFailsAfterTheModuleWasCreatedStopsIt) {
  // A port held by a socket without SO_REUSEPORT: gRPC's bind to it fails.
  const int taken = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(taken, 0) << std::strerror(errno);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  ASSERT_EQ(bind(taken, reinterpret_cast<const sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(listen(taken, 1), 0);
  ASSERT_EQ(getsockname(taken, reinterpret_cast<sockaddr*>(&address), &length), 0);

  BackgroundModule module;
  HostOptions options = Options();
  options.listen = absl::StrCat("127.0.0.1:", ntohs(address.sin_port));
  auto host = ServiceHost::Start(module, options, *auth::CredentialStore::Parse(""));
  ASSERT_FALSE(host.ok());
  EXPECT_EQ(host.status().code(), absl::StatusCode::kUnavailable) << host.status();
  EXPECT_TRUE(module.stopped()) << "the failed host left the module's thread on its freed pool";
  close(taken);
}

TEST_F(ServiceHostTest, ASecondHostOnAPortInUseFailsInsteadOfSharingIt) {
  // gRPC binds with SO_REUSEPORT unless told not to: two hosts on one port would both start and
  // split the port's calls between them.
  BackgroundModule first_module;
  auto first = ServiceHost::Start(first_module, Options(), *auth::CredentialStore::Parse(""));
  ASSERT_TRUE(first.ok()) << first.status();

  BackgroundModule second_module;
  HostOptions options = Options();
  options.listen = absl::StrCat("127.0.0.1:", (*first)->port());
  auto second = ServiceHost::Start(second_module, options, *auth::CredentialStore::Parse(""));
  ASSERT_FALSE(second.ok()) << "a second host listens on port " << (*first)->port();
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable) << second.status();
  (*first)->Shutdown();
}

}  // namespace
}  // namespace luban
