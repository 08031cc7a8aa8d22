// Metrics and logs of the services as processes: /metrics answers over loopback HTTP and its
// counters move with the calls; --log_format=json writes one JSON object per line with an access
// line per call; a traceparent sent to enrollment shows, with the same trace id, in the course
// service's log of the peer call it causes; a request that does not parse, sent to any method, is
// refused as INVALID_ARGUMENT and counted and logged as such.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <future>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/wire_format_lite.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"
#include "gtest/gtest.h"
#include "luban/course/v1/course.grpc.pb.h"
#include "luban/enrollment/v1/enrollment.grpc.pb.h"
#include "luban/exchange/v1/exchange.pb.h"
#include "nlohmann/json.hpp"
#include "tests/support/child_process.h"
#include "tests/support/local_suite.h"

#ifndef LUBAN_DEMO_SEED_BINARY
#error "LUBAN_DEMO_SEED_BINARY must be defined"
#endif

namespace luban::testing {
namespace {

namespace course_pb = ::luban::course::v1;
namespace enrollment_pb = ::luban::enrollment::v1;

constexpr char kListInstitutions[] = "luban.course.v1.CourseService/ListInstitutions";

// The body of GET http://127.0.0.1:<port><path> ("" when it cannot be fetched).
std::string HttpGet(int port, const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0) {
    const std::string request = absl::StrCat("GET ", path, " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
    if (write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
      char buffer[8192];
      ssize_t n;
      while ((n = read(fd, buffer, sizeof(buffer))) > 0) response.append(buffer, n);
    }
  }
  close(fd);
  const size_t body = response.find("\r\n\r\n");
  return body == std::string::npos ? "" : response.substr(body + 4);
}

// The value of the sample `series` (name with its labels, as exposed) in `exposition`.
std::optional<double> Sample(const std::string& exposition, const std::string& series) {
  for (absl::string_view line : absl::StrSplit(exposition, '\n')) {
    if (!absl::StartsWith(line, series) || line.size() <= series.size() ||
        line[series.size()] != ' ') {
      continue;
    }
    double value = 0;
    if (absl::SimpleAtod(line.substr(series.size() + 1), &value)) return value;
  }
  return std::nullopt;
}

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::internal::WireFormatLite;

// `value` as the length-delimited field `number`, on the wire.
std::string LengthDelimited(int number, absl::string_view value) {
  std::string wire;
  {
    google::protobuf::io::StringOutputStream stream(&wire);
    google::protobuf::io::CodedOutputStream out(&stream);
    out.WriteTag(WireFormatLite::MakeTag(number, WireFormatLite::WIRETYPE_LENGTH_DELIMITED));
    out.WriteVarint32(static_cast<uint32_t>(value.size()));
    out.WriteRaw(value.data(), static_cast<int>(value.size()));
  }
  return wire;
}

// A `type` whose first string field (depth first, through message fields) holds `value`, on the
// wire; `*path` names that field ("" when `type` has none).
std::string WithFirstString(const Descriptor& type, absl::string_view value, std::string* path,
                            int depth = 0) {
  for (int i = 0; i < type.field_count(); ++i) {
    const FieldDescriptor& field = *type.field(i);
    if (field.type() == FieldDescriptor::TYPE_STRING) {
      *path = field.is_repeated() ? absl::StrCat(field.name(), "[0]") : field.name();
      return LengthDelimited(field.number(), value);
    }
  }
  for (int i = 0; depth < 3 && i < type.field_count(); ++i) {
    const FieldDescriptor& field = *type.field(i);
    if (field.type() != FieldDescriptor::TYPE_MESSAGE || field.is_map()) continue;
    std::string inner;
    const std::string wire = WithFirstString(*field.message_type(), value, &inner, depth + 1);
    if (inner.empty()) continue;
    *path = absl::StrCat(field.name(), field.is_repeated() ? "[0]" : "", ".", inner);
    return LengthDelimited(field.number(), wire);
  }
  path->clear();
  return "";
}

// Sends `payload` as the request of `method` ("/package.Service/Method") and returns the status.
grpc::Status CallWithBytes(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                           const std::string& payload, const std::string& token) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  grpc::Slice slice(payload);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, method, grpc::StubOptions(), &request, &response,
                 [&done](grpc::Status status) { done.set_value(std::move(status)); });
  return done.get_future().get();
}

