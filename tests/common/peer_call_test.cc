// The shared peer-call machinery (common/client/): PeerCaller's deadline, retries and status
// mapping against a fake stub (exact attempts and deadlines) and over the wire against a tiny
// in-process gRPC server of the standard health service (token, deadline propagation, a peer
// that went away); and the ExpiringCache the peer clients keep.
#include "common/client/peer_call.h"

#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/client/expiring_cache.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "grpcpp/server_context.h"
#include "gtest/gtest.h"

namespace luban::client {
namespace {

using ::absl::StatusCode;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;

constexpr char kCaller[] = "the enrollment service";
constexpr char kPeer[] = "the course service";
constexpr char kToken[] = "t-service";
// What a call may overrun its deadline by (scheduling, a slow CI machine).
constexpr absl::Duration kSlack = absl::Seconds(1);
// What a backoff pause may oversleep by on a busy machine.
constexpr absl::Duration kOversleep = absl::Milliseconds(200);

// --- ExpiringCache -----------------------------------------------------------------------------

TEST(ExpiringCacheTest, EvictsTheLeastRecentlyUsedAndExpires) {
  const absl::Time t0 = absl::FromUnixSeconds(1700000000);
  ExpiringCache<int> cache(2, absl::Minutes(5));
  cache.Put(1, 10, t0);
  cache.Put(2, 20, t0);
  ASSERT_EQ(cache.Get(1, t0), 10);  // 1 is now the most recently used
  cache.Put(3, 30, t0);             // evicts 2
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.Get(2, t0), std::nullopt);
  EXPECT_EQ(cache.Get(1, t0), 10);
  EXPECT_EQ(cache.Get(3, t0), 30);
  EXPECT_EQ(cache.Get(3, t0 + absl::Minutes(5) - absl::Seconds(1)), 30);
  EXPECT_EQ(cache.Get(3, t0 + absl::Minutes(5)), std::nullopt);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(ExpiringCacheTest, APutReplacesAndRestartsTheTtlAndZeroCapacityKeepsNothing) {
  const absl::Time t0 = absl::FromUnixSeconds(1700000000);
  ExpiringCache<std::string> cache(4, absl::Minutes(1));
  cache.Put(7, "old", t0);
  cache.Put(7, "new", t0 + absl::Seconds(50));
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.Get(7, t0 + absl::Seconds(100)), "new");
  EXPECT_EQ(cache.Get(7, t0 + absl::Seconds(110)), std::nullopt);

  ExpiringCache<int> none(0, absl::Minutes(1));
  none.Put(1, 1, t0);
  EXPECT_EQ(none.Get(1, t0), std::nullopt);
  EXPECT_EQ(none.size(), 0u);
}

// --- Status mapping ----------------------------------------------------------------------------

TEST(PeerCallerTest, MapStatusNamesTheResourceAndNeverBlamesTheCaller) {
  const PeerCaller peer(kCaller, kPeer, kToken);
  EXPECT_TRUE(peer.MapStatus(grpc::Status::OK, "courseRuns/7").ok());
  const absl::Status not_found =
      peer.MapStatus(grpc::Status(grpc::StatusCode::NOT_FOUND, "no such run"), "courseRuns/7");
  EXPECT_EQ(not_found.code(), StatusCode::kNotFound);
  EXPECT_EQ(not_found.message(), "courseRuns/7: not found");
  EXPECT_EQ(PeerNotFound("courseRuns/7"), not_found);
  for (grpc::StatusCode code : {grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::DEADLINE_EXCEEDED,
                                grpc::StatusCode::CANCELLED, grpc::StatusCode::RESOURCE_EXHAUSTED,
                                grpc::StatusCode::ABORTED, grpc::StatusCode::INTERNAL,
                                grpc::StatusCode::UNKNOWN, grpc::StatusCode::DATA_LOSS}) {
    const absl::Status status = peer.MapStatus(grpc::Status(code, "boom"), "workshops/3");
    EXPECT_EQ(status.code(), StatusCode::kUnavailable) << code;
    EXPECT_TRUE(absl::StartsWith(status.message(), "the course service is unavailable: "))
        << status;
    EXPECT_TRUE(absl::StrContains(status.message(), "workshops/3")) << status;
    EXPECT_TRUE(absl::StrContains(status.message(), "boom")) << status;
  }
  for (grpc::StatusCode code :
       {grpc::StatusCode::PERMISSION_DENIED, grpc::StatusCode::UNAUTHENTICATED}) {
    const absl::Status status = peer.MapStatus(grpc::Status(code, "who?"), "courses/1");
    EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition) << code;
    EXPECT_TRUE(absl::StrContains(
        status.message(),
        "the enrollment service's credential is not accepted by the course service"))
        << status;
  }
  const absl::Status unimplemented =
      peer.MapStatus(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "no"), "courses/1");
  EXPECT_EQ(unimplemented.code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(unimplemented.message(), "version mismatch")) << unimplemented;
  // A request the peer finds malformed is a bug between the two services, never the caller's.
  for (grpc::StatusCode code :
       {grpc::StatusCode::INVALID_ARGUMENT, grpc::StatusCode::FAILED_PRECONDITION,
        grpc::StatusCode::ALREADY_EXISTS, grpc::StatusCode::OUT_OF_RANGE}) {
    EXPECT_EQ(peer.MapStatus(grpc::Status(code, "bad"), "courses/1").code(), StatusCode::kInternal)
        << code;
  }
}

