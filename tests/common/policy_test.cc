#include "common/auth/policy.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "luban/course/v1/course.grpc.pb.h"

namespace luban::auth {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

const google::protobuf::ServiceDescriptor* CourseService() {
  // Through a message of the file, so that the generated descriptors are linked in.
  const auto* service =
      luban::course::v1::GetWorkshopRequest::descriptor()->file()->FindServiceByName(
          "CourseService");
  EXPECT_NE(service, nullptr);
  EXPECT_EQ(service->full_name(), luban::course::v1::CourseService::service_full_name());
  return service;
}

Principal As(Role role) { return Principal{"someone", role, role == Role::kCollegeAdmin ? 7 : 0}; }

TEST(MethodPolicyTest, CheckCompleteListsEveryMissingMethod) {
  const auto* service = CourseService();
  ASSERT_NE(service, nullptr);
  ASSERT_GT(service->method_count(), 2);
  MethodPolicy policy(service);
  std::vector<std::string> left_out;
  for (int i = 0; i < service->method_count(); ++i) {
    const std::string& name = service->method(i)->name();
    if (name == "DeleteCourse" || name == "WatchChanges") {
      left_out.push_back(name);
      continue;
    }
    policy.Allow(name, {Role::kReporter});
  }
  ASSERT_EQ(left_out.size(), 2u) << "the course service lost a method this test names";
  const absl::Status status = policy.CheckComplete();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(status.message()),
              AllOf(HasSubstr("luban.course.v1.CourseService"), HasSubstr("DeleteCourse"),
                    HasSubstr("WatchChanges"), Not(HasSubstr("GetCourse,"))));

  policy.Allow("DeleteCourse", {}).AllowAnyone("WatchChanges");
  EXPECT_TRUE(policy.CheckComplete().ok()) << policy.CheckComplete();
}

TEST(MethodPolicyTest, EmptyPolicyIsIncomplete) {
  MethodPolicy policy(CourseService());
  const absl::Status status = policy.CheckComplete();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(status.message()),
              AllOf(HasSubstr("GetWorkshop"), HasSubstr("CancelCourseRun")));
}

TEST(MethodPolicyTest, AuthorizesByRole) {
  MethodPolicy policy(CourseService());
  policy.Allow("GetWorkshop", {Role::kCollegeAdmin, Role::kReporter})
      .Allow("CreateWorkshop", {})
      .Allow("UpdateWorkshop", {Role::kCollegeAdmin});

  // Anonymous callers must authenticate first.
  absl::Status status = policy.Authorize("GetWorkshop", As(Role::kAnonymous));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(std::string(status.message()), HasSubstr("Bearer"));

  EXPECT_TRUE(policy.Authorize("GetWorkshop", As(Role::kCollegeAdmin)).ok());
  EXPECT_TRUE(policy.Authorize("GetWorkshop", As(Role::kReporter)).ok());
  EXPECT_TRUE(policy.Authorize("UpdateWorkshop", As(Role::kCollegeAdmin)).ok());

  // A role the rule does not name.
  status = policy.Authorize("UpdateWorkshop", As(Role::kReporter));
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(status.message()), HasSubstr("UpdateWorkshop"));
  EXPECT_EQ(policy.Authorize("CreateWorkshop", As(Role::kCollegeAdmin)).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(policy.Authorize("CreateWorkshop", As(Role::kService)).code(),
            absl::StatusCode::kPermissionDenied);

  // The network admin may call every method that has a rule, even one naming no role.
  for (const char* method : {"GetWorkshop", "CreateWorkshop", "UpdateWorkshop"}) {
    EXPECT_TRUE(policy.Authorize(method, As(Role::kNetworkAdmin)).ok()) << method;
  }
}

