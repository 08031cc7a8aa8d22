// CourseApi behind the front CallRunner gives it (tests/support/api_front.h), over the in-memory
// store: no database, no server. What the handler layer adds to the domain rules: the method
// policy, validation naming the field, answers whole for reporters and services (the catalogue
// holds no personal data; the audit trail's details do, and stay with admins), and mutations
// made once per request_id, whatever the retries and the database's outages.
#include "services/course/api/course_api.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/course/fake_course_store.h"
#include "tests/support/api_front.h"

namespace luban::course {
namespace {

using ::luban::testing::IsInvalidField;
using ::luban::testing::ParseText;
using ::luban::testing::StatusIs;

// The network the fixture builds: institutions/1 (CN) and /2 (TJ) founded workshops/1 (TJ,
// operating), where courseRuns/1 of courses/1 is scheduled.
const Principal kAdmin{"admin", Role::kNetworkAdmin, 0};
const Principal kCollege{"ttu-admin", Role::kCollegeAdmin, 2};
const Principal kReporter{"reports", Role::kReporter, 0};
const Principal kEnrollmentService{"svc-enrollment", Role::kService, 0};
const Principal kExchangeService{"svc-exchange", Role::kService, 0};
const Principal kAnonymous{"anonymous", Role::kAnonymous, 0};

// A course of the catalogue; courses/1 is URT-101.
std::string CourseText(absl::string_view code) {
  return absl::StrCat("course { code: '", code,
                      "' discipline: 'urban rail' hours: 120 instruction_languages: 'tg' titles { "
                      "language_code: 'zh' text: 'Rail operation' } }");
}
constexpr char kRun[] =
    "course_run { course: 'courses/1' workshop: 'workshops/1' capacity: 20 language_code: 'tg' "
    "pass_score: 60 min_attendance_percent: 80 start_date { year: 2027 month: 3 day: 1 } "
    "end_date { year: 2027 month: 5 day: 31 } }";

class CourseApiTest : public ::testing::Test {
 protected:
  CourseApiTest() : api_(&store_, &codec_, CourseConfig{}), front_(&api_, CoursePolicy()) {}

  void SetUp() override {
    ASSERT_EQ(AsAdmin(&CourseApi::CreateInstitution,
                      "institution { kind: INSTITUTION_KIND_CHINESE_COLLEGE country_code: 'CN' "
                      "city: 'Tianjin' display_names { language_code: 'zh' text: 'College' } }"),
              absl::OkStatus());
    ASSERT_EQ(AsAdmin(&CourseApi::CreateInstitution,
                      "institution { kind: INSTITUTION_KIND_LOCAL_PARTNER country_code: 'TJ' "
                      "city: 'Dushanbe' display_names { language_code: 'tg' text: 'University' } "
                      "}"),
              absl::OkStatus());
    ASSERT_EQ(AsAdmin(&CourseApi::CreateWorkshop,
                      "workshop { country_code: 'TJ' city: 'Dushanbe' chinese_institution: "
                      "'institutions/1' partner_institution: 'institutions/2' display_names { "
                      "language_code: 'tg' text: 'Luban' } disciplines: 'urban rail' }"),
              absl::OkStatus());
    ASSERT_EQ(AsAdmin(&CourseApi::ChangeWorkshopStatus,
                      "name: 'workshops/1' status: WORKSHOP_STATUS_OPERATING"),
              absl::OkStatus());
    ASSERT_EQ(AsAdmin(&CourseApi::CreateCourse, CourseText("URT-101")), absl::OkStatus());
    ASSERT_EQ(AsAdmin(&CourseApi::CreateCourseRun, kRun), absl::OkStatus());
  }

  std::string NextId() { return absl::StrCat("r-", ++requests_); }

  // `handler` called by the network admin with the request `text` and a new request_id.
  template <typename Request, typename Response>
  absl::Status AsAdmin(luban::testing::ApiFront<CourseApi>::Handler<Request, Response> handler,
                       absl::string_view text) {
    Request request = ParseText<Request>(text);
    request.set_request_id(NextId());
    Response response;
    return front_.Call(kAdmin, handler, request, &response);
  }

  absl::Status CreateCourse(const Principal& who, absl::string_view text, pb::Course* out,
                            const std::string& request_id) {
    pb::CreateCourseRequest request = ParseText<pb::CreateCourseRequest>(text);
    request.set_request_id(request_id);
    return front_.Call(who, &CourseApi::CreateCourse, request, out);
  }

