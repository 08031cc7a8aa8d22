// luban-admin's calls against an in-process stand-in for the course service: a mutation sends
// one request_id (random, or --request-id) and keeps it on the retries of UNAVAILABLE; a
// service that stays unavailable ends in exit code 5 after a bounded number of attempts.
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "luban/course/v1/course.grpc.pb.h"
#include "tools/admin/admin.h"

namespace luban::admin {
namespace {

namespace pb = ::luban::course::v1;
using ::testing::HasSubstr;

// Answers OpenCourseRun with UNAVAILABLE `failures` times, then with the run opened; records
// every request it saw.
class FlakyCourseService : public pb::CourseService::Service {
 public:
  explicit FlakyCourseService(int failures) : failures_(failures) {}

  grpc::Status OpenCourseRun(grpc::ServerContext* /*context*/,
                             const pb::OpenCourseRunRequest* request,
                             pb::CourseRun* response) override {
    absl::MutexLock lock(&mutex_);
    requests_.push_back(*request);
    if (static_cast<int>(requests_.size()) <= failures_) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "database restarting");
    }
    response->set_name(request->name());
    response->set_status(pb::COURSE_RUN_STATUS_OPEN);
    return grpc::Status::OK;
  }

  std::vector<pb::OpenCourseRunRequest> requests() {
    absl::MutexLock lock(&mutex_);
    return requests_;
  }

 private:
  const int failures_;
  absl::Mutex mutex_;
  std::vector<pb::OpenCourseRunRequest> requests_;
};

class AdminRetryTest : public ::testing::Test {
 protected:
  void Start(int failures) {
    service_ = std::make_unique<FlakyCourseService>(failures);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port, 0);
    address_ = absl::StrCat("127.0.0.1:", port);
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  int Admin(std::vector<std::string> args) {
    args.insert(args.begin(), {"--course_addr", address_, "--timeout", "5s"});
    out_.str("");
    err_.str("");
    return RunAdmin(args, out_, err_);
  }

  std::unique_ptr<FlakyCourseService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(AdminRetryTest, RetriesUnavailableWithTheSameRequestId) {
  Start(/*failures=*/2);
  EXPECT_EQ(Admin({"runs", "open", "5", "-o", "json"}), 0) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("\"name\":\"courseRuns/5\""));
  const auto requests = service_->requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].name(), "courseRuns/5");
  EXPECT_FALSE(requests[0].request_id().empty());
  for (const auto& request : requests) EXPECT_EQ(request.request_id(), requests[0].request_id());

  // Another invocation is another request: another random id.
  Start(/*failures=*/0);
  EXPECT_EQ(Admin({"runs", "open", "5"}), 0) << err_.str();
  ASSERT_EQ(service_->requests().size(), 1u);
  EXPECT_NE(service_->requests()[0].request_id(), requests[0].request_id());
}

TEST_F(AdminRetryTest, SendsTheRequestIdGiven) {
  Start(/*failures=*/1);
  EXPECT_EQ(Admin({"runs", "open", "courseRuns/9", "--request-id", "my-retry-key-1"}), 0)
      << err_.str();
  const auto requests = service_->requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].request_id(), "my-retry-key-1");
  EXPECT_EQ(requests[1].request_id(), "my-retry-key-1");
  EXPECT_THAT(out_.str(), ::testing::ContainsRegex("\nstatus: +open\n"));
}

TEST_F(AdminRetryTest, GivesUpOnAServiceThatStaysUnavailable) {
  Start(/*failures=*/100);
  EXPECT_EQ(Admin({"runs", "open", "5"}), 5);
  EXPECT_EQ(service_->requests().size(), 4u);
  EXPECT_EQ(err_.str(), "luban-admin: runs open 5: UNAVAILABLE: database restarting\n");
  EXPECT_EQ(out_.str(), "");
}

}  // namespace
}  // namespace luban::admin