TEST(MethodPolicyTest, UnknownMethodIsDeniedToEveryone) {
  MethodPolicy policy(CourseService());
  policy.Allow("GetWorkshop", {Role::kReporter});
  for (Role role : {Role::kAnonymous, Role::kNetworkAdmin, Role::kCollegeAdmin, Role::kReporter,
                    Role::kService}) {
    EXPECT_EQ(policy.Authorize("/luban.course.v1.CourseService/NoSuchMethod", As(role)).code(),
              absl::StatusCode::kPermissionDenied);
    // A method of the service without a rule fails closed too.
    EXPECT_EQ(policy.Authorize("ListWorkshops", As(role)).code(),
              absl::StatusCode::kPermissionDenied);
  }
}

TEST(MethodPolicyTest, AcceptsEveryMethodNameSpelling) {
  MethodPolicy policy(CourseService());
  policy.Allow("GetWorkshop", {Role::kReporter});
  for (const char* method : {"/luban.course.v1.CourseService/GetWorkshop",
                             "luban.course.v1.CourseService.GetWorkshop", "GetWorkshop"}) {
    EXPECT_TRUE(policy.Authorize(method, As(Role::kReporter)).ok()) << method;
    EXPECT_EQ(policy.Authorize(method, As(Role::kService)).code(),
              absl::StatusCode::kPermissionDenied)
        << method;
  }
}

TEST(MethodPolicyTest, PublicMethodsNeedNoCredential) {
  MethodPolicy policy(CourseService());
  policy.AllowAnyone("GetCourse").Allow("ListCourses", {Role::kReporter});
  const Principal anonymous;
  EXPECT_TRUE(policy.Authorize("/luban.course.v1.CourseService/GetCourse", anonymous).ok());
  EXPECT_FALSE(policy.Authorize("ListCourses", anonymous).ok());
  EXPECT_FALSE(policy.Authorize("NoSuchMethod", anonymous).ok());
  for (Role role : {Role::kAnonymous, Role::kNetworkAdmin, Role::kCollegeAdmin, Role::kReporter,
                    Role::kService}) {
    EXPECT_TRUE(policy.Authorize("GetCourse", As(role)).ok());
  }
}

// Services are allowed by name: svc-enrollment may not call what only svc-exchange uses, and no
// service principal calls what no rule names it for, whatever its role.
TEST(MethodPolicyTest, ServicesAreAllowedByName) {
  MethodPolicy policy(CourseService());
  policy.Allow("ListWorkshops", {Role::kReporter})
      .AllowServices("GetWorkshop", {kEnrollmentService, kExchangeService})
      .AllowServices("WatchChanges", {kEnrollmentService});
  const Principal enrollment{std::string(kEnrollmentService), Role::kService, 0};
  const Principal exchange{std::string(kExchangeService), Role::kService, 0};
  const Principal stranger{"svc-unknown", Role::kService, 0};
  EXPECT_TRUE(policy.Authorize("GetWorkshop", enrollment).ok());
  EXPECT_TRUE(policy.Authorize("GetWorkshop", exchange).ok());
  EXPECT_TRUE(policy.Authorize("WatchChanges", enrollment).ok());
  const absl::Status refused = policy.Authorize("WatchChanges", exchange);
  EXPECT_EQ(refused.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(refused.message()),
              AllOf(HasSubstr("svc-exchange"), HasSubstr("WatchChanges")));
  EXPECT_EQ(policy.Authorize("ListWorkshops", enrollment).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(policy.Authorize("GetWorkshop", stranger).code(), absl::StatusCode::kPermissionDenied);
  // The rule's roles still hold for everyone else.
  EXPECT_TRUE(policy.Authorize("GetWorkshop", As(Role::kNetworkAdmin)).ok());
  EXPECT_EQ(policy.Authorize("GetWorkshop", As(Role::kReporter)).code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(MethodPolicyDeathTest, AllowOfAMethodTheServiceLacksDies) {
  MethodPolicy policy(CourseService());
  EXPECT_DEATH(policy.Allow("GetWorkshopp", {Role::kReporter}), "");
}

TEST(MethodPolicyDeathTest, TheServiceRoleIsNotAllowedWholesale) {
  MethodPolicy policy(CourseService());
  EXPECT_DEATH(policy.Allow("GetWorkshop", {Role::kService}), "");
}

}  // namespace
}  // namespace luban::auth
