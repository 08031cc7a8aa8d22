#include "common/domain/types.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace luban {
namespace {

using ::testing::HasSubstr;
using ::testing::Optional;

TEST(EtagTest, FormatsQuotedVersion) {
  EXPECT_EQ(FormatEtag(7), "\"7\"");
  EXPECT_EQ(FormatEtag(123456789012), "\"123456789012\"");
}

TEST(EtagTest, ParsesWhatItFormats) {
  for (int64_t version : {int64_t{1}, int64_t{7}, int64_t{123456789012}}) {
    auto parsed = ParseEtag("etag", FormatEtag(version));
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_THAT(*parsed, Optional(version));
  }
}

TEST(EtagTest, EmptyMeansNoCheck) {
  auto parsed = ParseEtag("etag", "");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, std::nullopt);
}

TEST(EtagTest, RefusesMalformed) {
  for (const char* etag : {"7", "\"7", "7\"", "\"\"", "\"0\"", "\"-1\"", "\"x\"", "W/\"7\"",
                           "\"99999999999999999999\""}) {
    auto parsed = ParseEtag("workshop.etag", etag);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << etag;
    EXPECT_THAT(std::string(parsed.status().message()), HasSubstr("workshop.etag: "));
  }
}

TEST(CheckVersionTest, NoExpectationOrMatchPasses) {
  EXPECT_TRUE(CheckVersion("workshops/3", std::nullopt, 5).ok());
  EXPECT_TRUE(CheckVersion("workshops/3", 5, 5).ok());
}

TEST(CheckVersionTest, StaleEtagIsAborted) {
  const absl::Status status = CheckVersion("workshops/3", 4, 5);
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted);
  EXPECT_THAT(std::string(status.message()), HasSubstr("workshops/3"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("\"4\""));
  EXPECT_THAT(std::string(status.message()), HasSubstr("\"5\""));
}

TEST(CheckLocalizedTextsTest, AcceptsSeveralLanguagesAndScripts) {
  const std::vector<LocalizedText> names = {
      {"tg", "Донишгоҳи техникии Тоҷикистон"}, {"ru", "Таджикский технический университет"},
      {"zh-Hans", "塔吉克斯坦技术大学"},       {"kk", "Қазақстан"},
      {"en", "Tajik Technical University"},
  };
  EXPECT_TRUE(CheckLocalizedTexts("names", names).ok());
}

TEST(CheckLocalizedTextsTest, RefusesDuplicateLanguage) {
  const absl::Status status =
      CheckLocalizedTexts("names", {{"ru", "Душанбе"}, {"tg", "Душанбе"}, {"ru", "Худжанд"}});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("names[2].language_code"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("\"ru\" appears twice"));
}

TEST(CheckLocalizedTextsTest, RefusesEmptyListBadTagAndBadText) {
  EXPECT_THAT(std::string(CheckLocalizedTexts("names", {}).message()),
              HasSubstr("names: at least one"));

  absl::Status status = CheckLocalizedTexts("names", {{"ru", "ok"}, {"Russian", "x"}});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("names[1].language_code"));

  status = CheckLocalizedTexts("names", {{"ru", ""}});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("names[0].text: required"));

  status = CheckLocalizedTexts("names", {{"zh", "天津"}}, /*max_bytes=*/5);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("names[0].text: at most 5 bytes"));

  status = CheckLocalizedTexts("names", {{"ru", "\xD0"}});
  EXPECT_THAT(std::string(status.message()), HasSubstr("names[0].text: must be valid UTF-8"));
}

TEST(CheckLocalizedTextsTest, RefusesMoreThanSixteen) {
  std::vector<LocalizedText> texts;
  for (int i = 0; i < 17; ++i) {
    texts.push_back({"x" + std::string(1, static_cast<char>('a' + i)), "text"});
  }
  EXPECT_TRUE(CheckLocalizedTexts("names", {texts.begin(), texts.begin() + 16}).ok());
  const absl::Status status = CheckLocalizedTexts("names", texts);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("at most 16"));
}

}  // namespace
}  // namespace luban
