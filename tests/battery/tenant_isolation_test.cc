// Tenant isolation (reliability battery): every method of the three services, enumerated from the
// generated service descriptors, is called as each of seven callers with ids owned by
// institutions/3, and must answer what the matrix below says (SPEC.md, "Who may do what"). A
// denied call must change nothing: the CHECKSUM TABLE of every table of the three schemas is the
// same before and after it. The other college's answers must name none of institution 3's
// records, and the reporter's must carry no personal data.
//
// The requests are text-format protos with {placeholders} for the ids the setup created, sent
// through a generic stub, so that the matrix reads as a table: method, request, expected status
// per caller. A method of a service descriptor without a row fails the test with its name.
#include <stdint.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"
#include "grpcpp/client_context.h"
#include "grpcpp/completion_queue.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "grpcpp/support/byte_buffer.h"
#include "gtest/gtest.h"
#include "luban/course/v1/course.grpc.pb.h"
#include "luban/enrollment/v1/enrollment.grpc.pb.h"
#include "luban/exchange/v1/exchange.grpc.pb.h"
#include "tests/battery/battery_report.h"
#include "tests/support/child_process.h"
#include "tests/support/local_suite.h"

namespace luban::testing {
namespace {

using ::google::protobuf::Message;
using ::google::protobuf::MethodDescriptor;
using ::google::protobuf::ServiceDescriptor;

constexpr char kSection[] = "Tenant isolation";

// The callers, in the matrix's column order. The records belong to institutions/3: its admin is
// the owner (LocalSuite::kOtherCollegeAdmin); the "other college" is institutions/2's admin
// (LocalSuite::kCollegeAdmin).
// The services' principals each call only what their service uses of the others.
enum Who {
  kAdmin,
  kOwner,
  kOther,
  kReporter,
  kService,          // svc-enrollment
  kExchangeService,  // svc-exchange
  kNoToken,
  kBadToken,
  kWhoCount
};
constexpr const char* kWhoNames[kWhoCount] = {"network admin",
                                              "owner (institutions/3)",
                                              "other college (institutions/2)",
                                              "reporter",
                                              "service svc-enrollment",
                                              "service svc-exchange",
                                              "no token",
                                              "bad token"};
// The order the callers run a row in: the denied ones before the allowed changes, the owner's
// change before the network admin's.
constexpr Who kRunOrder[kWhoCount] = {kNoToken, kBadToken,        kOther, kReporter,
                                      kService, kExchangeService, kOwner, kAdmin};

// What a caller must get.
enum Expect {
  kOK,  // OK
  kNF,  // NOT_FOUND: the record is hidden as if it did not exist
  kPD,  // PERMISSION_DENIED: the role may not call the method
  kUA,  // UNAUTHENTICATED: no or a bad credential
  kAL,  // allowed: past the access checks, the target's state decides (OK, FAILED_PRECONDITION
        // or ALREADY_EXISTS: an allowed caller before it already made the change)
  kSK,  // allowed but not run: it would destroy (or entangle) records later rows need
  kIA,  // INVALID_ARGUMENT: the request lacks what this caller must send (the record it reads)
};

struct Row {
  const char* method;   // short name in the service
  const char* request;  // text format, with {placeholders}
  // admin, owner, other, reporter, svc-enrollment, svc-exchange, none, bad
  std::array<Expect, kWhoCount> expect;
  // A record (placeholder) every allowed reader's answer must name (non-streaming answers).
  const char* shows = "";
  // The answer carries the trainee's personal data: the admin and the owner must see it.
  bool personal = false;
};

// {placeholders} set per call.
constexpr char kRequestId[] = "{RID}";
constexpr char kUnique[] = "{N}";

// clang-format off
// ---- The matrix ---------------------------------------------------------------------------
// Columns: network admin, owner (institutions/3), other college (institutions/2), reporter,
// svc-enrollment, svc-exchange, no token, bad token.
const std::vector<Row>& CourseRows() {
  static const auto* const rows = new std::vector<Row>{
  // Institutions are the network's shared structure: every role reads them, only admins change.
  {"GetInstitution", R"(name: "{I3}")", {kOK, kOK, kOK, kOK, kOK, kOK, kUA, kUA}, "{I3}"},
  {"ListInstitutions", R"(country_code: "KZ")", {kOK, kOK, kOK, kOK, kPD, kPD, kUA, kUA}, "{I3}"},
  {"CreateInstitution", R"(institution { kind: INSTITUTION_KIND_LOCAL_PARTNER country_code: "KZ"
     display_names { language_code: "en" text: "Shymkent Partner {N}" } city: "Shymkent" }
     request_id: "{RID}")", {kOK, kPD, kPD, kPD, kPD, kPD, kUA, kUA}},
  {"UpdateInstitution", R"(institution { name: "{I3}" city: "Almaty {N}" }
     update_mask { paths: "city" } request_id: "{RID}")", {kOK, kPD, kPD, kPD, kPD, kPD, kUA, kUA}},
  // Institution 3 co-founded workshops: the admin's delete is refused by state.
  {"DeleteInstitution", R"(name: "{I3}" request_id: "{RID}")",
     {kAL, kPD, kPD, kPD, kPD, kPD, kUA, kUA}},
  {"GetWorkshop", R"(name: "{W3}")", {kOK, kOK, kNF, kOK, kOK, kOK, kUA, kUA}, "{W3}"},
  {"ListWorkshops", R"(institution: "{I3}")", {kOK, kOK, kOK, kOK, kPD, kPD, kUA, kUA}, "{W3}"},
  {"CreateWorkshop", R"(workshop { display_names { language_code: "en" text: "ZZ3 New {N}" }
     country_code: "KZ" city: "Almaty" chinese_institution: "{I1}" partner_institution: "{I3}" }
     request_id: "{RID}")", {kOK, kPD, kPD, kPD, kPD, kPD, kUA, kUA}},
  {"UpdateWorkshop", R"(workshop { name: "{W3}" city: "Almaty {N}" } update_mask { paths: "city" }
     request_id: "{RID}")", {kOK, kOK, kNF, kPD, kPD, kPD, kUA, kUA}},
  {"DeleteWorkshop", R"(name: "{W3p}" request_id: "{RID}")", {kOK, kPD, kPD, kPD, kPD, kPD, kUA, kUA}},
  {"ChangeWorkshopStatus", R"(name: "{W3b}" status: WORKSHOP_STATUS_SUSPENDED reason: "audit"
     request_id: "{RID}")", {kAL, kOK, kNF, kPD, kPD, kPD, kUA, kUA}},
  // The shared catalogue: every role reads it, only admins change it.
  {"GetCourse", R"(name: "{C1}")", {kOK, kOK, kOK, kOK, kOK, kOK, kUA, kUA}, "{C1}"},
  {"ListCourses", "", {kOK, kOK, kOK, kOK, kPD, kPD, kUA, kUA}, "{C1}"},
  {"CreateCourse", R"(course { code: "TEN-{N}" titles { language_code: "en" text: "Surveying" }
     discipline: "surveying" hours: 40 instruction_languages: "ru" } request_id: "{RID}")",
     {kOK, kPD, kPD, kPD, kPD, kPD, kUA, kUA}},
  {"UpdateCourse", R"(course { name: "{C1}" description: "Rails {N}" }
     update_mask { paths: "description" } request_id: "{RID}")",
     {kOK, kPD, kPD, kPD, kPD, kPD, kUA, kUA}},
  {"DeleteCourse", R"(name: "{C2}" request_id: "{RID}")", {kOK, kPD, kPD, kPD, kPD, kPD, kUA, kUA}},
  {"GetCourseRun", R"(name: "{R3}")", {kOK, kOK, kNF, kOK, kOK, kOK, kUA, kUA}, "{R3}"},
  {"ListCourseRuns", R"(institution: "{I3}")", {kOK, kOK, kOK, kOK, kPD, kPD, kUA, kUA}, "{R3}"},
  {"CreateCourseRun", R"(course_run { course: "{C1}" workshop: "{W3}"
     start_date { year: 2027 month: 9 day: 1 } end_date { year: 2027 month: 12 day: 20 }
     capacity: 12 language_code: "ru" pass_score: 60 min_attendance_percent: 70 }
     request_id: "{RID}")", {kOK, kOK, kNF, kPD, kPD, kPD, kUA, kUA}},
  {"UpdateCourseRun", R"(course_run { name: "{R3sched}" capacity: 25 }
     update_mask { paths: "capacity" } request_id: "{RID}")", {kOK, kOK, kNF, kPD, kPD, kPD, kUA, kUA}},
  {"DeleteCourseRun", R"(name: "{R3del}" request_id: "{RID}")",
     {kSK, kOK, kNF, kPD, kPD, kPD, kUA, kUA}},
  // One run through its lifecycle: opened, started, completed by the owner.
  {"OpenCourseRun", R"(name: "{R3sched}" request_id: "{RID}")",
     {kAL, kOK, kNF, kPD, kPD, kPD, kUA, kUA}},
  {"StartCourseRun", R"(name: "{R3sched}" request_id: "{RID}")",
     {kAL, kOK, kNF, kPD, kPD, kPD, kUA, kUA}},
  {"CompleteCourseRun", R"(name: "{R3sched}" request_id: "{RID}")",
     {kAL, kOK, kNF, kPD, kPD, kPD, kUA, kUA}},
  {"CancelCourseRun", R"(name: "{R3cancel}" reason: "no teacher" request_id: "{RID}")",
     {kAL, kOK, kNF, kPD, kPD, kPD, kUA, kUA}},
  // A college follows the changes to its own records: the other college's feed shows nothing of
  // institution 3 (checked like every answer).
  {"WatchChanges", "", {kOK, kOK, kOK, kOK, kOK, kPD, kUA, kUA}},
  // Every signed-in caller learns who it is (a college admin its institution).
  {"GetCaller", "", {kOK, kOK, kOK, kOK, kOK, kOK, kUA, kUA}},
  // The audit trail: the network admin all of it; a college admin one record of its own.
  {"ListAuditRecords", "", {kOK, kIA, kIA, kPD, kPD, kPD, kUA, kUA}},
  {"ListAuditRecords", R"(resource: "{I3}")", {kOK, kOK, kNF, kPD, kPD, kPD, kUA, kUA}, "{I3}"},
  {"ListAuditRecords", R"(resource: "{W3}")", {kOK, kOK, kNF, kPD, kPD, kPD, kUA, kUA}, "{W3}"},
  {"ListAuditRecords", R"(resource: "{R3}")", {kOK, kOK, kNF, kPD, kPD, kPD, kUA, kUA}, "{R3}"},
  // A missing record answers as another college's does.
  {"ListAuditRecords", R"(resource: "workshops/999999")",
     {kOK, kNF, kNF, kPD, kPD, kPD, kUA, kUA}},
  // The shared catalogue's history is the network admins'.
  {"ListAuditRecords", R"(resource: "{C1}")", {kOK, kPD, kPD, kPD, kPD, kPD, kUA, kUA}, "{C1}"},
  };
  return *rows;
}

