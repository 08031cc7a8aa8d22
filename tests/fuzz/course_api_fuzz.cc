// libFuzzer target: every RPC of luban.course.v1.CourseService on caller input, through
// CourseApi over the in-memory store (tests/course/fake_course_store.h), seeded with a small
// network (institutions, workshops, courses, runs) so that valid requests reach the domain rules.
// WatchChanges, served by the change feed, has its request checks (CheckWatchChangesRequest)
// fuzzed instead. Input layout and seeds: api_fuzz.h.
//
// Properties (abort, so libFuzzer reports the input): no crash or sanitizer report; every status
// is one a caller may see for what it sent (never INTERNAL/UNKNOWN); every INVALID_ARGUMENT
// names the field ("<field>: <rule>", the field one of the request's); every RPC of the service
// is covered (a new one without an entry fails at start-up).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/domain/page_token.h"
#include "common/server/change_feed.h"
#include "luban/course/v1/course.pb.h"
#include "services/course/api/course_api.h"
#include "tests/course/fake_course_store.h"
#include "tests/fuzz/api_fuzz.h"

namespace luban::course {
namespace {

using fuzz::Parse;

const PageTokenCodec& Codec() {
  static const PageTokenCodec* const codec = new PageTokenCodec("fuzzing secret");
  return *codec;
}

// The Api over a fresh store holding institutions/1 (CN college) and /2 (TJ partner) founding
// workshops/1 (TJ, operating), institutions/3 (CN) and /4 (KZ) founding workshops/2 (KZ,
// planned), institutions/5 (UZ, founding nothing), courses/1 and /2, courseRuns/1 (scheduled),
// /2 (open) and /3 (in progress) on workshops/1.
struct CourseEnv {
  explicit CourseEnv(uint8_t /*caller*/) : api(&store, &Codec(), CourseConfig{}) {
    AddInstitution("INSTITUTION_KIND_CHINESE_COLLEGE", "CN", "zh");
    AddInstitution("INSTITUTION_KIND_LOCAL_PARTNER", "TJ", "tg");
    AddInstitution("INSTITUTION_KIND_CHINESE_COLLEGE", "CN", "zh");
    AddInstitution("INSTITUTION_KIND_LOCAL_PARTNER", "KZ", "kk");
    AddInstitution("INSTITUTION_KIND_LOCAL_PARTNER", "UZ", "uz");  // founds nothing
    AddWorkshop(1, 2, "TJ");
    AddWorkshop(3, 4, "KZ");
    pb::Workshop workshop;
    Must(api.ChangeWorkshopStatus(
        Admin(),
        Parse<pb::ChangeWorkshopStatusRequest>(
            "name: 'workshops/1' status: WORKSHOP_STATUS_OPERATING request_id: 's-op'"),
        &workshop));
    AddCourse("URT-101");
    AddCourse("CNC-201");
    AddRun();
    AddRun();
    AddRun();
    pb::CourseRun run;
    for (const char* name : {"courseRuns/2", "courseRuns/3"}) {
      Must(api.OpenCourseRun(
          Admin(), Parse<pb::OpenCourseRunRequest>(absl::StrCat("name: '", name, "'")), &run));
    }
    Must(api.StartCourseRun(Admin(), Parse<pb::StartCourseRunRequest>("name: 'courseRuns/3'"),
                            &run));
  }

