// The clients' settings: precedence flag > environment > config file > default, the token never
// from the command line, errors naming the setting; channels' TLS file checks; exit codes.
#include "tools/cli/client_config.h"

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "common/api/status.h"
#include "common/client/channel.h"
#include "gtest/gtest.h"

ABSL_DECLARE_FLAG(std::string, config);
ABSL_DECLARE_FLAG(std::string, course_addr);
ABSL_DECLARE_FLAG(std::string, token_file);
ABSL_DECLARE_FLAG(std::string, timeout);
ABSL_DECLARE_FLAG(std::string, tls_ca);

namespace luban::cli {
namespace {

class ClientConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/luban-client-config.XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    for (const char* name :
         {"LUBAN_CONFIG", "LUBAN_COURSE_ADDR", "LUBAN_ENROLLMENT_ADDR", "LUBAN_EXCHANGE_ADDR",
          "LUBAN_TOKEN", "LUBAN_TOKEN_FILE", "LUBAN_TLS", "LUBAN_TLS_CA", "LUBAN_TLS_CERT",
          "LUBAN_TLS_KEY", "LUBAN_TLS_SERVER_NAME", "LUBAN_TIMEOUT"}) {
      unsetenv(name);
    }
    // No per-user config file from the machine's home.
    setenv("XDG_CONFIG_HOME", dir_.c_str(), 1);
  }

  void TearDown() override {
    absl::SetFlag(&FLAGS_config, "");
    absl::SetFlag(&FLAGS_course_addr, "");
    absl::SetFlag(&FLAGS_token_file, "");
    absl::SetFlag(&FLAGS_timeout, "");
    absl::SetFlag(&FLAGS_tls_ca, "");
    std::filesystem::remove_all(dir_);
  }

  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  std::string dir_;
};

TEST_F(ClientConfigTest, DefaultsAreTheLocalBringUp) {
  absl::StatusOr<ClientConfig> config = LoadClientConfig();
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->course_addr, "127.0.0.1:50051");
  EXPECT_EQ(config->enrollment_addr, "127.0.0.1:50052");
  EXPECT_EQ(config->exchange_addr, "127.0.0.1:50053");
  EXPECT_EQ(config->token, "");
  EXPECT_FALSE(config->tls.enabled());
  EXPECT_EQ(config->timeout, absl::Seconds(30));
}

TEST_F(ClientConfigTest, FlagBeatsEnvironmentBeatsConfigFile) {
  const std::string file = Write("client.conf",
                                 "# a comment\n\ncourse_addr = file:1\nenrollment_addr=file:2\n"
                                 "exchange_addr = file:3\ntimeout = 5s\n");
  setenv("LUBAN_CONFIG", file.c_str(), 1);
  setenv("LUBAN_COURSE_ADDR", "env:1", 1);
  setenv("LUBAN_ENROLLMENT_ADDR", "env:2", 1);
  absl::SetFlag(&FLAGS_course_addr, "flag:1");
  absl::StatusOr<ClientConfig> config = LoadClientConfig();
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->course_addr, "flag:1");
  EXPECT_EQ(config->enrollment_addr, "env:2");
  EXPECT_EQ(config->exchange_addr, "file:3");
  EXPECT_EQ(config->timeout, absl::Seconds(5));
  EXPECT_EQ(config->Address(Service::kExchange), "file:3");
}

TEST_F(ClientConfigTest, PerUserConfigFileIsReadWhenPresent) {
  std::filesystem::create_directories(dir_ + "/luban");
  Write("luban/client.conf", "exchange_addr = user:3\n");
  absl::StatusOr<ClientConfig> config = LoadClientConfig();
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->exchange_addr, "user:3");
}

TEST_F(ClientConfigTest, TokenComesFromTheEnvironmentElseTheTokenFile) {
  const std::string token_file = Write("token", "  file-token \nignored\n");
  absl::SetFlag(&FLAGS_token_file, token_file);
  absl::StatusOr<ClientConfig> config = LoadClientConfig();
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->token, "file-token");

  setenv("LUBAN_TOKEN", "env-token", 1);
  config = LoadClientConfig();
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->token, "env-token");
}