const std::vector<Row>& EnrollmentRows() {
  static const auto* const rows = new std::vector<Row>{
  {"GetTrainee", R"(name: "{T3}")", {kOK, kOK, kNF, kOK, kPD, kPD, kUA, kUA}, "{T3}", true},
  {"ListTrainees", R"(home_workshop: "{W3}")", {kOK, kOK, kOK, kOK, kPD, kPD, kUA, kUA}, "{T3}", true},
  // Creating (or importing) a trainee at institution 3's workshop.
  {"CreateTrainee", R"(trainee { family_name: "Новиков" given_name: "Ерлан"
     family_name_latin: "Novikov" given_name_latin: "Erlan"
     birth_date { year: 2000 month: 1 day: 2 }
     citizenship: "KZ" identity_document { country_code: "KZ" type: DOCUMENT_TYPE_PASSPORT
     number: "NEW{N}" } home_workshop: "{W3}" } request_id: "{RID}")",
     {kOK, kOK, kNF, kPD, kPD, kPD, kUA, kUA}},
  {"UpdateTrainee", R"(trainee { name: "{T3}" contacts { email: "zz3mail{N}@example.kz" } }
     update_mask { paths: "contacts" } request_id: "{RID}")", {kOK, kOK, kNF, kPD, kPD, kPD, kUA, kUA}},
  // The other college moving its own trainee to institution 3's workshop: the workshop must look
  // exactly like a missing one (next row).
  {"UpdateTrainee", R"(trainee { name: "{T2b}" home_workshop: "{W3}" }
     update_mask { paths: "home_workshop" } request_id: "{RID}")",
     {kOK, kNF, kNF, kPD, kPD, kPD, kUA, kUA}},
  {"UpdateTrainee", R"(trainee { name: "{T2b}" home_workshop: "workshops/999999" }
     update_mask { paths: "home_workshop" } request_id: "{RID}")",
     {kNF, kNF, kNF, kPD, kPD, kPD, kUA, kUA}},
  {"ArchiveTrainee", R"(name: "{T3arch}" request_id: "{RID}")",
     {kAL, kOK, kNF, kPD, kPD, kPD, kUA, kUA}},
  // The other college's call succeeds with the row refused (NOT_FOUND): checked below.
  {"ImportTrainees", R"(rows { trainee { family_name: "Ким" given_name: "Айгерим"
     family_name_latin: "Kim" given_name_latin: "Aigerim" birth_date { year: 2001 month: 3 day: 4 }
     citizenship: "KZ" identity_document { country_code: "KZ" type: DOCUMENT_TYPE_NATIONAL_ID
     number: "IMP{N}" } home_workshop: "{W3}" } } request_id: "{RID}")",
     {kOK, kOK, kOK, kPD, kPD, kPD, kUA, kUA}},
  {"GetEnrollment", R"(name: "{E3}")", {kOK, kOK, kNF, kOK, kPD, kPD, kUA, kUA}, "{E3}"},
  {"ListEnrollments", R"(workshop: "{W3}")", {kOK, kOK, kOK, kOK, kPD, kPD, kUA, kUA}, "{E3}"},
  {"Enroll", R"(trainee: "{T3e}" course_run: "{R3open}" request_id: "{RID}")",
     {kAL, kOK, kNF, kPD, kPD, kPD, kUA, kUA}},
  // The other college enrolling its own trainee into institution 3's run: the run is hidden.
  {"Enroll", R"(trainee: "{T2}" course_run: "{R3open}" request_id: "{RID}")",
     {kOK, kNF, kNF, kPD, kPD, kPD, kUA, kUA}},
  {"Withdraw", R"(name: "{E3b}" reason: "moved away" request_id: "{RID}")",
     {kAL, kOK, kNF, kPD, kPD, kPD, kUA, kUA}},
  {"Complete", R"(name: "{E3c}" final_score: 88 attendance_percent: 92 request_id: "{RID}")",
     {kAL, kOK, kNF, kPD, kPD, kPD, kUA, kUA}},
  {"GetCertificate", R"(name: "{Cert3}")", {kOK, kOK, kNF, kOK, kPD, kPD, kUA, kUA}, "{Cert3}", true},
  {"ListCertificates", R"(workshop: "{W3}")", {kOK, kOK, kOK, kOK, kPD, kPD, kUA, kUA}, "{Cert3}",
     true},
  // Public: anyone verifies a number (a bad credential is still refused).
  {"VerifyCertificate", R"(number: "{CertNo}")", {kOK, kOK, kOK, kOK, kOK, kOK, kOK, kUA}},
  {"RevokeCertificate", R"(name: "{Cert3}" reason: "issued in error" request_id: "{RID}")",
     {kOK, kPD, kPD, kPD, kPD, kPD, kUA, kUA}},
  {"CheckEligibility", R"(trainee: "{T3}")", {kOK, kPD, kPD, kPD, kPD, kOK, kUA, kUA}},
  {"ExportTrainees", "", {kOK, kPD, kPD, kOK, kPD, kPD, kUA, kUA}, "", true},
  {"ExportEnrollments", "", {kOK, kPD, kPD, kOK, kPD, kPD, kUA, kUA}},
  {"WatchChanges", "", {kOK, kOK, kOK, kOK, kPD, kPD, kUA, kUA}},
  {"ListAuditRecords", "", {kOK, kIA, kIA, kPD, kPD, kPD, kUA, kUA}},
  // The trainee's history shows what was asked: its personal data, for those who see it.
  {"ListAuditRecords", R"(resource: "{T3}")", {kOK, kOK, kNF, kPD, kPD, kPD, kUA, kUA}, "{T3}",
     true},
  {"ListAuditRecords", R"(resource: "{E3}")", {kOK, kOK, kNF, kPD, kPD, kPD, kUA, kUA}, "{E3}"},
  {"ListAuditRecords", R"(resource: "{Cert3}")", {kOK, kOK, kNF, kPD, kPD, kPD, kUA, kUA},
     "{Cert3}"},
  {"ListAuditRecords", R"(resource: "trainees/999999")", {kOK, kNF, kNF, kPD, kPD, kPD, kUA, kUA}},
  };
  return *rows;
}

