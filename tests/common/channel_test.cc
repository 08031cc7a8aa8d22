// MakeChannel's connection settings over a real connection: an in-process gRPC server of the
// standard health service behind a TcpProxy that holds the server's answers back.
#include "common/client/channel.h"

#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "tests/support/tcp_proxy.h"

namespace luban::client {
namespace {

using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;

class ServingHealth final : public grpc::health::v1::Health::Service {
  grpc::Status Check(grpc::ServerContext*, const HealthCheckRequest*,
                     HealthCheckResponse* response) override {
    response->set_status(HealthCheckResponse::SERVING);
    return grpc::Status::OK;
  }
};

// A fast-reconnecting channel retries promptly, but still gives each connection attempt the time
// a loaded machine needs for it: gRPC takes its reconnect settings as the attempt's time limit
// too, and a limit of 100-200 ms made calls fail UNAVAILABLE while a TLS handshake was merely
// slow.
TEST(MakeChannelTest, AFastReconnectingChannelWaitsForAServerSlowToAnswerItsConnection) {
  ServingHealth health;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&health);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
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

}  // namespace
}  // namespace luban::client