TEST(PeerCallerTest, AMalformedNameInAnAnswerIsThePeersFault) {
  auto id =
      ParsePeerName(kPeer, "workshop's partner_institution", "institutions", "institutions/12");
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, 12);
  for (const char* name : {"", "workshops/12", "institutions/x", "institutions/0"}) {
    auto bad = ParsePeerName(kPeer, "workshop's partner_institution", "institutions", name);
    EXPECT_EQ(bad.status().code(), StatusCode::kInternal) << name;
    EXPECT_TRUE(absl::StartsWith(
        bad.status().message(),
        "the course service answered with a malformed workshop's partner_institution: "))
        << bad.status();
  }
}

// --- Attempts, against a fake stub -------------------------------------------------------------

struct FakeRequest {
  void set_name(std::string text) { name = std::move(text); }  // as a Get request's
  int value = 0;
  std::string name;
};
struct FakeResponse {
  int value = 0;
  std::string name;
};

// Answers each attempt with the next scripted status (the last one forever), echoing the
// request on success; records each attempt's deadline.
class FakeStub {
 public:
  explicit FakeStub(std::vector<grpc::StatusCode> script) : script_(script.begin(), script.end()) {}

  grpc::Status Get(grpc::ClientContext* context, const FakeRequest& request,
                   FakeResponse* response) {
    deadlines_.push_back(absl::FromChrono(context->deadline()));
    const grpc::StatusCode code = script_.front();
    if (script_.size() > 1) script_.pop_front();
    if (code != grpc::StatusCode::OK) return grpc::Status(code, "scripted");
    response->value = request.value;
    response->name = request.name;
    return grpc::Status::OK;
  }

  int attempts() const { return static_cast<int>(deadlines_.size()); }
  const std::vector<absl::Time>& deadlines() const { return deadlines_; }

 private:
  std::deque<grpc::StatusCode> script_;
  std::vector<absl::Time> deadlines_;
};

PeerCallOptions FastOptions() {
  PeerCallOptions options;
  options.call_timeout = absl::Seconds(10);
  options.initial_backoff = absl::Milliseconds(5);
  options.max_backoff = absl::Milliseconds(20);
  return options;
}

TEST(PeerCallerTest, RetriesUnavailableUntilItSucceeds) {
  const PeerCaller peer(kCaller, kPeer, kToken, FastOptions());
  FakeStub stub(
      {grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::OK});
  FakeRequest request;
  request.value = 42;
  FakeResponse response;
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  const absl::Status status =
      peer.Call(stub, &FakeStub::Get, "things/1", request, &response, deadline);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(response.value, 42);
  EXPECT_EQ(stub.attempts(), 3);
  // Every attempt works against the one deadline of the call.
  for (absl::Time attempt_deadline : stub.deadlines()) {
    EXPECT_LE(absl::AbsDuration(attempt_deadline - deadline), absl::Milliseconds(1));
  }
}

TEST(PeerCallerTest, GetAsksForTheNamedResourceAndNotAtAllForAnIdThatCannotExist) {
  const PeerCaller peer(kCaller, kPeer, kToken, FastOptions());
  FakeStub stub({grpc::StatusCode::OK});
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  const absl::StatusOr<FakeResponse> got = peer.Get(stub, &FakeStub::Get, "things", 7, deadline);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->name, "things/7");
  EXPECT_EQ(stub.attempts(), 1);
  for (int64_t id : {0, -3}) {
    const absl::StatusOr<FakeResponse> none =
        peer.Get(stub, &FakeStub::Get, "things", id, deadline);
    EXPECT_EQ(none.status(), absl::NotFoundError(absl::StrCat("things/", id, ": not found")));
  }
  EXPECT_EQ(stub.attempts(), 1);  // the peer was not asked

  FakeStub missing({grpc::StatusCode::NOT_FOUND});
  EXPECT_EQ(peer.Get(missing, &FakeStub::Get, "things", 8, deadline).status(),
            absl::NotFoundError("things/8: not found"));
}

