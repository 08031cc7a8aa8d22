#include "common/domain/validation.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace luban {
namespace {

using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

// Place names in the scripts the network works in.
constexpr char kTajik[] = "Ҷумъа";             // Cyrillic with Tajik letters
constexpr char kTajikVowels[] = "Хуҷанд ӣ ӯ";  // ҷ, ӣ, ӯ
constexpr char kKazakh[] = "Қазақстан";
constexpr char kRussian[] = "Душанбе";
constexpr char kChinese[] = "天津";
constexpr char kEmoji[] = "\xF0\x9F\x8F\x97";  // U+1F3D7, four bytes

TEST(CheckTextTest, AcceptsEveryScript) {
  for (const char* text :
       {kTajik, kTajikVowels, kKazakh, kRussian, kChinese, kEmoji, "Tajik Technical University"}) {
    EXPECT_TRUE(CheckText("name", text, 1, 200).ok()) << text;
  }
}

TEST(CheckTextTest, CountsBytesNotCharacters) {
  // "天津" is two characters but six bytes.
  EXPECT_TRUE(CheckText("name", kChinese, 1, 6).ok());
  const absl::Status status = CheckText("name", kChinese, 1, 5);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("at most 5 bytes"));
}

TEST(CheckTextTest, RefusesInvalidUtf8) {
  for (const char* text : {
           "\xC3\x28",          // bad continuation
           "abc\xE4\xB8",       // truncated three-byte sequence
           "\xC0\xAF",          // overlong '/'
           "\xE0\x80\xAF",      // overlong, three bytes
           "\xED\xA0\x80",      // UTF-16 surrogate
           "\xF4\x90\x80\x80",  // past U+10FFFF
           "\xFF",              // never valid
           "\x80",              // lone continuation
       }) {
    const absl::Status status = CheckText("city", text, 1, 100);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << absl::CHexEscape(text);
    EXPECT_THAT(std::string(status.message()), HasSubstr("city: must be valid UTF-8"));
    EXPECT_FALSE(IsValidUtf8(text));
  }
  EXPECT_TRUE(IsValidUtf8(kTajik));
  EXPECT_TRUE(IsValidUtf8(kEmoji));
  EXPECT_TRUE(IsValidUtf8(""));
}

TEST(CheckTextTest, RefusesControlCharacters) {
  for (const std::string& text : {std::string("a\x01z"), std::string("a\x7Fz"), std::string("a\nz"),
                                  std::string("a\tz"), std::string("a\0z", 3)}) {
    const absl::Status status = CheckText("name", text, 1, 100);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << absl::CHexEscape(text);
    EXPECT_THAT(std::string(status.message()),
                HasSubstr("name: must not contain control characters"));
  }
}

TEST(CheckTextTest, MultilineAllowsNewlinesAndTabsOnly) {
  EXPECT_TRUE(CheckText("notes", "line one\n\tline two", 0, 100, /*multiline=*/true).ok());
  EXPECT_EQ(CheckText("notes", "bell\x07", 0, 100, /*multiline=*/true).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(CheckTextTest, RefusesBlankAndMissing) {
  absl::Status status = CheckText("city", "", 1, 100);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("city: required"));

  status = CheckText("city", "   ", 1, 100);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("city: must not be blank"));

  status = CheckText("city", "ab", 3, 100);
  EXPECT_THAT(std::string(status.message()), HasSubstr("city: at least 3 bytes"));

  // Optional text may be empty.
  EXPECT_TRUE(CheckText("notes", "", 0, 100).ok());
}

TEST(CheckLanguageTagTest, AcceptsBcp47Shapes) {
  for (const char* tag : {"tg", "kk", "ru", "uz", "ky", "tk", "zh", "en", "zh-Hans", "uz-Latn",
                          "uz-Cyrl-UZ", "yue", "es-419"}) {
    EXPECT_TRUE(CheckLanguageTag("language_code", tag).ok()) << tag;
  }
}

TEST(CheckLanguageTagTest, RefusesOtherShapes) {
  for (const char* tag : {"", "t", "TG", "Tg", "english", "zh_Hans", "zh-", "-zh", "zh--Hans",
                          "zh-Hansabcde", "ru RU", "тг"}) {
    const absl::Status status = CheckLanguageTag("names[0].language_code", tag);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << tag;
    EXPECT_THAT(std::string(status.message()),
                HasSubstr("names[0].language_code: a BCP 47 language tag"));
  }
}

TEST(CheckCountryCodeTest, AcceptsTwoCapitals) {
  for (const char* code : {"TJ", "KZ", "UZ", "KG", "TM", "CN"}) {
    EXPECT_TRUE(CheckCountryCode("country_code", code).ok()) << code;
  }
}

TEST(CheckCountryCodeTest, RefusesCodesNotAssignedToACountry) {
  for (const char* code : {"XX", "ZZ", "QQ", "JJ", "AA", "XK", "UK", "EU", "SU"}) {
    const absl::Status status = CheckCountryCode("citizenship", code);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << code;
    EXPECT_THAT(std::string(status.message()),
                HasSubstr(absl::StrCat("citizenship: an ISO 3166-1 alpha-2 country code ",
                                       "assigned to a country (", code, " is not one)")));
  }
  // Both ends of the table and codes either side of a gap.
  for (const char* code : {"AD", "ZW", "GB", "SS", "SX", "BQ", "TL", "RS", "ME"}) {
    EXPECT_TRUE(CheckCountryCode("citizenship", code).ok()) << code;
  }
}

TEST(CheckCountryCodeTest, RefusesOtherShapes) {
  for (const char* code : {"", "T", "tj", "Tj", "TJK", "1J", "T ", "ТJ"}) {
    const absl::Status status = CheckCountryCode("country_code", code);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << code;
    EXPECT_THAT(std::string(status.message()), HasSubstr("country_code: an ISO 3166-1 alpha-2"));
  }
}

TEST(CheckRequestIdTest, AcceptsPrintableAscii) {
  EXPECT_TRUE(CheckRequestId("2f1c9a5e-0d4b-4e0f-9b7a-6c1d2e3f4a5b").ok());
  EXPECT_TRUE(CheckRequestId("import:trainees.csv#17").ok());
  EXPECT_TRUE(CheckRequestId(std::string(128, 'r')).ok());
}

TEST(CheckRequestIdTest, RefusesMissingLongAndUnprintable) {
  absl::Status status = CheckRequestId("");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("request_id: required"));

  status = CheckRequestId(std::string(129, 'r'));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("at most 128"));

  for (const char* id : {"with space", "tab\there", "Ҷ-1", "nul\x01"}) {
    status = CheckRequestId(id);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << id;
    EXPECT_THAT(std::string(status.message()), HasSubstr("request_id: printable ASCII"));
  }
}

TEST(ParseCountrySetTest, ParsesTheConfiguredSet) {
  auto set = ParseCountrySet("TJ,KZ,UZ,KG,TM");
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_THAT(*set, UnorderedElementsAre("TJ", "KZ", "UZ", "KG", "TM"));

  set = ParseCountrySet(" TJ , KZ ,TJ");
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_THAT(*set, UnorderedElementsAre("TJ", "KZ"));
}

TEST(ParseCountrySetTest, RefusesBadCodesAndEmptySets) {
  for (const char* text : {"", " ", ",", "TJ,kz", "TJ,KAZ", "TJ;KZ"}) {
    auto set = ParseCountrySet(text);
    EXPECT_EQ(set.status().code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(std::string(set.status().message()), HasSubstr("workshop_countries")) << text;
  }
}

}  // namespace
}  // namespace luban
