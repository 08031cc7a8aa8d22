#include "common/domain/page_token.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace luban {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr uint64_t kFingerprint = 0x0123456789abcdefULL;

TEST(PageTokenTest, RoundTrips) {
  const PageTokenCodec codec("secret-a");
  for (const std::string position : {"42", "", "9223372036854775807", "name\x01with\0bytes"}) {
    const std::string token = codec.Encode(kFingerprint, position);
    auto decoded = codec.Decode(token, kFingerprint);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, position);
  }
}

TEST(PageTokenTest, TokenIsOpaqueAndUrlSafe) {
  const PageTokenCodec codec("secret-a");
  const std::string token = codec.Encode(kFingerprint, "1234567");
  EXPECT_THAT(token, ::testing::Not(HasSubstr("1234567")));
  for (char c : token) {
    EXPECT_TRUE(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')
        << token;
  }
}

TEST(PageTokenTest, EveryTamperedByteIsRefused) {
  const PageTokenCodec codec("secret-a");
  const std::string token = codec.Encode(kFingerprint, "42");
  std::string bytes;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(token, &bytes));
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string tampered = bytes;
    tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
    auto decoded = codec.Decode(absl::WebSafeBase64Escape(tampered), kFingerprint);
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument) << "byte " << i;
    EXPECT_THAT(std::string(decoded.status().message()), StartsWith("page_token: "));
  }
}

TEST(PageTokenTest, ForgedPositionIsRefused) {
  // Someone who decodes the token and writes another position without the secret.
  const PageTokenCodec codec("secret-a");
  std::string bytes;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(codec.Encode(kFingerprint, "42"), &bytes));
  bytes.replace(9, 2, "43");
  auto decoded = codec.Decode(absl::WebSafeBase64Escape(bytes), kFingerprint);
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(PageTokenTest, TokenOfAnotherSecretIsRefused) {
  const PageTokenCodec a("secret-a");
  const PageTokenCodec b("secret-b");
  auto decoded = b.Decode(a.Encode(kFingerprint, "42"), kFingerprint);
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(decoded.status().message()), HasSubstr("altered or was not issued"));
}

TEST(PageTokenTest, TokenOfAnotherQueryIsRefused) {
  const PageTokenCodec codec("secret-a");
  auto decoded = codec.Decode(codec.Encode(kFingerprint, "42"), kFingerprint + 1);
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(decoded.status().message()), HasSubstr("other filters"));
}

TEST(PageTokenTest, GarbageIsRefused) {
  const PageTokenCodec codec("secret-a");
  for (const std::string& token : {std::string("not a token!"), std::string("AAAA"),
                                   std::string("Ag"), std::string(5000, 'A')}) {
    auto decoded = codec.Decode(token, kFingerprint);
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument) << token;
    EXPECT_THAT(std::string(decoded.status().message()), StartsWith("page_token: "));
  }
}

TEST(EffectivePageSizeTest, DefaultsClampsAndRefusesNegative) {
  EXPECT_EQ(*EffectivePageSize(0), kDefaultPageSize);
  EXPECT_EQ(*EffectivePageSize(0), 50);
  EXPECT_EQ(*EffectivePageSize(1), 1);
  EXPECT_EQ(*EffectivePageSize(1000), 1000);
  EXPECT_EQ(*EffectivePageSize(1001), 1000);
  EXPECT_EQ(*EffectivePageSize(5000), kMaxPageSize);
  auto negative = EffectivePageSize(-1);
  EXPECT_EQ(negative.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(negative.status().message()), HasSubstr("page_size"));
}

}  // namespace
}  // namespace luban
