// MakeChannel's connection settings over a real connection: an in-process gRPC server of the
// standard health service behind a TcpProxy that holds the server's answers back.
#include "common/client/channel.h"

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "tests/support/child_process.h"
#include "tests/support/tcp_proxy.h"
#include "tests/support/test_certificates.h"

namespace luban::client {
namespace {

using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;

class ServingHealth final : public grpc::health::v1::Health::Service {
 public:
  int checks() const { return checks_.load(); }

 private:
  grpc::Status Check(grpc::ServerContext*, const HealthCheckRequest*,
                     HealthCheckResponse* response) override {
    ++checks_;
    response->set_status(HealthCheckResponse::SERVING);
    return grpc::Status::OK;
  }

  std::atomic<int> checks_{0};
};

// An in-process server of `health` on a loopback port of its own: plaintext, or TLS with the
// certificate "<tls_dir>/course.pem".
std::unique_ptr<grpc::Server> Serve(ServingHealth& health, int& port,
                                    const std::string& tls_dir = "") {
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (!tls_dir.empty()) {
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back({testing::ReadWholeFile(tls_dir + "/course.key"),
                                      testing::ReadWholeFile(tls_dir + "/course.pem")});
    credentials = grpc::SslServerCredentials(ssl);
  }
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", credentials, &port);
  builder.RegisterService(&health);
  return builder.BuildAndStart();
}

grpc::Status Check(grpc::health::v1::Health::Stub& stub) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  HealthCheckResponse response;
  return stub.Check(&context, HealthCheckRequest(), &response);
}

TEST(GrpcTargetTest, SeveralIpAddressesBecomeOneTargetOfGrpcsAndOthersStayAsGiven) {
  EXPECT_EQ(*GrpcTarget("course:50051"), "course:50051");
  EXPECT_EQ(*GrpcTarget("dns:///course.luban.svc:50051"), "dns:///course.luban.svc:50051");
  EXPECT_EQ(*GrpcTarget("127.0.0.1:50051, 127.0.0.1:50061"),
            "ipv4:127.0.0.1:50051,127.0.0.1:50061");
  EXPECT_EQ(*GrpcTarget("[::1]:50051,[::1]:50061"), "ipv6:[::1]:50051,[::1]:50061");
  EXPECT_EQ(*GrpcTarget("ipv4:10.0.0.1:1,10.0.0.2:1"), "ipv4:10.0.0.1:1,10.0.0.2:1");

  for (const char* bad :
       {"", "  ", "course:50051,course-2:50051", "127.0.0.1:50051,", "127.0.0.1,127.0.0.2",
        "127.0.0.1:0,127.0.0.1:1", "127.0.0.1:1,[::1]:1", "127.0.0.1:99999,127.0.0.1:1"}) {
    absl::StatusOr<std::string> target = GrpcTarget(bad);
    EXPECT_EQ(target.status().code(), absl::StatusCode::kInvalidArgument) << "\"" << bad << "\"";
    EXPECT_TRUE(absl::StrContains(target.status().message(), "address"))
        << target.status().message();
  }
}

// Two replicas behind one target: calls go to both, and on to the other when one stops.
TEST(MakeChannelTest, CallsAreSpreadOverEveryAddressAndPassOverOneThatStopped) {
  ServingHealth first_health, second_health;
  int first_port = 0, second_port = 0;
  std::unique_ptr<grpc::Server> first = Serve(first_health, first_port);
  std::unique_ptr<grpc::Server> second = Serve(second_health, second_port);
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);

  auto channel =
      MakeChannel({.target = absl::StrCat("127.0.0.1:", first_port, ",127.0.0.1:", second_port),
                   .tls = {},
                   .fast_reconnect = true,
                   .keepalive = absl::ZeroDuration()});
  ASSERT_TRUE(channel.ok()) << channel.status();
  auto stub = grpc::health::v1::Health::NewStub(*channel);
  // Once both connections are up (round robin uses one when it is), calls take them in turn.
  for (int i = 0; i < 200 && (first_health.checks() == 0 || second_health.checks() == 0); ++i) {
    const grpc::Status status = Check(*stub);
    ASSERT_TRUE(status.ok()) << status.error_code() << ": " << status.error_message();
  }
  const int first_before = first_health.checks(), second_before = second_health.checks();
  for (int i = 0; i < 20; ++i) {
    const grpc::Status status = Check(*stub);
    ASSERT_TRUE(status.ok()) << status.error_code() << ": " << status.error_message();
  }
  EXPECT_EQ(first_health.checks() - first_before, 10) << "not in turn";
  EXPECT_EQ(second_health.checks() - second_before, 10) << "not in turn";

