// The CSV codec of the command-line clients (tools/cli/csv.h): quoting, RFC 4180 parsing with
// line numbers, byte-order marks, UTF-8 byte-exactness and the refusals of damaged input.
#include "tools/cli/csv.h"

#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace luban::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

using Records = std::vector<std::vector<std::string>>;

TEST(CsvFieldTest, QuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(CsvField("plain"), "plain");
  EXPECT_EQ(CsvField(""), "");
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvField("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(CsvField("cr\r"), "\"cr\r\"");
  EXPECT_EQ(CsvField("Ҷӯраев 王"), "Ҷӯраев 王");
}

TEST(CsvWriterTest, WritesOneLinePerRecord) {
  std::ostringstream out;
  CsvWriter writer(out);
  writer.WriteRow({"line", "outcome", "message"});
  writer.WriteRow(std::vector<std::string>{"2", "REFUSED", "birth_date: bad, really"});
  EXPECT_EQ(out.str(), "line,outcome,message\n2,REFUSED,\"birth_date: bad, really\"\n");
}

TEST(CsvRoundTripTest, WhatIsWrittenParsesBackByteExact) {
  const Records rows = {{"family_name", "given_name", "note"},
                        {"Раҳимов", "Ҷамшед", "quote \" and, comma"},
                        {"王", "小明", "multi\nline\r\nfield"},
                        {"", "", ""}};
  std::ostringstream out;
  CsvWriter writer(out);
  for (const auto& row : rows) writer.WriteRow(row);
  Records parsed;
  ASSERT_TRUE(ParseCsv(out.str(), &parsed).ok());
  EXPECT_EQ(parsed, rows);
}

TEST(CsvReaderTest, AcceptsCrLfAndLfAndAMissingFinalNewline) {
  Records records;
  ASSERT_TRUE(ParseCsv("a,b\r\nc,d\ne,f", &records).ok());
  EXPECT_EQ(records, (Records{{"a", "b"}, {"c", "d"}, {"e", "f"}}));
}

TEST(CsvReaderTest, SkipsAByteOrderMarkOnlyAtTheStart) {
  Records records;
  ASSERT_TRUE(ParseCsv("\xEF\xBB\xBFname\n\xEF\xBB\xBFx\n", &records).ok());
  EXPECT_EQ(records, (Records{{"name"}, {"\xEF\xBB\xBFx"}}));
}

TEST(CsvReaderTest, KeepsAStartThatOnlyLooksLikeAByteOrderMark) {
  // U+FF01 FULLWIDTH EXCLAMATION MARK is EF BC 81: not a BOM, and must survive.
  Records records;
  ASSERT_TRUE(ParseCsv("\xEF\xBC\x81,b\n", &records).ok());
  EXPECT_EQ(records, (Records{{"\xEF\xBC\x81", "b"}}));
}

TEST(CsvReaderTest, EmptyFieldsAndEmptyInput) {
  Records records;
  ASSERT_TRUE(ParseCsv(",,\n", &records).ok());
  EXPECT_EQ(records, (Records{{"", "", ""}}));
  ASSERT_TRUE(ParseCsv("", &records).ok());
  EXPECT_TRUE(records.empty());
}

TEST(CsvReaderTest, CountsLinesAcrossQuotedNewlines) {
  std::istringstream in("h1,h2\n\"a\nb\",c\nd,e\n");
  CsvReader reader(in);
  std::vector<std::string> fields;
  ASSERT_TRUE(reader.Next(&fields));
  EXPECT_EQ(reader.line(), 1);
  ASSERT_TRUE(reader.Next(&fields));
  EXPECT_EQ(reader.line(), 2);
  EXPECT_THAT(fields, ElementsAre("a\nb", "c"));
  ASSERT_TRUE(reader.Next(&fields));
  EXPECT_EQ(reader.line(), 4);
  EXPECT_THAT(fields, ElementsAre("d", "e"));
  EXPECT_FALSE(reader.Next(&fields));
  EXPECT_TRUE(reader.status().ok());
}

TEST(CsvReaderTest, RefusesAnUnterminatedQuoteNamingItsLine) {
  std::istringstream in("a,b\nc,\"open\n");
  CsvReader reader(in);
  std::vector<std::string> fields;
  ASSERT_TRUE(reader.Next(&fields));
  EXPECT_FALSE(reader.Next(&fields));
  EXPECT_EQ(reader.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(reader.status().message(), HasSubstr("line 2"));
  EXPECT_THAT(reader.status().message(), HasSubstr("unterminated"));
  EXPECT_TRUE(fields.empty());
  EXPECT_FALSE(reader.Next(&fields));  // stays failed
}

TEST(CsvReaderTest, RefusesAStrayQuote) {
  Records records;
  const absl::Status inside = ParseCsv("ab\"c,d\n", &records);
  EXPECT_EQ(inside.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(inside.message(), HasSubstr("line 1"));
  const absl::Status after = ParseCsv("\"ab\"c,d\n", &records);
  EXPECT_EQ(after.code(), absl::StatusCode::kInvalidArgument);
}

TEST(CsvReaderTest, RefusesARecordTooLong) {
  std::istringstream in("short\n" + std::string(100, 'x') + "\n");
  CsvReader reader(in, 50);
  std::vector<std::string> fields;
  ASSERT_TRUE(reader.Next(&fields));
  EXPECT_FALSE(reader.Next(&fields));
  EXPECT_EQ(reader.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(reader.status().message(), HasSubstr("line 2"));
}

}  // namespace
}  // namespace luban::cli
