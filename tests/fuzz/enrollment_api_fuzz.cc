// libFuzzer target: every RPC of luban.enrollment.v1.EnrollmentService on caller input, through
// EnrollmentApi over the in-memory store (tests/enrollment/fake_enrollment_store.h) and course
// directory (tests/enrollment/fake_course_directory.h), seeded with trainees, enrollments and a
// certificate so that valid requests reach the domain rules. The caller byte's top bit runs the
// service as with a live course feed (Enroll decides on the mirrored run). ExportTrainees and
// ExportEnrollments run their request checks (ExportStart) and then the Api's batches to the end;
// WatchChanges, served by the change feed, has its request checks (CheckWatchChangesRequest) fuzzed
// instead. Input layout and seeds: api_fuzz.h.
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
#include "absl/strings/str_format.h"
#include "common/api/request_parts.h"
#include "common/domain/page_token.h"
#include "common/server/change_feed.h"
#include "luban/course/v1/course.pb.h"
#include "luban/enrollment/v1/enrollment.pb.h"
#include "services/enrollment/api/enrollment_api.h"
#include "tests/enrollment/fake_course_directory.h"
#include "tests/enrollment/fake_enrollment_store.h"
#include "tests/fuzz/api_fuzz.h"

namespace luban::enrollment {
namespace {

using fuzz::Parse;

const PageTokenCodec& Codec() {
  static const PageTokenCodec* const codec = new PageTokenCodec("fuzzing secret");
  return *codec;
}

// The Api over a fresh store holding trainees/1 and /2 (home workshops/1) and /3 (workshops/2);
// enrollments/1 (trainees/1 in run 1), /2 (trainees/2 in run 3, completed with certificates/1,
// number LW-SEED-0001) and /3 (trainees/1 in run 3, enrolled); run 3 is then in progress.
struct EnrollmentEnv {
  explicit EnrollmentEnv(uint8_t caller)
      : api(&store, &directory, &Codec(),
            EnrollmentConfig{
                .certificate_number = [this] { return absl::StrFormat("LW-SEED-%04d", ++issued); },
                .clock = Clock::Stepping(
                    absl::FromCivil(absl::CivilDay(2027, 6, 1), absl::UTCTimeZone()))}) {
    AddTrainee(2, "workshops/1", "A1000001");
    AddTrainee(2, "workshops/1", "A1000002");
    AddTrainee(4, "workshops/2", "N2000003");
    pb::Enrollment enrollment;
    Must(api.Enroll(College(2),
                    Parse<pb::EnrollRequest>("trainee: 'trainees/1' course_run: 'courseRuns/1'"),
                    &enrollment));
    Must(api.Enroll(College(2),
                    Parse<pb::EnrollRequest>("trainee: 'trainees/2' course_run: 'courseRuns/3'"),
                    &enrollment));
    Must(api.Enroll(College(2),
                    Parse<pb::EnrollRequest>("trainee: 'trainees/1' course_run: 'courseRuns/3'"),
                    &enrollment));
    directory.runs()[3].status = RunStatus::kInProgress;
    ++directory.runs()[3].version;
    Must(api.Complete(College(2),
                      Parse<pb::CompleteRequest>("name: 'enrollments/2' final_score: 90 "
                                                 "attendance_percent: 95"),
                      &enrollment));
    if (caller & 0x80) {
      // A live feed that has mirrored every run.
      int64_t sequence = 0;
      for (const auto& [id, run] : directory.runs()) {
        luban::course::v1::CourseRun event;
        event.set_name(absl::StrCat("courseRuns/", id));
        event.set_course(absl::StrCat("courses/", run.course_id));
        event.set_workshop(absl::StrCat("workshops/", run.workshop_id));
        event.set_status(static_cast<luban::course::v1::CourseRunStatus>(run.status));
        event.set_capacity(run.capacity);
        event.set_pass_score(run.pass_score);
        event.set_min_attendance_percent(run.min_attendance_percent);
        event.set_country_code(run.country);
        event.set_etag(absl::StrCat("\"", run.version, "\""));
        Must(api.ApplyCourseRunEvent(++sequence, run, event));
      }
      api.DecideOnMirroredRuns([] { return true; });
    }
  }

  static void Must(const absl::Status& status) {
    if (!status.ok()) {
      fuzz::Fail(absl::StrCat("seeding the enrollment store: ", status.ToString()));
    }
  }
  RequestContext College(int64_t institution) {
    RequestContext rc;
    rc.principal = {"seed-college", Role::kCollegeAdmin, institution};
    rc.request_id = absl::StrCat("seed-", ++seeded);
    return rc;
  }
  void AddTrainee(int64_t institution, const std::string& workshop, const std::string& document) {
    pb::Trainee out;
    Must(api.CreateTrainee(
        College(institution),
        Parse<pb::CreateTraineeRequest>(absl::StrCat(
            "trainee { family_name: 'Рахимов' given_name: 'Фаррух' family_name_latin: 'Rahimov' "
            "given_name_latin: 'Farrukh' sex: SEX_MALE birth_date { year: 2001 month: 4 day: 12 "
            "} citizenship: 'TJ' identity_document { country_code: 'TJ' type: "
            "DOCUMENT_TYPE_PASSPORT number: '",
            document,
            "' } contacts { email: "
            "'f@example.tj' phone: '+992 93 123 4567' } home_workshop: '",
            workshop, "' }")),
        &out));
  }