  static void Must(const absl::Status& status) {
    if (!status.ok()) fuzz::Fail(absl::StrCat("seeding the course store: ", status.ToString()));
  }
  RequestContext Admin() {
    RequestContext rc;
    rc.principal = {"seed-admin", Role::kNetworkAdmin, 0};
    rc.request_id = absl::StrCat("seed-", ++seeded);
    return rc;
  }
  void AddInstitution(const std::string& kind, const std::string& country,
                      const std::string& language) {
    pb::Institution out;
    Must(api.CreateInstitution(Admin(),
                               Parse<pb::CreateInstitutionRequest>(absl::StrCat(
                                   "institution { kind: ", kind, " country_code: '", country,
                                   "' city: 'Dushanbe' display_names { language_code: '", language,
                                   "' text: 'Institute' } } request_id: 'x'")),
                               &out));
  }
  void AddWorkshop(int chinese, int partner, const std::string& country) {
    pb::Workshop out;
    Must(api.CreateWorkshop(
        Admin(),
        Parse<pb::CreateWorkshopRequest>(absl::StrCat(
            "workshop { country_code: '", country,
            "' city: 'Dushanbe' chinese_institution: "
            "'institutions/",
            chinese, "' partner_institution: 'institutions/", partner,
            "' display_names { language_code: 'tg' text: 'Luban workshop' } disciplines: "
            "'urban rail' }")),
        &out));
  }
  void AddCourse(const std::string& code) {
    pb::Course out;
    Must(api.CreateCourse(Admin(),
                          Parse<pb::CreateCourseRequest>(absl::StrCat(
                              "course { code: '", code,
                              "' discipline: 'urban rail' hours: 120 "
                              "instruction_languages: 'ru' instruction_languages: 'tg' "
                              "titles { language_code: 'zh' text: 'Rail operation' } }")),
                          &out));
  }
  void AddRun() {
    pb::CourseRun out;
    Must(api.CreateCourseRun(
        Admin(),
        Parse<pb::CreateCourseRunRequest>(
            "course_run { course: 'courses/1' workshop: 'workshops/1' capacity: 20 "
            "language_code: 'tg' pass_score: 60 min_attendance_percent: 80 "
            "start_date { year: 2027 month: 3 day: 1 } end_date { year: 2027 month: 5 day: 31 } }"),
        &out));
  }