TEST(PeerCallerTest, RetriesNothingButUnavailable) {
  for (grpc::StatusCode code :
       {grpc::StatusCode::DEADLINE_EXCEEDED, grpc::StatusCode::NOT_FOUND,
        grpc::StatusCode::PERMISSION_DENIED, grpc::StatusCode::UNAUTHENTICATED,
        grpc::StatusCode::INTERNAL, grpc::StatusCode::ABORTED, grpc::StatusCode::RESOURCE_EXHAUSTED,
        grpc::StatusCode::INVALID_ARGUMENT}) {
    const PeerCaller peer(kCaller, kPeer, kToken, FastOptions());
    FakeStub stub({code, grpc::StatusCode::OK});
    FakeResponse response;
    const absl::Status status = peer.Call(stub, &FakeStub::Get, "things/1", FakeRequest{},
                                          &response, absl::Now() + absl::Seconds(5));
    EXPECT_EQ(stub.attempts(), 1) << code;
    EXPECT_EQ(status, peer.MapStatus(grpc::Status(code, "scripted"), "things/1")) << code;
  }
}

TEST(PeerCallerTest, GivesUpAtTheCallersDeadline) {
  const PeerCaller peer(kCaller, kPeer, kToken, FastOptions());
  FakeStub stub({grpc::StatusCode::UNAVAILABLE});
  FakeResponse response;
  const absl::Duration budget = absl::Milliseconds(300);
  const absl::Time start = absl::Now();
  const absl::Status status =
      peer.Call(stub, &FakeStub::Get, "things/1", FakeRequest{}, &response, start + budget);
  const absl::Duration elapsed = absl::Now() - start;
  EXPECT_EQ(status.code(), StatusCode::kUnavailable) << status;
  EXPECT_TRUE(absl::StartsWith(status.message(), "the course service is unavailable: ")) << status;
  EXPECT_GE(stub.attempts(), 3) << "retried while time remained";
  // It stops when the next pause would pass the deadline, so never after it.
  EXPECT_LE(elapsed, budget + kOversleep);
  for (absl::Time attempt_deadline : stub.deadlines()) {
    EXPECT_LE(absl::AbsDuration(attempt_deadline - (start + budget)), absl::Milliseconds(1));
  }
}

TEST(PeerCallerTest, TheCallTimeoutBoundsAPatientCaller) {
  PeerCallOptions options = FastOptions();
  options.call_timeout = absl::Milliseconds(200);
  const PeerCaller peer(kCaller, kPeer, kToken, options);
  FakeStub stub({grpc::StatusCode::UNAVAILABLE});
  FakeResponse response;
  const absl::Time start = absl::Now();
  const absl::Status status =
      peer.Call(stub, &FakeStub::Get, "things/1", FakeRequest{}, &response, start + absl::Hours(1));
  EXPECT_EQ(status.code(), StatusCode::kUnavailable) << status;
  EXPECT_LE(absl::Now() - start, options.call_timeout + kOversleep);
  ASSERT_GE(stub.attempts(), 1);
  EXPECT_GE(stub.deadlines().front(), start + options.call_timeout);
  EXPECT_LE(stub.deadlines().front(), absl::Now() + options.call_timeout);
}

TEST(PeerCallerTest, APassedDeadlineIsNotRetried) {
  const PeerCaller peer(kCaller, kPeer, kToken, FastOptions());
  FakeStub stub({grpc::StatusCode::UNAVAILABLE});
  FakeResponse response;
  const absl::Status status = peer.Call(stub, &FakeStub::Get, "things/1", FakeRequest{}, &response,
                                        absl::Now() - absl::Seconds(1));
  EXPECT_EQ(status.code(), StatusCode::kUnavailable) << status;
  EXPECT_EQ(stub.attempts(), 1);
}

// --- Over the wire, against an in-process health service ---------------------------------------

// grpc.health.v1.Health whose Check answers with scripted statuses (the last one forever) and
// records what each call carried.
class ScriptedHealth final : public grpc::health::v1::Health::Service {
 public:
  struct Seen {
    std::string authorization;
    absl::Time deadline;
  };

  void Script(std::vector<grpc::StatusCode> script) {
    absl::MutexLock lock(&mu_);
    script_.assign(script.begin(), script.end());
  }

  std::vector<Seen> seen() const {
    absl::MutexLock lock(&mu_);
    return seen_;
  }