  testing::FakeCourseStore store_;
  const PageTokenCodec codec_{"test secret"};
  int requests_ = 0;
  CourseApi api_;
  const luban::testing::ApiFront<CourseApi> front_;
};

// ---- answers per caller -----------------------------------------------------------------------

// The catalogue holds no personal data: reporters and services get what an admin gets.
TEST_F(CourseApiTest, ReportersAndServicesGetTheCatalogueWhole) {
  pb::GetCourseRunRequest get_run;
  get_run.set_name("courseRuns/1");
  pb::GetWorkshopRequest get_workshop;
  get_workshop.set_name("workshops/1");
  pb::CourseRun admins_run;
  pb::Workshop admins_workshop;
  ASSERT_TRUE(front_.Call(kAdmin, &CourseApi::GetCourseRun, get_run, &admins_run).ok());
  ASSERT_TRUE(front_.Call(kAdmin, &CourseApi::GetWorkshop, get_workshop, &admins_workshop).ok());
  for (const Principal& who : {kReporter, kEnrollmentService, kExchangeService, kCollege}) {
    pb::CourseRun run;
    pb::Workshop workshop;
    ASSERT_TRUE(front_.Call(who, &CourseApi::GetCourseRun, get_run, &run).ok()) << who.name;
    ASSERT_TRUE(front_.Call(who, &CourseApi::GetWorkshop, get_workshop, &workshop).ok())
        << who.name;
    EXPECT_EQ(run.SerializeAsString(), admins_run.SerializeAsString()) << who.name;
    EXPECT_EQ(workshop.SerializeAsString(), admins_workshop.SerializeAsString()) << who.name;
  }
  EXPECT_EQ(admins_run.country_code(), "TJ");
  EXPECT_EQ(admins_run.status(), pb::COURSE_RUN_STATUS_SCHEDULED);
}

// The audit trail's details (the requests, which may hold personal data) are for admins only:
// the policy keeps reporters and services out, and so does the Api were one let through.
TEST_F(CourseApiTest, TheAuditTrailsDetailsStayWithAdmins) {
  pb::ListAuditRecordsRequest request;
  request.set_resource("courseRuns/1");
  pb::ListAuditRecordsResponse records;
  for (const Principal& who : {kAdmin, kCollege}) {
    ASSERT_TRUE(front_.Call(who, &CourseApi::ListAuditRecords, request, &records).ok()) << who.name;
    ASSERT_EQ(records.audit_records_size(), 1) << who.name;
    EXPECT_EQ(records.audit_records(0).action(), "created") << who.name;
    EXPECT_THAT(records.audit_records(0).details(), ::testing::HasSubstr("workshops/1"))
        << who.name;
  }
  for (const Principal& who : {kReporter, kEnrollmentService}) {
    EXPECT_EQ(front_.Call(who, &CourseApi::ListAuditRecords, request, &records).code(),
              absl::StatusCode::kPermissionDenied)
        << who.name;
    RequestContext rc;
    rc.principal = who;
    EXPECT_THAT(front_.Answer(rc, &CourseApi::ListAuditRecords, request, &records),
                StatusIs(absl::StatusCode::kPermissionDenied, "may not read the audit trail"))
        << who.name;
  }
}

// ---- policy -----------------------------------------------------------------------------------

// The other services read what an enrollment, a completion and a nomination need, and learn
// who they are; nothing else.
TEST_F(CourseApiTest, ServicesReadWhatTheyNeedAndNothingElse) {
  for (const Principal& who : {kEnrollmentService, kExchangeService}) {
    pb::GetCourseRequest get_course;
    get_course.set_name("courses/1");
    pb::Course course;
    EXPECT_TRUE(front_.Call(who, &CourseApi::GetCourse, get_course, &course).ok()) << who.name;
    pb::GetInstitutionRequest get_institution;
    get_institution.set_name("institutions/2");
    pb::Institution institution;
    EXPECT_TRUE(front_.Call(who, &CourseApi::GetInstitution, get_institution, &institution).ok())
        << who.name;
    luban::common::v1::Caller caller;
    ASSERT_TRUE(front_.Call(who, &CourseApi::GetCaller, pb::GetCallerRequest(), &caller).ok());
    EXPECT_EQ(caller.principal(), who.name);
    EXPECT_EQ(caller.role(), luban::common::v1::ROLE_SERVICE);

    pb::ListCourseRunsResponse runs;
    EXPECT_EQ(
        front_.Call(who, &CourseApi::ListCourseRuns, pb::ListCourseRunsRequest(), &runs).code(),
        absl::StatusCode::kPermissionDenied)
        << who.name;
    pb::Course created;
    EXPECT_EQ(CreateCourse(who, CourseText("URT-301"), &created, NextId()).code(),
              absl::StatusCode::kPermissionDenied)
        << who.name;
  }
}

TEST_F(CourseApiTest, EachRoleIsRefusedWhatThePolicyDoesNotAllowItBeforeAnyWork) {
  const int transactions = store_.transactions();
  pb::CreateCourseRunRequest create_run = ParseText<pb::CreateCourseRunRequest>(kRun);
  create_run.set_request_id(NextId());
  pb::CourseRun run;
  EXPECT_EQ(front_.Call(kReporter, &CourseApi::CreateCourseRun, create_run, &run).code(),
            absl::StatusCode::kPermissionDenied);
  pb::Course course;
  EXPECT_EQ(CreateCourse(kCollege, CourseText("URT-301"), &course, NextId()).code(),
            absl::StatusCode::kPermissionDenied)
      << "the shared catalogue is the network admins'";
  pb::DeleteInstitutionRequest delete_institution;
  delete_institution.set_name("institutions/2");
  delete_institution.set_request_id(NextId());
  pb::DeleteInstitutionResponse deleted;
  EXPECT_EQ(
      front_.Call(kCollege, &CourseApi::DeleteInstitution, delete_institution, &deleted).code(),
      absl::StatusCode::kPermissionDenied);
  pb::GetCourseRequest get;
  get.set_name("courses/1");
  EXPECT_EQ(front_.Call(kAnonymous, &CourseApi::GetCourse, get, &course).code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(store_.transactions(), transactions);

  // A college runs its own workshops' runs: past the policy, its own institution decides.
  ASSERT_TRUE(front_.Call(kCollege, &CourseApi::CreateCourseRun, create_run, &run).ok());
  const Principal stranger{"enu-admin", Role::kCollegeAdmin, 9};
  create_run.set_request_id(NextId());
  EXPECT_EQ(front_.Call(stranger, &CourseApi::CreateCourseRun, create_run, &run),
            absl::NotFoundError("workshops/1: not found"));
}

// ---- idempotency ------------------------------------------------------------------------------

TEST_F(CourseApiTest, ARetryGetsTheFirstAnswerAndChangesNothing) {
  const std::string other = CourseText("URT-201");
  pb::Course first, retried, reused;
  ASSERT_TRUE(CreateCourse(kAdmin, other, &first, "create-once").ok());
  const auto ledger = store_.ledger();
  const size_t courses = store_.data().courses.size();

  ASSERT_TRUE(CreateCourse(kAdmin, other, &retried, "create-once").ok());
  EXPECT_EQ(retried.SerializeAsString(), first.SerializeAsString());
  EXPECT_EQ(store_.data().courses.size(), courses);
  EXPECT_EQ(store_.ledger().audit().size(), ledger.audit().size());
  EXPECT_EQ(store_.ledger().changes().size(), ledger.changes().size());

  // The same request_id for another request is refused, not taken for a retry.
  EXPECT_THAT(CreateCourse(kAdmin, CourseText("URT-301"), &reused, "create-once"),
              StatusIs(absl::StatusCode::kInvalidArgument, "already used for a different request"));
  // Each caller has its own request_ids.
  pb::CreateCourseRunRequest run = ParseText<pb::CreateCourseRunRequest>(kRun);
  run.set_request_id("create-once");
  pb::CourseRun created;
  ASSERT_TRUE(front_.Call(kCollege, &CourseApi::CreateCourseRun, run, &created).ok());
  EXPECT_EQ(created.name(), "courseRuns/2");
}

// A refused mutation claims no request_id: the corrected request may reuse it.
TEST_F(CourseApiTest, ARefusedMutationLeavesItsRequestIdFree) {
  pb::CreateCourseRunRequest run = ParseText<pb::CreateCourseRunRequest>(kRun);
  run.mutable_course_run()->mutable_end_date()->set_year(2026);  // before the start
  run.set_request_id("schedule-spring");
  pb::CourseRun created;
  EXPECT_TRUE(IsInvalidField(front_.Call(kCollege, &CourseApi::CreateCourseRun, run, &created),
                             "end_date"));
  EXPECT_FALSE(store_.ledger().claims().contains({kCollege.name, "schedule-spring"}));

  run.mutable_course_run()->mutable_end_date()->set_year(2027);
  const absl::Status status = front_.Call(kCollege, &CourseApi::CreateCourseRun, run, &created);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(created.name(), "courseRuns/2");
}

// The database down is UNAVAILABLE with nothing written; the caller's retry then goes through
// once.
TEST_F(CourseApiTest, ADatabaseOutageIsUnavailableAndTheRetryGoesThroughOnce) {
  const std::string other = CourseText("URT-201");
  const size_t courses = store_.data().courses.size();
  store_.FailNextTransactions(absl::UnavailableError("the database is not answering"));
  pb::Course course;
  EXPECT_THAT(CreateCourse(kAdmin, other, &course, "after-outage"),
              StatusIs(absl::StatusCode::kUnavailable, "the database is not answering"));
  EXPECT_EQ(store_.data().courses.size(), courses);

  ASSERT_TRUE(CreateCourse(kAdmin, other, &course, "after-outage").ok());
  ASSERT_TRUE(CreateCourse(kAdmin, other, &course, "after-outage").ok());
  EXPECT_EQ(store_.data().courses.size(), courses + 1);
  EXPECT_EQ(course.code(), "URT-201");
}

// ---- validation -------------------------------------------------------------------------------

// A malformed request is refused naming the field, before any transaction.
TEST_F(CourseApiTest, InvalidRequestsNameTheFieldBeforeAnyTransaction) {
  const int transactions = store_.transactions();
  EXPECT_TRUE(
      IsInvalidField(AsAdmin(&CourseApi::CreateInstitution, "institution { country_code: 'UZ' }"),
                     "institution.kind"));
  EXPECT_TRUE(
      IsInvalidField(AsAdmin(&CourseApi::CreateWorkshop,
                             "workshop { chinese_institution: 'institution/1' partner_institution: "
                             "'institutions/2' }"),
                     "workshop.chinese_institution"));
  EXPECT_TRUE(
      IsInvalidField(AsAdmin(&CourseApi::ChangeWorkshopStatus, "name: 'workshops/1'"), "status"));
  EXPECT_TRUE(IsInvalidField(AsAdmin(&CourseApi::CreateCourseRun,
                                     "course_run { course: 'course/1' workshop: 'workshops/1' }"),
                             "course_run.course"));
  EXPECT_TRUE(IsInvalidField(
      AsAdmin(&CourseApi::CreateCourseRun,
              "course_run { course: 'courses/1' workshop: 'workshops/1' start_date { year: 2027 "
              "month: 2 day: 30 } }"),
      "course_run.start_date"));
  EXPECT_TRUE(IsInvalidField(AsAdmin(&CourseApi::UpdateCourse,
                                     "course { name: 'courses/1' } update_mask { paths: 'code' }"),
                             "update_mask"));
  pb::CreateCourseRequest no_id = ParseText<pb::CreateCourseRequest>(CourseText("URT-301"));
  pb::Course course;
  EXPECT_TRUE(
      IsInvalidField(front_.Call(kAdmin, &CourseApi::CreateCourse, no_id, &course), "request_id"));

  pb::ListCourseRunsRequest list = ParseText<pb::ListCourseRunsRequest>(
      "start_date_from { year: 2027 month: 5 day: 1 } start_date_to { year: 2027 month: 4 day: "
      "1 }");
  pb::ListCourseRunsResponse runs;
  EXPECT_TRUE(IsInvalidField(front_.Call(kReporter, &CourseApi::ListCourseRuns, list, &runs),
                             "start_date_to"));
  pb::ListInstitutionsRequest institutions;
  institutions.set_country_code("XX");
  pb::ListInstitutionsResponse listed;
  EXPECT_TRUE(IsInvalidField(
      front_.Call(kReporter, &CourseApi::ListInstitutions, institutions, &listed), "country_code"));
  pb::ListAuditRecordsRequest audit;
  audit.set_resource("trainees/1");
  pb::ListAuditRecordsResponse records;
  EXPECT_TRUE(IsInvalidField(front_.Call(kAdmin, &CourseApi::ListAuditRecords, audit, &records),
                             "resource"));
  EXPECT_EQ(store_.transactions(), transactions);
}

}  // namespace
}  // namespace luban::course
