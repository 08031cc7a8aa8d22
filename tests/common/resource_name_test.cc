#include "common/domain/resource_name.h"

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace luban {
namespace {

using ::testing::HasSubstr;

TEST(ResourceNameTest, FormatsAndParsesBack) {
  EXPECT_EQ(FormatResourceName("workshops", 12), "workshops/12");
  auto id = ParseResourceName("name", "workshops", FormatResourceName("workshops", 12));
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, 12);
}

TEST(ResourceNameTest, AcceptsLargeIds) {
  auto id = ParseResourceName("name", "courseRuns", "courseRuns/999999999999999999");
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, int64_t{999999999999999999});
}

TEST(ResourceNameTest, RefusesMalformedNames) {
  for (const char* name : {
           "workshops/0",    // ids are positive
           "workshops/012",  // one spelling per id
           "workshops/-1", "workshops/+1", "workshops/ 1", "workshops/1 ", "workshops/",
           "workshops", "workshops1", "workshops/1/x", "workshops//1", "/workshops/1",
           "Workshops/1",
           "courses/1",  // another collection
           "workshopsX/1", "workshops/1x",
           "workshops/99999999999999999999",  // past int64
           "workshops/9999999999999999999",   // 19 digits, past int64 too
       }) {
    auto id = ParseResourceName("workshop", "workshops", name);
    EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument) << name;
    EXPECT_THAT(std::string(id.status().message()),
                HasSubstr("workshop: expected a resource name"));
    EXPECT_THAT(std::string(id.status().message()), HasSubstr("\"workshops/{id}\""));
  }
}

TEST(ResourceNameTest, EmptyNameIsRequired) {
  auto id = ParseResourceName("run.workshop", "workshops", "");
  EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(id.status().message()), HasSubstr("run.workshop: required"));
}

TEST(ResourceNameTest, ErrorEscapesAndBoundsTheEchoedName) {
  const std::string hostile = "workshops/\n\x01" + std::string(500, 'x');
  auto id = ParseResourceName("name", "workshops", hostile);
  ASSERT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(id.status().message()), ::testing::Not(HasSubstr("\n")));
  EXPECT_LT(id.status().message().size(), 400u);
}

TEST(ResourceNameTest, ParsesANameOfAnyOfSeveralCollections) {
  const absl::string_view collections[] = {"trainees", "enrollments", "certificates"};
  auto id = ParseResourceNameIn("resource", collections, "enrollments/42");
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, (ResourceId{"enrollments", 42}));
  for (const char* name : {"courseRuns/1", "enrollment/1", "enrollments/0", "enrollments/x",
                           "enrollments", "/1", "trainees/1/2"}) {
    auto refused = ParseResourceNameIn("resource", collections, name);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << name;
    EXPECT_THAT(std::string(refused.status().message()), ::testing::StartsWith("resource: "))
        << name;
  }
  // Naming what would have been right.
  auto other = ParseResourceNameIn("resource", collections, "courseRuns/1");
  EXPECT_THAT(std::string(other.status().message()),
              HasSubstr("of trainees, enrollments, certificates"));
  auto empty = ParseResourceNameIn("resource", collections, "");
  EXPECT_THAT(std::string(empty.status().message()), HasSubstr("resource: required"));
}

}  // namespace
}  // namespace luban
