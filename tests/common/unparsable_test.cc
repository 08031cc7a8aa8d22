// WhyUnparsable against protobuf's own parser: it names the field protobuf refuses, finds a reason
// for every input protobuf refuses and none for what it accepts; the unparsable mark is read back
// and cannot come from the wire.
#include "common/api/unparsable.h"

#include <random>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/stubs/logging.h"
#include "gtest/gtest.h"
#include "luban/enrollment/v1/enrollment.pb.h"

namespace luban {
namespace {

namespace pb = ::luban::enrollment::v1;

constexpr char kNothingFound[] = "it does not parse as one";
constexpr char kPlaceholder[] = "\x01\x02\x03\x04";

// protobuf logs each string it refuses; the tests make thousands.
void Quiet(google::protobuf::LogLevel, const char*, int, const std::string&) {}

class UnparsableTest : public ::testing::Test {
 protected:
  UnparsableTest() { previous_ = google::protobuf::SetLogHandler(Quiet); }
  ~UnparsableTest() override { google::protobuf::SetLogHandler(previous_); }

  // A trainee request as it could come from a client.
  static pb::CreateTraineeRequest Valid() {
    pb::CreateTraineeRequest request;
    request.set_request_id("create-1");
    pb::Trainee& trainee = *request.mutable_trainee();
    trainee.set_family_name("Рахимов");
    trainee.set_given_name("Фаррух");
    trainee.set_sex(pb::SEX_MALE);
    trainee.mutable_birth_date()->set_year(2004);
    trainee.set_citizenship("TJ");
    trainee.mutable_identity_document()->set_number("A1234567");
    trainee.mutable_contacts()->set_email("f.rakhimov@example.tj");
    trainee.set_home_workshop("workshops/3");
    return request;
  }

  // `message` on the wire, with kPlaceholder (4 bytes) replaced by `bytes` (4 bytes).
  static std::string WireWith(const google::protobuf::Message& message, absl::string_view bytes) {
    EXPECT_EQ(bytes.size(), 4u);
    std::string wire = message.SerializeAsString();
    const size_t at = wire.find(kPlaceholder);
    EXPECT_NE(at, std::string::npos);
    wire.replace(at, 4, std::string(bytes));
    return wire;
  }

