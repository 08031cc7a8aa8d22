// The end-to-end harness itself: the three services start as processes, serve, and answer each
// caller of the credentials file as its role allows.
#include "tests/support/local_suite.h"

#include <stdlib.h>

#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/client/channel.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "luban/course/v1/course.grpc.pb.h"
#include "luban/enrollment/v1/enrollment.grpc.pb.h"

namespace luban::testing {
namespace {

grpc::Status ListInstitutions(const std::string& addr, const std::string& token) {
  client::ChannelOptions options;
  options.target = addr;
  auto channel = client::MakeChannel(options);
  EXPECT_TRUE(channel.ok());
  auto stub = luban::course::v1::CourseService::NewStub(*channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
  luban::course::v1::ListInstitutionsResponse response;
  return stub->ListInstitutions(&context, {}, &response);
}

TEST(LocalSuiteTest, StartsTheThreeServicesWithTokensPerRole) {
  LUBAN_REQUIRE_TEST_DATABASE();
  char dir[] = "/tmp/luban-local-suite.XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  {
    auto suite = LocalSuite::Start(dir);
    ASSERT_TRUE(suite.ok()) << suite.status();
    LocalSuite& s = **suite;
    EXPECT_TRUE(ListInstitutions(s.course_addr(), s.Token(LocalSuite::kReporter)).ok());
    EXPECT_TRUE(ListInstitutions(s.course_addr(), s.Token(LocalSuite::kNetworkAdmin)).ok());
    EXPECT_EQ(ListInstitutions(s.course_addr(), "").error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(ListInstitutions(s.course_addr(), "no-such-token").error_code(),
              grpc::StatusCode::UNAUTHENTICATED);

    const std::vector<std::string> env = s.ClientEnvironment(LocalSuite::kReporter);
    auto has = [&](const std::string& entry) {
      return std::find(env.begin(), env.end(), entry) != env.end();
    };
    EXPECT_TRUE(has("LUBAN_COURSE_ADDR=" + s.course_addr()));
    EXPECT_TRUE(has("LUBAN_ENROLLMENT_ADDR=" + s.enrollment_addr()));
    EXPECT_TRUE(has("LUBAN_EXCHANGE_ADDR=" + s.exchange_addr()));
    EXPECT_TRUE(has("LUBAN_TOKEN=" + s.Token(LocalSuite::kReporter)));
    const std::vector<std::string> anonymous = s.ClientEnvironment(LocalSuite::kAnonymous);
    EXPECT_TRUE(std::none_of(anonymous.begin(), anonymous.end(), [](const std::string& e) {
      return absl::StartsWith(e, "LUBAN_TOKEN=");
    }));
    // Each service has its own schema with its own tables.
    EXPECT_EQ(*s.enrollment_db().QueryInt("SELECT COUNT(*) FROM information_schema.tables"
                                          " WHERE table_schema = DATABASE()"
                                          " AND table_name = 'trainees'"),
              1);
    EXPECT_EQ(*s.course_db().QueryInt("SELECT COUNT(*) FROM information_schema.tables"
                                      " WHERE table_schema = DATABASE()"
                                      " AND table_name = 'trainees'"),
              0);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace luban::testing
