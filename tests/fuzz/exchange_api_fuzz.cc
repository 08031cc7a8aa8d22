// libFuzzer target: every RPC of luban.exchange.v1.ExchangeService on caller input, through
// ExchangeApi over the in-memory store (tests/exchange/fake_exchange_store.h) and course and
// enrollment peers (tests/exchange/fake_exchange_peers.h), seeded with programmes and
// mobilities so that valid requests reach the domain rules. ExportMobilities runs its request
// checks (ExportStart) and then the Api's batches to the end; WatchChanges, served by the change
// feed, has its request checks (CheckWatchChangesRequest) fuzzed instead. Input layout and seeds:
// api_fuzz.h.
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
#include "luban/exchange/v1/exchange.pb.h"
#include "services/exchange/api/exchange_api.h"
#include "tests/exchange/fake_exchange_peers.h"
#include "tests/exchange/fake_exchange_store.h"
#include "tests/fuzz/api_fuzz.h"

namespace luban::exchange {
namespace {

using fuzz::Parse;

const PageTokenCodec& Codec() {
  static const PageTokenCodec* const codec = new PageTokenCodec("fuzzing secret");
  return *codec;
}

// The Api over a fresh store holding programmes/1 (trainees, institutions/1 with /2, quota 2) and
// /2 (teachers, institutions/3 with /4), both open; mobilities/1 (trainees/1 in programmes/1,
// approved), /2 (a teacher in programmes/2, nominated), /3 (trainees/2 in programmes/1,
// rejected) and /4 (a teacher in programmes/2, departed).
struct ExchangeEnv {
  explicit ExchangeEnv(uint8_t /*caller*/) : api(&store, &course, &enrollment, &Codec()) {
    pb::Programme programme;
    Must(api.CreateProgramme(
        Admin(),
        Parse<pb::CreateProgrammeRequest>(
            "programme { titles { language_code: 'ru' text: 'Study visit' } "
            "chinese_institution: 'institutions/1' partner_institution: "
            "'institutions/2' kind: PROGRAMME_KIND_TRAINEE_STUDY_VISIT direction: "
            "DIRECTION_TO_CHINA start_date { year: 2027 month: 7 day: 1 } end_date { "
            "year: 2027 month: 7 day: 20 } quota: 2 requirement { completed_course: "
            "'courses/1' } }"),
        &programme));
    Must(api.CreateProgramme(
        Admin(),
        Parse<pb::CreateProgrammeRequest>(
            "programme { titles { language_code: 'zh' text: 'Teacher training' } "
            "chinese_institution: 'institutions/3' partner_institution: "
            "'institutions/4' kind: PROGRAMME_KIND_TEACHER_TRAINING direction: "
            "DIRECTION_TO_PARTNER_COUNTRY start_date { year: 2027 month: 9 day: 1 } "
            "end_date { year: 2027 month: 10 day: 1 } quota: 5 course_run: "
            "'courseRuns/2' }"),
        &programme));
    for (const char* name : {"programmes/1", "programmes/2"}) {
      Must(api.ChangeProgrammeStatus(Admin(),
                                     Parse<pb::ChangeProgrammeStatusRequest>(absl::StrCat(
                                         "name: '", name, "' status: PROGRAMME_STATUS_OPEN")),
                                     &programme));
    }
    pb::Mobility mobility;
    Must(api.Nominate(Admin(),
                      Parse<pb::NominateRequest>("programme: 'programmes/1' trainee: 'trainees/1'"),
                      &mobility));
    Must(api.Nominate(
        Admin(),
        Parse<pb::NominateRequest>("programme: 'programmes/2' teacher { full_name: 'Ли Вэй' "
                                   "full_name_latin: 'Li Wei' position: 'lecturer' }"),
        &mobility));
    Must(api.ApproveMobility(
        Admin(), Parse<pb::ApproveMobilityRequest>("name: 'mobilities/1' reason: 'meets the bar'"),
        &mobility));
    Must(api.Nominate(Admin(),
                      Parse<pb::NominateRequest>("programme: 'programmes/1' trainee: 'trainees/2'"),
                      &mobility));
    Must(api.RejectMobility(
        Admin(), Parse<pb::RejectMobilityRequest>("name: 'mobilities/3' reason: 'no seat'"),
        &mobility));
    Must(api.Nominate(Admin(),
                      Parse<pb::NominateRequest>("programme: 'programmes/2' teacher { full_name: "
                                                 "'Wang Fang' full_name_latin: 'Wang Fang' "
                                                 "position: 'engineer' }"),
                      &mobility));
    Must(api.ApproveMobility(Admin(), Parse<pb::ApproveMobilityRequest>("name: 'mobilities/4'"),
                             &mobility));
    Must(api.DepartMobility(Admin(), Parse<pb::DepartMobilityRequest>("name: 'mobilities/4'"),
                            &mobility));
  }