  grpc::Status Check(grpc::ServerContext* context, const HealthCheckRequest* request,
                     HealthCheckResponse* response) override {
    Seen seen;
    const auto& metadata = context->client_metadata();
    if (auto it = metadata.find("authorization"); it != metadata.end()) {
      seen.authorization.assign(it->second.data(), it->second.size());
    }
    seen.deadline = absl::FromChrono(context->deadline());
    absl::MutexLock lock(&mu_);
    seen_.push_back(seen);
    const grpc::StatusCode code = script_.empty() ? grpc::StatusCode::OK : script_.front();
    if (script_.size() > 1) script_.pop_front();
    if (code != grpc::StatusCode::OK) return grpc::Status(code, "scripted");
    response->set_status(request->service() == "known" ? HealthCheckResponse::SERVING
                                                       : HealthCheckResponse::SERVICE_UNKNOWN);
    return grpc::Status::OK;
  }

 private:
  mutable absl::Mutex mu_;
  std::deque<grpc::StatusCode> script_ ABSL_GUARDED_BY(mu_);
  std::vector<Seen> seen_ ABSL_GUARDED_BY(mu_);
};

class PeerCallerServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&health_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port_, 0);
    stub_ = grpc::health::v1::Health::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port_), grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (server_) server_->Shutdown(absl::ToChronoTime(absl::Now()));
  }

  absl::Status Check(const PeerCaller& peer, HealthCheckResponse* response, absl::Time deadline) {
    HealthCheckRequest request;
    request.set_service("known");
    return peer.Call(*stub_, &grpc::health::v1::Health::Stub::Check, "health/known", request,
                     response, deadline);
  }

  ScriptedHealth health_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<grpc::health::v1::Health::Stub> stub_;
};

TEST_F(PeerCallerServerTest, SendsTheTokenAndTheDeadlineAndRetriesUnavailable) {
  health_.Script({grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::OK});
  const PeerCaller peer(kCaller, kPeer, kToken, FastOptions());
  HealthCheckResponse response;
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  const absl::Status status = Check(peer, &response, deadline);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(response.status(), HealthCheckResponse::SERVING);
  const std::vector<ScriptedHealth::Seen> seen = health_.seen();
  ASSERT_EQ(seen.size(), 2u);
  for (const ScriptedHealth::Seen& call : seen) {
    EXPECT_EQ(call.authorization, "Bearer t-service");
    // The peer sees our caller's deadline: gRPC sends it as a timeout, which the peer adds to its
    // clock on arrival, so it comes out later by the time in transit (long on a loaded machine),
    // never much earlier.
    EXPECT_GE(call.deadline - deadline, absl::Milliseconds(-100));
    EXPECT_LE(call.deadline - deadline, absl::Seconds(2));
  }
}

TEST_F(PeerCallerServerTest, MapsThePeersAnswer) {
  const PeerCaller peer(kCaller, kPeer, kToken, FastOptions());
  HealthCheckResponse response;
  health_.Script({grpc::StatusCode::NOT_FOUND});
  absl::Status status = Check(peer, &response, absl::Now() + absl::Seconds(5));
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_EQ(status.message(), "health/known: not found");
  health_.Script({grpc::StatusCode::UNAUTHENTICATED});
  status = Check(peer, &response, absl::Now() + absl::Seconds(5));
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition) << status;
  health_.Script({grpc::StatusCode::INTERNAL});
  status = Check(peer, &response, absl::Now() + absl::Seconds(5));
  EXPECT_EQ(status.code(), StatusCode::kUnavailable) << status;
  EXPECT_EQ(health_.seen().size(), 3u) << "none of these is retried";
}

TEST_F(PeerCallerServerTest, APeerThatWentAwayIsUnavailableWithinTheDeadline) {
  const PeerCaller peer(kCaller, kPeer, kToken, FastOptions());
  HealthCheckResponse response;
  ASSERT_TRUE(Check(peer, &response, absl::Now() + absl::Seconds(5)).ok());
  server_->Shutdown(absl::ToChronoTime(absl::Now()));
  server_->Wait();
  server_.reset();

  const absl::Duration budget = absl::Milliseconds(500);
  const absl::Time start = absl::Now();
  const absl::Status status = Check(peer, &response, start + budget);
  EXPECT_EQ(status.code(), StatusCode::kUnavailable) << status;
  EXPECT_TRUE(absl::StartsWith(status.message(), "the course service is unavailable: ")) << status;
  EXPECT_LT(absl::Now() - start, budget + kSlack);
}

}  // namespace
}  // namespace luban::client