const std::vector<Row>& ExchangeRows() {
  static const auto* const rows = new std::vector<Row>{
  {"GetProgramme", R"(name: "{P3}")", {kOK, kOK, kNF, kOK, kPD, kPD, kUA, kUA}, "{P3}"},
  {"ListProgrammes", R"(institution: "{I3}")", {kOK, kOK, kOK, kOK, kPD, kPD, kUA, kUA}, "{P3}"},
  // A programme of institution 3 (with institutions/1) that the other college is no party to.
  {"CreateProgramme", R"(programme { titles { language_code: "en" text: "ZZ3 Visit {N}" }
     chinese_institution: "{I1}" partner_institution: "{I3}"
     kind: PROGRAMME_KIND_TRAINEE_STUDY_VISIT
     direction: DIRECTION_TO_CHINA start_date { year: 2028 month: 4 day: 1 }
     end_date { year: 2028 month: 4 day: 20 } quota: 3 } request_id: "{RID}")",
     {kOK, kOK, kPD, kPD, kPD, kPD, kUA, kUA}},
  {"UpdateProgramme", R"(programme { name: "{P3}" quota: 6 } update_mask { paths: "quota" }
     request_id: "{RID}")", {kOK, kOK, kNF, kPD, kPD, kPD, kUA, kUA}},
  // The other college tying its own programme to institution 3's run: the run must look
  // exactly like a missing one (next row). Not run for the network admin, who may: the run
  // would then be part of the other college's programme, which its feed rightly shows.
  {"UpdateProgramme", R"(programme { name: "{P2}" course_run: "{R3}" }
     update_mask { paths: "course_run" } request_id: "{RID}")",
     {kSK, kNF, kNF, kPD, kPD, kPD, kUA, kUA}},
  {"UpdateProgramme", R"(programme { name: "{P2}" course_run: "courseRuns/999999" }
     update_mask { paths: "course_run" } request_id: "{RID}")",
     {kNF, kNF, kNF, kPD, kPD, kPD, kUA, kUA}},
  {"ChangeProgrammeStatus", R"(name: "{P3c}" status: PROGRAMME_STATUS_OPEN request_id: "{RID}")",
     {kAL, kOK, kNF, kPD, kPD, kPD, kUA, kUA}},
  {"GetMobility", R"(name: "{M3}")", {kOK, kOK, kNF, kOK, kPD, kPD, kUA, kUA}, "{M3}"},
  {"ListMobilities", R"(institution: "{I3}")", {kOK, kOK, kOK, kOK, kPD, kPD, kUA, kUA}, "{M3}"},
  {"Nominate", R"(programme: "{P3}" trainee: "{T3n}" reason: "best of year" request_id: "{RID}")",
     {kAL, kOK, kNF, kPD, kPD, kPD, kUA, kUA}},
  // The other college nominating institution 3's trainee into its own programme: the trainee
  // must look exactly like a missing one (next row), or the answer tells that it exists. Not
  // run for the network admin, for the reason above.
  {"Nominate", R"(programme: "{P2}" trainee: "{T3}" request_id: "{RID}")",
     {kSK, kNF, kNF, kPD, kPD, kPD, kUA, kUA}},
  {"Nominate", R"(programme: "{P2}" trainee: "trainees/999999" request_id: "{RID}")",
     {kNF, kNF, kNF, kPD, kPD, kPD, kUA, kUA}},
  // Institution 3 receives in programme P3r (to the partner's country) and sends in P3.
  {"ApproveMobility", R"(name: "{M3ra}" request_id: "{RID}")",
     {kAL, kOK, kNF, kPD, kPD, kPD, kUA, kUA}},
  {"RejectMobility", R"(name: "{M3rb}" reason: "language level" request_id: "{RID}")",
     {kAL, kOK, kNF, kPD, kPD, kPD, kUA, kUA}},
  {"ReopenMobility", R"(name: "{M3rb}" reason: "passed the test" request_id: "{RID}")",
     {kAL, kOK, kNF, kPD, kPD, kPD, kUA, kUA}},
  {"DepartMobility", R"(name: "{M3d}" request_id: "{RID}")", {kAL, kOK, kNF, kPD, kPD, kPD, kUA, kUA}},
  {"ReturnMobility", R"(name: "{M3d}" request_id: "{RID}")", {kAL, kOK, kNF, kPD, kPD, kPD, kUA, kUA}},
  {"CancelMobility", R"(name: "{M3}" reason: "visa refused" request_id: "{RID}")",
     {kAL, kOK, kNF, kPD, kPD, kPD, kUA, kUA}},
  {"ExportMobilities", "", {kOK, kPD, kPD, kOK, kPD, kPD, kUA, kUA}},
  {"WatchChanges", "", {kOK, kOK, kOK, kOK, kPD, kPD, kUA, kUA}},
  {"ListAuditRecords", "", {kOK, kIA, kIA, kPD, kPD, kPD, kUA, kUA}},
  {"ListAuditRecords", R"(resource: "{P3}")", {kOK, kOK, kNF, kPD, kPD, kPD, kUA, kUA}, "{P3}"},
  {"ListAuditRecords", R"(resource: "{M3}")", {kOK, kOK, kNF, kPD, kPD, kPD, kUA, kUA}, "{M3}"},
  {"ListAuditRecords", R"(resource: "mobilities/999999")",
     {kOK, kNF, kNF, kPD, kPD, kPD, kUA, kUA}},
  };
  return *rows;
}
// clang-format on

