// Repository tests of the exchange store. The contract tests run against the MySQL store on a
// real MariaDB and against FakeExchangeStore, so the fake the domain tests rely on keeps the same
// contract; the tests after them need the database itself (the quota race, locking, stored
// bytes and JSON).
#include "services/exchange/storage/mysql_exchange_store.h"

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/notification.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/db/migrations.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/exchange/domain/model.h"
#include "services/exchange/domain/repository.h"
#include "tests/exchange/fake_exchange_store.h"
#include "tests/support/store_test.h"
#include "tests/support/test_database.h"

namespace luban::exchange {
namespace {

using ::luban::testing::Backend;
using ::luban::testing::BackendName;
using ::luban::testing::ExpectMetaEq;
using ::luban::testing::ExportedIds;
using ::luban::testing::Ids;
using ::luban::testing::Must;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Text the issue asks to survive byte-exact ("senior lecturer" in Tajik and Chinese), plus text
// that JSON must escape.
constexpr char kTajikPosition[] = "Муаллими калон";
constexpr char kChinesePosition[] = "高级讲师";
constexpr char kTajikTeacher[] = "Фирӯза Раҳимова";
constexpr char kChineseTeacher[] = "李明";
constexpr char kAwkward[] = "quote \" backslash \\ slash / tab\t newline\n emoji 🛠 ӣӯҷ";

// Times with microseconds, which DATETIME(6) keeps.
const absl::Time kCreated = absl::FromUnixMicros(1'700'000'000'123'456);
const absl::Time kUpdated = absl::FromUnixMicros(1'700'100'000'654'321);

// Two Chinese colleges and three partners (in Tajikistan, Kazakhstan and Uzbekistan).
constexpr int64_t kTianjin = 101;
constexpr int64_t kOtherChinese = 102;
constexpr int64_t kTajikPartner = 201;
constexpr int64_t kKazakhPartner = 202;
constexpr int64_t kUzbekPartner = 203;

Programme MakeProgramme(int64_t partner = kTajikPartner, std::string country = "TJ", int quota = 3,
                        absl::CivilDay start = absl::CivilDay(2025, 9, 1),
                        int64_t chinese = kTianjin) {
  Programme programme;
  programme.meta.version = 1;
  programme.meta.create_time = kCreated;
  programme.meta.update_time = kCreated;
  programme.titles = {{"en", "Urban rail study visit"},
                      {"zh", "城市轨道交通研修"},
                      {"tg", "Сафари омӯзишии роҳи оҳани шаҳрӣ"}};
  programme.chinese_institution_id = chinese;
  programme.partner_institution_id = partner;
  programme.partner_country = std::move(country);
  programme.kind = ProgrammeKind::kTraineeStudyVisit;
  programme.direction = Direction::kToChina;
  programme.start_date = start;
  programme.end_date = start + 20;
  programme.quota = quota;
  programme.approved_count = 0;
  programme.status = ProgrammeStatus::kOpen;
  return programme;
}

Decision MakeDecision(MobilityState state, std::string actor, absl::Time time,
                      std::string reason = "") {
  return Decision{state, std::move(actor), time, std::move(reason)};
}

Mobility MakeMobility(const Programme& programme, std::optional<int64_t> trainee_id,
                      MobilityState state = MobilityState::kNominated) {
  Mobility mobility;
  mobility.meta.version = 1;
  mobility.meta.create_time = kCreated;
  mobility.meta.update_time = kCreated;
  mobility.programme_id = programme.meta.id;
  mobility.trainee_id = trainee_id;
  mobility.sending_institution_id = programme.sending_institution_id();
  mobility.receiving_institution_id = programme.receiving_institution_id();
  mobility.state = state;
  mobility.decisions = {MakeDecision(MobilityState::kNominated, "ttu-admin", kCreated)};
  return mobility;
}

Mobility MakeTeacherMobility(const Programme& programme,
                             MobilityState state = MobilityState::kNominated) {
  Mobility mobility = MakeMobility(programme, std::nullopt, state);
  mobility.teacher = Teacher{kTajikTeacher, "Firuza Rahimova", kTajikPosition};
  return mobility;
}

void ExpectProgrammeEq(const Programme& actual, const Programme& expected) {
  ExpectMetaEq(actual.meta, expected.meta);
  EXPECT_EQ(actual.titles, expected.titles);
  EXPECT_EQ(actual.chinese_institution_id, expected.chinese_institution_id);
  EXPECT_EQ(actual.partner_institution_id, expected.partner_institution_id);
  EXPECT_EQ(actual.partner_country, expected.partner_country);
  EXPECT_EQ(actual.kind, expected.kind);
  EXPECT_EQ(actual.direction, expected.direction);
  EXPECT_EQ(actual.start_date, expected.start_date);
  EXPECT_EQ(actual.end_date, expected.end_date);
  EXPECT_EQ(actual.quota, expected.quota);
  EXPECT_EQ(actual.approved_count, expected.approved_count);
  EXPECT_EQ(actual.requirement.completed_course_id, expected.requirement.completed_course_id);
  EXPECT_EQ(actual.requirement.certificate_discipline, expected.requirement.certificate_discipline);
  EXPECT_EQ(actual.course_run_id, expected.course_run_id);
  EXPECT_EQ(actual.status, expected.status);
}

void ExpectDecisionsEq(const std::vector<Decision>& actual, const std::vector<Decision>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    EXPECT_EQ(actual[i].state, expected[i].state) << i;
    EXPECT_EQ(actual[i].actor, expected[i].actor) << i;
    EXPECT_EQ(actual[i].time, expected[i].time) << i;
    EXPECT_EQ(actual[i].reason, expected[i].reason) << i;
  }
}

void ExpectMobilityEq(const Mobility& actual, const Mobility& expected) {
  ExpectMetaEq(actual.meta, expected.meta);
  EXPECT_EQ(actual.programme_id, expected.programme_id);
  EXPECT_EQ(actual.trainee_id, expected.trainee_id);
  ASSERT_EQ(actual.teacher.has_value(), expected.teacher.has_value());
  if (actual.teacher.has_value()) {
    EXPECT_EQ(actual.teacher->full_name, expected.teacher->full_name);
    EXPECT_EQ(actual.teacher->full_name_latin, expected.teacher->full_name_latin);
    EXPECT_EQ(actual.teacher->position, expected.teacher->position);
  }
  EXPECT_EQ(actual.sending_institution_id, expected.sending_institution_id);
  EXPECT_EQ(actual.receiving_institution_id, expected.receiving_institution_id);
  EXPECT_EQ(actual.state, expected.state);
  ExpectDecisionsEq(actual.decisions, expected.decisions);
}

RequestKey Key(std::string request_id) {
  return RequestKey{"ttu-admin", std::move(request_id),
                    "/luban.exchange.v1.ExchangeService/NominateMobility", std::string(32, 'a')};
}

AuditRecord AuditOf(std::string resource_name) {
  AuditRecord record;
  record.actor = "ttu-admin";
  record.actor_role = "college_admin";
  record.request_id = "req-1";
  record.method = "/luban.exchange.v1.ExchangeService/NominateMobility";
  record.resource_name = std::move(resource_name);
  record.action = "created";
  record.details = "{}";
  return record;
}

// The exchange service's pieces of the shared store fixture.
struct ExchangeStoreTraits {
  using Tx = ExchangeTx;
  using Fake = testing::FakeExchangeStore;
  using MySql = MySqlExchangeStore;
  static const std::vector<db::Migration>& Migrations() { return ExchangeMigrations(); }
};

// The contract fixture (tests/support/store_test.h) with the exchange service's helpers.
class ExchangeStoreTest : public luban::testing::StoreTest<ExchangeStoreTraits> {
 protected:
  // Inserts `programme` and returns it as stored (with its id).
  Programme AddProgramme(Programme programme) {
    auto id = Read<int64_t>([&](ExchangeTx& tx) { return tx.InsertProgramme(programme); });
    EXPECT_TRUE(id.ok()) << id.status();
    programme.meta.id = id.value_or(0);
    return programme;
  }
  Programme GetProgramme(int64_t id) {
    return Must(Read<Programme>([&](ExchangeTx& tx) { return tx.GetProgramme(id, false); }));
  }
  int64_t AddMobility(const Mobility& mobility) {
    auto id = Read<int64_t>([&](ExchangeTx& tx) { return tx.InsertMobility(mobility); });
    EXPECT_TRUE(id.ok()) << id.status();
    return id.value_or(0);
  }
  Mobility GetMobility(int64_t id) {
    return Must(Read<Mobility>([&](ExchangeTx& tx) { return tx.GetMobility(id, false); }));
  }
  absl::Status UpdateMobility(const Mobility& mobility) {
    return Run([&](ExchangeTx& tx) { return tx.UpdateMobility(mobility); });
  }
  absl::StatusOr<bool> TakePlace(int64_t programme_id) {
    return Read<bool>([&](ExchangeTx& tx) { return tx.TakeQuotaPlace(programme_id); });
  }
  absl::Status ReleasePlace(int64_t programme_id) {
    return Run([&](ExchangeTx& tx) { return tx.ReleaseQuotaPlace(programme_id); });
  }

  std::vector<int64_t> ListProgrammeIds(const ProgrammeFilter& filter) {
    auto page =
        Read<Page<Programme>>([&](ExchangeTx& tx) { return tx.ListProgrammes(filter, 0, 100); });
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() ? Ids(*page) : std::vector<int64_t>{};
  }
  std::vector<int64_t> ListMobilityIds(const MobilityFilter& filter) {
    auto page =
        Read<Page<Mobility>>([&](ExchangeTx& tx) { return tx.ListMobilities(filter, 0, 100); });
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() ? Ids(*page) : std::vector<int64_t>{};
  }
};

INSTANTIATE_TEST_SUITE_P(Backends, ExchangeStoreTest,
                         ::testing::Values(Backend::kMySql, Backend::kFake), BackendName);

// ---- programmes ----

TEST_P(ExchangeStoreTest, ProgrammeCrud) {
  Programme programme = MakeProgramme();
  programme.meta.create_time = kCreated + absl::Nanoseconds(999);  // below DATETIME(6)
  programme.requirement.completed_course_id = 501;
  programme.course_run_id = 7001;
  programme = AddProgramme(programme);
  ASSERT_GT(programme.meta.id, 0);
  programme.meta.create_time = kCreated;
  ExpectProgrammeEq(GetProgramme(programme.meta.id), programme);

  Programme changed = GetProgramme(programme.meta.id);
  changed.titles = {{"ru", "Повышение квалификации преподавателей"}, {"en-x-odd", kAwkward}};
  changed.chinese_institution_id = kOtherChinese;
  changed.partner_institution_id = kKazakhPartner;
  changed.partner_country = "KZ";
  changed.kind = ProgrammeKind::kTeacherTraining;
  changed.direction = Direction::kToPartnerCountry;
  changed.start_date = absl::CivilDay(2026, 2, 28);
  changed.end_date = absl::CivilDay(2026, 3, 14);
  changed.quota = 12;
  changed.requirement.completed_course_id.reset();
  changed.requirement.certificate_discipline = "urban-rail";
  changed.course_run_id.reset();
  changed.status = ProgrammeStatus::kClosed;
  changed.meta.version = 2;
  changed.meta.update_time = kUpdated;
  ASSERT_TRUE(Run([&](ExchangeTx& tx) { return tx.UpdateProgramme(changed); }).ok());
  auto got =
      Read<Programme>([&](ExchangeTx& tx) { return tx.GetProgramme(changed.meta.id, true); });
  ASSERT_TRUE(got.ok()) << got.status();
  ExpectProgrammeEq(*got, changed);
  EXPECT_EQ(got->meta.create_time, kCreated);
  EXPECT_FALSE(got->requirement.completed_course_id.has_value());
  EXPECT_FALSE(got->course_run_id.has_value());
  // An unchanged row written again is no error.
  EXPECT_TRUE(Run([&](ExchangeTx& tx) { return tx.UpdateProgramme(*got); }).ok());
}

TEST_P(ExchangeStoreTest, QuotaPlacesAreTakenOnlyWhileFree) {
  const Programme programme = AddProgramme(MakeProgramme(kTajikPartner, "TJ", /*quota=*/2));
  const int64_t id = programme.meta.id;
  EXPECT_TRUE(Must(TakePlace(id)));
  EXPECT_TRUE(Must(TakePlace(id)));
  EXPECT_FALSE(Must(TakePlace(id)));  // full
  EXPECT_FALSE(Must(TakePlace(id)));
  EXPECT_EQ(GetProgramme(id).approved_count, 2);

  ASSERT_TRUE(ReleasePlace(id).ok());
  EXPECT_EQ(GetProgramme(id).approved_count, 1);
  EXPECT_TRUE(Must(TakePlace(id)));
  EXPECT_EQ(GetProgramme(id).approved_count, 2);

  // Never below zero: releases past it change nothing.
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(ReleasePlace(id).ok());
  EXPECT_EQ(GetProgramme(id).approved_count, 0);

  // A quota of 0 has no place at all.
  const Programme closed = AddProgramme(MakeProgramme(kTajikPartner, "TJ", /*quota=*/0));
  EXPECT_FALSE(Must(TakePlace(closed.meta.id)));
  EXPECT_EQ(GetProgramme(closed.meta.id).approved_count, 0);

  // Several places in one transaction count as several.
  auto taken = Read<int>([&](ExchangeTx& tx) -> absl::StatusOr<int> {
    int count = 0;
    for (int i = 0; i < 5; ++i) {
      auto placed = tx.TakeQuotaPlace(id);
      if (!placed.ok()) return placed.status();
      count += *placed ? 1 : 0;
    }
    return count;
  });
  EXPECT_EQ(Must(taken), 2);
  EXPECT_EQ(GetProgramme(id).approved_count, 2);

  auto missing = TakePlace(999999);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound) << missing.status();
  EXPECT_EQ(missing.status().message(), "programmes/999999: not found");
  absl::Status released = ReleasePlace(999999);
  EXPECT_EQ(released.code(), absl::StatusCode::kNotFound) << released;
  EXPECT_EQ(released.message(), "programmes/999999: not found");
}

TEST_P(ExchangeStoreTest, UpdateProgrammeLeavesTheApprovedCountAlone) {
  const Programme programme = AddProgramme(MakeProgramme(kTajikPartner, "TJ", /*quota=*/5));
  ASSERT_TRUE(Must(TakePlace(programme.meta.id)));
  ASSERT_TRUE(Must(TakePlace(programme.meta.id)));
  // A stale copy (approved_count 0) and a made-up count: neither is written.
  for (int count : {0, 4}) {
    Programme stale = programme;
    stale.approved_count = count;
    stale.quota = 3;
    stale.meta.version += 1;
    ASSERT_TRUE(Run([&](ExchangeTx& tx) { return tx.UpdateProgramme(stale); }).ok());
    const Programme got = GetProgramme(programme.meta.id);
    EXPECT_EQ(got.approved_count, 2);
    EXPECT_EQ(got.quota, 3);
  }
}

TEST_P(ExchangeStoreTest, QuotaNeverFallsBelowTheApprovedCount) {
  const Programme programme = AddProgramme(MakeProgramme(kTajikPartner, "TJ", /*quota=*/3));
  ASSERT_TRUE(Must(TakePlace(programme.meta.id)));
  ASSERT_TRUE(Must(TakePlace(programme.meta.id)));
  Programme lowered = GetProgramme(programme.meta.id);
  lowered.quota = 1;
  lowered.meta.version = 2;
  absl::Status status = Run([&](ExchangeTx& tx) { return tx.UpdateProgramme(lowered); });
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_THAT(status.message(), HasSubstr("quota"));
  Programme unchanged = GetProgramme(programme.meta.id);
  EXPECT_EQ(unchanged.quota, 3);
  EXPECT_EQ(unchanged.meta.version, 1);
  // Down to exactly the approved count is fine.
  lowered.quota = 2;
  ASSERT_TRUE(Run([&](ExchangeTx& tx) { return tx.UpdateProgramme(lowered); }).ok());
  EXPECT_FALSE(Must(TakePlace(programme.meta.id)));

  // A new programme with more approved than its quota (or a negative count) is refused.
  Programme over = MakeProgramme(kTajikPartner, "TJ", /*quota=*/1);
  over.approved_count = 2;
  status = Run([&](ExchangeTx& tx) { return tx.InsertProgramme(over).status(); });
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  over.approved_count = -1;
  status = Run([&](ExchangeTx& tx) { return tx.InsertProgramme(over).status(); });
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  Programme negative = MakeProgramme(kTajikPartner, "TJ", /*quota=*/-1);
  status = Run([&](ExchangeTx& tx) { return tx.InsertProgramme(negative).status(); });
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_THAT(ListProgrammeIds({}), ElementsAre(programme.meta.id));
}

TEST_P(ExchangeStoreTest, ProgrammeFilters) {
  // Tianjin with its Tajik partner (to China, 2025), with its Kazakh partner (to Kazakhstan,
  // 2025-12-31, a teacher training, planned), the other college with the Uzbek partner (2026).
  Programme tajik = MakeProgramme(kTajikPartner, "TJ", 3, absl::CivilDay(2025, 1, 1));
  Programme kazakh = MakeProgramme(kKazakhPartner, "KZ", 3, absl::CivilDay(2025, 12, 31));
  kazakh.kind = ProgrammeKind::kTeacherTraining;
  kazakh.direction = Direction::kToPartnerCountry;
  kazakh.status = ProgrammeStatus::kPlanned;
  Programme uzbek =
      MakeProgramme(kUzbekPartner, "UZ", 3, absl::CivilDay(2026, 1, 1), kOtherChinese);
  uzbek.kind = ProgrammeKind::kSkillsCompetition;
  Programme tajik_late = MakeProgramme(kTajikPartner, "TJ", 3, absl::CivilDay(2024, 12, 31));
  tajik_late.status = ProgrammeStatus::kCancelled;
  const int64_t t = AddProgramme(tajik).meta.id;
  const int64_t k = AddProgramme(kazakh).meta.id;
  const int64_t u = AddProgramme(uzbek).meta.id;
  const int64_t l = AddProgramme(tajik_late).meta.id;
  auto list = [&](const std::function<void(ProgrammeFilter&)>& set) {
    ProgrammeFilter filter;
    set(filter);
    return ListProgrammeIds(filter);
  };
  EXPECT_THAT(list([](auto&) {}), ElementsAre(t, k, u, l));
  // An institution on either side.
  EXPECT_THAT(list([](auto& f) { f.institution_id = kTianjin; }), ElementsAre(t, k, l));
  EXPECT_THAT(list([](auto& f) { f.institution_id = kKazakhPartner; }), ElementsAre(k));
  EXPECT_THAT(list([](auto& f) { f.institution_id = kOtherChinese; }), ElementsAre(u));
  EXPECT_THAT(list([](auto& f) { f.institution_id = 999; }), IsEmpty());
  EXPECT_THAT(list([](auto& f) { f.country = "TJ"; }), ElementsAre(t, l));
  EXPECT_THAT(list([](auto& f) { f.country = "tj"; }), IsEmpty());  // codes compare exactly
  EXPECT_THAT(list([](auto& f) { f.kind = ProgrammeKind::kTeacherTraining; }), ElementsAre(k));
  EXPECT_THAT(list([](auto& f) { f.kind = ProgrammeKind::kTechnicalExchange; }), IsEmpty());
  EXPECT_THAT(list([](auto& f) { f.direction = Direction::kToChina; }), ElementsAre(t, u, l));
  EXPECT_THAT(list([](auto& f) { f.direction = Direction::kToPartnerCountry; }), ElementsAre(k));
  // The year a programme starts in, boundaries included.
  EXPECT_THAT(list([](auto& f) { f.year = 2025; }), ElementsAre(t, k));
  EXPECT_THAT(list([](auto& f) { f.year = 2026; }), ElementsAre(u));
  EXPECT_THAT(list([](auto& f) { f.year = 2024; }), ElementsAre(l));
  EXPECT_THAT(list([](auto& f) { f.year = 2023; }), IsEmpty());
  // Years DATE cannot hold match nothing (and are no error).
  EXPECT_THAT(list([](auto& f) { f.year = 0; }), IsEmpty());
  EXPECT_THAT(list([](auto& f) { f.year = -2025; }), IsEmpty());
  EXPECT_THAT(list([](auto& f) { f.year = 10000; }), IsEmpty());
  EXPECT_THAT(list([](auto& f) { f.year = 25; }), IsEmpty());
  EXPECT_THAT(list([](auto& f) { f.status = ProgrammeStatus::kOpen; }), ElementsAre(t, u));
  EXPECT_THAT(list([](auto& f) { f.status = ProgrammeStatus::kPlanned; }), ElementsAre(k));
  // College admins see the programmes their institution is part of, on either side.
  EXPECT_THAT(list([](auto& f) { f.visible_to_institution = kTajikPartner; }), ElementsAre(t, l));
  EXPECT_THAT(list([](auto& f) { f.visible_to_institution = kTianjin; }), ElementsAre(t, k, l));
  EXPECT_THAT(list([](auto& f) { f.visible_to_institution = kUzbekPartner; }), ElementsAre(u));
  EXPECT_THAT(list([](auto& f) { f.visible_to_institution = 999; }), IsEmpty());
  EXPECT_THAT(list([](auto& f) {
                f.visible_to_institution = kTianjin;
                f.institution_id = kTajikPartner;
                f.year = 2025;
              }),
              ElementsAre(t));
  EXPECT_THAT(list([](auto& f) {
                f.visible_to_institution = kKazakhPartner;
                f.institution_id = kTajikPartner;
              }),
              IsEmpty());
  EXPECT_THAT(list([](auto& f) {
                f.country = "TJ";
                f.status = ProgrammeStatus::kCancelled;
                f.kind = ProgrammeKind::kTraineeStudyVisit;
                f.direction = Direction::kToChina;
              }),
              ElementsAre(l));
}

TEST_P(ExchangeStoreTest, YearFilterReachesTheEdgesOfDate) {
  const int64_t first =
      AddProgramme(MakeProgramme(kTajikPartner, "TJ", 3, absl::CivilDay(1000, 1, 1))).meta.id;
  Programme last_programme = MakeProgramme(kTajikPartner, "TJ", 3, absl::CivilDay(9999, 12, 1));
  last_programme.end_date = absl::CivilDay(9999, 12, 31);
  const int64_t last = AddProgramme(last_programme).meta.id;
  auto of_year = [&](int year) {
    ProgrammeFilter filter;
    filter.year = year;
    return ListProgrammeIds(filter);
  };
  EXPECT_THAT(of_year(1000), ElementsAre(first));
  EXPECT_THAT(of_year(9999), ElementsAre(last));
  EXPECT_THAT(of_year(1001), IsEmpty());
  EXPECT_EQ(GetProgramme(last).end_date, absl::CivilDay(9999, 12, 31));
}

TEST_P(ExchangeStoreTest, ProgrammesPageByKeyset) {
  std::vector<int64_t> all;
  for (int i = 0; i < 7; ++i) {
    all.push_back(AddProgramme(MakeProgramme(i % 2 == 0 ? kTajikPartner : kKazakhPartner,
                                             i % 2 == 0 ? "TJ" : "KZ"))
                      .meta.id);
  }
  std::vector<int64_t> seen;
  std::vector<bool> more;
  int64_t after = 0;
  for (int pages = 0; pages < 10; ++pages) {
    auto page =
        Read<Page<Programme>>([&](ExchangeTx& tx) { return tx.ListProgrammes({}, after, 3); });
    ASSERT_TRUE(page.ok()) << page.status();
    for (int64_t id : Ids(*page)) seen.push_back(id);
    more.push_back(page->more);
    if (!page->more) break;
    after = page->items.back().meta.id;
  }
  EXPECT_EQ(seen, all);
  EXPECT_THAT(more, ElementsAre(true, true, false));

  // With a filter, pages skip rows that do not match; an exact fit has no more.
  ProgrammeFilter tajik;
  tajik.country = "TJ";
  auto first =
      Read<Page<Programme>>([&](ExchangeTx& tx) { return tx.ListProgrammes(tajik, 0, 2); });
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_THAT(Ids(*first), ElementsAre(all[0], all[2]));
  EXPECT_TRUE(first->more);
  auto second =
      Read<Page<Programme>>([&](ExchangeTx& tx) { return tx.ListProgrammes(tajik, all[2], 2); });
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_THAT(Ids(*second), ElementsAre(all[4], all[6]));
  EXPECT_FALSE(second->more);

  auto bad = Read<Page<Programme>>([&](ExchangeTx& tx) { return tx.ListProgrammes({}, 0, 0); });
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
}

// ---- mobilities ----

TEST_P(ExchangeStoreTest, TraineeMobilityCrud) {
  const Programme programme = AddProgramme(MakeProgramme());
  Mobility mobility = MakeMobility(programme, 9001);
  mobility.meta.id = AddMobility(mobility);
  ASSERT_GT(mobility.meta.id, 0);
  ExpectMobilityEq(GetMobility(mobility.meta.id), mobility);
  EXPECT_EQ(mobility.sending_institution_id, kTajikPartner);  // to China: the partner sends
  EXPECT_EQ(mobility.receiving_institution_id, kTianjin);

  Mobility changed = GetMobility(mobility.meta.id);
  changed.state = MobilityState::kApproved;
  changed.decisions.push_back(
      MakeDecision(MobilityState::kApproved, "tianjin-admin", kUpdated, kAwkward));
  changed.meta.version = 2;
  changed.meta.update_time = kUpdated;
  ASSERT_TRUE(UpdateMobility(changed).ok());
  auto got = Read<Mobility>([&](ExchangeTx& tx) { return tx.GetMobility(changed.meta.id, true); });
  ASSERT_TRUE(got.ok()) << got.status();
  ExpectMobilityEq(*got, changed);
  EXPECT_EQ(got->meta.create_time, kCreated);
  // An unchanged row written again is no error.
  EXPECT_TRUE(UpdateMobility(*got).ok());
}

TEST_P(ExchangeStoreTest, TeacherMobilityCrud) {
  Programme training = MakeProgramme(kKazakhPartner, "KZ");
  training.kind = ProgrammeKind::kTeacherTraining;
  training.direction = Direction::kToPartnerCountry;
  training = AddProgramme(training);
  Mobility mobility = MakeTeacherMobility(training);
  mobility.teacher = Teacher{kChineseTeacher, "Li Ming", kChinesePosition};
  mobility.meta.id = AddMobility(mobility);
  ASSERT_GT(mobility.meta.id, 0);
  const Mobility got = GetMobility(mobility.meta.id);
  ExpectMobilityEq(got, mobility);
  EXPECT_FALSE(got.trainee_id.has_value());
  EXPECT_EQ(got.sending_institution_id, kTianjin);  // to the partner's country: China sends
  EXPECT_EQ(got.receiving_institution_id, kKazakhPartner);

  // Empty optional parts of a teacher stay a teacher, not "no teacher".
  Mobility changed = got;
  changed.teacher = Teacher{kTajikTeacher, "", ""};
  changed.meta.version = 2;
  ASSERT_TRUE(UpdateMobility(changed).ok());
  ExpectMobilityEq(GetMobility(mobility.meta.id), changed);
}

TEST_P(ExchangeStoreTest, DecisionsRoundTripToTheMicrosecond) {
  const Programme programme = AddProgramme(MakeProgramme());
  Mobility mobility = MakeMobility(programme, 9001, MobilityState::kNominated);
  const absl::Time nominated = absl::FromUnixMicros(1'735'689'600'000'001) + absl::Nanoseconds(7);
  const absl::Time rejected = absl::FromUnixMicros(1'735'776'000'999'999) + absl::Nanoseconds(999);
  const absl::Time reopened = absl::FromUnixMicros(-86'400'000'000);  // 1969: before the epoch
  mobility.decisions = {
      MakeDecision(MobilityState::kNominated, "ttu-admin", nominated, ""),
      MakeDecision(MobilityState::kRejected, "天津-admin", rejected,
                   "Ҳуҷҷатҳо нопурраанд; 材料不全"),
      MakeDecision(MobilityState::kNominated, "tianjin-admin", reopened, kAwkward)};
  const int64_t id = AddMobility(mobility);
  const Mobility got = GetMobility(id);
  ASSERT_EQ(got.decisions.size(), 3u);
  EXPECT_EQ(got.decisions[0].time, absl::FromUnixMicros(1'735'689'600'000'001));
  EXPECT_EQ(got.decisions[1].time, absl::FromUnixMicros(1'735'776'000'999'999));
  EXPECT_EQ(got.decisions[2].time, reopened);
  EXPECT_EQ(got.decisions[1].state, MobilityState::kRejected);
  EXPECT_EQ(got.decisions[1].actor, "天津-admin");
  EXPECT_EQ(got.decisions[1].reason, "Ҳуҷҷатҳо нопурраанд; 材料不全");
  EXPECT_EQ(got.decisions[2].reason, kAwkward);
  EXPECT_EQ(got.decisions[0].reason, "");

  // No decisions at all is an empty list, not an error.
  Mobility bare = MakeMobility(programme, 9002);
  bare.decisions.clear();
  EXPECT_THAT(GetMobility(AddMobility(bare)).decisions, IsEmpty());

  // A time that is not a point in time cannot be stored.
  Mobility endless = MakeMobility(programme, 9003);
  endless.decisions.push_back(
      MakeDecision(MobilityState::kApproved, "x", absl::InfiniteFuture(), ""));
  absl::Status status = Run([&](ExchangeTx& tx) { return tx.InsertMobility(endless).status(); });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
}

TEST_P(ExchangeStoreTest, OneOpenMobilityPerTraineeAndProgramme) {
  const Programme programme = AddProgramme(MakeProgramme());
  const Programme other = AddProgramme(MakeProgramme());
  const int64_t first = AddMobility(MakeMobility(programme, 9001));
  for (MobilityState state :
       {MobilityState::kNominated, MobilityState::kApproved, MobilityState::kDeparted}) {
    absl::Status status = Run([&](ExchangeTx& tx) {
      return tx.InsertMobility(MakeMobility(programme, 9001, state)).status();
    });
    EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists) << status;
    EXPECT_EQ(status.message(), absl::StrCat("trainees/9001 already holds an open mobility in "
                                             "programmes/",
                                             programme.meta.id));
  }
  // Closed mobilities do not count, nor do other programmes, other trainees or teachers.
  const int64_t rejected = AddMobility(MakeMobility(programme, 9001, MobilityState::kRejected));
  AddMobility(MakeMobility(programme, 9001, MobilityState::kReturned));
  AddMobility(MakeMobility(programme, 9001, MobilityState::kCancelled));
  AddMobility(MakeMobility(other, 9001));
  AddMobility(MakeMobility(programme, 9002));
  AddMobility(MakeTeacherMobility(programme));
  AddMobility(MakeTeacherMobility(programme));

  // Whether the trainee holds an open mobility in the programme: then another is refused (tried
  // in a transaction that rolls back either way).
  auto open = [&](const Programme& in, int64_t trainee) {
    absl::Status status = Run([&](ExchangeTx& tx) {
      auto id = tx.InsertMobility(MakeMobility(in, trainee));
      return id.ok() ? absl::AbortedError("probe: roll back") : id.status();
    });
    EXPECT_TRUE(absl::IsAborted(status) || absl::IsAlreadyExists(status)) << status;
    return absl::IsAlreadyExists(status);
  };
  EXPECT_TRUE(open(programme, 9001));
  EXPECT_TRUE(open(other, 9001));
  EXPECT_TRUE(open(programme, 9002));
  EXPECT_FALSE(open(programme, 9003));
  EXPECT_FALSE(open(other, 9002));

  // Reopening a rejection while another is open is refused, and changes nothing.
  Mobility reopened = GetMobility(rejected);
  reopened.state = MobilityState::kNominated;
  reopened.meta.version = 2;
  absl::Status status = UpdateMobility(reopened);
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists) << status;
  EXPECT_EQ(GetMobility(rejected).state, MobilityState::kRejected);

  // Each open state counts; once the open one closes, the trainee may be nominated again.
  Mobility moving = GetMobility(first);
  for (MobilityState state : {MobilityState::kApproved, MobilityState::kDeparted}) {
    moving.state = state;
    moving.meta.version += 1;
    ASSERT_TRUE(UpdateMobility(moving).ok());
    EXPECT_TRUE(open(programme, 9001));
  }
  moving.state = MobilityState::kReturned;
  moving.meta.version += 1;
  ASSERT_TRUE(UpdateMobility(moving).ok());
  EXPECT_FALSE(open(programme, 9001));
  ASSERT_TRUE(UpdateMobility(reopened).ok());
  EXPECT_TRUE(open(programme, 9001));
}

TEST_P(ExchangeStoreTest, MobilityReferencesAndParticipant) {
  const Programme programme = AddProgramme(MakeProgramme());
  Mobility orphan = MakeMobility(programme, 9001);
  orphan.programme_id = 424242;
  absl::Status status = Run([&](ExchangeTx& tx) { return tx.InsertMobility(orphan).status(); });
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_EQ(status.message(), "mobility: its programme does not exist");

  Mobility nobody = MakeMobility(programme, std::nullopt);
  status = Run([&](ExchangeTx& tx) { return tx.InsertMobility(nobody).status(); });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_EQ(status.message(), "participant: a mobility names exactly one trainee or one teacher");
  Mobility both = MakeTeacherMobility(programme);
  both.trainee_id = 9001;
  status = Run([&](ExchangeTx& tx) { return tx.InsertMobility(both).status(); });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;

  // The same through updates, which change nothing.
  const int64_t id = AddMobility(MakeMobility(programme, 9001));
  Mobility moved = GetMobility(id);
  moved.programme_id = 424242;
  moved.meta.version = 2;
  status = UpdateMobility(moved);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  Mobility doubled = GetMobility(id);
  doubled.teacher = Teacher{kTajikTeacher, "", kTajikPosition};
  doubled.meta.version = 2;
  status = UpdateMobility(doubled);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  const Mobility unchanged = GetMobility(id);
  EXPECT_EQ(unchanged.meta.version, 1);
  EXPECT_EQ(unchanged.programme_id, programme.meta.id);
  EXPECT_FALSE(unchanged.teacher.has_value());
}

TEST_P(ExchangeStoreTest, MobilityFilters) {
  const Programme to_china = AddProgramme(MakeProgramme(kTajikPartner, "TJ"));
  Programme outward = MakeProgramme(kKazakhPartner, "KZ");
  outward.direction = Direction::kToPartnerCountry;
  outward = AddProgramme(outward);
  const Programme uzbek = AddProgramme(
      MakeProgramme(kUzbekPartner, "UZ", 3, absl::CivilDay(2025, 9, 1), kOtherChinese));
  // Sending -> receiving: 201 -> 101, 201 -> 101, 101 -> 202, 203 -> 102.
  const int64_t m1 = AddMobility(MakeMobility(to_china, 9001));
  const int64_t m2 = AddMobility(MakeMobility(to_china, 9002, MobilityState::kApproved));
  const int64_t m3 = AddMobility(MakeTeacherMobility(outward, MobilityState::kApproved));
  const int64_t m4 = AddMobility(MakeMobility(uzbek, 9001, MobilityState::kRejected));
  auto list = [&](const std::function<void(MobilityFilter&)>& set) {
    MobilityFilter filter;
    set(filter);
    return ListMobilityIds(filter);
  };
  EXPECT_THAT(list([](auto&) {}), ElementsAre(m1, m2, m3, m4));
  EXPECT_THAT(list([&](auto& f) { f.programme_id = to_china.meta.id; }), ElementsAre(m1, m2));
  EXPECT_THAT(list([&](auto& f) { f.programme_id = 999999; }), IsEmpty());
  // An institution on either side.
  EXPECT_THAT(list([](auto& f) { f.institution_id = kTianjin; }), ElementsAre(m1, m2, m3));
  EXPECT_THAT(list([](auto& f) { f.institution_id = kTajikPartner; }), ElementsAre(m1, m2));
  EXPECT_THAT(list([](auto& f) { f.institution_id = kKazakhPartner; }), ElementsAre(m3));
  EXPECT_THAT(list([](auto& f) { f.institution_id = kOtherChinese; }), ElementsAre(m4));
  EXPECT_THAT(list([](auto& f) { f.state = MobilityState::kApproved; }), ElementsAre(m2, m3));
  EXPECT_THAT(list([](auto& f) { f.state = MobilityState::kDeparted; }), IsEmpty());
  EXPECT_THAT(list([](auto& f) { f.trainee_id = 9001; }), ElementsAre(m1, m4));
  // Both sides' admins see a mobility; other colleges do not.
  EXPECT_THAT(list([](auto& f) { f.visible_to_institution = kTianjin; }), ElementsAre(m1, m2, m3));
  EXPECT_THAT(list([](auto& f) { f.visible_to_institution = kKazakhPartner; }), ElementsAre(m3));
  EXPECT_THAT(list([](auto& f) { f.visible_to_institution = kUzbekPartner; }), ElementsAre(m4));
  EXPECT_THAT(list([](auto& f) { f.visible_to_institution = 999; }), IsEmpty());
  EXPECT_THAT(list([&](auto& f) {
                f.visible_to_institution = kTajikPartner;
                f.programme_id = uzbek.meta.id;
              }),
              IsEmpty());
  EXPECT_THAT(list([](auto& f) {
                f.visible_to_institution = kTianjin;
                f.institution_id = kTajikPartner;
                f.state = MobilityState::kApproved;
                f.trainee_id = 9002;
              }),
              ElementsAre(m2));

  // Keyset paging through a filtered list.
  MobilityFilter of_tianjin;
  of_tianjin.visible_to_institution = kTianjin;
  auto page =
      Read<Page<Mobility>>([&](ExchangeTx& tx) { return tx.ListMobilities(of_tianjin, 0, 2); });
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_THAT(Ids(*page), ElementsAre(m1, m2));
  EXPECT_TRUE(page->more);
  page = Read<Page<Mobility>>([&](ExchangeTx& tx) { return tx.ListMobilities(of_tianjin, m2, 2); });
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_THAT(Ids(*page), ElementsAre(m3));
  EXPECT_FALSE(page->more);
  auto bad = Read<Page<Mobility>>([&](ExchangeTx& tx) { return tx.ListMobilities({}, 0, -1); });
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(ExchangeStoreTest, ExportMobilitiesByUpdateTimeThenId) {
  const Programme programme = AddProgramme(MakeProgramme(kTajikPartner, "TJ", 10));
  const absl::Time t1 = kCreated;
  const absl::Time t2 = kCreated + absl::Microseconds(1);
  const absl::Time t3 = kUpdated;
  int64_t trainee = 9000;
  auto add = [&](absl::Time update_time) {
    Mobility mobility = MakeMobility(programme, ++trainee);
    mobility.meta.update_time = update_time;
    return AddMobility(mobility);
  };
  const int64_t a = add(t2);
  const int64_t b = add(t1);
  const int64_t c = add(t2);
  const int64_t d = add(t3);
  auto export_ids = [&](ExportCursor cursor, int limit) {
    return ExportedIds<Mobility>(limit, [&](ExportNext next) {
      return Read<std::vector<Mobility>>(
          [&](ExchangeTx& tx) { return tx.ExportMobilities(cursor, limit, next); });
    });
  };
  EXPECT_THAT(export_ids({}, 10), ElementsAre(b, a, c, d));
  EXPECT_THAT(export_ids({}, 2), ElementsAre(b, a));
  // Resuming after (t2, a) continues with the tie at t2, then later rows.
  EXPECT_THAT(export_ids({t2, a}, 10), ElementsAre(c, d));
  EXPECT_THAT(export_ids({t2, c}, 10), ElementsAre(d));
  EXPECT_THAT(export_ids({t1, 0}, 10), ElementsAre(b, a, c, d));
  EXPECT_THAT(export_ids({t3, d}, 10), IsEmpty());
  EXPECT_THAT(export_ids({absl::InfiniteFuture(), 0}, 10), IsEmpty());
  // A cursor below the microsecond compares at the precision the table keeps.
  EXPECT_THAT(export_ids({t1 + absl::Nanoseconds(500), b}, 10), ElementsAre(a, c, d));

  // A change moves the row to the end of the export, with its decisions.
  Mobility changed = GetMobility(b);
  changed.state = MobilityState::kApproved;
  changed.decisions.push_back(MakeDecision(MobilityState::kApproved, "tianjin-admin", t3, "ok"));
  changed.meta.version = 2;
  changed.meta.update_time = t3 + absl::Seconds(1);
  ASSERT_TRUE(UpdateMobility(changed).ok());
  auto rows = Read<std::vector<Mobility>>([&](ExchangeTx& tx) {
    return tx.ExportMobilities({t3, d}, 10, [](const ExportCursor&) {});
  });
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_THAT(Ids(*rows), ElementsAre(b));
  ExpectMobilityEq(rows->front(), changed);
  auto bad = Read<std::vector<Mobility>>(
      [&](ExchangeTx& tx) { return tx.ExportMobilities({}, 0, [](const ExportCursor&) {}); });
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
}

// ---- missing rows, UTF-8, transactions ----

TEST_P(ExchangeStoreTest, MissingRowsAreNotFound) {
  const Programme programme = AddProgramme(MakeProgramme());
  constexpr int64_t kMissing = 999999;
  auto expect_not_found = [](const absl::Status& status, const std::string& name) {
    EXPECT_EQ(status.code(), absl::StatusCode::kNotFound) << status;
    EXPECT_EQ(status.message(), absl::StrCat(name, ": not found"));
  };
  Programme p = MakeProgramme();
  p.meta.id = kMissing;
  Mobility m = MakeMobility(programme, 9001);
  m.meta.id = kMissing;
  expect_not_found(Run([&](ExchangeTx& tx) { return tx.GetProgramme(kMissing, true).status(); }),
                   "programmes/999999");
  expect_not_found(Run([&](ExchangeTx& tx) { return tx.UpdateProgramme(p); }), "programmes/999999");
  expect_not_found(Run([&](ExchangeTx& tx) { return tx.GetMobility(kMissing, false).status(); }),
                   "mobilities/999999");
  expect_not_found(Run([&](ExchangeTx& tx) { return tx.UpdateMobility(m); }), "mobilities/999999");
  EXPECT_THAT(ListMobilityIds({}), IsEmpty());
}

TEST_P(ExchangeStoreTest, Utf8RoundTripsByteExact) {
  Programme programme = MakeProgramme();
  programme.titles = {{"tg", kTajikPosition}, {"zh", kChinesePosition}, {"en", kAwkward}};
  programme.requirement.certificate_discipline = "роҳи-оҳан";
  programme = AddProgramme(programme);
  const Programme got = GetProgramme(programme.meta.id);
  ASSERT_EQ(got.titles.size(), 3u);
  EXPECT_EQ(absl::BytesToHexString(got.titles[0].text), absl::BytesToHexString(kTajikPosition));
  EXPECT_EQ(absl::BytesToHexString(got.titles[1].text), absl::BytesToHexString(kChinesePosition));
  EXPECT_EQ(got.titles[2].text, kAwkward);
  EXPECT_EQ(got.requirement.certificate_discipline, "роҳи-оҳан");

  Mobility tajik = MakeTeacherMobility(programme);
  Mobility chinese = MakeTeacherMobility(programme);
  chinese.teacher = Teacher{kChineseTeacher, "Li Ming", kChinesePosition};
  const Mobility got_tajik = GetMobility(AddMobility(tajik));
  const Mobility got_chinese = GetMobility(AddMobility(chinese));
  ASSERT_TRUE(got_tajik.teacher.has_value());
  ASSERT_TRUE(got_chinese.teacher.has_value());
  EXPECT_EQ(absl::BytesToHexString(got_tajik.teacher->full_name),
            absl::BytesToHexString(kTajikTeacher));
  EXPECT_EQ(absl::BytesToHexString(got_tajik.teacher->position),
            absl::BytesToHexString(kTajikPosition));
  EXPECT_EQ(absl::BytesToHexString(got_chinese.teacher->full_name),
            absl::BytesToHexString(kChineseTeacher));
  EXPECT_EQ(absl::BytesToHexString(got_chinese.teacher->position),
            absl::BytesToHexString(kChinesePosition));
}

TEST_P(ExchangeStoreTest, FailedBodyRollsEverythingBack) {
  const Programme programme = AddProgramme(MakeProgramme(kTajikPartner, "TJ", 2));
  const int64_t mobility = AddMobility(MakeMobility(programme, 9001));
  const int64_t audits = AuditCount();
  absl::Status status = Run([&](ExchangeTx& tx) -> absl::Status {
    auto row = tx.GetProgramme(programme.meta.id, /*for_update=*/true);
    if (!row.ok()) return row.status();
    row->titles = {{"en", "changed"}};
    row->meta.version = 2;
    if (auto s = tx.UpdateProgramme(*row); !s.ok()) return s;
    auto placed = tx.TakeQuotaPlace(programme.meta.id);
    if (!placed.ok()) return placed.status();
    if (!*placed) return absl::InternalError("expected a free place");
    auto m = tx.GetMobility(mobility, /*for_update=*/true);
    if (!m.ok()) return m.status();
    m->state = MobilityState::kApproved;
    m->meta.version = 2;
    if (auto s = tx.UpdateMobility(*m); !s.ok()) return s;
    if (auto s = tx.InsertProgramme(MakeProgramme()).status(); !s.ok()) return s;
    if (auto s = tx.InsertMobility(MakeMobility(programme, 9002)).status(); !s.ok()) return s;
    auto claim = tx.ledger().ClaimRequest(Key("rollback-1"));
    if (!claim.ok()) return claim.status();
    if (auto s = tx.ledger().Audit(AuditOf("mobilities/1")); !s.ok()) return s;
    return absl::FailedPreconditionError("the rule said no");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(), "the rule said no");

  const Programme after = GetProgramme(programme.meta.id);
  EXPECT_EQ(after.titles, programme.titles);
  EXPECT_EQ(after.meta.version, 1);
  EXPECT_EQ(after.approved_count, 0);
  EXPECT_THAT(ListProgrammeIds({}), ElementsAre(programme.meta.id));
  EXPECT_EQ(GetMobility(mobility).state, MobilityState::kNominated);
  EXPECT_THAT(ListMobilityIds({}), ElementsAre(mobility));
  EXPECT_EQ(AuditCount(), audits);
  // The request id was never claimed: it is new again.
  auto claim = Read<std::optional<std::string>>(
      [&](ExchangeTx& tx) { return tx.ledger().ClaimRequest(Key("rollback-1")); });
  ASSERT_TRUE(claim.ok()) << claim.status();
  EXPECT_FALSE(claim->has_value());
  // Ids handed out are not reused.
  EXPECT_GT(AddProgramme(MakeProgramme()).meta.id, programme.meta.id + 1);
  EXPECT_GT(AddMobility(MakeMobility(programme, 9003)), mobility + 1);
}

TEST_P(ExchangeStoreTest, PassedDeadlineRunsNothing) {
  bool ran = false;
  absl::Status status =
      store().InTransaction("late", absl::Now() - absl::Seconds(1), [&](ExchangeTx&) {
        ran = true;
        return absl::OkStatus();
      });
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_FALSE(ran);
}

// ---- the audit trail (tests/support/audit_trail_contract.h) ----

TEST_P(ExchangeStoreTest, AuditTrailIsReadNewestFirstInPages) {
  luban::testing::ExpectAuditTrailNewestFirstInPages(InLedger());
}

TEST_P(ExchangeStoreTest, AuditTrailOfOneRecord) {
  luban::testing::ExpectAuditTrailOfOneRecord(InLedger());
}

TEST_P(ExchangeStoreTest, AuditTrailOfCommittedTransactionsOnly) {
  luban::testing::ExpectAuditTrailOfCommittedTransactions(InLedger());
}

// ---- MySQL only ----

// Enough connections for every thread of the quota race to hold one at once.
class MySqlExchangeStoreTest
    : public luban::testing::MySqlStoreTest<ExchangeStoreTraits, /*pool_size=*/16> {
 protected:
  Programme AddProgramme(Programme programme) {
    absl::Status status = Run("add programme", [&](ExchangeTx& tx) -> absl::Status {
      auto inserted = tx.InsertProgramme(programme);
      if (!inserted.ok()) return inserted.status();
      programme.meta.id = *inserted;
      return absl::OkStatus();
    });
    EXPECT_TRUE(status.ok()) << status;
    return programme;
  }

  int64_t AddMobility(const Mobility& mobility) {
    int64_t id = 0;
    absl::Status status = Run("add mobility", [&](ExchangeTx& tx) -> absl::Status {
      auto inserted = tx.InsertMobility(mobility);
      if (!inserted.ok()) return inserted.status();
      id = *inserted;
      return absl::OkStatus();
    });
    EXPECT_TRUE(status.ok()) << status;
    return id;
  }

  int64_t QueryInt(absl::string_view query) {
    auto value = db().QueryInt(query);
    EXPECT_TRUE(value.ok()) << query << ": " << value.status();
    return value.value_or(-1);
  }

  // Runs `hold` in a transaction that stays open until `contender` (started once `hold` has
  // returned OK) is seen waiting for a row lock; then the holder commits (or, with `commit`
  // false, rolls back) and both finish. Returns their statuses and whether the wait was seen.
  struct Contest {
    absl::Status holder;
    absl::Status contender;
    absl::Status waited;
  };
  Contest HoldWhile(const std::function<absl::Status(ExchangeTx&)>& hold,
                    const std::function<absl::Status(ExchangeTx&)>& contend, bool commit = true) {
    Contest contest;
    std::atomic<bool> holding{false};
    absl::Notification held;
    absl::Notification release;
    std::thread holder([&] {
      contest.holder = Run("holder", [&](ExchangeTx& tx) -> absl::Status {
        if (auto s = hold(tx); !s.ok()) return s;
        holding.store(true);
        if (!held.HasBeenNotified()) held.Notify();
        release.WaitForNotification();
        return commit ? absl::OkStatus() : absl::AbortedError("the holder gives up");
      });
      if (!held.HasBeenNotified()) held.Notify();  // it failed: do not leave the test waiting
    });
    held.WaitForNotification();
    if (!holding.load()) {
      holder.join();
      contest.contender = absl::CancelledError("not run: the holder failed");
      contest.waited = contest.contender;
      return contest;
    }
    std::thread contender([&] { contest.contender = Run("contender", contend); });
    contest.waited = db().AwaitLockWaits(1);
    release.Notify();
    holder.join();
    contender.join();
    return contest;
  }
};

TEST_F(MySqlExchangeStoreTest, MigrationsApplyOnceAndCreateTheTables) {
  auto again = Migrate();
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->applied, 0);
  auto third = Migrate();
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_EQ(third->applied, 0);
  EXPECT_EQ(third->current, again->current);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM schema_migrations WHERE track = 'exchange'"), 1);
  for (const char* table : {"programmes", "mobilities"}) {
    auto collation = db().QueryValue(absl::StrCat(
        "SELECT TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"
        " AND TABLE_NAME = '",
        table, "' AND ENGINE = 'InnoDB'"));
    ASSERT_TRUE(collation.ok()) << table << ": " << collation.status();
    EXPECT_EQ(*collation, "utf8mb4_bin") << table;
  }
  // The one-open-mobility rule lives in a stored generated column the unique key covers.
  auto generated = db().QueryValue(
      "SELECT EXTRA FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()"
      " AND TABLE_NAME = 'mobilities' AND COLUMN_NAME = 'open_trainee_id'");
  ASSERT_TRUE(generated.ok()) << generated.status();
  EXPECT_THAT(*generated, ::testing::AnyOf(HasSubstr("STORED"), HasSubstr("PERSISTENT")));
  // The lists' and exports' indexes exist.
  for (const char* index : {"programmes_chinese_institution", "programmes_partner_institution",
                            "programmes_partner_country", "programmes_kind", "programmes_direction",
                            "programmes_start_date", "programmes_status",
                            "mobilities_programme_trainee", "mobilities_sending_institution",
                            "mobilities_receiving_institution", "mobilities_export"}) {
    EXPECT_GT(QueryInt(absl::StrCat("SELECT COUNT(*) FROM information_schema.STATISTICS"
                                    " WHERE TABLE_SCHEMA = DATABASE() AND INDEX_NAME = '",
                                    index, "'")),
              0)
        << index;
  }
}

// The database refuses a count above the quota or below zero whoever writes it: the CHECK is
// the last word under the conditional update.
TEST_F(MySqlExchangeStoreTest, CheckConstraintKeepsTheCountWithinTheQuota) {
  const Programme programme = AddProgramme(MakeProgramme(kTajikPartner, "TJ", 2));
  const std::string where = absl::StrCat(" WHERE id = ", programme.meta.id);
  EXPECT_FALSE(db().Execute(absl::StrCat("UPDATE programmes SET approved_count = 3", where)).ok());
  EXPECT_FALSE(db().Execute(absl::StrCat("UPDATE programmes SET approved_count = -1", where)).ok());
  EXPECT_FALSE(db().Execute(absl::StrCat("UPDATE programmes SET quota = -1", where)).ok());
  EXPECT_TRUE(db().Execute(absl::StrCat("UPDATE programmes SET approved_count = 2", where)).ok());
  EXPECT_FALSE(db().Execute(absl::StrCat("UPDATE programmes SET quota = 1", where)).ok());
  EXPECT_EQ(QueryInt(absl::StrCat("SELECT approved_count FROM programmes", where)), 2);
  EXPECT_EQ(QueryInt(absl::StrCat("SELECT quota FROM programmes", where)), 2);
}

// The race: a quota of 3 and 16 transactions, released together, each approving its own
// nominee (a quota place, then the mobility's state). Exactly 3 win; every other transaction
// sees the programme full (never an error, never a fourth place).
TEST_F(MySqlExchangeStoreTest, QuotaHoldsUnderARaceOfSixteen) {
  constexpr int kThreads = 16;
  constexpr int kQuota = 3;
  const Programme programme = AddProgramme(MakeProgramme(kTajikPartner, "TJ", kQuota));
  std::vector<int64_t> mobilities;
  for (int i = 0; i < kThreads; ++i) {
    mobilities.push_back(AddMobility(MakeMobility(programme, 9000 + i)));
  }
  std::atomic<int> placed{0};
  std::atomic<int> full{0};
  std::vector<absl::Status> statuses(kThreads);
  absl::Notification go;
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      go.WaitForNotification();
      bool won = false;
      statuses[static_cast<size_t>(i)] = Run("approve", [&](ExchangeTx& tx) -> absl::Status {
        won = false;  // a retried body starts afresh
        auto taken = tx.TakeQuotaPlace(programme.meta.id);
        if (!taken.ok()) return taken.status();
        if (!*taken) return absl::OkStatus();
        auto mobility = tx.GetMobility(mobilities[static_cast<size_t>(i)], /*for_update=*/true);
        if (!mobility.ok()) return mobility.status();
        mobility->state = MobilityState::kApproved;
        mobility->decisions.push_back(
            MakeDecision(MobilityState::kApproved, "tianjin-admin", absl::Now(), "race"));
        mobility->meta.version += 1;
        if (auto s = tx.UpdateMobility(*mobility); !s.ok()) return s;
        won = true;
        return absl::OkStatus();
      });
      if (!statuses[static_cast<size_t>(i)].ok()) return;
      (won ? placed : full).fetch_add(1);
    });
  }
  go.Notify();
  for (std::thread& thread : threads) thread.join();
  for (const absl::Status& status : statuses) EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(placed.load(), kQuota);
  EXPECT_EQ(full.load(), kThreads - kQuota);
  const std::string where = absl::StrCat(" WHERE id = ", programme.meta.id);
  EXPECT_EQ(QueryInt(absl::StrCat("SELECT approved_count FROM programmes", where)), kQuota);
  EXPECT_EQ(QueryInt(absl::StrCat("SELECT COUNT(*) FROM mobilities WHERE state = 2 AND "
                                  "programme_id = ",
                                  programme.meta.id)),
            kQuota);
}

// A taker that has not committed holds the row: the next one waits for it and then sees the
// count it committed (full), or, when the first rolls back, the place it gave up.
TEST_F(MySqlExchangeStoreTest, TakingThePlaceWaitsForAnUncommittedTaker) {
  for (bool commit : {true, false}) {
    SCOPED_TRACE(commit ? "the holder commits" : "the holder rolls back");
    const Programme programme = AddProgramme(MakeProgramme(kTajikPartner, "TJ", 1));
    bool contender_placed = false;
    Contest contest = HoldWhile(
        [&](ExchangeTx& tx) -> absl::Status {
          auto taken = tx.TakeQuotaPlace(programme.meta.id);
          if (!taken.ok()) return taken.status();
          return *taken ? absl::OkStatus() : absl::InternalError("expected the free place");
        },
        [&](ExchangeTx& tx) -> absl::Status {
          auto taken = tx.TakeQuotaPlace(programme.meta.id);
          if (!taken.ok()) return taken.status();
          contender_placed = *taken;
          return absl::OkStatus();
        },
        commit);
    EXPECT_TRUE(contest.waited.ok()) << contest.waited;
    if (commit) {
      EXPECT_TRUE(contest.holder.ok()) << contest.holder;
    } else {
      EXPECT_EQ(contest.holder.code(), absl::StatusCode::kAborted) << contest.holder;
    }
    EXPECT_TRUE(contest.contender.ok()) << contest.contender;
    EXPECT_EQ(contender_placed, !commit);
    EXPECT_EQ(QueryInt(absl::StrCat("SELECT approved_count FROM programmes WHERE id = ",
                                    programme.meta.id)),
              1);
  }
}

// The same trainee nominated from many threads at once: one open mobility.
TEST_F(MySqlExchangeStoreTest, OneOpenMobilityUnderAFreeForAll) {
  constexpr int kThreads = 8;
  const Programme programme = AddProgramme(MakeProgramme());
  std::atomic<int> created{0};
  std::atomic<int> refused{0};
  std::vector<absl::Status> others(kThreads);
  absl::Notification go;
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      go.WaitForNotification();
      absl::Status status = Run("nominate", [&](ExchangeTx& tx) {
        return tx.InsertMobility(MakeMobility(programme, 9001)).status();
      });
      if (status.ok()) {
        created.fetch_add(1);
      } else if (status.code() == absl::StatusCode::kAlreadyExists) {
        refused.fetch_add(1);
      } else {
        others[static_cast<size_t>(i)] = status;
      }
    });
  }
  go.Notify();
  for (std::thread& thread : threads) thread.join();
  for (const absl::Status& status : others) EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(refused.load(), kThreads - 1);
  EXPECT_EQ(QueryInt("SELECT COUNT(*) FROM mobilities"), 1);
}

TEST_F(MySqlExchangeStoreTest, StoresUtf8AsUtf8mb4Bytes) {
  Programme programme = MakeProgramme();
  programme.titles = {{"tg", kTajikPosition}, {"zh", kChinesePosition}};
  programme = AddProgramme(programme);
  Mobility tajik = MakeTeacherMobility(programme);
  Mobility chinese = MakeTeacherMobility(programme);
  chinese.teacher = Teacher{kChineseTeacher, "Li Ming", kChinesePosition};
  const int64_t t = AddMobility(tajik);
  const int64_t c = AddMobility(chinese);
  auto hex = [](absl::string_view text) {
    return absl::AsciiStrToUpper(absl::BytesToHexString(text));
  };
  auto value = [&](absl::string_view query) {
    auto got = db().QueryValue(query);
    EXPECT_TRUE(got.ok()) << query << ": " << got.status();
    return got.value_or("");
  };
  // What other readers of the tables (the mysql client, ad-hoc reports) see: the UTF-8 bytes as
  // given, in plain columns and inside the JSON.
  EXPECT_EQ(value(absl::StrCat("SELECT HEX(teacher_position) FROM mobilities WHERE id = ", t)),
            hex(kTajikPosition));
  EXPECT_EQ(value(absl::StrCat("SELECT HEX(teacher_full_name) FROM mobilities WHERE id = ", t)),
            hex(kTajikTeacher));
  EXPECT_EQ(value(absl::StrCat("SELECT HEX(teacher_position) FROM mobilities WHERE id = ", c)),
            hex(kChinesePosition));
  EXPECT_EQ(value(absl::StrCat("SELECT HEX(teacher_full_name) FROM mobilities WHERE id = ", c)),
            hex(kChineseTeacher));
  EXPECT_EQ(
      value(absl::StrCat("SELECT HEX(JSON_VALUE(titles, '$[0].text')) FROM programmes WHERE id = ",
                         programme.meta.id)),
      hex(kTajikPosition));
  EXPECT_EQ(
      value(absl::StrCat("SELECT HEX(JSON_VALUE(titles, '$[1].text')) FROM programmes WHERE id = ",
                         programme.meta.id)),
      hex(kChinesePosition));
  // Characters beyond the BMP need utf8mb4 proper.
  EXPECT_EQ(
      value(absl::StrCat("SELECT CHAR_LENGTH(teacher_position) FROM mobilities WHERE id = ", c)),
      "4");
  // A trainee's mobility has no teacher: NULL, not empty text.
  const int64_t trainee = AddMobility(MakeMobility(programme, 9001));
  EXPECT_EQ(QueryInt(absl::StrCat("SELECT COUNT(*) FROM mobilities WHERE id = ", trainee,
                                  " AND teacher_full_name IS NULL AND teacher_position IS NULL")),
            1);
}

// The decisions column is JSON other readers can query: states as numbers, times in UTC ISO
// 8601 with microseconds, text unescaped UTF-8.
TEST_F(MySqlExchangeStoreTest, DecisionsAreReadableJson) {
  const Programme programme = AddProgramme(MakeProgramme());
  Mobility mobility = MakeMobility(programme, 9001, MobilityState::kRejected);
  const absl::Time rejected =
      absl::FromCivil(absl::CivilSecond(2025, 3, 1, 9, 30, 5), absl::UTCTimeZone()) +
      absl::Microseconds(123456) + absl::Nanoseconds(789);
  mobility.decisions = {
      MakeDecision(MobilityState::kNominated, "ttu-admin",
                   absl::FromCivil(absl::CivilSecond(2025, 2, 28, 23, 0, 0), absl::UTCTimeZone())),
      MakeDecision(MobilityState::kRejected, "tianjin-admin", rejected, kChinesePosition)};
  const int64_t id = AddMobility(mobility);
  auto json = [&](absl::string_view path) {
    auto got = db().QueryValue(
        absl::StrCat("SELECT JSON_VALUE(decisions, '", path, "') FROM mobilities WHERE id = ", id));
    EXPECT_TRUE(got.ok()) << path << ": " << got.status();
    return got.value_or("");
  };
  EXPECT_EQ(json("$[0].state"), "1");
  EXPECT_EQ(json("$[0].time"), "2025-02-28T23:00:00.000000Z");
  EXPECT_EQ(json("$[1].state"), "3");
  EXPECT_EQ(json("$[1].actor"), "tianjin-admin");
  EXPECT_EQ(json("$[1].time"), "2025-03-01T09:30:05.123456Z");
  EXPECT_EQ(json("$[1].reason"), kChinesePosition);
  EXPECT_EQ(QueryInt(absl::StrCat("SELECT JSON_LENGTH(decisions) FROM mobilities WHERE id = ", id)),
            2);
  EXPECT_EQ(
      QueryInt(absl::StrCat("SELECT LOCATE('\\\\u', decisions) FROM mobilities WHERE id = ", id)),
      0);  // not escaped to \uXXXX

  Mobility got;
  ASSERT_TRUE(Run("read", [&](ExchangeTx& tx) -> absl::Status {
                auto row = tx.GetMobility(id, false);
                if (!row.ok()) return row.status();
                got = *std::move(row);
                return absl::OkStatus();
              }).ok());
  ASSERT_EQ(got.decisions.size(), 2u);
  EXPECT_EQ(got.decisions[1].time, rejected - absl::Nanoseconds(789));
  EXPECT_EQ(got.decisions[1].reason, kChinesePosition);

  // A hand-damaged column reads as INTERNAL, naming it, never as a crash or garbage.
  ASSERT_TRUE(db().Execute(absl::StrCat("UPDATE mobilities SET decisions = '[{\"state\": 1}]'"
                                        " WHERE id = ",
                                        id))
                  .ok());
  absl::Status status =
      Run("read", [&](ExchangeTx& tx) { return tx.GetMobility(id, false).status(); });
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
  EXPECT_THAT(status.message(), HasSubstr("mobilities.decisions"));
}

TEST_F(MySqlExchangeStoreTest, FailedBodyLeavesTablesUnchanged) {
  const Programme programme = AddProgramme(MakeProgramme(kTajikPartner, "TJ", 2));
  const int64_t mobility = AddMobility(MakeMobility(programme, 9001));
  const std::vector<std::string> tables = {"programmes", "mobilities", "audit_log"};
  auto checksums = [&] {
    std::vector<std::string> sums;
    for (const std::string& table : tables) {
      auto checksum = db().TableChecksum(table);
      EXPECT_TRUE(checksum.ok()) << checksum.status();
      sums.push_back(checksum.value_or(""));
    }
    return sums;
  };
  const std::vector<std::string> before = checksums();
  absl::Status status = Run("doomed", [&](ExchangeTx& tx) -> absl::Status {
    auto placed = tx.TakeQuotaPlace(programme.meta.id);
    if (!placed.ok()) return placed.status();
    auto m = tx.GetMobility(mobility, true);
    if (!m.ok()) return m.status();
    m->state = MobilityState::kApproved;
    if (auto s = tx.UpdateMobility(*m); !s.ok()) return s;
    if (auto s = tx.InsertMobility(MakeTeacherMobility(programme)).status(); !s.ok()) return s;
    if (auto s = tx.InsertProgramme(MakeProgramme()).status(); !s.ok()) return s;
    if (auto s = tx.ledger().Audit(AuditOf("mobilities/1")); !s.ok()) return s;
    return absl::AbortedError("etag: changed by someone else");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(checksums(), before);
}

TEST_F(MySqlExchangeStoreTest, EveryTableIsInnoDbWithAPrimaryKeyAsGaleraNeeds) {
  EXPECT_EQ(TablesGaleraCannotReplicate(), "");
}

}  // namespace
}  // namespace luban::exchange