  first->Shutdown(absl::ToChronoTime(absl::Now()));
  first->Wait();
  const int before = second_health.checks();
  int failed = 0;
  for (int i = 0; i < 20; ++i) {
    if (!Check(*stub).ok()) ++failed;
  }
  // A call already on its way to the stopped server when it closed may fail; no later one.
  EXPECT_LE(failed, 1);
  EXPECT_GE(second_health.checks() - before, 19);
  second->Shutdown(absl::ToChronoTime(absl::Now()));
}

// A fast-reconnecting channel retries promptly, but still gives each connection attempt the time
// a loaded machine needs for it: gRPC takes its reconnect settings as the attempt's time limit
// too, and a limit of 100-200 ms made calls fail UNAVAILABLE while a TLS handshake was merely
// slow.
TEST(MakeChannelTest, AFastReconnectingChannelWaitsForAServerSlowToAnswerItsConnection) {
  ServingHealth health;
  int port = 0;
  std::unique_ptr<grpc::Server> server = Serve(health, port);
  ASSERT_NE(server, nullptr);
  auto proxy = testing::TcpProxy::Start("127.0.0.1", port);
  ASSERT_TRUE(proxy.ok()) << proxy.status();

  auto channel = MakeChannel({.target = absl::StrCat("127.0.0.1:", (*proxy)->port()),
                              .tls = {},
                              .fast_reconnect = true,
                              .keepalive = absl::ZeroDuration()});
  ASSERT_TRUE(channel.ok()) << channel.status();
  auto stub = grpc::health::v1::Health::NewStub(*channel);

  // The server's side of the connection (its HTTP/2 settings) arrives a second late.
  (*proxy)->HoldReplies(true);
  grpc::Status status;
  HealthCheckResponse response;
  std::thread call([&] {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
    status = stub->Check(&context, HealthCheckRequest(), &response);
  });
  absl::SleepFor(absl::Seconds(1));  // the fault's length, not a wait for the call
  (*proxy)->HoldReplies(false);
  call.join();

  EXPECT_TRUE(status.ok()) << status.error_code() << ": " << status.error_message();
  EXPECT_EQ(response.status(), HealthCheckResponse::SERVING);
  EXPECT_EQ((*proxy)->forwarded_connections(), 1) << "the slow connection was given up on";
  server->Shutdown(absl::ToChronoTime(absl::Now()));
}

// Over TLS, the replicas' certificates are checked against the first address's name: gRPC would
// otherwise take the whole list "127.0.0.1:a,127.0.0.1:b" for the server's name and refuse both.
TEST(MakeChannelTest, SeveralAddressesOverTlsAreCheckedAgainstTheirCertificates) {
  const std::string dir = testing::MakeTempDir("luban-channel");
  ASSERT_FALSE(dir.empty());
  ASSERT_TRUE(testing::MakeTestCertificates(dir, {"course"}).ok());
  ServingHealth first_health, second_health;
  int first_port = 0, second_port = 0;
  std::unique_ptr<grpc::Server> first = Serve(first_health, first_port, dir);
  std::unique_ptr<grpc::Server> second = Serve(second_health, second_port, dir);
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  ChannelOptions options;
  options.target = absl::StrCat("127.0.0.1:", first_port, ",127.0.0.1:", second_port);
  options.tls.ca_file = dir + "/ca.pem";
  options.fast_reconnect = true;
  auto channel = MakeChannel(options);
  ASSERT_TRUE(channel.ok()) << channel.status();
  auto stub = grpc::health::v1::Health::NewStub(*channel);
  // Until both answered: round robin uses a connection once its handshake is done.
  for (int i = 0; i < 200 && (first_health.checks() == 0 || second_health.checks() == 0); ++i) {
    const grpc::Status status = Check(*stub);
    ASSERT_TRUE(status.ok()) << status.error_code() << ": " << status.error_message();
  }
  EXPECT_GE(first_health.checks(), 1);
  EXPECT_GE(second_health.checks(), 1);
  first->Shutdown(absl::ToChronoTime(absl::Now()));
  second->Shutdown(absl::ToChronoTime(absl::Now()));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace luban::client