TEST_F(ClientConfigTest, ErrorsNameTheSettingAndItsSource) {
  setenv("LUBAN_TIMEOUT", "soon", 1);
  absl::StatusOr<ClientConfig> config = LoadClientConfig();
  ASSERT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(config.status().message(), "LUBAN_TIMEOUT")) << config.status();
  unsetenv("LUBAN_TIMEOUT");

  const std::string file = Write("bad.conf", "course_addr = a:1\ntoken = secret\n");
  absl::SetFlag(&FLAGS_config, file);
  config = LoadClientConfig();
  ASSERT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(config.status().message(), "bad.conf:2")) << config.status();
  EXPECT_TRUE(absl::StrContains(config.status().message(), "token_file")) << config.status();

  absl::SetFlag(&FLAGS_config, dir_ + "/absent.conf");
  config = LoadClientConfig();
  EXPECT_EQ(config.status().code(), absl::StatusCode::kFailedPrecondition);

  absl::SetFlag(&FLAGS_config, "");
  absl::SetFlag(&FLAGS_token_file, dir_ + "/absent-token");
  config = LoadClientConfig();
  EXPECT_EQ(config.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(config.status().message(), "absent-token")) << config.status();
}

TEST_F(ClientConfigTest, ChannelsCheckTheirTlsFiles) {
  absl::SetFlag(&FLAGS_tls_ca, dir_ + "/absent-ca.pem");
  absl::StatusOr<ClientConfig> config = LoadClientConfig();
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(config->tls.enabled());
  Connections connections(*config);
  auto channel = connections.Channel(Service::kCourse);
  ASSERT_EQ(channel.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(channel.status().message(), "absent-ca.pem")) << channel.status();

  client::ChannelOptions options;
  options.target = "127.0.0.1:1";
  options.tls.cert_file = Write("cert.pem", "-----BEGIN CERTIFICATE-----\n");
  EXPECT_EQ(client::MakeChannel(options).status().code(), absl::StatusCode::kInvalidArgument);
  options.tls.key_file = Write("key.pem", "not pem");
  EXPECT_EQ(client::MakeChannel(options).status().code(), absl::StatusCode::kFailedPrecondition);
  options = client::ChannelOptions();
  EXPECT_EQ(client::MakeChannel(options).status().code(), absl::StatusCode::kInvalidArgument);
  options.target = "127.0.0.1:1";
  EXPECT_TRUE(client::MakeChannel(options).ok());
}

TEST(ExitCodeTest, SaysWhatFailed) {
  EXPECT_EQ(ExitCodeFor(grpc::StatusCode::OK), kExitOk);
  EXPECT_EQ(ExitCodeFor(grpc::StatusCode::INVALID_ARGUMENT), kExitUsage);
  EXPECT_EQ(ExitCodeFor(grpc::StatusCode::NOT_FOUND), kExitNotFound);
  EXPECT_EQ(ExitCodeFor(grpc::StatusCode::PERMISSION_DENIED), kExitPermission);
  EXPECT_EQ(ExitCodeFor(grpc::StatusCode::UNAUTHENTICATED), kExitPermission);
  EXPECT_EQ(ExitCodeFor(grpc::StatusCode::UNAVAILABLE), kExitUnavailable);
  EXPECT_EQ(ExitCodeFor(grpc::StatusCode::DEADLINE_EXCEEDED), kExitUnavailable);
  EXPECT_EQ(ExitCodeFor(grpc::StatusCode::FAILED_PRECONDITION), kExitConflict);
  EXPECT_EQ(ExitCodeFor(grpc::StatusCode::ABORTED), kExitConflict);
  EXPECT_EQ(ExitCodeFor(grpc::StatusCode::INTERNAL), kExitFailure);
}

TEST(ExitCodeTest, ErrorLineIsOneLineWithTheCodeName) {
  const std::string line =
      ErrorLine("luban-admin", "runs get courseRuns/9",
                grpc::Status(grpc::StatusCode::NOT_FOUND, "courseRuns/9: not found\nsecond line"));
  EXPECT_EQ(line,
            "luban-admin: runs get courseRuns/9: NOT_FOUND: courseRuns/9: not found "
            "second line");
  EXPECT_EQ(StatusCodeName(grpc::StatusCode::FAILED_PRECONDITION), "FAILED_PRECONDITION");
  EXPECT_EQ(StatusCodeName(grpc::StatusCode::UNAUTHENTICATED), "UNAUTHENTICATED");
  // Codes past the canonical ones, inside grpc::StatusCode's range of values (-32..31: casting
  // anything outside it, such as 99, is undefined behaviour).
  EXPECT_EQ(StatusCodeName(static_cast<grpc::StatusCode>(17)), "UNKNOWN");
  EXPECT_EQ(StatusCodeName(grpc::StatusCode::DO_NOT_USE), "UNKNOWN");
}

}  // namespace
}  // namespace luban::cli