  testing::FakeEnrollmentStore store;
  testing::FakeCourseDirectory directory;
  int issued = 0;
  int seeded = 0;
  EnrollmentApi api;
};

using Table = fuzz::MethodTable<EnrollmentEnv>;

// One line per unary RPC: EnrollmentApi::<Method> with a response of the RPC's type.
#define LUBAN_FUZZ_UNARY(Method, Request, Response)                                               \
  table.Add<pb::Request>(#Method,                                                                 \
                         [](EnrollmentEnv& env, const RequestContext& rc, const pb::Request& r) { \
                           pb::Response response;                                                 \
                           return env.api.Method(rc, r, &response);                               \
                         })

const Table& Methods() {
  static const Table* const methods = [] {
    auto* table_ptr = new Table(EnrollmentPolicy());
    Table& table = *table_ptr;
    LUBAN_FUZZ_UNARY(GetTrainee, GetTraineeRequest, Trainee);
    LUBAN_FUZZ_UNARY(ListTrainees, ListTraineesRequest, ListTraineesResponse);
    LUBAN_FUZZ_UNARY(CreateTrainee, CreateTraineeRequest, Trainee);
    LUBAN_FUZZ_UNARY(UpdateTrainee, UpdateTraineeRequest, Trainee);
    LUBAN_FUZZ_UNARY(ArchiveTrainee, ArchiveTraineeRequest, Trainee);
    LUBAN_FUZZ_UNARY(ImportTrainees, ImportTraineesRequest, ImportTraineesResponse);
    LUBAN_FUZZ_UNARY(GetEnrollment, GetEnrollmentRequest, Enrollment);
    LUBAN_FUZZ_UNARY(ListEnrollments, ListEnrollmentsRequest, ListEnrollmentsResponse);
    LUBAN_FUZZ_UNARY(Enroll, EnrollRequest, Enrollment);
    LUBAN_FUZZ_UNARY(Withdraw, WithdrawRequest, Enrollment);
    LUBAN_FUZZ_UNARY(Complete, CompleteRequest, Enrollment);
    LUBAN_FUZZ_UNARY(GetCertificate, GetCertificateRequest, Certificate);
    LUBAN_FUZZ_UNARY(ListCertificates, ListCertificatesRequest, ListCertificatesResponse);
    LUBAN_FUZZ_UNARY(VerifyCertificate, VerifyCertificateRequest, VerifyCertificateResponse);
    LUBAN_FUZZ_UNARY(RevokeCertificate, RevokeCertificateRequest, Certificate);
    LUBAN_FUZZ_UNARY(CheckEligibility, CheckEligibilityRequest, CheckEligibilityResponse);
    table.Add<pb::ExportTraineesRequest>(
        "ExportTrainees",
        [](EnrollmentEnv& env, const RequestContext& rc, const pb::ExportTraineesRequest& r) {
          return fuzz::Export<pb::ExportTraineesResponse>(
              r, kTrainees, [&](ExportCursor& cursor, pb::ExportTraineesResponse* batch) {
                return env.api.ExportTraineesBatch(rc, cursor, batch, [] {});
              });
        });
    table.Add<pb::ExportEnrollmentsRequest>(
        "ExportEnrollments",
        [](EnrollmentEnv& env, const RequestContext& rc, const pb::ExportEnrollmentsRequest& r) {
          return fuzz::Export<pb::ExportEnrollmentsResponse>(
              r, kEnrollments, [&](ExportCursor& cursor, pb::ExportEnrollmentsResponse* batch) {
                return env.api.ExportEnrollmentsBatch(rc, cursor, batch, [] {});
              });
        });
    // A stream over the change feed (MariaDB): its request checks only.
    table.Add<pb::WatchChangesRequest>("WatchChanges", [](EnrollmentEnv&, const RequestContext&,
                                                          const pb::WatchChangesRequest& r) {
      return CheckWatchChangesRequest(r);
    });
    LUBAN_FUZZ_UNARY(ListAuditRecords, ListAuditRecordsRequest, ListAuditRecordsResponse);
    table.CheckComplete();
    return table_ptr;
  }();
  return *methods;
}
#undef LUBAN_FUZZ_UNARY

constexpr char kTraineeText[] =
    "family_name: 'Ахмедова' given_name: 'Мадина' family_name_latin: 'Akhmedova' "
    "given_name_latin: 'Madina' sex: SEX_FEMALE birth_date { year: 2003 month: 2 day: 28 } "
    "citizenship: 'TJ' identity_document { country_code: 'TJ' type: DOCUMENT_TYPE_NATIONAL_ID "
    "number: 'AB-778899' } contacts { email: 'madina@example.tj' phone: '+992 (93) 555-1234' "
    "address: 'Dushanbe' } home_workshop: 'workshops/1'";

std::vector<Table::Seed> Seeds() {
  using fuzz::MakeSeed;
  using fuzz::MakeServiceSeed;
  using E = EnrollmentEnv;
  constexpr Role kAdmin = Role::kNetworkAdmin;
  constexpr Role kCollege = Role::kCollegeAdmin;
  return {
      MakeSeed<E, pb::GetTraineeRequest>("GetTrainee", kCollege, "name: 'trainees/1'", 2),
      MakeSeed<E, pb::ListTraineesRequest>(
          "ListTrainees", kAdmin,
          "page_size: 2 home_workshop: 'workshops/1' citizenship: 'TJ' status: "
          "TRAINEE_STATUS_ACTIVE name_prefix: 'Rah'"),
      MakeSeed<E, pb::CreateTraineeRequest>(
          "CreateTrainee", kCollege,
          absl::StrCat("trainee { ", kTraineeText, " } request_id: 'r1'"), 2),
      MakeSeed<E, pb::UpdateTraineeRequest>(
          "UpdateTrainee", kCollege,
          "trainee { name: 'trainees/1' contacts { email: 'new@example.tj' } given_name_latin: "
          "'Farukh' } update_mask { paths: 'contacts' paths: 'given_name_latin' } "
          "request_id: 'r2'",
          2),
      MakeSeed<E, pb::ArchiveTraineeRequest>("ArchiveTrainee", kCollege,
                                             "name: 'trainees/3' request_id: 'r3'", 4),
      MakeSeed<E, pb::ImportTraineesRequest>("ImportTrainees", kCollege,
                                             absl::StrCat("rows { trainee { ", kTraineeText,
                                                          " } } rows { trainee { family_name: "
                                                          "'X' } } request_id: 'r4'"),
                                             1),
      MakeSeed<E, pb::GetEnrollmentRequest>("GetEnrollment", Role::kReporter,
                                            "name: 'enrollments/1'"),
      MakeSeed<E, pb::ListEnrollmentsRequest>(
          "ListEnrollments", kCollege,
          "page_size: 1 course_run: 'courseRuns/1' trainee: 'trainees/1' workshop: "
          "'workshops/1' state: ENROLLMENT_STATE_ENROLLED enrolled_from { year: 2020 month: 1 "
          "day: 1 } enrolled_to { year: 2030 month: 12 day: 31 }",
          2),
      MakeSeed<E, pb::EnrollRequest>("Enroll", kCollege,
                                     "trainee: 'trainees/2' course_run: 'courseRuns/1' "
                                     "request_id: 'r5'",
                                     2),
      MakeSeed<E, pb::WithdrawRequest>("Withdraw", kCollege,
                                       "name: 'enrollments/1' reason: 'moved away' "
                                       "request_id: 'r6'",
                                       1),
      MakeSeed<E, pb::CompleteRequest>("Complete", kAdmin,
                                       "name: 'enrollments/3' final_score: 40 "
                                       "attendance_percent: 60 request_id: 'r7'"),
      MakeSeed<E, pb::CompleteRequest>("Complete", kCollege,
                                       "name: 'enrollments/3' final_score: 85 "
                                       "attendance_percent: 90 etag: '\"1\"' request_id: 'r9'",
                                       2),
      MakeSeed<E, pb::GetCertificateRequest>("GetCertificate", kCollege, "name: 'certificates/1'",
                                             2),
      MakeSeed<E, pb::ListCertificatesRequest>(
          "ListCertificates", Role::kReporter,
          "page_size: 3 trainee: 'trainees/2' workshop: 'workshops/1'"),
      MakeSeed<E, pb::VerifyCertificateRequest>("VerifyCertificate", Role::kAnonymous,
                                                "number: 'LW-SEED-0001'"),
      MakeSeed<E, pb::RevokeCertificateRequest>(
          "RevokeCertificate", kAdmin,
          "name: 'certificates/1' reason: 'issued in error' request_id: 'r8'"),
      MakeServiceSeed<E, pb::CheckEligibilityRequest>(
          "CheckEligibility", auth::kExchangeService,
          "trainee: 'trainees/2' requirement { completed_course: 'courses/1' "
          "certificate_discipline: 'urban rail' }"),
      MakeSeed<E, pb::ExportTraineesRequest>(
          "ExportTrainees", Role::kReporter,
          "updated_since { seconds: 1700000000 } after_name: 'trainees/1'"),
      MakeSeed<E, pb::ExportEnrollmentsRequest>("ExportEnrollments", Role::kReporter, ""),
      MakeSeed<E, pb::WatchChangesRequest>(
          "WatchChanges", Role::kReporter,
          "after_sequence: 3 resource_types: 'enrollments' max_batch_size: 10"),
      MakeSeed<E, pb::ListAuditRecordsRequest>("ListAuditRecords", kCollege,
                                               "page_size: 2 resource: 'trainees/1'"),
  };
}

}  // namespace
}  // namespace luban::enrollment

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const auto& methods = luban::enrollment::Methods();
  luban::fuzz::MaybeWriteSeeds<luban::enrollment::EnrollmentEnv>(methods, luban::enrollment::Seeds);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return luban::enrollment::Methods().Run(data, size);
}