class ObservabilityTest : public ::testing::Test {
 protected:
  void Start(LocalSuite::Options options) {
    dir_ = MakeTempDir("luban-observability");
    ASSERT_FALSE(dir_.empty()) << std::strerror(errno);
    auto suite = LocalSuite::Start(dir_, options);
    ASSERT_TRUE(suite.ok()) << suite.status();
    suite_ = *std::move(suite);
  }

  void TearDown() override {
    suite_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  grpc::Status ListInstitutions(const std::string& token) {
    auto channel = suite_->Channel(suite_->course_addr());
    EXPECT_TRUE(channel.ok());
    auto stub = course_pb::CourseService::NewStub(*channel);
    grpc::ClientContext context;
    if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    course_pb::ListInstitutionsResponse response;
    return stub->ListInstitutions(&context, {}, &response);
  }

  // The JSON objects a service wrote to stderr; fails the test on a line that is not one.
  std::vector<nlohmann::json> JsonLines(int service) {
    std::vector<nlohmann::json> lines;
    for (absl::string_view line : absl::StrSplit(suite_->Errors(service), '\n')) {
      if (line.empty()) continue;
      nlohmann::json object =
          nlohmann::json::parse(std::string(line), nullptr, /*allow_exceptions=*/false);
      EXPECT_TRUE(object.is_object()) << "not a JSON object: " << line;
      if (object.is_object()) lines.push_back(std::move(object));
    }
    return lines;
  }

  std::string dir_;
  std::unique_ptr<LocalSuite> suite_;
};

TEST_F(ObservabilityTest, MetricsCountCallsByMethodAndCode) {
  LUBAN_REQUIRE_TEST_DATABASE();
  LocalSuite::Options options;
  options.metrics = true;
  Start(options);
  if (HasFatalFailure()) return;
  const int course = suite_->metrics_port(0);
  const std::string ok_series =
      absl::StrCat("luban_rpc_calls_total{code=\"OK\",method=\"", kListInstitutions, "\"}");
  const std::string denied_series = absl::StrCat(
      "luban_rpc_calls_total{code=\"UNAUTHENTICATED\",method=\"", kListInstitutions, "\"}");
  const std::string before = HttpGet(course, "/metrics");
  ASSERT_FALSE(before.empty()) << "no /metrics on port " << course;
  const double ok_before = Sample(before, ok_series).value_or(0);

  ASSERT_TRUE(ListInstitutions(suite_->Token(LocalSuite::kReporter)).ok());
  ASSERT_TRUE(ListInstitutions(suite_->Token(LocalSuite::kReporter)).ok());
  EXPECT_EQ(ListInstitutions("").error_code(), grpc::StatusCode::UNAUTHENTICATED);

  const std::string after = HttpGet(course, "/metrics");
  EXPECT_EQ(Sample(after, ok_series), ok_before + 2) << after;
  EXPECT_EQ(Sample(after, denied_series), 1) << after;
  EXPECT_GE(Sample(after, absl::StrCat("luban_rpc_latency_seconds_count{method=\"",
                                       kListInstitutions, "\"}"))
                .value_or(0),
            3)
      << after;
  EXPECT_TRUE(Sample(after, "luban_db_pool_in_use").has_value()) << after;
  EXPECT_TRUE(Sample(after, "luban_db_pool_waits_total").has_value()) << after;
  // The enrollment service follows the course feed: its lag is exposed.
  const std::string enrollment = HttpGet(suite_->metrics_port(1), "/metrics");
  EXPECT_TRUE(Sample(enrollment, "luban_course_feed_lag_seconds").has_value()) << enrollment;

  // The demo data twice: the second run's mutations are answered from the ledger.
  auto seed = [&] {
    return RunToEnd({LUBAN_DEMO_SEED_BINARY, "--target=" + suite_->course_addr()},
                    suite_->ClientEnvironment(LocalSuite::kNetworkAdmin), dir_, "seed",
                    absl::Seconds(120));
  };
  RunResult first = seed();
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const double replays =
      Sample(HttpGet(course, "/metrics"), "luban_idempotent_replays_total").value_or(0);
  RunResult second = seed();
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_GT(Sample(HttpGet(course, "/metrics"), "luban_idempotent_replays_total").value_or(0),
            replays);
}

// Each service's health answers for its full name as for the server ("").
TEST_F(ObservabilityTest, HealthAnswersByEachServiceName) {
  LUBAN_REQUIRE_TEST_DATABASE();
  Start(LocalSuite::Options());
  if (HasFatalFailure()) return;
  const std::pair<std::string, std::string> services[] = {
      {suite_->course_addr(), "luban.course.v1.CourseService"},
      {suite_->enrollment_addr(), "luban.enrollment.v1.EnrollmentService"},
      {suite_->exchange_addr(), "luban.exchange.v1.ExchangeService"}};
  for (const auto& [addr, name] : services) {
    auto channel = suite_->Channel(addr);
    ASSERT_TRUE(channel.ok()) << channel.status();
    auto health = grpc::health::v1::Health::NewStub(*channel);
    for (const std::string& service : {std::string(), name}) {
      grpc::ClientContext context;
      context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
      grpc::health::v1::HealthCheckRequest request;
      request.set_service(service);
      grpc::health::v1::HealthCheckResponse response;
      const grpc::Status status = health->Check(&context, request, &response);
      ASSERT_TRUE(status.ok()) << addr << " '" << service << "': " << status.error_message();
      EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING)
          << addr << " '" << service << "'";
    }
  }
}