// Text only institution 3's records carry (names, titles): the other college must never see it.
constexpr const char* kInstitution3Text[] = {"ZZ3", "Zedthree", "Зедтри"};
// The personal data of institution 3's trainees: reporters must never see it.
constexpr const char* kPersonalText[] = {"Zedthree", "Zorathree", "Зедтри", "Зоратри",
                                         "ZZ3DOC",   "zz3mail",   "701 555"};
// The placeholders naming institution 3's records (filled by the setup).
constexpr const char* kInstitution3Records[] = {
    "{W3}",       "{W3b}", "{W3p}", "{R3}",   "{R3open}", "{R3sched}", "{R3del}",
    "{R3cancel}", "{T3}",  "{T3b}", "{T3c}",  "{T3arch}", "{T3e}",     "{T3n}",
    "{T3d}",      "{E3}",  "{E3b}", "{E3c}",  "{Cert3}",  "{P3}",      "{P3r}",
    "{P3c}",      "{M3}",  "{M3d}", "{M3ra}", "{M3rb}"};

bool Mutates(const MethodDescriptor& method) {
  return method.input_type()->FindFieldByName("request_id") != nullptr;
}

bool Matches(Expect expect, grpc::StatusCode code) {
  switch (expect) {
    case kOK:
      return code == grpc::StatusCode::OK;
    case kNF:
      return code == grpc::StatusCode::NOT_FOUND;
    case kPD:
      return code == grpc::StatusCode::PERMISSION_DENIED;
    case kUA:
      return code == grpc::StatusCode::UNAUTHENTICATED;
    case kAL:
      return code == grpc::StatusCode::OK || code == grpc::StatusCode::FAILED_PRECONDITION ||
             code == grpc::StatusCode::ALREADY_EXISTS;
    case kSK:
      return true;
    case kIA:
      return code == grpc::StatusCode::INVALID_ARGUMENT;
  }
  return false;
}

const char* ExpectName(Expect expect) {
  constexpr const char* kNames[] = {"OK",
                                    "NOT_FOUND",
                                    "PERMISSION_DENIED",
                                    "UNAUTHENTICATED",
                                    "allowed (OK, FAILED_PRECONDITION or ALREADY_EXISTS)",
                                    "skipped",
                                    "INVALID_ARGUMENT"};
  return kNames[expect];
}

void* Tag(intptr_t n) { return reinterpret_cast<void*>(n); }

// Waits for the completion queue's next event; its `ok`.
bool Await(grpc::CompletionQueue& cq, intptr_t expected_tag) {
  void* tag = nullptr;
  bool ok = false;
  if (!cq.Next(&tag, &ok)) return false;
  EXPECT_EQ(tag, Tag(expected_tag));
  return ok;
}

// A call's outcome: its status and, when OK, its (first) answer.
struct Answer {
  grpc::Status status;
  std::unique_ptr<Message> response;
};

class TenantIsolationTest : public ::testing::Test {
 protected:
  enum ServiceIndex { kCourse, kEnrollment, kExchange };

  void SetUp() override {
    LUBAN_REQUIRE_TEST_DATABASE();
    dir_ = MakeTempDir("luban-tenant");
    ASSERT_FALSE(dir_.empty()) << std::strerror(errno);
    auto suite = LocalSuite::Start(dir_);
    ASSERT_TRUE(suite.ok()) << suite.status();
    suite_ = *std::move(suite);
    const std::string addrs[] = {suite_->course_addr(), suite_->enrollment_addr(),
                                 suite_->exchange_addr()};
    for (int i = 0; i < 3; ++i) {
      auto channel = suite_->Channel(addrs[i]);
      ASSERT_TRUE(channel.ok()) << channel.status();
      channels_[i] = *std::move(channel);
    }
    services_[kCourse] =
        luban::course::v1::Institution::descriptor()->file()->FindServiceByName("CourseService");
    services_[kEnrollment] =
        luban::enrollment::v1::Trainee::descriptor()->file()->FindServiceByName(
            "EnrollmentService");
    services_[kExchange] =
        luban::exchange::v1::Programme::descriptor()->file()->FindServiceByName("ExchangeService");
    for (const ServiceDescriptor* service : services_) ASSERT_NE(service, nullptr);
  }

