// The services' own principals against the three policy tables: each may call exactly the methods
// its service uses of the others (the peer clients in services/*/clients), and no more.
#include <set>
#include <string>
#include <utility>

#include "common/auth/policy.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "services/course/api/course_api.h"
#include "services/enrollment/api/enrollment_api.h"
#include "services/exchange/api/exchange_api.h"

namespace luban {
namespace {

// (principal, "Service/Method") for every call a service makes of another. VerifyCertificate is
// public: anyone may call it, services included, and it is not listed. Nor is GetCaller, which
// tells every signed-in caller, the two services included, who it is (checked apart, below).
const std::set<std::pair<std::string, std::string>>& Uses() {
  static const auto* const uses = new std::set<std::pair<std::string, std::string>>{
      {"svc-enrollment", "CourseService/GetInstitution"},
      {"svc-enrollment", "CourseService/GetWorkshop"},
      {"svc-enrollment", "CourseService/GetCourse"},
      {"svc-enrollment", "CourseService/GetCourseRun"},
      {"svc-enrollment", "CourseService/WatchChanges"},  // the run mirror's feed
      {"svc-exchange", "CourseService/GetInstitution"},
      {"svc-exchange", "CourseService/GetWorkshop"},
      {"svc-exchange", "CourseService/GetCourse"},
      {"svc-exchange", "CourseService/GetCourseRun"},
      {"svc-exchange", "EnrollmentService/CheckEligibility"},
  };
  return *uses;
}

TEST(ServiceScopesTest, EachServiceCallsExactlyWhatItUsesOfTheOthers) {
  const auth::MethodPolicy policies[] = {course::CoursePolicy(), enrollment::EnrollmentPolicy(),
                                         exchange::ExchangePolicy()};
  int allowed = 0;
  for (const auth::MethodPolicy& policy : policies) {
    const google::protobuf::ServiceDescriptor& service = *policy.service();
    for (int m = 0; m < service.method_count(); ++m) {
      const std::string& method = service.method(m)->name();
      if (method == "VerifyCertificate" || method == "GetCaller") continue;
      for (const std::string name : {"svc-enrollment", "svc-exchange", "svc-other"}) {
        const Principal principal{name, Role::kService, 0};
        const bool uses = Uses().contains({name, service.name() + "/" + method});
        const absl::Status status = policy.Authorize(method, principal);
        EXPECT_EQ(status.ok(), uses)
            << name << " calling " << service.name() << "/" << method << ": " << status;
        if (!uses) {
          EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied) << name << " " << method;
        }
        allowed += status.ok() ? 1 : 0;
      }
    }
  }
  EXPECT_EQ(allowed, static_cast<int>(Uses().size()));
}

// GetCaller reads no record: it answers the two services, and no service principal besides.
TEST(ServiceScopesTest, GetCallerAnswersTheTwoServicesAndNoOther) {
  const auth::MethodPolicy policy = course::CoursePolicy();
  for (const std::string name : {"svc-enrollment", "svc-exchange"}) {
    const absl::Status status = policy.Authorize("GetCaller", Principal{name, Role::kService, 0});
    EXPECT_TRUE(status.ok()) << name << ": " << status;
  }
  EXPECT_EQ(policy.Authorize("GetCaller", Principal{"svc-other", Role::kService, 0}).code(),
            absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace luban