  google::protobuf::LogHandler* previous_ = nullptr;
};

const char* const kNotUtf8[] = {
    "\xff\xfe"
    "ab",  // bytes no UTF-8 has
    "ab\x80"
    "c",  // a lone continuation byte
    "\xc0\xaf"
    "ab",  // an overlong "/"
    "\xed\xa0\x80"
    "a",                 // a surrogate
    "\xf4\x90\x80\x80",  // past U+10FFFF
    "abc\xe2",           // a sequence cut short
};

TEST_F(UnparsableTest, NamesTheStringFieldThatIsNotUtf8) {
  for (const char* bad : kNotUtf8) {
    pb::CreateTraineeRequest request = Valid();
    request.mutable_trainee()->set_given_name(kPlaceholder);
    const std::string wire = WireWith(request, absl::string_view(bad, 4));
    EXPECT_FALSE(pb::CreateTraineeRequest().ParseFromString(wire));
    EXPECT_EQ(WhyUnparsable(*pb::CreateTraineeRequest::descriptor(), wire),
              "field trainee.given_name is not valid UTF-8");
  }
}

TEST_F(UnparsableTest, NamesARepeatedFieldByItsIndex) {
  pb::ImportTraineesRequest request;
  *request.add_rows()->mutable_trainee() = Valid().trainee();
  *request.add_rows()->mutable_trainee() = Valid().trainee();
  request.mutable_rows(1)->mutable_trainee()->mutable_contacts()->set_phone(kPlaceholder);
  const std::string wire = WireWith(request, "\xff\xff\xff\xff");
  EXPECT_FALSE(pb::ImportTraineesRequest().ParseFromString(wire));
  EXPECT_EQ(WhyUnparsable(*pb::ImportTraineesRequest::descriptor(), wire),
            "field rows[1].trainee.contacts.phone is not valid UTF-8");
}

TEST_F(UnparsableTest, SaysWhereTheDataIsCutShort) {
  const std::string wire = Valid().SerializeAsString();
  const std::string cut = wire.substr(0, wire.size() - 12);  // inside the trainee
  EXPECT_FALSE(pb::CreateTraineeRequest().ParseFromString(cut));
  EXPECT_EQ(WhyUnparsable(*pb::CreateTraineeRequest::descriptor(), cut)
                .rfind("field trainee is cut short (", 0),
            0u)
      << WhyUnparsable(*pb::CreateTraineeRequest::descriptor(), cut);
  EXPECT_EQ(WhyUnparsable(*pb::CreateTraineeRequest::descriptor(), "\x12"),
            "field request_id is cut short");
  EXPECT_EQ(WhyUnparsable(*pb::CreateTraineeRequest::descriptor(), "\xff\xff"),
            "the data is cut short at byte 0");
  EXPECT_EQ(WhyUnparsable(*pb::CreateTraineeRequest::descriptor(), "\x10\xff"),
            "field request_id is cut short");
  // Lengths and tags take at most 5 bytes, values 10, as protobuf reads them.
  EXPECT_EQ(WhyUnparsable(*pb::CreateTraineeRequest::descriptor(),
                          std::string("\x12\x81\x80\x80\x80\x80\x00x", 8)),
            "field request_id is malformed");
  EXPECT_EQ(WhyUnparsable(*pb::CreateTraineeRequest::descriptor(),
                          std::string("\x98\x80\x80\x80\x80\x00\x01", 7)),
            "malformed data at byte 0");
}

TEST_F(UnparsableTest, SaysWhenMessagesNestDeeperThanProtobufParses) {
  // Each level of Value and ListValue nests one message: 100 levels parse, 101 do not.
  google::protobuf::Value value;
  google::protobuf::Value* inner = &value;
  for (int i = 0; i < 50; ++i) inner = inner->mutable_list_value()->add_values();
  inner->set_string_value("deep");
  std::string wire = value.SerializeAsString();
  ASSERT_TRUE(google::protobuf::Value().ParseFromString(wire));
  EXPECT_EQ(WhyUnparsable(*google::protobuf::Value::descriptor(), wire), kNothingFound);

  inner->mutable_list_value();
  wire = value.SerializeAsString();
  EXPECT_FALSE(google::protobuf::Value().ParseFromString(wire));
  EXPECT_NE(
      WhyUnparsable(*google::protobuf::Value::descriptor(), wire).find("nested more than 100"),
      std::string::npos)
      << WhyUnparsable(*google::protobuf::Value::descriptor(), wire);
}

// Random damage to valid requests: a reason is found exactly when protobuf refuses the bytes.
TEST_F(UnparsableTest, FindsAReasonExactlyWhenProtobufRefuses) {
  pb::ImportTraineesRequest request;
  request.set_request_id("import-1");
  for (int i = 0; i < 3; ++i) *request.add_rows()->mutable_trainee() = Valid().trainee();
  const std::string valid = request.SerializeAsString();
  std::mt19937 random(20261206);
  int refused = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string wire = valid;
    const int edits = 1 + static_cast<int>(random() % 3);
    for (int e = 0; e < edits && !wire.empty(); ++e) {
      const size_t at = random() % wire.size();
      switch (random() % 3) {
        case 0:
          wire[at] = static_cast<char>(random() % 256);
          break;
        case 1:
          wire.resize(at);
          break;
        default:
          wire.insert(at, 1, static_cast<char>(random() % 256));
      }
    }
    const bool parses = pb::ImportTraineesRequest().ParseFromString(wire);
    const std::string why = WhyUnparsable(*pb::ImportTraineesRequest::descriptor(), wire);
    refused += parses ? 0 : 1;
    ASSERT_EQ(parses, why == kNothingFound)
        << "bytes: " << absl::CEscape(wire) << "\nparses: " << parses << "\nwhy: " << why;
  }
  EXPECT_GT(refused, 5000);  // the damage mostly breaks the bytes
}

TEST_F(UnparsableTest, TheMarkIsReadBackAndNoClientCanSendIt) {
  pb::CreateTraineeRequest request;
  EXPECT_TRUE(CheckParsed(request).ok());
  MarkUnparsable(&request, "field trainee.given_name is not valid UTF-8");
  const absl::Status status = CheckParsed(request);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "request is not a valid luban.enrollment.v1.CreateTraineeRequest: field "
            "trainee.given_name is not valid UTF-8");

  // Unknown fields a client sends are kept and harmless; field 0 does not parse at all.
  pb::CreateTraineeRequest extended;
  ASSERT_TRUE(
      extended.ParseFromString(std::string("\xba\x3e\x03"
                                           "abc",
                                           6)));  // field 999
  EXPECT_TRUE(CheckParsed(extended).ok());
  EXPECT_FALSE(
      pb::CreateTraineeRequest().ParseFromString(std::string("\x02\x03"
                                                             "abc",
                                                             5)));
}

}  // namespace
}  // namespace luban