  void TearDown() override {
    suite_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  std::string Token(Who who) const {
    switch (who) {
      case kAdmin:
        return suite_->Token(LocalSuite::kNetworkAdmin);
      case kOwner:
        return suite_->Token(LocalSuite::kOtherCollegeAdmin);
      case kOther:
        return suite_->Token(LocalSuite::kCollegeAdmin);
      case kReporter:
        return suite_->Token(LocalSuite::kReporter);
      case kService:
        return suite_->Token(LocalSuite::kService);
      case kExchangeService:
        return suite_->Token(LocalSuite::kExchangeService);
      case kNoToken:
        return "";
      case kBadToken:
        return "not-a-token-of-this-network";
      case kWhoCount:
        break;
    }
    return "";
  }

  // `text` with every {placeholder} replaced, {RID} and {N} by fresh values.
  std::string Fill(const std::string& text) {
    ++calls_made_;
    std::vector<std::pair<std::string, std::string>> values(ids_.begin(), ids_.end());
    values.emplace_back(kRequestId, absl::StrCat("tenant-", calls_made_));
    values.emplace_back(kUnique, absl::StrCat(calls_made_));
    return absl::StrReplaceAll(text, values);
  }

  // Calls `method` with `text` (filled) as `who`: unary, or a server stream read up to its first
  // message (then cancelled).
  Answer Call(const MethodDescriptor& method, const std::string& text, Who who) {
    Answer answer;
    const Message* prototype =
        google::protobuf::MessageFactory::generated_factory()->GetPrototype(method.input_type());
    std::unique_ptr<Message> request(prototype->New());
    const std::string filled = Fill(text);
    if (!google::protobuf::TextFormat::ParseFromString(filled, request.get())) {
      ADD_FAILURE() << method.full_name() << ": the matrix's request does not parse: " << filled;
      answer.status = grpc::Status(grpc::StatusCode::INTERNAL, "bad request text");
      return answer;
    }
    int service = 0;
    while (services_[service] != method.service()) ++service;
    grpc::GenericStub stub(channels_[service]);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    const std::string token = Token(who);
    if (!token.empty()) context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    grpc::ByteBuffer send;
    bool own = false;
    if (!grpc::SerializationTraits<Message>::Serialize(*request, &send, &own).ok()) {
      answer.status = grpc::Status(grpc::StatusCode::INTERNAL, "cannot serialize");
      return answer;
    }
    const std::string path = absl::StrCat("/", method.service()->full_name(), "/", method.name());
    grpc::CompletionQueue cq;
    grpc::ByteBuffer received;
    bool answered = false;
    if (!method.server_streaming()) {
      auto call = stub.PrepareUnaryCall(&context, path, send, &cq);
      call->StartCall();
      call->Finish(&received, &answer.status, Tag(1));
      Await(cq, 1);
      answered = answer.status.ok();
    } else {
      auto call = stub.PrepareCall(&context, path, &cq);
      call->StartCall(Tag(1));
      Await(cq, 1);
      call->WriteLast(send, grpc::WriteOptions(), Tag(2));
      Await(cq, 2);  // fails when the server refused the call: its status comes with Finish
      call->Read(&received, Tag(3));
      answered = Await(cq, 3);
      if (answered) context.TryCancel();  // a watch never ends by itself
      call->Finish(&answer.status, Tag(4));
      Await(cq, 4);
      if (answered) answer.status = grpc::Status::OK;  // it answered; the cancel was ours
    }
    cq.Shutdown();
    void* tag = nullptr;
    bool ok = false;
    while (cq.Next(&tag, &ok)) {
    }
    if (answered) {
      const Message* out =
          google::protobuf::MessageFactory::generated_factory()->GetPrototype(method.output_type());
      answer.response.reset(out->New());
      if (!grpc::SerializationTraits<Message>::Deserialize(&received, answer.response.get()).ok()) {
        ADD_FAILURE() << method.full_name() << ": cannot parse the answer";
      }
    }
    return answer;
  }

  // One setup call as `who`; stores the answer's `field` (default its name) as `key`.
  absl::Status Step(const char* key, ServiceIndex service, const char* method, Who who,
                    const std::string& text, const char* field = "name") {
    const MethodDescriptor* descriptor = services_[service]->FindMethodByName(method);
    if (descriptor == nullptr) return absl::InternalError(absl::StrCat("no method ", method));
    Answer answer = Call(*descriptor, text, who);
    if (!answer.status.ok()) {
      return absl::InternalError(absl::StrCat("setup ", method, " as ", kWhoNames[who], " (",
                                              Fill(text), "): ", answer.status.error_code(), " ",
                                              answer.status.error_message()));
    }
    if (*key != '\0') {
      const auto* out = answer.response->GetDescriptor()->FindFieldByName(field);
      if (out == nullptr) return absl::InternalError(absl::StrCat("no field ", field));
      ids_[key] = answer.response->GetReflection()->GetString(*answer.response, out);
    }
    return absl::OkStatus();
  }

  // Institutions 1 (a Chinese college), 2 (the other college) and 3 (the owner), and the
  // records of institution 3 the matrix targets, in the states its rows need.
  absl::Status BuildData() {
    const std::string institution = R"(institution { kind: %KIND country_code: "%C"
        display_names { language_code: "en" text: "%T" } city: "%T" } request_id: "{RID}")";
    auto institution_text = [&](const char* kind, const char* country, const char* name) {
      return absl::StrReplaceAll(institution, {{"%KIND", kind}, {"%C", country}, {"%T", name}});
    };
    const std::string workshop = R"(workshop { display_names { language_code: "en" text: "%T" }
        country_code: "%C" city: "%T" chinese_institution: "{I1}" partner_institution: "%P" }
        request_id: "{RID}")";
    auto workshop_text = [&](const char* name, const char* country, const char* partner) {
      return absl::StrReplaceAll(workshop, {{"%T", name}, {"%C", country}, {"%P", partner}});
    };
    const std::string run = R"(course_run { course: "{C1}" workshop: "{W3}"
        start_date { year: 2027 month: 3 day: 1 } end_date { year: 2027 month: 6 day: 30 }
        capacity: 20 language_code: "ru" pass_score: 60 min_attendance_percent: 70 }
        request_id: "{RID}")";
    const std::string trainee3 = R"(trainee { family_name: "Зедтри" given_name: "Зоратри"
        family_name_latin: "Zedthree" given_name_latin: "Zorathree" sex: SEX_FEMALE
        birth_date { year: 2001 month: 4 day: 12 } citizenship: "KZ"
        identity_document { country_code: "KZ" type: DOCUMENT_TYPE_PASSPORT number: "ZZ3DOC{N}" }
        contacts { email: "zz3mail@example.kz" phone: "+7 701 555 0101" }
        home_workshop: "{W3}" } request_id: "{RID}")";
    const std::string trainee2 = R"(trainee { family_name: "Рахимов" given_name: "Фарход"
        family_name_latin: "Rahimov" given_name_latin: "Farhod"
        birth_date { year: 1999 month: 5 day: 6 } citizenship: "TJ"
        identity_document { country_code: "TJ" type: DOCUMENT_TYPE_PASSPORT number: "TJ{N}" }
        home_workshop: "{W2}" } request_id: "{RID}")";
    const std::string programme = R"(programme { titles { language_code: "en" text: "%T" }
        chinese_institution: "{I1}" partner_institution: "%P" kind: %K direction: %D
        start_date { year: 2027 month: 9 day: 1 } end_date { year: 2027 month: 9 day: 30 }
        quota: 5 } request_id: "{RID}")";
    auto programme_text = [&](const char* title, const char* partner, const char* kind,
                              const char* direction) {
      return absl::StrReplaceAll(programme,
                                 {{"%T", title}, {"%P", partner}, {"%K", kind}, {"%D", direction}});
    };
    const std::string open_workshop =
        R"(name: "%W" status: WORKSHOP_STATUS_OPERATING request_id: "{RID}")";
    const std::string open_programme =
        R"(name: "%P" status: PROGRAMME_STATUS_OPEN request_id: "{RID}")";
    const std::string teacher = R"(programme: "{P3r}" teacher { full_name: "Li Wei"
        full_name_latin: "Li Wei" position: "lecturer" } request_id: "{RID}")";

    struct Setup {
      const char* key;
      ServiceIndex service;
      const char* method;
      Who who;
      std::string text;
      const char* field = "name";
    };
    const std::vector<Setup> steps = {
        {"{I1}", kCourse, "CreateInstitution", kAdmin,
         institution_text("INSTITUTION_KIND_CHINESE_COLLEGE", "CN", "Tianjin College")},
        {"{I2}", kCourse, "CreateInstitution", kAdmin,
         institution_text("INSTITUTION_KIND_LOCAL_PARTNER", "TJ", "Dushanbe Partner")},
        {"{I3}", kCourse, "CreateInstitution", kAdmin,
         institution_text("INSTITUTION_KIND_LOCAL_PARTNER", "KZ", "Almaty Partner")},
        {"{W2}", kCourse, "CreateWorkshop", kAdmin, workshop_text("Dushanbe", "TJ", "{I2}")},
        {"{W3}", kCourse, "CreateWorkshop", kAdmin, workshop_text("ZZ3 Almaty", "KZ", "{I3}")},
        {"{W3b}", kCourse, "CreateWorkshop", kAdmin, workshop_text("ZZ3 Second", "KZ", "{I3}")},
        {"{W3p}", kCourse, "CreateWorkshop", kAdmin, workshop_text("ZZ3 Planned", "KZ", "{I3}")},
        {"", kCourse, "ChangeWorkshopStatus", kAdmin,
         absl::StrReplaceAll(open_workshop, {{"%W", "{W2}"}})},
        {"", kCourse, "ChangeWorkshopStatus", kAdmin,
         absl::StrReplaceAll(open_workshop, {{"%W", "{W3}"}})},
        {"", kCourse, "ChangeWorkshopStatus", kAdmin,
         absl::StrReplaceAll(open_workshop, {{"%W", "{W3b}"}})},
        {"{C1}", kCourse, "CreateCourse", kAdmin,
         R"(course { code: "URT-101" titles { language_code: "en" text: "Urban rail" }
            discipline: "urban rail" hours: 72 instruction_languages: "ru" } request_id: "{RID}")"},
        {"{C2}", kCourse, "CreateCourse", kAdmin,
         R"(course { code: "CNC-201" titles { language_code: "en" text: "CNC" }
            discipline: "CNC" hours: 60 instruction_languages: "ru" } request_id: "{RID}")"},
        // Institution 3's runs, made by its own admin.
        {"{R3}", kCourse, "CreateCourseRun", kOwner, run},
        {"{R3open}", kCourse, "CreateCourseRun", kOwner, run},
        {"{R3sched}", kCourse, "CreateCourseRun", kOwner, run},
        {"{R3del}", kCourse, "CreateCourseRun", kOwner, run},
        {"{R3cancel}", kCourse, "CreateCourseRun", kOwner, run},
        {"", kCourse, "OpenCourseRun", kOwner, R"(name: "{R3}" request_id: "{RID}")"},
        {"", kCourse, "OpenCourseRun", kOwner, R"(name: "{R3open}" request_id: "{RID}")"},
        {"{T3}", kEnrollment, "CreateTrainee", kOwner, trainee3},
        {"{T3b}", kEnrollment, "CreateTrainee", kOwner, trainee3},
        {"{T3c}", kEnrollment, "CreateTrainee", kOwner, trainee3},
        {"{T3arch}", kEnrollment, "CreateTrainee", kOwner, trainee3},
        {"{T3e}", kEnrollment, "CreateTrainee", kOwner, trainee3},
        {"{T3n}", kEnrollment, "CreateTrainee", kOwner, trainee3},
        {"{T3d}", kEnrollment, "CreateTrainee", kOwner, trainee3},
        // The other college's own trainees.
        {"{T2}", kEnrollment, "CreateTrainee", kOther, trainee2},
        {"{T2b}", kEnrollment, "CreateTrainee", kOther, trainee2},
        {"{E3}", kEnrollment, "Enroll", kOwner,
         R"(trainee: "{T3}" course_run: "{R3}" request_id: "{RID}")"},
        {"{E3b}", kEnrollment, "Enroll", kOwner,
         R"(trainee: "{T3b}" course_run: "{R3}" request_id: "{RID}")"},
        {"{E3c}", kEnrollment, "Enroll", kOwner,
         R"(trainee: "{T3c}" course_run: "{R3}" request_id: "{RID}")"},
        {"", kCourse, "StartCourseRun", kOwner, R"(name: "{R3}" request_id: "{RID}")"},
        {"{Cert3}", kEnrollment, "Complete", kOwner,
         R"(name: "{E3}" final_score: 90 attendance_percent: 95 request_id: "{RID}")",
         "certificate"},
        {"{CertNo}", kEnrollment, "GetCertificate", kOwner, R"(name: "{Cert3}")", "number"},
        // Institution 3 sends in P3 (to China) and receives in P3r (to its country).
        {"{P3}", kExchange, "CreateProgramme", kOwner,
         programme_text("ZZ3 Study Visit", "{I3}", "PROGRAMME_KIND_TRAINEE_STUDY_VISIT",
                        "DIRECTION_TO_CHINA")},
        {"{P3r}", kExchange, "CreateProgramme", kOwner,
         programme_text("ZZ3 Teacher Training", "{I3}", "PROGRAMME_KIND_TEACHER_TRAINING",
                        "DIRECTION_TO_PARTNER_COUNTRY")},
        {"{P3c}", kExchange, "CreateProgramme", kOwner,
         programme_text("ZZ3 Planned", "{I3}", "PROGRAMME_KIND_TRAINEE_STUDY_VISIT",
                        "DIRECTION_TO_CHINA")},
        {"{P2}", kExchange, "CreateProgramme", kOther,
         programme_text("Dushanbe Visit", "{I2}", "PROGRAMME_KIND_TRAINEE_STUDY_VISIT",
                        "DIRECTION_TO_CHINA")},
        {"", kExchange, "ChangeProgrammeStatus", kOwner,
         absl::StrReplaceAll(open_programme, {{"%P", "{P3}"}})},
        {"", kExchange, "ChangeProgrammeStatus", kOwner,
         absl::StrReplaceAll(open_programme, {{"%P", "{P3r}"}})},
        {"", kExchange, "ChangeProgrammeStatus", kOther,
         absl::StrReplaceAll(open_programme, {{"%P", "{P2}"}})},
        {"{M3}", kExchange, "Nominate", kOwner,
         R"(programme: "{P3}" trainee: "{T3}" request_id: "{RID}")"},
        {"{M3d}", kExchange, "Nominate", kOwner,
         R"(programme: "{P3}" trainee: "{T3d}" request_id: "{RID}")"},
        // Institutions/1 receives in P3: only the network admin acts for it.
        {"", kExchange, "ApproveMobility", kAdmin, R"(name: "{M3d}" request_id: "{RID}")"},
        {"{M3ra}", kExchange, "Nominate", kAdmin, teacher},
        {"{M3rb}", kExchange, "Nominate", kAdmin, teacher},
    };
    for (const Setup& step : steps) {
      if (auto s = Step(step.key, step.service, step.method, step.who, step.text, step.field);
          !s.ok()) {
        return s;
      }
    }
    // The credentials bind the college admins to institutions/2 and /3 by id.
    if (ids_["{I2}"] != "institutions/2" || ids_["{I3}"] != "institutions/3") {
      return absl::InternalError(
          absl::StrCat("institutions made as ", ids_["{I2}"], " and ", ids_["{I3}"]));
    }
    return absl::OkStatus();
  }

  TestDatabase& Database(int i) {
    switch (i) {
      case 0:
        return suite_->course_db();
      case 1:
        return suite_->enrollment_db();
      default:
        return suite_->exchange_db();
    }
  }

  // Every table of the three schemas, from information_schema.
  absl::Status ListTables() {
    for (int i = 0; i < 3; ++i) {
      auto names = Database(i).QueryValue(
          "SELECT GROUP_CONCAT(table_name ORDER BY table_name SEPARATOR ',')"
          " FROM information_schema.tables WHERE table_schema = DATABASE()"
          " AND table_type = 'BASE TABLE'");
      if (!names.ok()) return names.status();
      tables_[i] = absl::StrSplit(*names, ',', absl::SkipEmpty());
      if (tables_[i].empty()) return absl::InternalError("a schema without tables");
    }
    return absl::OkStatus();
  }

  // "schema.table" -> CHECKSUM TABLE of every table.
  std::map<std::string, std::string> Snapshot() {
    std::map<std::string, std::string> sums;
    for (int i = 0; i < 3; ++i) {
      for (const std::string& table : tables_[i]) {
        auto sum = Database(i).TableChecksum(table);
        EXPECT_TRUE(sum.ok()) << sum.status();
        sums[absl::StrCat(Database(i).schema(), ".", table)] = sum.ok() ? *sum : "?";
      }
    }
    return sums;
  }

  // Waits until the services' background writers are idle: every committed change event is
  // numbered, and enrollment has applied every course-run event of the course feed (its mirror
  // of the runs and its cursor). Denied calls are compared against a quiet database.
  absl::Status Settle() {
    const absl::Time give_up = absl::Now() + absl::Seconds(30);
    while (true) {
      // Unnumbered events first: once there are none, the highest sequence read next covers
      // every event committed before.
      int64_t unnumbered = 0;
      for (int i = 0; i < 3; ++i) {
        auto pending =
            Database(i).QueryInt("SELECT COUNT(*) FROM change_events WHERE sequence IS NULL");
        if (!pending.ok()) return pending.status();
        unnumbered += *pending;
      }
      auto runs = suite_->course_db().QueryInt(
          "SELECT COALESCE(MAX(sequence), 0) FROM change_events"
          " WHERE resource_type = 'courseRuns'");
      auto cursor = suite_->enrollment_db().QueryInt(
          "SELECT COALESCE(MAX(last_sequence), 0) FROM feed_cursors WHERE source = 'course'");
      if (!runs.ok()) return runs.status();
      if (!cursor.ok()) return cursor.status();
      if (*cursor >= *runs && unnumbered == 0) return absl::OkStatus();
      if (absl::Now() >= give_up) {
        return absl::DeadlineExceededError(
            absl::StrCat("the services did not settle: course-run events up to ", *runs,
                         ", enrollment applied ", *cursor, ", unnumbered events ", unnumbered));
      }
      absl::SleepFor(absl::Milliseconds(10));  // a poll interval, not a synchronisation
    }
  }

  // The tables whose checksum differs between two snapshots.
  static std::vector<std::string> Changed(const std::map<std::string, std::string>& before,
                                          const std::map<std::string, std::string>& after,
                                          bool ignore_idempotency_keys) {
    std::vector<std::string> changed;
    for (const auto& [table, sum] : after) {
      if (ignore_idempotency_keys && absl::EndsWith(table, ".idempotency_keys")) continue;
      auto it = before.find(table);
      if (it == before.end() || it->second != sum) changed.push_back(table);
    }
    return changed;
  }

  // Whether the matrix lets `who` call `method` at all (its first row does not say
  // PERMISSION_DENIED for it).
  bool MayCall(const MethodDescriptor& method, Who who) const {
    const std::vector<Row>* rows[3] = {&CourseRows(), &EnrollmentRows(), &ExchangeRows()};
    for (int s = 0; s < 3; ++s) {
      if (services_[s] != method.service()) continue;
      for (const Row& row : *rows[s]) {
        if (method.name() == row.method) return row.expect[who] != kPD;
      }
    }
    ADD_FAILURE() << method.full_name() << " has no row in the matrix";
    return false;
  }

  std::string Quoted(const char* placeholder) {
    return absl::StrCat("\"", ids_[placeholder], "\"");
  }

  // Checks of what an OK answer shows: the other college nothing of institution 3, the reporter
  // no personal data, allowed readers the row's record.
  void CheckAnswer(const MethodDescriptor& method, const Row& row, Who who,
                   const Message& response) {
    const std::string text = response.Utf8DebugString();
    const std::string where = absl::StrCat(method.full_name(), " as ", kWhoNames[who]);
    std::vector<std::string> shown;                               // what this caller may not see
    if (who == kOther && method.name() != "VerifyCertificate") {  // anyone verifies
      ++other_college_answers_checked_;
      for (const char* marker : kInstitution3Text) {
        if (absl::StrContains(text, marker)) shown.push_back(marker);
      }
      for (const char* record : kInstitution3Records) {
        if (absl::StrContains(text, Quoted(record))) shown.push_back(ids_[record]);
      }
    }
    if (who == kReporter) {
      ++reporter_answers_checked_;
      for (const char* marker : kPersonalText) {
        if (absl::StrContains(text, marker)) shown.push_back(marker);
      }
    }
    if (!shown.empty()) {
      ++leaks_;
      ADD_FAILURE() << where << " shows what it may not see: " << absl::StrJoin(shown, ", ") << "\n"
                    << text.substr(0, 3000);
    }
    // Positive controls: the checks above can fail, since the same answers to others show it.
    if (row.personal && (who == kAdmin || who == kOwner)) {
      EXPECT_TRUE(absl::StrContains(text, "Zedthree")) << where << " lacks the personal data";
    }
    if (row.personal && who == kReporter) {
      ++redaction_checks_;
      if (method.name() == "GetTrainee") {
        EXPECT_TRUE(absl::StrContains(text, "redacted: true")) << where << ":\n" << text;
      }
    }
    if (*row.shows != '\0' && !method.server_streaming() && who != kOther) {
      EXPECT_TRUE(absl::StrContains(text, Quoted(row.shows)))
          << where << " does not show " << ids_[row.shows] << ":\n"
          << text;
    }
    if (method.name() == "ImportTrainees" && who == kOther) {
      // The row at institution 3's workshop is refused as if the workshop did not exist.
      EXPECT_TRUE(absl::StrContains(text, "IMPORT_OUTCOME_REFUSED") &&
                  absl::StrContains(text, "error_code: \"NOT_FOUND\""))
          << where << ":\n"
          << text;
    }
  }

  // Runs one row: each caller in kRunOrder, with the database compared around every call that
  // did not succeed and every call of the other college.
  void RunRow(const MethodDescriptor& method, const Row& row) {
    ++rows_;
    for (Who who : kRunOrder) {
      const Expect expect = row.expect[who];
      ++cases_;
      if (expect == kSK) {
        ++skipped_;
        continue;
      }
      Answer answer = Call(method, row.request, who);
      ++calls_;
      const grpc::StatusCode code = answer.status.error_code();
      if (!Matches(expect, code)) {
        ++mismatches_;
        ADD_FAILURE() << method.full_name() << " as " << kWhoNames[who] << ": expected "
                      << ExpectName(expect) << ", got " << code << " "
                      << answer.status.error_message() << "\nrequest: " << row.request;
      }
      if (code == grpc::StatusCode::NOT_FOUND || code == grpc::StatusCode::PERMISSION_DENIED ||
          code == grpc::StatusCode::UNAUTHENTICATED) {
        ++denied_;
      }
      if (answer.response != nullptr) CheckAnswer(method, row, who, *answer.response);
      if (!answer.status.ok() || who == kOther) {
        // The other college's successful calls (reads, an import of refused rows) may keep an
        // idempotency record of their own; nothing else.
        auto after = Snapshot();
        ++checksum_comparisons_;
        const std::vector<std::string> changed =
            Changed(snapshot_, after, /*ignore_idempotency_keys=*/answer.status.ok());
        if (!changed.empty()) {
          ++changed_by_denied_;
          ADD_FAILURE() << method.full_name() << " as " << kWhoNames[who] << " ("
                        << answer.status.error_code() << " " << answer.status.error_message()
                        << ") changed " << absl::StrJoin(changed, ", ");
        }
        snapshot_ = std::move(after);
      } else if (Mutates(method)) {
        ASSERT_TRUE(Settle().ok());
        snapshot_ = Snapshot();
      }
    }
  }

  std::string dir_;
  std::unique_ptr<LocalSuite> suite_;
  std::shared_ptr<grpc::Channel> channels_[3];
  const ServiceDescriptor* services_[3] = {nullptr, nullptr, nullptr};
  std::map<std::string, std::string> ids_;  // "{W3}" -> "workshops/2"
  std::vector<std::string> tables_[3];
  std::map<std::string, std::string> snapshot_;
  int64_t calls_made_ = 0;  // for fresh request ids

  int64_t rows_ = 0;
  int64_t cases_ = 0;
  int64_t calls_ = 0;
  int64_t skipped_ = 0;
  int64_t denied_ = 0;
  int64_t mismatches_ = 0;
  int64_t checksum_comparisons_ = 0;
  int64_t changed_by_denied_ = 0;
  int64_t leaks_ = 0;
  int64_t other_college_answers_checked_ = 0;
  int64_t reporter_answers_checked_ = 0;
  int64_t redaction_checks_ = 0;
};