  testing::FakeCourseStore store;
  CourseApi api;
  int seeded = 0;
};

using Table = fuzz::MethodTable<CourseEnv>;

// One line per unary RPC: CourseApi::<Method> with a response of the RPC's type.
#define LUBAN_FUZZ_UNARY(Method, Request, Response)                                           \
  table.Add<pb::Request>(#Method,                                                             \
                         [](CourseEnv& env, const RequestContext& rc, const pb::Request& r) { \
                           pb::Response response;                                             \
                           return env.api.Method(rc, r, &response);                           \
                         })

const Table& Methods() {
  static const Table* const methods = [] {
    auto* table_ptr = new Table(CoursePolicy());
    Table& table = *table_ptr;
    LUBAN_FUZZ_UNARY(GetInstitution, GetInstitutionRequest, Institution);
    LUBAN_FUZZ_UNARY(ListInstitutions, ListInstitutionsRequest, ListInstitutionsResponse);
    LUBAN_FUZZ_UNARY(CreateInstitution, CreateInstitutionRequest, Institution);
    LUBAN_FUZZ_UNARY(UpdateInstitution, UpdateInstitutionRequest, Institution);
    LUBAN_FUZZ_UNARY(DeleteInstitution, DeleteInstitutionRequest, DeleteInstitutionResponse);
    LUBAN_FUZZ_UNARY(GetWorkshop, GetWorkshopRequest, Workshop);
    LUBAN_FUZZ_UNARY(ListWorkshops, ListWorkshopsRequest, ListWorkshopsResponse);
    LUBAN_FUZZ_UNARY(CreateWorkshop, CreateWorkshopRequest, Workshop);
    LUBAN_FUZZ_UNARY(UpdateWorkshop, UpdateWorkshopRequest, Workshop);
    LUBAN_FUZZ_UNARY(DeleteWorkshop, DeleteWorkshopRequest, DeleteWorkshopResponse);
    LUBAN_FUZZ_UNARY(ChangeWorkshopStatus, ChangeWorkshopStatusRequest, Workshop);
    LUBAN_FUZZ_UNARY(GetCourse, GetCourseRequest, Course);
    LUBAN_FUZZ_UNARY(ListCourses, ListCoursesRequest, ListCoursesResponse);
    LUBAN_FUZZ_UNARY(CreateCourse, CreateCourseRequest, Course);
    LUBAN_FUZZ_UNARY(UpdateCourse, UpdateCourseRequest, Course);
    LUBAN_FUZZ_UNARY(DeleteCourse, DeleteCourseRequest, DeleteCourseResponse);
    LUBAN_FUZZ_UNARY(GetCourseRun, GetCourseRunRequest, CourseRun);
    LUBAN_FUZZ_UNARY(ListCourseRuns, ListCourseRunsRequest, ListCourseRunsResponse);
    LUBAN_FUZZ_UNARY(CreateCourseRun, CreateCourseRunRequest, CourseRun);
    LUBAN_FUZZ_UNARY(UpdateCourseRun, UpdateCourseRunRequest, CourseRun);
    LUBAN_FUZZ_UNARY(DeleteCourseRun, DeleteCourseRunRequest, DeleteCourseRunResponse);
    LUBAN_FUZZ_UNARY(OpenCourseRun, OpenCourseRunRequest, CourseRun);
    LUBAN_FUZZ_UNARY(StartCourseRun, StartCourseRunRequest, CourseRun);
    LUBAN_FUZZ_UNARY(CompleteCourseRun, CompleteCourseRunRequest, CourseRun);
    LUBAN_FUZZ_UNARY(CancelCourseRun, CancelCourseRunRequest, CourseRun);
    // A stream over the change feed (MariaDB): its request checks only.
    table.Add<pb::WatchChangesRequest>(
        "WatchChanges", [](CourseEnv&, const RequestContext&, const pb::WatchChangesRequest& r) {
          return CheckWatchChangesRequest(r);
        });
    table.Add<pb::GetCallerRequest>(
        "GetCaller", [](CourseEnv& env, const RequestContext& rc, const pb::GetCallerRequest& r) {
          luban::common::v1::Caller response;
          return env.api.GetCaller(rc, r, &response);
        });
    LUBAN_FUZZ_UNARY(ListAuditRecords, ListAuditRecordsRequest, ListAuditRecordsResponse);
    table.CheckComplete();
    return table_ptr;
  }();
  return *methods;
}
#undef LUBAN_FUZZ_UNARY

std::vector<Table::Seed> Seeds() {
  using fuzz::MakeSeed;
  using fuzz::MakeServiceSeed;
  constexpr Role kAdmin = Role::kNetworkAdmin;
  constexpr Role kCollege = Role::kCollegeAdmin;
  return {
      MakeSeed<CourseEnv, pb::GetInstitutionRequest>("GetInstitution", Role::kReporter,
                                                     "name: 'institutions/2'"),
      MakeSeed<CourseEnv, pb::ListInstitutionsRequest>(
          "ListInstitutions", kCollege,
          "page_size: 2 country_code: 'CN' kind: INSTITUTION_KIND_CHINESE_COLLEGE"),
      MakeSeed<CourseEnv, pb::CreateInstitutionRequest>(
          "CreateInstitution", kAdmin,
          "institution { kind: INSTITUTION_KIND_LOCAL_PARTNER country_code: 'UZ' city: "
          "'Tashkent' website: 'https://tdtu.uz' display_names { language_code: 'uz-Latn' text: "
          "'Texnika universiteti' } } request_id: 'r1'"),
      MakeSeed<CourseEnv, pb::UpdateInstitutionRequest>(
          "UpdateInstitution", kAdmin,
          "institution { name: 'institutions/2' city: 'Khujand' } update_mask { paths: 'city' } "
          "request_id: 'r2'"),
      MakeSeed<CourseEnv, pb::DeleteInstitutionRequest>(
          "DeleteInstitution", kAdmin, "name: 'institutions/5' etag: '\"1\"' request_id: 'r3'"),
      MakeSeed<CourseEnv, pb::GetWorkshopRequest>("GetWorkshop", kCollege, "name: 'workshops/1'"),
      MakeSeed<CourseEnv, pb::ListWorkshopsRequest>(
          "ListWorkshops", Role::kReporter,
          "page_size: 1 institution: 'institutions/1' status: WORKSHOP_STATUS_OPERATING"),
      MakeSeed<CourseEnv, pb::CreateWorkshopRequest>(
          "CreateWorkshop", kAdmin,
          "workshop { country_code: 'KZ' city: 'Astana' chinese_institution: 'institutions/3' "
          "partner_institution: 'institutions/4' display_names { language_code: 'kk' text: "
          "'Luban' } disciplines: 'CNC' opened_date { year: 2024 month: 9 day: 1 } } "
          "request_id: 'r4'"),
      MakeSeed<CourseEnv, pb::UpdateWorkshopRequest>(
          "UpdateWorkshop", kCollege,
          "workshop { name: 'workshops/1' city: 'Khujand' disciplines: 'CNC' } update_mask { "
          "paths: 'city' paths: 'disciplines' } request_id: 'r5'"),
      MakeSeed<CourseEnv, pb::DeleteWorkshopRequest>("DeleteWorkshop", kAdmin,
                                                     "name: 'workshops/2' request_id: 'r6'"),
      MakeSeed<CourseEnv, pb::ChangeWorkshopStatusRequest>(
          "ChangeWorkshopStatus", kCollege,
          "name: 'workshops/1' status: WORKSHOP_STATUS_SUSPENDED reason: 'repairs' "
          "request_id: 'r7'"),
      MakeServiceSeed<CourseEnv, pb::GetCourseRequest>("GetCourse", auth::kExchangeService,
                                                       "name: 'courses/1'"),
      MakeSeed<CourseEnv, pb::ListCoursesRequest>("ListCourses", kCollege,
                                                  "page_size: 1 discipline: 'urban rail'"),
      MakeSeed<CourseEnv, pb::CreateCourseRequest>(
          "CreateCourse", kAdmin,
          "course { code: 'MEC-301' discipline: 'mechatronics' hours: 64 instruction_languages: "
          "'ru' description: 'PLCs\\nand drives' titles { language_code: 'ru' text: "
          "'Mechatronics' } } request_id: 'r8'"),
      MakeSeed<CourseEnv, pb::UpdateCourseRequest>(
          "UpdateCourse", kAdmin,
          "course { name: 'courses/2' hours: 80 } update_mask { paths: 'hours' } "
          "request_id: 'r9'"),
      MakeSeed<CourseEnv, pb::DeleteCourseRequest>("DeleteCourse", kAdmin,
                                                   "name: 'courses/2' request_id: 'r10'"),
      MakeSeed<CourseEnv, pb::GetCourseRunRequest>("GetCourseRun", kCollege,
                                                   "name: 'courseRuns/1'"),
      MakeSeed<CourseEnv, pb::ListCourseRunsRequest>(
          "ListCourseRuns", Role::kReporter,
          "page_size: 5 workshop: 'workshops/1' course: 'courses/1' status: "
          "COURSE_RUN_STATUS_OPEN start_date_from { year: 2027 month: 1 day: 1 } start_date_to "
          "{ year: 2027 month: 12 day: 31 }"),
      MakeSeed<CourseEnv, pb::CreateCourseRunRequest>(
          "CreateCourseRun", kCollege,
          "course_run { course: 'courses/2' workshop: 'workshops/1' capacity: 12 language_code: "
          "'ru' pass_score: 50 min_attendance_percent: 75 start_date { year: 2027 month: 9 day: "
          "1 } end_date { year: 2027 month: 12 day: 20 } } request_id: 'r11'"),
      MakeSeed<CourseEnv, pb::UpdateCourseRunRequest>(
          "UpdateCourseRun", kCollege,
          "course_run { name: 'courseRuns/1' capacity: 25 } update_mask { paths: 'capacity' } "
          "request_id: 'r12'"),
      MakeSeed<CourseEnv, pb::DeleteCourseRunRequest>("DeleteCourseRun", kCollege,
                                                      "name: 'courseRuns/1' request_id: 'r13'"),
      MakeSeed<CourseEnv, pb::OpenCourseRunRequest>("OpenCourseRun", kCollege,
                                                    "name: 'courseRuns/1' request_id: 'r14'"),
      MakeSeed<CourseEnv, pb::StartCourseRunRequest>("StartCourseRun", kCollege,
                                                     "name: 'courseRuns/2' request_id: 'r15'"),
      MakeSeed<CourseEnv, pb::CompleteCourseRunRequest>("CompleteCourseRun", kAdmin,
                                                        "name: 'courseRuns/3' request_id: 'r16'"),
      MakeSeed<CourseEnv, pb::CancelCourseRunRequest>(
          "CancelCourseRun", kCollege,
          "name: 'courseRuns/2' reason: 'too few trainees' request_id: 'r17'"),
      MakeServiceSeed<CourseEnv, pb::WatchChangesRequest>(
          "WatchChanges", auth::kEnrollmentService,
          "after_sequence: 7 resource_types: 'courseRuns' max_batch_size: 50"),
      MakeServiceSeed<CourseEnv, pb::GetCallerRequest>("GetCaller", auth::kExchangeService, ""),
      MakeSeed<CourseEnv, pb::ListAuditRecordsRequest>("ListAuditRecords", kCollege,
                                                       "page_size: 2 resource: 'courseRuns/1'", 2),
  };
}

}  // namespace
}  // namespace luban::course

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const auto& methods = luban::course::Methods();
  luban::fuzz::MaybeWriteSeeds<luban::course::CourseEnv>(methods, luban::course::Seeds);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return luban::course::Methods().Run(data, size);
}