TEST_F(ObservabilityTest, JsonLogsCarryTheTraceIdAcrossThePeerCall) {
  LUBAN_REQUIRE_TEST_DATABASE();
  LocalSuite::Options options;
  options.service_env = {"LUBAN_LOG_FORMAT=json"};
  Start(options);
  if (HasFatalFailure()) return;
  const std::string trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";

  // Creating a trainee makes enrollment ask course for the trainee's home workshop.
  auto channel = suite_->Channel(suite_->enrollment_addr());
  ASSERT_TRUE(channel.ok());
  auto stub = enrollment_pb::EnrollmentService::NewStub(*channel);
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + suite_->Token(LocalSuite::kNetworkAdmin));
  context.AddMetadata("traceparent", absl::StrCat("00-", trace_id, "-00f067aa0ba902b7-01"));
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  enrollment_pb::CreateTraineeRequest request;
  request.set_request_id("observability-trace-1");
  enrollment_pb::Trainee& trainee = *request.mutable_trainee();
  trainee.set_family_name("Traced");
  trainee.set_given_name("Trainee");
  trainee.set_sex(enrollment_pb::SEX_FEMALE);
  trainee.mutable_birth_date()->set_year(2000);
  trainee.mutable_birth_date()->set_month(1);
  trainee.mutable_birth_date()->set_day(1);
  trainee.set_citizenship("KZ");
  trainee.mutable_identity_document()->set_country_code("KZ");
  trainee.mutable_identity_document()->set_type(enrollment_pb::DOCUMENT_TYPE_PASSPORT);
  trainee.mutable_identity_document()->set_number("N1234567");
  trainee.set_home_workshop("workshops/999999");
  enrollment_pb::Trainee created;
  const grpc::Status status = stub->CreateTrainee(&context, request, &created);
  EXPECT_FALSE(status.ok());  // no such workshop: the answer came from the course service

  // Each service's access line of its call, with the trace id.
  auto access_line = [&](int service, absl::string_view method) -> std::optional<nlohmann::json> {
    for (const nlohmann::json& line : JsonLines(service)) {
      EXPECT_TRUE(line.contains("time") && line.contains("level") && line.contains("service"))
          << line.dump();
      if (line.value("msg", "") == "call" && absl::EndsWith(line.value("method", ""), method)) {
        return line;
      }
    }
    return std::nullopt;
  };
  const std::optional<nlohmann::json> enrollment = access_line(1, "/CreateTrainee");
  ASSERT_TRUE(enrollment.has_value()) << suite_->Logs();
  EXPECT_EQ(enrollment->value("trace_id", ""), trace_id) << enrollment->dump();
  EXPECT_EQ(enrollment->value("principal", ""), "suite-admin") << enrollment->dump();
  EXPECT_EQ(enrollment->value("method", ""), "luban.enrollment.v1.EnrollmentService/CreateTrainee");
  EXPECT_NE(enrollment->value("code", ""), "OK");
  EXPECT_TRUE((*enrollment)["latency_ms"].is_number()) << enrollment->dump();
  EXPECT_EQ(enrollment->value("service", ""), "enrollment");

  const std::optional<nlohmann::json> course = access_line(0, "/GetWorkshop");
  ASSERT_TRUE(course.has_value()) << suite_->Logs();
  EXPECT_EQ(course->value("trace_id", ""), trace_id) << course->dump();
  EXPECT_EQ(course->value("principal", ""), "svc-enrollment") << course->dump();
  EXPECT_EQ(course->value("code", ""), "NOT_FOUND") << course->dump();

  // A call without traceparent gets a trace id of its own.
  EXPECT_TRUE(ListInstitutions(suite_->Token(LocalSuite::kReporter)).ok());
  const std::optional<nlohmann::json> listed = access_line(0, "/ListInstitutions");
  ASSERT_TRUE(listed.has_value()) << suite_->Logs();
  EXPECT_EQ(listed->value("trace_id", "").size(), 32u) << listed->dump();
  EXPECT_NE(listed->value("trace_id", ""), trace_id);
}