TEST_F(TenantIsolationTest, EveryMethodAsEveryCallerOnAnotherCollegesRecords) {
  const absl::Status built = BuildData();
  ASSERT_TRUE(built.ok()) << built << "\n" << suite_->Logs();
  ASSERT_TRUE(ListTables().ok());
  ASSERT_TRUE(Settle().ok());
  snapshot_ = Snapshot();

  const std::vector<Row>* rows[3] = {&CourseRows(), &EnrollmentRows(), &ExchangeRows()};
  int64_t methods = 0;
  for (int s = 0; s < 3; ++s) {
    const ServiceDescriptor& service = *services_[s];
    // Every row names a method of the service (a typo must not pass as coverage).
    for (const Row& row : *rows[s]) {
      EXPECT_NE(service.FindMethodByName(row.method), nullptr)
          << service.full_name() << " has no method " << row.method;
    }
    int covered = 0;
    for (int m = 0; m < service.method_count(); ++m) {
      const MethodDescriptor& method = *service.method(m);
      bool has_row = false;
      for (const Row& row : *rows[s]) {
        if (method.name() != row.method) continue;
        has_row = true;
        RunRow(method, row);
        if (HasFatalFailure()) return;
      }
      if (has_row) {
        ++covered;
      } else {
        ADD_FAILURE() << method.full_name() << " has no case in the tenant-isolation matrix";
      }
    }
    methods += service.method_count();
    RecordFigure(kSection, absl::StrCat(service.name(), " methods covered"),
                 absl::StrCat(covered, " of ", service.method_count()));
  }
  RecordFigure(kSection, "methods covered (all three services)", methods);
  RecordFigure(kSection, "rows in the matrix", rows_);
  RecordFigure(kSection, "cases in the matrix (row x caller)", cases_);
  RecordFigure(kSection, "calls made", calls_);
  RecordFigure(kSection, "allowed destructive cases not run", skipped_);
  RecordFigure(kSection, "denied calls (NOT_FOUND, PERMISSION_DENIED, UNAUTHENTICATED)", denied_);
  RecordFigure(kSection, "checksum comparisons (all tables of the three schemas)",
               checksum_comparisons_);
  RecordFigure(kSection, "tables per comparison",
               static_cast<int64_t>(tables_[0].size() + tables_[1].size() + tables_[2].size()));
  RecordFigure(kSection, "denied (or other-college) calls that changed a table",
               changed_by_denied_);
  RecordFigure(kSection, "cases whose status differed from the matrix", mismatches_);
  RecordFigure(kSection, "answers checked for institution 3's records (other college)",
               other_college_answers_checked_);
  RecordFigure(kSection, "answers checked for personal data (reporter)", reporter_answers_checked_);
  RecordFigure(kSection, "answers showing what the caller may not see", leaks_);
  EXPECT_EQ(mismatches_, 0);
  EXPECT_EQ(changed_by_denied_, 0);
  EXPECT_EQ(leaks_, 0);
  EXPECT_GT(redaction_checks_, 0);
}

