#include "common/api/paging.h"

#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "luban/course/v1/course.pb.h"

namespace luban {
namespace {

using ::luban::course::v1::ListWorkshopsRequest;
using ::testing::HasSubstr;

constexpr char kCaller[] = "tju-admin";

ListWorkshopsRequest Request(const std::string& country, int page_size = 0,
                             const std::string& token = "") {
  ListWorkshopsRequest request;
  request.set_country_code(country);
  request.set_page_size(page_size);
  request.set_page_token(token);
  return request;
}

TEST(QueryFingerprintTest, IgnoresPageSizeAndToken) {
  const uint64_t base = QueryFingerprint(Request("TJ"), kCaller);
  EXPECT_EQ(QueryFingerprint(Request("TJ", 10), kCaller), base);
  EXPECT_EQ(QueryFingerprint(Request("TJ", 1000, "some-token"), kCaller), base);
}

TEST(QueryFingerprintTest, ChangesWithEveryFilter) {
  const uint64_t base = QueryFingerprint(Request("TJ"), kCaller);
  EXPECT_NE(QueryFingerprint(Request("KZ"), kCaller), base);
  EXPECT_NE(QueryFingerprint(Request(""), kCaller), base);

  ListWorkshopsRequest with_institution = Request("TJ");
  with_institution.set_institution("institutions/3");
  EXPECT_NE(QueryFingerprint(with_institution, kCaller), base);

  ListWorkshopsRequest with_status = Request("TJ");
  with_status.set_status(luban::course::v1::WORKSHOP_STATUS_OPERATING);
  EXPECT_NE(QueryFingerprint(with_status, kCaller), base);
}

TEST(QueryFingerprintTest, DependsOnTheRequestType) {
  // Same field values, another list: a token of one list is no token of another.
  luban::course::v1::ListCoursesRequest courses;
  luban::course::v1::ListWorkshopsRequest workshops;
  EXPECT_NE(QueryFingerprint(courses, kCaller), QueryFingerprint(workshops, kCaller));
}

TEST(ReadPageRequestTest, FirstPageDefaultsAndClamps) {
  const PageTokenCodec codec("secret");
  auto page = ReadPageRequest(codec, kCaller, Request("TJ"));
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->after_id, 0);
  EXPECT_EQ(page->size, 50);

  page = ReadPageRequest(codec, kCaller, Request("TJ", 5000));
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->size, 1000);

  page = ReadPageRequest(codec, kCaller, Request("TJ", 20));
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->size, 20);

  page = ReadPageRequest(codec, kCaller, Request("TJ", -1));
  EXPECT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(page.status().message()), HasSubstr("page_size"));
}

TEST(ReadPageRequestTest, NextPageTokenRoundTrips) {
  const PageTokenCodec codec("secret");
  const ListWorkshopsRequest first = Request("TJ", 10);
  const std::string token = NextPageToken(codec, kCaller, first, /*more=*/true, /*last_id=*/42);
  ASSERT_FALSE(token.empty());

  // The next request may change the page size but not the filters.
  auto page = ReadPageRequest(codec, kCaller, Request("TJ", 25, token));
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->after_id, 42);
  EXPECT_EQ(page->size, 25);
}

TEST(ReadPageRequestTest, NoMoreRowsMeansNoToken) {
  const PageTokenCodec codec("secret");
  EXPECT_EQ(NextPageToken(codec, kCaller, Request("TJ"), /*more=*/false, 42), "");
}

TEST(ReadPageRequestTest, TokenWithOtherFiltersIsRefused) {
  const PageTokenCodec codec("secret");
  const std::string token = NextPageToken(codec, kCaller, Request("TJ"), true, 42);
  auto page = ReadPageRequest(codec, kCaller, Request("KZ", 0, token));
  EXPECT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(page.status().message()), HasSubstr("page_token"));
}

TEST(ReadPageRequestTest, TokenOfAnotherCallerIsRefused) {
  const PageTokenCodec codec("secret");
  const std::string token = NextPageToken(codec, kCaller, Request("TJ"), true, 42);
  auto page = ReadPageRequest(codec, "kstu-admin", Request("TJ", 0, token));
  EXPECT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(page.status().message()), HasSubstr("another caller"));
  // Names are length-prefixed in the fingerprint: no shifting of bytes between name and filters.
  EXPECT_NE(QueryFingerprint(Request("TJ"), "a"), QueryFingerprint(Request("TJ"), "a\n"));
  EXPECT_TRUE(ReadPageRequest(codec, kCaller, Request("TJ", 0, token)).ok());
}

TEST(ReadPageRequestTest, TamperedOrForeignTokenIsRefused) {
  const PageTokenCodec codec("secret");
  std::string token = NextPageToken(codec, kCaller, Request("TJ"), true, 42);
  token[token.size() / 2] = token[token.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_EQ(ReadPageRequest(codec, kCaller, Request("TJ", 0, token)).status().code(),
            absl::StatusCode::kInvalidArgument);

  const PageTokenCodec other("another secret");
  const std::string foreign = NextPageToken(other, kCaller, Request("TJ"), true, 42);
  EXPECT_EQ(ReadPageRequest(codec, kCaller, Request("TJ", 0, foreign)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ReadPageRequestTest, AuthenticTokenWithANonNumericPositionIsRefused) {
  const PageTokenCodec codec("secret");
  for (const char* position : {"abc", "-5", ""}) {
    const std::string token = codec.Encode(QueryFingerprint(Request("TJ"), kCaller), position);
    auto page = ReadPageRequest(codec, kCaller, Request("TJ", 0, token));
    EXPECT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument) << position;
  }
}

TEST(DeterministicBytesTest, EqualMessagesGiveEqualBytes) {
  EXPECT_EQ(DeterministicBytes(Request("TJ", 5)), DeterministicBytes(Request("TJ", 5)));
  EXPECT_NE(DeterministicBytes(Request("TJ", 5)), DeterministicBytes(Request("TJ", 6)));
}

}  // namespace
}  // namespace luban
