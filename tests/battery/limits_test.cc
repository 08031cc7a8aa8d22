// Limits (the battery): oversized messages and metadata, huge page sizes, many repeated
// elements, many streams. Each is refused fast with a clear code (or, for a page size, clamped
// as the API promises), and the service's memory stays bounded.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/domain/page_token.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "tests/battery/battery_network.h"
#include "tests/battery/battery_report.h"

namespace luban::testing {
namespace {

constexpr char kSection[] = "Limits";

// AddressSanitizer's shadow memory and quarantine multiply a process's RSS: the memory bounds
// below are for the normal build, scaled for a sanitizer build.
#if defined(__SANITIZE_ADDRESS__)
constexpr double kMemoryScale = 4;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr double kMemoryScale = 4;
#else
constexpr double kMemoryScale = 1;
#endif
#else
constexpr double kMemoryScale = 1;
#endif
constexpr int kCourse = 0;
constexpr int kEnrollment = 1;

// Resident and peak memory of a process, in MiB, from /proc.
struct Memory {
  double rss = 0;
  double peak = 0;
};
Memory MemoryOf(pid_t pid) {
  Memory memory;
  const std::string status = ReadWholeFile(absl::StrCat("/proc/", pid, "/status"));
  for (absl::string_view line : absl::StrSplit(status, '\n')) {
    for (auto [key, field] : {std::pair{"VmRSS:", &memory.rss}, {"VmHWM:", &memory.peak}}) {
      if (!absl::ConsumePrefix(&line, key)) continue;
      double kib = 0;
      if (absl::SimpleAtod(absl::StripAsciiWhitespace(absl::StripSuffix(line, "kB")), &kib)) {
        *field = kib / 1024;
      }
    }
  }
  return memory;
}

class LimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LUBAN_REQUIRE_TEST_DATABASE();
    dir_ = MakeTempDir("luban-limits");
    ASSERT_FALSE(dir_.empty()) << std::strerror(errno);
    auto network = BatteryNetwork::Start(dir_, {});
    ASSERT_TRUE(network.ok()) << network.status();
    network_ = *std::move(network);
  }
  void TearDown() override {
    network_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // Runs `call` and checks it is refused with `code` within a second.
  template <typename Call>
  void ExpectRefusedFast(absl::string_view what, grpc::StatusCode code, Call call) {
    const absl::Time start = absl::Now();
    grpc::Status status = call();
    const absl::Duration took = absl::Now() - start;
    EXPECT_EQ(status.error_code(), code) << what << ": " << status.error_message();
    EXPECT_LT(took, absl::Seconds(1)) << what << " took " << absl::FormatDuration(took);
    EXPECT_FALSE(status.error_message().empty()) << what;
    RecordFigure(
        kSection,
        absl::StrCat(what, ": refused as ",
                     absl::StatusCodeToString(static_cast<absl::StatusCode>(code)), " after, ms"),
        absl::ToDoubleMilliseconds(took));
    ++cases_;
  }

  std::string dir_;
  std::unique_ptr<BatteryNetwork> network_;
  int cases_ = 0;
};

TEST_F(LimitsTest, OversizedAndHugeInputsAreRefusedFastWithClearCodes) {
  const pid_t enrollment = network_->suite().process(kEnrollment).pid();
  const Memory before = MemoryOf(enrollment);

  // A message over the 4 MiB limit.
  ExpectRefusedFast("a 5 MiB CreateTrainee", grpc::StatusCode::RESOURCE_EXHAUSTED, [&] {
    enrollment_pb::CreateTraineeRequest create;
    create.set_request_id("limits-big");
    create.mutable_trainee()->set_given_name(std::string(5 << 20, 'a'));
    enrollment_pb::Trainee created;
    return network_->enrollment().CreateTrainee(network_->Context().get(), create, &created);
  });
  // Metadata over the 16 KiB limit. gRPC answers it and closes the connection: on a channel of
  // its own, so that the calls below are not caught in that.
  ExpectRefusedFast("64 KiB of metadata", grpc::StatusCode::RESOURCE_EXHAUSTED, [&] {
    auto channel = grpc::CreateChannel(network_->suite().enrollment_addr(),
                                       grpc::InsecureChannelCredentials());
    auto stub = enrollment_pb::EnrollmentService::NewStub(channel);
    auto context = network_->Context();
    context->AddMetadata("x-padding", std::string(64 << 10, 'm'));
    enrollment_pb::ListTraineesResponse listed;
    return stub->ListTrainees(context.get(), {}, &listed);
  });
  // Many repeated elements, inside the message limit.
  ExpectRefusedFast("ImportTrainees with 50,000 rows", grpc::StatusCode::INVALID_ARGUMENT, [&] {
    enrollment_pb::ImportTraineesRequest import;
    import.set_request_id("limits-rows");
    for (int i = 0; i < 50000; ++i) import.add_rows()->mutable_trainee()->set_given_name("x");
    enrollment_pb::ImportTraineesResponse imported;
    return network_->enrollment().ImportTrainees(network_->Context().get(), import, &imported);
  });
  ExpectRefusedFast("a programme with 20,000 titles", grpc::StatusCode::INVALID_ARGUMENT, [&] {
    exchange_pb::CreateProgrammeRequest create;
    create.set_request_id("limits-titles");
    for (int i = 0; i < 20000; ++i) {
      auto* title = create.mutable_programme()->add_titles();
      title->set_language_code("en");
      title->set_text("t");
    }
    exchange_pb::Programme created;
    return network_->exchange().CreateProgramme(network_->Context().get(), create, &created);
  });
  ExpectRefusedFast("a negative page size", grpc::StatusCode::INVALID_ARGUMENT, [&] {
    enrollment_pb::ListTraineesRequest list;
    list.set_page_size(-1);
    enrollment_pb::ListTraineesResponse listed;
    return network_->enrollment().ListTrainees(network_->Context().get(), list, &listed);
  });
  ExpectRefusedFast("a 4 KiB page token", grpc::StatusCode::INVALID_ARGUMENT, [&] {
    enrollment_pb::ListTraineesRequest list;
    list.set_page_token(std::string(4096, 'A'));
    enrollment_pb::ListTraineesResponse listed;
    return network_->enrollment().ListTrainees(network_->Context().get(), list, &listed);
  });

  // A huge page size is clamped, as the API promises, not refused.
  auto trainees = network_->CreateTrainees(kMaxPageSize + 5, "limits");
  ASSERT_TRUE(trainees.ok()) << trainees.status();
  enrollment_pb::ListTraineesRequest list;
  list.set_page_size(1 << 30);
  enrollment_pb::ListTraineesResponse page;
  grpc::Status listed = network_->enrollment().ListTrainees(network_->Context().get(), list, &page);
  ASSERT_TRUE(listed.ok()) << listed.error_message();
  EXPECT_EQ(page.trainees_size(), kMaxPageSize);
  EXPECT_FALSE(page.next_page_token().empty());
  RecordFigure(kSection, "page size 2^30: entries returned (the maximum page)",
               int64_t{page.trainees_size()});

  const Memory after = MemoryOf(enrollment);
  // The 5 MiB message was refused before it was buffered whole; 50,000 rows are ~0.5 MiB.
  EXPECT_LT(after.peak - before.rss, 64 * kMemoryScale)
      << "peak " << after.peak << " MiB, before " << before.rss;
  RecordFigure(kSection, "enrollment service RSS before, MiB", before.rss);
  RecordFigure(kSection, "enrollment service peak RSS after, MiB", after.peak);
  RecordFigure(kSection, "oversized or malformed inputs refused", int64_t{cases_});
}

TEST_F(LimitsTest, ManyStreamsAreBoundedAndRefusedBeyondTheLimit) {
  const pid_t course = network_->suite().process(kCourse).pid();
  const Memory before = MemoryOf(course);
  // Streams over several connections (each connection allows 256 at once).
  const int connections = 8;
  // 1,200 or 2,000 streams: past the 1,024 a service serves.
  const int per_connection = BatteryScale(150, 250);
  std::vector<std::unique_ptr<course_pb::CourseService::Stub>> stubs;
  for (int c = 0; c < connections; ++c) {
    grpc::ChannelArguments arguments;
    arguments.SetInt("luban.battery.connection", c);  // a channel of its own, not a shared one
    auto channel = grpc::CreateCustomChannel(network_->suite().course_addr(),
                                             grpc::InsecureChannelCredentials(), arguments);
    stubs.push_back(course_pb::CourseService::NewStub(channel));
  }
  struct Stream {
    std::unique_ptr<grpc::ClientContext> context;
    std::unique_ptr<grpc::ClientReader<course_pb::WatchChangesResponse>> reader;
  };
  std::vector<Stream> streams;
  int open = 0;
  int refused = 0;
  std::map<grpc::StatusCode, int> codes;
  for (int c = 0; c < connections; ++c) {
    for (int i = 0; i < per_connection; ++i) {
      Stream stream;
      stream.context = network_->Context(absl::Seconds(60), LocalSuite::kReporter);
      stream.reader = stubs[c]->WatchChanges(stream.context.get(), {});
      course_pb::WatchChangesResponse first;
      // A live stream answers at once with a heartbeat carrying the cursor.
      if (stream.reader->Read(&first)) {
        ++open;
        streams.push_back(std::move(stream));
      } else {
        grpc::Status status = stream.reader->Finish();
        ++codes[status.error_code()];
        ++refused;
      }
    }
  }
  const Memory during = MemoryOf(course);
  for (Stream& stream : streams) stream.context->TryCancel();
  for (Stream& stream : streams) stream.reader->Finish();
  // Every stream either opened or was refused with RESOURCE_EXHAUSTED.
  for (const auto& [code, count] : codes) {
    EXPECT_EQ(code, grpc::StatusCode::RESOURCE_EXHAUSTED)
        << count << " streams ended with " << code;
  }
  EXPECT_EQ(open + refused, connections * per_connection);
  EXPECT_LT(during.rss - before.rss, 128 * kMemoryScale)
      << "RSS " << before.rss << " -> " << during.rss;
  RecordFigure(kSection, "WatchChanges streams asked for", int64_t{connections * per_connection});
  RecordFigure(kSection, "streams open at once", int64_t{open});
  RecordFigure(kSection, "streams refused (RESOURCE_EXHAUSTED)", int64_t{refused});
  RecordFigure(kSection, "course service RSS before, MiB", before.rss);
  RecordFigure(kSection, "course service RSS with the streams open, MiB", during.rss);
}

}  // namespace
}  // namespace luban::testing