// A page token is bound to the caller it was issued to: every List method's token, taken by the
// network admin, is refused when anyone else replays it (a college, the reporter; services list
// nothing), and still works for the admin. A caller the method refuses outright (PERMISSION_DENIED
// in the matrix, e.g. the reporter reading the audit trail) is refused before its token is read.
TEST_F(TenantIsolationTest, PageTokensAreRefusedWhenAnotherCallerReplaysThem) {
  const absl::Status built = BuildData();
  ASSERT_TRUE(built.ok()) << built << "\n" << suite_->Logs();
  int64_t lists = 0;
  int64_t replays = 0;
  int64_t refused = 0;
  for (const ServiceDescriptor* service : services_) {
    for (int m = 0; m < service->method_count(); ++m) {
      const MethodDescriptor& method = *service->method(m);
      if (method.input_type()->FindFieldByName("page_token") == nullptr) continue;
      Answer first = Call(method, "page_size: 1", kAdmin);
      ASSERT_TRUE(first.status.ok()) << method.full_name() << ": " << first.status.error_message();
      const auto* next = first.response->GetDescriptor()->FindFieldByName("next_page_token");
      ASSERT_NE(next, nullptr) << method.full_name();
      const std::string token = first.response->GetReflection()->GetString(*first.response, next);
      if (token.empty()) continue;  // one row or none: no token to replay
      ++lists;
      const std::string again = absl::StrCat("page_size: 1 page_token: \"", token, "\"");
      for (Who who : {kOwner, kOther, kReporter}) {
        Answer replayed = Call(method, again, who);
        ++replays;
        const grpc::StatusCode expected = MayCall(method, who)
                                              ? grpc::StatusCode::INVALID_ARGUMENT
                                              : grpc::StatusCode::PERMISSION_DENIED;
        EXPECT_EQ(replayed.status.error_code(), expected)
            << method.full_name() << " as " << kWhoNames[who] << ": "
            << replayed.status.error_message();
        refused += replayed.status.error_code() == expected;
      }
      Answer own = Call(method, again, kAdmin);
      EXPECT_TRUE(own.status.ok()) << method.full_name() << ": " << own.status.error_message();
    }
  }
  EXPECT_GE(lists, 5) << "too few lists had a second page to test with";
  RecordFigure(kSection, "List methods whose page token was replayed by other callers", lists);
  RecordFigure(kSection, "page-token replays by another caller", replays);
  RecordFigure(kSection,
               "of which refused (INVALID_ARGUMENT; PERMISSION_DENIED where the role may not call)",
               refused);
}

}  // namespace
}  // namespace luban::testing