// gRPC's own handlers answer UNIMPLEMENTED with no message for these, as if the method did not
// exist; every method of the three services must say what is wrong with the request instead.
TEST_F(ObservabilityTest, RequestsThatDoNotParseAreRefusedByEveryMethodAsInvalidArgument) {
  LUBAN_REQUIRE_TEST_DATABASE();
  LocalSuite::Options options;
  options.metrics = true;
  options.service_env = {"LUBAN_LOG_FORMAT=json"};
  Start(options);
  if (HasFatalFailure()) return;
  const std::string admin = suite_->Token(LocalSuite::kNetworkAdmin);
  const std::pair<const char*, std::string> services[] = {
      {"luban.course.v1.CourseService", suite_->course_addr()},
      {"luban.enrollment.v1.EnrollmentService", suite_->enrollment_addr()},
      {"luban.exchange.v1.ExchangeService", suite_->exchange_addr()}};
  // The services' descriptors, in the generated pool once their files are linked in.
  ASSERT_NE(::luban::exchange::v1::Mobility::descriptor(), nullptr);
  int methods = 0;
  for (int s = 0; s < 3; ++s) {
    const auto* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(services[s].first);
    ASSERT_NE(service, nullptr) << services[s].first;
    auto channel = suite_->Channel(services[s].second);
    ASSERT_TRUE(channel.ok()) << channel.status();
    for (int m = 0; m < service->method_count(); ++m) {
      ++methods;
      const google::protobuf::MethodDescriptor& method = *service->method(m);
      const std::string path = absl::StrCat("/", service->full_name(), "/", method.name());
      const std::string prefix =
          absl::StrCat("request is not a valid ", method.input_type()->full_name(), ": ");
      std::string field;
      const std::string whole = WithFirstString(*method.input_type(), "a whole value", &field);
      const std::string not_utf8 = absl::StrCat("field ", field, " is not valid UTF-8");
      struct Case {
        std::string payload;
        std::string says;
      };
      std::vector<Case> cases;
      if (field.empty()) {
        // A request without a string field (GetCallerRequest is empty): bytes that are no
        // message at all (a tag cut short, a bad wire type, a value, a length, a field cut
        // short), as many cases as the others have.
        for (std::string bytes :
             {"\xff\xff\xff\xff\xff", "\x0f", "\x08", "\x12\xff\xff", "\x0a\x05\x61\x62"}) {
          cases.push_back({bytes, ""});
        }
      } else {
        cases = {
            {"\xff\xff\xff\xff\xff", "malformed data at byte 0"},
            {whole.substr(0, whole.size() - 4), "is cut short"},
            {WithFirstString(*method.input_type(), "ok\xff\xfe", &field), not_utf8},
            {WithFirstString(*method.input_type(), "\x80", &field), not_utf8},  // lone continuation
            {WithFirstString(*method.input_type(), "\xc0\xaf", &field), not_utf8},  // overlong "/"
        };
      }
      ASSERT_EQ(cases.size(), 5u);
      for (const Case& c : cases) {
        const grpc::Status status = CallWithBytes(*channel, path, c.payload, admin);
        EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
            << path << " " << status.error_message();
        EXPECT_TRUE(absl::StartsWith(status.error_message(), prefix))
            << path << ": " << status.error_message();
        EXPECT_TRUE(absl::StrContains(status.error_message(), c.says))
            << path << ": " << status.error_message();
      }
    }
  }
  EXPECT_EQ(methods, 28 + 20 + 17);
  // The public method too, without a token: the request is refused, not the caller.
  auto enrollment = suite_->Channel(suite_->enrollment_addr());
  ASSERT_TRUE(enrollment.ok());
  const grpc::Status anonymous =
      CallWithBytes(*enrollment, "/luban.enrollment.v1.EnrollmentService/VerifyCertificate",
                    std::string("\x0a\x05"
                                "ab"),
                    "");
  EXPECT_EQ(anonymous.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << anonymous.error_message();
  EXPECT_EQ(anonymous.error_message(),
            "request is not a valid luban.enrollment.v1.VerifyCertificateRequest: field number "
            "is cut short (5 bytes announced, 2 left)");

  // Counted and logged like any refused call: per method, as a unary call or a stream refused.
  for (int s = 0; s < 3; ++s) {
    const auto* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(services[s].first);
    const std::string exposition = HttpGet(suite_->metrics_port(s), "/metrics");
    const std::vector<nlohmann::json> lines = JsonLines(s);
    for (int m = 0; m < service->method_count(); ++m) {
      const google::protobuf::MethodDescriptor& method = *service->method(m);
      const std::string name = absl::StrCat(service->full_name(), "/", method.name());
      const std::string series = absl::StrCat(
          method.server_streaming() ? "luban_rpc_stream_admissions_total" : "luban_rpc_calls_total",
          "{code=\"INVALID_ARGUMENT\",method=\"", name, "\"}");
      EXPECT_GE(Sample(exposition, series).value_or(0), 5) << series;
      int logged = 0;
      for (const nlohmann::json& line : lines) {
        if (line.value("msg", "") == "call" && line.value("method", "") == name &&
            line.value("code", "") == "INVALID_ARGUMENT" &&
            absl::StrContains(line.value("error", ""), "request is not a valid")) {
          ++logged;
        }
      }
      EXPECT_GE(logged, 5) << name;
    }
  }
}

}  // namespace
}  // namespace luban::testing