  static void Must(const absl::Status& status) {
    if (!status.ok()) fuzz::Fail(absl::StrCat("seeding the exchange store: ", status.ToString()));
  }
  RequestContext Admin() {
    RequestContext rc;
    rc.principal = {"seed-admin", Role::kNetworkAdmin, 0};
    rc.request_id = absl::StrCat("seed-", ++seeded);
    return rc;
  }

  testing::FakeExchangeStore store;
  testing::FakeCoursePeer course;
  testing::FakeEnrollmentPeer enrollment;
  int seeded = 0;
  ExchangeApi api;
};

using Table = fuzz::MethodTable<ExchangeEnv>;

// One line per unary RPC: ExchangeApi::<Method> with a response of the RPC's type.
#define LUBAN_FUZZ_UNARY(Method, Request, Response)                                             \
  table.Add<pb::Request>(#Method,                                                               \
                         [](ExchangeEnv& env, const RequestContext& rc, const pb::Request& r) { \
                           pb::Response response;                                               \
                           return env.api.Method(rc, r, &response);                             \
                         })

const Table& Methods() {
  static const Table* const methods = [] {
    auto* table_ptr = new Table(ExchangePolicy());
    Table& table = *table_ptr;
    LUBAN_FUZZ_UNARY(GetProgramme, GetProgrammeRequest, Programme);
    LUBAN_FUZZ_UNARY(ListProgrammes, ListProgrammesRequest, ListProgrammesResponse);
    LUBAN_FUZZ_UNARY(CreateProgramme, CreateProgrammeRequest, Programme);
    LUBAN_FUZZ_UNARY(UpdateProgramme, UpdateProgrammeRequest, Programme);
    LUBAN_FUZZ_UNARY(ChangeProgrammeStatus, ChangeProgrammeStatusRequest, Programme);
    LUBAN_FUZZ_UNARY(GetMobility, GetMobilityRequest, Mobility);
    LUBAN_FUZZ_UNARY(ListMobilities, ListMobilitiesRequest, ListMobilitiesResponse);
    LUBAN_FUZZ_UNARY(Nominate, NominateRequest, Mobility);
    LUBAN_FUZZ_UNARY(ApproveMobility, ApproveMobilityRequest, Mobility);
    LUBAN_FUZZ_UNARY(RejectMobility, RejectMobilityRequest, Mobility);
    LUBAN_FUZZ_UNARY(ReopenMobility, ReopenMobilityRequest, Mobility);
    LUBAN_FUZZ_UNARY(DepartMobility, DepartMobilityRequest, Mobility);
    LUBAN_FUZZ_UNARY(ReturnMobility, ReturnMobilityRequest, Mobility);
    LUBAN_FUZZ_UNARY(CancelMobility, CancelMobilityRequest, Mobility);
    table.Add<pb::ExportMobilitiesRequest>(
        "ExportMobilities",
        [](ExchangeEnv& env, const RequestContext& rc, const pb::ExportMobilitiesRequest& r) {
          return fuzz::Export<pb::ExportMobilitiesResponse>(
              r, kMobilities, [&](ExportCursor& cursor, pb::ExportMobilitiesResponse* batch) {
                return env.api.ExportMobilitiesBatch(rc, cursor, batch, [] {});
              });
        });
    // A stream over the change feed (MariaDB): its request checks only.
    table.Add<pb::WatchChangesRequest>(
        "WatchChanges", [](ExchangeEnv&, const RequestContext&, const pb::WatchChangesRequest& r) {
          return CheckWatchChangesRequest(r);
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
  using E = ExchangeEnv;
  constexpr Role kAdmin = Role::kNetworkAdmin;
  constexpr Role kCollege = Role::kCollegeAdmin;
  return {
      MakeSeed<E, pb::GetProgrammeRequest>("GetProgramme", kCollege, "name: 'programmes/1'", 2),
      MakeSeed<E, pb::ListProgrammesRequest>(
          "ListProgrammes", Role::kReporter,
          "page_size: 1 institution: 'institutions/1' country_code: 'TJ' kind: "
          "PROGRAMME_KIND_TRAINEE_STUDY_VISIT direction: DIRECTION_TO_CHINA year: 2027 status: "
          "PROGRAMME_STATUS_OPEN"),
      MakeSeed<E, pb::CreateProgrammeRequest>(
          "CreateProgramme", kCollege,
          "programme { titles { language_code: 'kk' text: 'Skills' } chinese_institution: "
          "'institutions/3' partner_institution: 'institutions/4' kind: "
          "PROGRAMME_KIND_SKILLS_COMPETITION direction: DIRECTION_TO_CHINA start_date { year: "
          "2028 month: 5 day: 1 } end_date { year: 2028 month: 5 day: 9 } quota: 3 requirement "
          "{ certificate_discipline: 'CNC' } course_run: "
          "'courseRuns/4' } request_id: 'r1'",
          4),
      MakeSeed<E, pb::UpdateProgrammeRequest>(
          "UpdateProgramme", kCollege,
          "programme { name: 'programmes/1' quota: 3 titles { language_code: 'ru' text: 'Visit' "
          "} } update_mask { paths: 'quota' paths: 'titles' } request_id: 'r2'",
          1),
      MakeSeed<E, pb::ChangeProgrammeStatusRequest>(
          "ChangeProgrammeStatus", kCollege,
          "name: 'programmes/1' status: PROGRAMME_STATUS_CLOSED etag: '\"2\"' request_id: 'r3'", 1),
      MakeSeed<E, pb::GetMobilityRequest>("GetMobility", Role::kReporter, "name: 'mobilities/1'"),
      MakeSeed<E, pb::ListMobilitiesRequest>(
          "ListMobilities", kCollege,
          "page_size: 1 programme: 'programmes/1' institution: 'institutions/2' state: "
          "MOBILITY_STATE_APPROVED trainee: 'trainees/1'",
          2),
      MakeSeed<E, pb::NominateRequest>(
          "Nominate", kCollege,
          "programme: 'programmes/1' trainee: 'trainees/2' reason: 'top of the class' "
          "request_id: 'r4'",
          2),
      MakeSeed<E, pb::ApproveMobilityRequest>(
          "ApproveMobility", kCollege, "name: 'mobilities/2' reason: 'ok' request_id: 'r5'", 4),
      MakeSeed<E, pb::RejectMobilityRequest>(
          "RejectMobility", kCollege, "name: 'mobilities/2' reason: 'no' request_id: 'r6'", 4),
      MakeSeed<E, pb::ReopenMobilityRequest>(
          "ReopenMobility", kAdmin, "name: 'mobilities/3' reason: 'again' request_id: 'r7'"),
      MakeSeed<E, pb::DepartMobilityRequest>("DepartMobility", kCollege,
                                             "name: 'mobilities/1' request_id: 'r8'", 2),
      MakeSeed<E, pb::ReturnMobilityRequest>("ReturnMobility", kCollege,
                                             "name: 'mobilities/4' request_id: 'r9'", 3),
      MakeSeed<E, pb::CancelMobilityRequest>(
          "CancelMobility", kCollege,
          "name: 'mobilities/1' reason: 'visa' etag: '\"2\"' request_id: 'r10'", 2),
      MakeSeed<E, pb::ExportMobilitiesRequest>(
          "ExportMobilities", Role::kReporter,
          "updated_since { seconds: 1700000000 nanos: 5 } after_name: 'mobilities/1'"),
      MakeSeed<E, pb::WatchChangesRequest>(
          "WatchChanges", Role::kReporter,
          "after_sequence: 1 resource_types: 'mobilities' resource_types: 'programmes'"),
      MakeSeed<E, pb::ListAuditRecordsRequest>("ListAuditRecords", kCollege,
                                               "page_size: 2 resource: 'programmes/1'", 2),
  };
}

}  // namespace
}  // namespace luban::exchange

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const auto& methods = luban::exchange::Methods();
  luban::fuzz::MaybeWriteSeeds<luban::exchange::ExchangeEnv>(methods, luban::exchange::Seeds);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return luban::exchange::Methods().Run(data, size);
}
