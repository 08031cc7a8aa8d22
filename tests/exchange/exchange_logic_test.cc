// Unit tests of the exchange domain rules over the in-memory store: no gRPC, no SQL. What the
// peers know (institutions, a trainee's standing and home workshop) is passed in, as the handlers
// do.
#include "services/exchange/domain/exchange_logic.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "gtest/gtest.h"
#include "tests/exchange/fake_exchange_store.h"

namespace luban::exchange {
namespace {

using testing::FakeExchangeStore;

// A Tianjin college and Tajik Technical University run programmes together; a Kazakh partner
// is a stranger to them.
constexpr int64_t kTianjinCollege = 11;
constexpr int64_t kTajikTechnical = 21;
constexpr int64_t kKazakhPartner = 31;
constexpr int64_t kOtherChinese = 12;

const Principal kAdmin{"admin", Role::kNetworkAdmin, 0};
const Principal kChineseAdmin{"tjcj-admin", Role::kCollegeAdmin, kTianjinCollege};
const Principal kPartnerAdmin{"ttu-admin", Role::kCollegeAdmin, kTajikTechnical};
const Principal kStranger{"kz-admin", Role::kCollegeAdmin, kKazakhPartner};

const InstitutionInfo kChinese{kTianjinCollege, InstitutionKind::kChineseCollege, "CN"};
const InstitutionInfo kPartner{kTajikTechnical, InstitutionKind::kLocalPartner, "TJ"};

constexpr ProgrammeStatus kAllProgrammeStatuses[] = {
    ProgrammeStatus::kPlanned, ProgrammeStatus::kOpen, ProgrammeStatus::kClosed,
    ProgrammeStatus::kCompleted, ProgrammeStatus::kCancelled};
constexpr MobilityState kAllMobilityStates[] = {
    MobilityState::kNominated, MobilityState::kApproved, MobilityState::kRejected,
    MobilityState::kDeparted,  MobilityState::kReturned, MobilityState::kCancelled};

Programme Draft(ProgrammeKind kind = ProgrammeKind::kTraineeStudyVisit,
                Direction direction = Direction::kToChina, int quota = 2) {
  Programme p;
  p.titles = {{"en", "Study visit to Tianjin"}, {"ru", "Учебный визит в Тяньцзинь"}};
  p.chinese_institution_id = kTianjinCollege;
  p.partner_institution_id = kTajikTechnical;
  p.kind = kind;
  p.direction = direction;
  p.start_date = absl::CivilDay(2025, 9, 1);
  p.end_date = absl::CivilDay(2025, 9, 30);
  p.quota = quota;
  return p;
}

Nominee TraineeNominee(int64_t trainee_id) {
  Nominee n;
  n.trainee_id = trainee_id;
  n.standing = {true, "", 1};
  n.home = {1, kTianjinCollege, kTajikTechnical};
  return n;
}

Nominee TeacherNominee() {
  Nominee n;
  n.teacher = Teacher{"王芳", "Wang Fang", "lecturer"};
  return n;
}

class ExchangeLogicTest : public ::testing::Test {
 protected:
  // Runs `body` in a transaction of the fake store and returns what it returned.
  template <typename F>
  auto InTx(F body) -> decltype(body(std::declval<ExchangeTx&>())) {
    decltype(body(std::declval<ExchangeTx&>())) result = absl::UnknownError("not run");
    const absl::Status status =
        store_.InTransaction("test", absl::InfiniteFuture(), [&](ExchangeTx& tx) -> absl::Status {
          result = body(tx);
          return result.status();
        });
    if (!status.ok()) return status;
    return result;
  }

  absl::StatusOr<Programme> Create(const Principal& who, const Programme& draft,
                                   const InstitutionInfo& chinese = kChinese,
                                   const InstitutionInfo& partner = kPartner) {
    return InTx(
        [&](ExchangeTx& tx) { return logic_.CreateProgramme(tx, who, draft, chinese, partner); });
  }

  absl::StatusOr<Programme> Update(const Principal& who, int64_t id, const ProgrammePatch& patch,
                                   std::optional<int64_t> version = std::nullopt) {
    return InTx(
        [&](ExchangeTx& tx) { return logic_.UpdateProgramme(tx, who, id, version, patch); });
  }

  absl::StatusOr<ProgrammeChange> ChangeStatus(const Principal& who, int64_t id,
                                               ProgrammeStatus target,
                                               std::optional<int64_t> version = std::nullopt) {
    return InTx(
        [&](ExchangeTx& tx) { return logic_.ChangeProgrammeStatus(tx, who, id, version, target); });
  }

  absl::StatusOr<Mobility> Nominate(const Principal& who, int64_t programme_id,
                                    const Nominee& nominee, const std::string& reason = "") {
    return InTx(
        [&](ExchangeTx& tx) { return logic_.Nominate(tx, who, programme_id, nominee, reason); });
  }

  absl::StatusOr<Mobility> Decide(const Principal& who, int64_t id, MobilityState target,
                                  const std::string& reason = "",
                                  std::optional<int64_t> version = std::nullopt) {
    return InTx(
        [&](ExchangeTx& tx) { return logic_.Decide(tx, who, id, version, target, reason); });
  }

  absl::StatusOr<Mobility> GetMobility(const Principal& who, int64_t id) {
    return InTx([&](ExchangeTx& tx) { return logic_.GetMobility(tx, who, id); });
  }

  absl::StatusOr<Programme> GetProgramme(const Principal& who, int64_t id) {
    return InTx([&](ExchangeTx& tx) { return logic_.GetProgramme(tx, who, id); });
  }

  // A programme created by the network admin and opened.
  int64_t OpenProgramme(const Programme& draft = Draft()) {
    auto created = Create(kAdmin, draft);
    EXPECT_TRUE(created.ok()) << created.status();
    if (!created.ok()) return 0;
    auto opened = ChangeStatus(kAdmin, created->meta.id, ProgrammeStatus::kOpen);
    EXPECT_TRUE(opened.ok()) << opened.status();
    return created->meta.id;
  }

  int64_t MustNominate(int64_t programme_id, const Nominee& nominee) {
    auto m = Nominate(kAdmin, programme_id, nominee, "nominated");
    EXPECT_TRUE(m.ok()) << m.status();
    return m.ok() ? m->meta.id : 0;
  }

  void MustDecide(int64_t id, MobilityState target) {
    auto m = Decide(kAdmin, id, target, "step");
    ASSERT_TRUE(m.ok()) << m.status();
  }

  const Programme& StoredProgramme(int64_t id) { return store_.data().programmes.at(id); }
  const Mobility& StoredMobility(int64_t id) { return store_.data().mobilities.at(id); }

  FakeExchangeStore store_;
  ExchangeLogic logic_;
};

// ---- programme creation ----

TEST_F(ExchangeLogicTest, AdminsOfEitherInstitutionCreateProgrammes) {
  for (const Principal& who : {kAdmin, kChineseAdmin, kPartnerAdmin}) {
    SCOPED_TRACE(who.name);
    Programme draft = Draft();
    draft.approved_count = 5;
    draft.status = ProgrammeStatus::kOpen;
    auto created = Create(who, draft);
    ASSERT_TRUE(created.ok()) << created.status();
    EXPECT_GT(created->meta.id, 0);
    EXPECT_EQ(created->meta.version, 1);
    EXPECT_EQ(created->status, ProgrammeStatus::kPlanned);
    EXPECT_EQ(created->approved_count, 0);
    EXPECT_EQ(created->partner_country, "TJ");
    EXPECT_EQ(StoredProgramme(created->meta.id).status, ProgrammeStatus::kPlanned);
  }
}

TEST_F(ExchangeLogicTest, AnotherCollegeMayNotCreateTheirProgramme) {
  auto created = Create(kStranger, Draft());
  EXPECT_EQ(created.status().code(), absl::StatusCode::kPermissionDenied) << created.status();
  EXPECT_TRUE(store_.data().programmes.empty());
}

TEST_F(ExchangeLogicTest, InstitutionKindsAreChecked) {
  const InstitutionInfo chinese_as_partner{kTianjinCollege, InstitutionKind::kLocalPartner, "CN"};
  const InstitutionInfo partner_as_chinese{kTajikTechnical, InstitutionKind::kChineseCollege, "TJ"};
  auto bad_chinese = Create(kAdmin, Draft(), chinese_as_partner, kPartner);
  EXPECT_EQ(bad_chinese.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(bad_chinese.status().message(), "chinese_institution"))
      << bad_chinese.status();
  auto bad_partner = Create(kAdmin, Draft(), kChinese, partner_as_chinese);
  EXPECT_EQ(bad_partner.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(bad_partner.status().message(), "partner_institution"))
      << bad_partner.status();
  EXPECT_TRUE(store_.data().programmes.empty());
}

TEST_F(ExchangeLogicTest, DatesMustBeOrdered) {
  Programme backwards = Draft();
  backwards.end_date = absl::CivilDay(2025, 8, 31);
  auto refused = Create(kAdmin, backwards);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(refused.status().message(), "end_date")) << refused.status();

  Programme one_day = Draft();
  one_day.end_date = one_day.start_date;
  EXPECT_TRUE(Create(kAdmin, one_day).ok());
}

TEST_F(ExchangeLogicTest, QuotaIsOneToAThousand) {
  for (int quota : {0, -1, 1001}) {
    SCOPED_TRACE(quota);
    auto refused =
        Create(kAdmin, Draft(ProgrammeKind::kTraineeStudyVisit, Direction::kToChina, quota));
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(absl::StrContains(refused.status().message(), "quota")) << refused.status();
  }
  for (int quota : {1, 1000}) {
    SCOPED_TRACE(quota);
    EXPECT_TRUE(
        Create(kAdmin, Draft(ProgrammeKind::kTraineeStudyVisit, Direction::kToChina, quota)).ok());
  }
}

TEST_F(ExchangeLogicTest, RequirementIsACourseOrADisciplineNotBoth) {
  Programme both = Draft();
  both.requirement.completed_course_id = 7;
  both.requirement.certificate_discipline = "Welding";
  auto refused = Create(kAdmin, both);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(refused.status().message(), "requirement")) << refused.status();

  Programme course = Draft();
  course.requirement.completed_course_id = 7;
  EXPECT_TRUE(Create(kAdmin, course).ok());
  Programme discipline = Draft();
  discipline.requirement.certificate_discipline = "Welding";
  EXPECT_TRUE(Create(kAdmin, discipline).ok());
}

// ---- programme status ----

bool ProgrammeStepAllowed(ProgrammeStatus from, ProgrammeStatus to) {
  switch (to) {
    case ProgrammeStatus::kOpen:
      return from == ProgrammeStatus::kPlanned;
    case ProgrammeStatus::kClosed:
      return from == ProgrammeStatus::kOpen;
    case ProgrammeStatus::kCompleted:
      return from == ProgrammeStatus::kClosed;
    case ProgrammeStatus::kCancelled:
      return from == ProgrammeStatus::kPlanned || from == ProgrammeStatus::kOpen ||
             from == ProgrammeStatus::kClosed;
    case ProgrammeStatus::kPlanned:
      return false;
  }
  return false;
}

TEST_F(ExchangeLogicTest, ProgrammeStatusTransitions) {
  for (ProgrammeStatus from : kAllProgrammeStatuses) {
    for (ProgrammeStatus to : kAllProgrammeStatuses) {
      SCOPED_TRACE(absl::StrCat(ProgrammeStatusName(from), " -> ", ProgrammeStatusName(to)));
      auto created = Create(kAdmin, Draft());
      ASSERT_TRUE(created.ok()) << created.status();
      const int64_t id = created->meta.id;
      store_.data().programmes.at(id).status = from;
      auto changed = ChangeStatus(kChineseAdmin, id, to, /*version=*/1);
      if (ProgrammeStepAllowed(from, to)) {
        ASSERT_TRUE(changed.ok()) << changed.status();
        EXPECT_EQ(changed->programme.status, to);
        EXPECT_EQ(changed->programme.meta.version, 2);
        EXPECT_EQ(StoredProgramme(id).status, to);
      } else {
        EXPECT_EQ(changed.status().code(), absl::StatusCode::kFailedPrecondition)
            << changed.status();
        EXPECT_EQ(StoredProgramme(id).status, from);
        EXPECT_EQ(StoredProgramme(id).meta.version, 1);
      }
    }
  }
}

TEST_F(ExchangeLogicTest, CancellingAProgrammeCancelsNominationsAndApprovalsNotJourneys) {
  const int64_t pid =
      OpenProgramme(Draft(ProgrammeKind::kTraineeStudyVisit, Direction::kToChina, 5));
  const int64_t nominated = MustNominate(pid, TraineeNominee(1));
  const int64_t approved = MustNominate(pid, TraineeNominee(2));
  MustDecide(approved, MobilityState::kApproved);
  const int64_t departed = MustNominate(pid, TraineeNominee(3));
  MustDecide(departed, MobilityState::kApproved);
  MustDecide(departed, MobilityState::kDeparted);
  const int64_t rejected = MustNominate(pid, TraineeNominee(4));
  MustDecide(rejected, MobilityState::kRejected);
  ASSERT_EQ(StoredProgramme(pid).approved_count, 2);

  auto changed = ChangeStatus(kPartnerAdmin, pid, ProgrammeStatus::kCancelled);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_EQ(changed->programme.status, ProgrammeStatus::kCancelled);
  EXPECT_EQ(changed->programme.approved_count, 1);
  ASSERT_EQ(changed->cancelled.size(), 2u);
  EXPECT_EQ(changed->cancelled[0].meta.id, nominated);
  EXPECT_EQ(changed->cancelled[1].meta.id, approved);

  EXPECT_EQ(StoredProgramme(pid).approved_count, 1);  // the departed one keeps its place
  EXPECT_EQ(StoredMobility(nominated).state, MobilityState::kCancelled);
  EXPECT_EQ(StoredMobility(approved).state, MobilityState::kCancelled);
  EXPECT_EQ(StoredMobility(departed).state, MobilityState::kDeparted);
  EXPECT_EQ(StoredMobility(rejected).state, MobilityState::kRejected);
  const Decision& last = StoredMobility(approved).decisions.back();
  EXPECT_EQ(last.state, MobilityState::kCancelled);
  EXPECT_EQ(last.actor, kPartnerAdmin.name);
  EXPECT_EQ(last.reason, "the programme was cancelled");

  // The journey under way still ends.
  EXPECT_TRUE(Decide(kPartnerAdmin, departed, MobilityState::kReturned).ok());
}

// ---- quota ----

TEST_F(ExchangeLogicTest, ApprovalsStopAtTheQuota) {
  const int64_t pid = OpenProgramme();  // quota 2
  const int64_t a = MustNominate(pid, TraineeNominee(1));
  const int64_t b = MustNominate(pid, TraineeNominee(2));
  const int64_t c = MustNominate(pid, TraineeNominee(3));
  MustDecide(a, MobilityState::kApproved);
  MustDecide(b, MobilityState::kApproved);
  auto full = Decide(kChineseAdmin, c, MobilityState::kApproved);
  EXPECT_EQ(full.status().code(), absl::StatusCode::kFailedPrecondition) << full.status();
  EXPECT_TRUE(absl::StrContains(full.status().message(), "quota")) << full.status();
  EXPECT_EQ(StoredMobility(c).state, MobilityState::kNominated);
  EXPECT_EQ(StoredProgramme(pid).approved_count, 2);

  // Cancelling an approved mobility gives its place back.
  ASSERT_TRUE(Decide(kPartnerAdmin, a, MobilityState::kCancelled, "visa refused").ok());
  EXPECT_EQ(StoredProgramme(pid).approved_count, 1);
  ASSERT_TRUE(Decide(kChineseAdmin, c, MobilityState::kApproved).ok());
  EXPECT_EQ(StoredProgramme(pid).approved_count, 2);

  // So does cancelling a departed one.
  MustDecide(b, MobilityState::kDeparted);
  ASSERT_TRUE(Decide(kChineseAdmin, b, MobilityState::kCancelled, "sent home").ok());
  EXPECT_EQ(StoredProgramme(pid).approved_count, 1);

  // A returned mobility keeps its place.
  MustDecide(c, MobilityState::kDeparted);
  MustDecide(c, MobilityState::kReturned);
  EXPECT_EQ(StoredProgramme(pid).approved_count, 1);
}

TEST_F(ExchangeLogicTest, QuotaCannotDropBelowTheApprovedCount) {
  const int64_t pid =
      OpenProgramme(Draft(ProgrammeKind::kTraineeStudyVisit, Direction::kToChina, 3));
  MustDecide(MustNominate(pid, TraineeNominee(1)), MobilityState::kApproved);
  MustDecide(MustNominate(pid, TraineeNominee(2)), MobilityState::kApproved);
  const int64_t version = StoredProgramme(pid).meta.version;

  ProgrammePatch lower;
  lower.quota = 1;
  auto refused = Update(kChineseAdmin, pid, lower);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition) << refused.status();
  EXPECT_EQ(StoredProgramme(pid).quota, 3);
  EXPECT_EQ(StoredProgramme(pid).meta.version, version);

  ProgrammePatch equal;
  equal.quota = 2;
  auto updated = Update(kChineseAdmin, pid, equal);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->quota, 2);
  EXPECT_EQ(StoredProgramme(pid).quota, 2);
  EXPECT_EQ(StoredProgramme(pid).approved_count, 2);
}

// ---- sides ----

TEST_F(ExchangeLogicTest, SidesToChina) {
  // To China: the partner sends, the Chinese college receives.
  const int64_t pid = OpenProgramme();
  auto wrong = Nominate(kChineseAdmin, pid, TraineeNominee(1));
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kPermissionDenied) << wrong.status();
  auto m = Nominate(kPartnerAdmin, pid, TraineeNominee(1));
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->sending_institution_id, kTajikTechnical);
  EXPECT_EQ(m->receiving_institution_id, kTianjinCollege);
  const int64_t id = m->meta.id;

  EXPECT_EQ(Decide(kPartnerAdmin, id, MobilityState::kApproved).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Decide(kPartnerAdmin, id, MobilityState::kRejected, "no").status().code(),
            absl::StatusCode::kPermissionDenied);
  ASSERT_TRUE(Decide(kChineseAdmin, id, MobilityState::kRejected, "incomplete file").ok());
  EXPECT_EQ(Decide(kPartnerAdmin, id, MobilityState::kNominated, "fixed").status().code(),
            absl::StatusCode::kPermissionDenied);
  ASSERT_TRUE(Decide(kChineseAdmin, id, MobilityState::kNominated, "file completed").ok());
  ASSERT_TRUE(Decide(kChineseAdmin, id, MobilityState::kApproved).ok());
  EXPECT_EQ(Decide(kChineseAdmin, id, MobilityState::kDeparted).status().code(),
            absl::StatusCode::kPermissionDenied);
  ASSERT_TRUE(Decide(kPartnerAdmin, id, MobilityState::kDeparted).ok());
  EXPECT_EQ(Decide(kChineseAdmin, id, MobilityState::kReturned).status().code(),
            absl::StatusCode::kPermissionDenied);
  ASSERT_TRUE(Decide(kPartnerAdmin, id, MobilityState::kReturned).ok());
  EXPECT_EQ(StoredMobility(id).state, MobilityState::kReturned);
}

TEST_F(ExchangeLogicTest, SidesToPartnerCountry) {
  // To the partner country: the Chinese college sends, the partner receives.
  const int64_t pid =
      OpenProgramme(Draft(ProgrammeKind::kTraineeStudyVisit, Direction::kToPartnerCountry));
  auto wrong = Nominate(kPartnerAdmin, pid, TraineeNominee(1));
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kPermissionDenied) << wrong.status();
  auto m = Nominate(kChineseAdmin, pid, TraineeNominee(1));
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->sending_institution_id, kTianjinCollege);
  EXPECT_EQ(m->receiving_institution_id, kTajikTechnical);
  const int64_t id = m->meta.id;

  EXPECT_EQ(Decide(kChineseAdmin, id, MobilityState::kApproved).status().code(),
            absl::StatusCode::kPermissionDenied);
  ASSERT_TRUE(Decide(kPartnerAdmin, id, MobilityState::kApproved).ok());
  EXPECT_EQ(Decide(kPartnerAdmin, id, MobilityState::kDeparted).status().code(),
            absl::StatusCode::kPermissionDenied);
  ASSERT_TRUE(Decide(kChineseAdmin, id, MobilityState::kDeparted).ok());
  EXPECT_EQ(Decide(kPartnerAdmin, id, MobilityState::kReturned).status().code(),
            absl::StatusCode::kPermissionDenied);
  ASSERT_TRUE(Decide(kChineseAdmin, id, MobilityState::kReturned).ok());
}

TEST_F(ExchangeLogicTest, EitherSideCancels) {
  const int64_t pid =
      OpenProgramme(Draft(ProgrammeKind::kTraineeStudyVisit, Direction::kToChina, 5));
  const int64_t a = MustNominate(pid, TraineeNominee(1));
  const int64_t b = MustNominate(pid, TraineeNominee(2));
  EXPECT_TRUE(Decide(kPartnerAdmin, a, MobilityState::kCancelled, "withdrawn").ok());
  EXPECT_TRUE(Decide(kChineseAdmin, b, MobilityState::kCancelled, "no housing").ok());
}

TEST_F(ExchangeLogicTest, OtherCollegesSeeNothing) {
  const int64_t pid = OpenProgramme();
  const int64_t id = MustNominate(pid, TraineeNominee(1));
  EXPECT_EQ(GetProgramme(kStranger, pid).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(GetMobility(kStranger, id).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Nominate(kStranger, pid, TraineeNominee(2)).status().code(),
            absl::StatusCode::kNotFound);
  for (MobilityState target : kAllMobilityStates) {
    SCOPED_TRACE(MobilityStateName(target));
    EXPECT_EQ(Decide(kStranger, id, target, "why").status().code(), absl::StatusCode::kNotFound);
  }
  ProgrammePatch patch;
  patch.quota = 5;
  EXPECT_EQ(Update(kStranger, pid, patch).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ChangeStatus(kStranger, pid, ProgrammeStatus::kClosed).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(StoredMobility(id).state, MobilityState::kNominated);
  EXPECT_EQ(StoredProgramme(pid).status, ProgrammeStatus::kOpen);
  EXPECT_EQ(StoredProgramme(pid).quota, 2);
}

// ---- mobility transitions ----

bool MobilityStepAllowed(MobilityState from, MobilityState to) {
  switch (to) {
    case MobilityState::kApproved:
    case MobilityState::kRejected:
      return from == MobilityState::kNominated;
    case MobilityState::kNominated:
      return from == MobilityState::kRejected;
    case MobilityState::kDeparted:
      return from == MobilityState::kApproved;
    case MobilityState::kReturned:
      return from == MobilityState::kDeparted;
    case MobilityState::kCancelled:
      return from == MobilityState::kNominated || from == MobilityState::kApproved ||
             from == MobilityState::kDeparted;
  }
  return false;
}

TEST_F(ExchangeLogicTest, MobilityTransitions) {
  const int64_t pid =
      OpenProgramme(Draft(ProgrammeKind::kTeacherTraining, Direction::kToChina, 100));
  for (MobilityState from : kAllMobilityStates) {
    for (MobilityState to : kAllMobilityStates) {
      SCOPED_TRACE(absl::StrCat(MobilityStateName(from), " -> ", MobilityStateName(to)));
      const int64_t id = MustNominate(pid, TeacherNominee());
      store_.data().mobilities.at(id).state = from;
      const int before = StoredProgramme(pid).approved_count;
      auto decided = Decide(kAdmin, id, to, "a reason", /*version=*/1);
      if (MobilityStepAllowed(from, to)) {
        ASSERT_TRUE(decided.ok()) << decided.status();
        EXPECT_EQ(decided->state, to);
        EXPECT_EQ(decided->meta.version, 2);
        EXPECT_EQ(StoredMobility(id).state, to);
        int expected = before;
        if (to == MobilityState::kApproved) ++expected;
        if (to == MobilityState::kCancelled && HoldsQuota(from)) --expected;
        EXPECT_EQ(StoredProgramme(pid).approved_count, std::max(expected, 0));
      } else {
        EXPECT_EQ(decided.status().code(), absl::StatusCode::kFailedPrecondition)
            << decided.status();
        EXPECT_EQ(StoredMobility(id).state, from);
        EXPECT_EQ(StoredMobility(id).meta.version, 1);
        EXPECT_EQ(StoredProgramme(pid).approved_count, before);
      }
    }
  }
}

TEST_F(ExchangeLogicTest, ReasonsRequiredToRejectReopenAndCancel) {
  const int64_t pid = OpenProgramme();
  const int64_t id = MustNominate(pid, TraineeNominee(1));
  auto reject = Decide(kChineseAdmin, id, MobilityState::kRejected, "");
  EXPECT_EQ(reject.status().code(), absl::StatusCode::kInvalidArgument) << reject.status();
  EXPECT_TRUE(absl::StrContains(reject.status().message(), "reason")) << reject.status();
  EXPECT_EQ(Decide(kChineseAdmin, id, MobilityState::kCancelled, "").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(StoredMobility(id).state, MobilityState::kNominated);

  ASSERT_TRUE(Decide(kChineseAdmin, id, MobilityState::kRejected, "no diploma").ok());
  EXPECT_EQ(Decide(kChineseAdmin, id, MobilityState::kNominated, "").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(StoredMobility(id).state, MobilityState::kRejected);

  // Approving, departing and returning need none.
  ASSERT_TRUE(Decide(kChineseAdmin, id, MobilityState::kNominated, "diploma sent").ok());
  EXPECT_TRUE(Decide(kChineseAdmin, id, MobilityState::kApproved, "").ok());
  EXPECT_TRUE(Decide(kPartnerAdmin, id, MobilityState::kDeparted, "").ok());
  EXPECT_TRUE(Decide(kPartnerAdmin, id, MobilityState::kReturned, "").ok());
}

// ---- nominations ----

TEST_F(ExchangeLogicTest, NominationsOnlyWhileOpen) {
  for (ProgrammeStatus status : kAllProgrammeStatuses) {
    if (status == ProgrammeStatus::kOpen) continue;
    SCOPED_TRACE(ProgrammeStatusName(status));
    const int64_t pid = OpenProgramme();
    store_.data().programmes.at(pid).status = status;
    auto refused = Nominate(kPartnerAdmin, pid, TraineeNominee(1));
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition) << refused.status();
  }
  EXPECT_TRUE(store_.data().mobilities.empty());
}

TEST_F(ExchangeLogicTest, ParticipantKindFollowsTheProgrammeKind) {
  const int64_t visit = OpenProgramme(Draft(ProgrammeKind::kTraineeStudyVisit));
  const int64_t competition = OpenProgramme(Draft(ProgrammeKind::kSkillsCompetition));
  const int64_t training = OpenProgramme(Draft(ProgrammeKind::kTeacherTraining));
  const int64_t technical = OpenProgramme(Draft(ProgrammeKind::kTechnicalExchange));
  for (int64_t pid : {visit, competition}) {
    EXPECT_EQ(Nominate(kPartnerAdmin, pid, TeacherNominee()).status().code(),
              absl::StatusCode::kInvalidArgument);
    auto m = Nominate(kPartnerAdmin, pid, TraineeNominee(1));
    ASSERT_TRUE(m.ok()) << m.status();
    EXPECT_EQ(m->trainee_id, 1);
    EXPECT_FALSE(m->teacher.has_value());
  }
  for (int64_t pid : {training, technical}) {
    EXPECT_EQ(Nominate(kPartnerAdmin, pid, TraineeNominee(1)).status().code(),
              absl::StatusCode::kInvalidArgument);
    auto m = Nominate(kPartnerAdmin, pid, TeacherNominee());
    ASSERT_TRUE(m.ok()) << m.status();
    EXPECT_FALSE(m->trainee_id.has_value());
    ASSERT_TRUE(m->teacher.has_value());
    EXPECT_EQ(m->teacher->full_name_latin, "Wang Fang");
  }
  Nominee nameless = TeacherNominee();
  nameless.teacher->full_name_latin = "";
  EXPECT_EQ(Nominate(kPartnerAdmin, training, nameless).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(ExchangeLogicTest, IneligibleTraineeIsRefusedWithTheReason) {
  const int64_t pid = OpenProgramme();
  Nominee nominee = TraineeNominee(1);
  nominee.standing.eligible = false;
  nominee.standing.reason = "has not completed the required course";
  auto refused = Nominate(kPartnerAdmin, pid, nominee);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(
      absl::StrContains(refused.status().message(), "has not completed the required course"))
      << refused.status();
  EXPECT_TRUE(store_.data().mobilities.empty());
}

TEST_F(ExchangeLogicTest, TraineeMustBeOfTheSendingInstitution) {
  const int64_t pid = OpenProgramme();  // the partner sends
  Nominee nominee = TraineeNominee(1);
  nominee.home = {2, kOtherChinese, kKazakhPartner};
  auto refused = Nominate(kAdmin, pid, nominee);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition) << refused.status();
  EXPECT_TRUE(absl::StrContains(refused.status().message(), "sending")) << refused.status();
  // To the sending college's admin another college's trainee is as unknown as a missing one,
  // eligible or not: the answer says nothing of it.
  for (bool eligible : {true, false}) {
    nominee.standing.eligible = eligible;
    auto hidden = Nominate(kPartnerAdmin, pid, nominee);
    EXPECT_EQ(hidden.status().code(), absl::StatusCode::kNotFound) << hidden.status();
    EXPECT_EQ(hidden.status().message(), "trainee: trainees/1: not found") << hidden.status();
  }
  nominee.standing.eligible = true;
  EXPECT_TRUE(store_.data().mobilities.empty());

  // A workshop the sending partner co-founded with another Chinese college will do.
  nominee.home = {3, kOtherChinese, kTajikTechnical};
  EXPECT_TRUE(Nominate(kPartnerAdmin, pid, nominee).ok());
}

TEST_F(ExchangeLogicTest, DuplicateOpenNominationIsRefused) {
  const int64_t pid = OpenProgramme();
  const int64_t first = MustNominate(pid, TraineeNominee(1));
  auto again = Nominate(kPartnerAdmin, pid, TraineeNominee(1));
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists) << again.status();
  EXPECT_EQ(again.status().message(),
            absl::StrCat("trainees/1 is already nominated in programmes/", pid));
  // Also while approved.
  MustDecide(first, MobilityState::kApproved);
  EXPECT_EQ(Nominate(kPartnerAdmin, pid, TraineeNominee(1)).status().code(),
            absl::StatusCode::kAlreadyExists);
  // Another programme is another matter.
  const int64_t other = OpenProgramme();
  EXPECT_TRUE(Nominate(kPartnerAdmin, other, TraineeNominee(1)).ok());
}

TEST_F(ExchangeLogicTest, RejectedTraineeCanBeNominatedAgain) {
  const int64_t pid = OpenProgramme();
  const int64_t first = MustNominate(pid, TraineeNominee(1));
  ASSERT_TRUE(Decide(kChineseAdmin, first, MobilityState::kRejected, "no diploma").ok());
  // A rejected mobility cannot be cancelled: rejection already ends it.
  auto cancel = Decide(kPartnerAdmin, first, MobilityState::kCancelled, "withdrawn");
  EXPECT_EQ(cancel.status().code(), absl::StatusCode::kFailedPrecondition) << cancel.status();
  // A rejected mobility is not open, so the trainee may be nominated anew.
  auto second = Nominate(kPartnerAdmin, pid, TraineeNominee(1), "diploma obtained");
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_NE(second->meta.id, first);
  // And then the old one cannot be reopened beside it.
  auto reopen = Decide(kChineseAdmin, first, MobilityState::kNominated, "reconsidered");
  EXPECT_EQ(reopen.status().code(), absl::StatusCode::kAlreadyExists) << reopen.status();
  EXPECT_EQ(StoredMobility(first).state, MobilityState::kRejected);

  // Once cancelled, a nominated trainee may be nominated again too.
  ASSERT_TRUE(Decide(kPartnerAdmin, second->meta.id, MobilityState::kCancelled, "ill").ok());
  EXPECT_TRUE(Nominate(kPartnerAdmin, pid, TraineeNominee(1), "recovered").ok());
}

// ---- decisions and etags ----

TEST_F(ExchangeLogicTest, DecisionsRecordActorAndReasonInOrder) {
  const int64_t pid = OpenProgramme();
  auto m = Nominate(kPartnerAdmin, pid, TraineeNominee(1), "best of the year");
  ASSERT_TRUE(m.ok()) << m.status();
  const int64_t id = m->meta.id;
  ASSERT_TRUE(Decide(kChineseAdmin, id, MobilityState::kRejected, "no diploma").ok());
  ASSERT_TRUE(Decide(kChineseAdmin, id, MobilityState::kNominated, "diploma sent").ok());
  ASSERT_TRUE(Decide(kAdmin, id, MobilityState::kApproved, "").ok());
  ASSERT_TRUE(Decide(kPartnerAdmin, id, MobilityState::kDeparted, "flight CZ6030").ok());
  auto back = Decide(kPartnerAdmin, id, MobilityState::kReturned, "");
  ASSERT_TRUE(back.ok()) << back.status();

  struct Expected {
    MobilityState state;
    std::string actor;
    std::string reason;
  };
  const std::vector<Expected> expected = {
      {MobilityState::kNominated, kPartnerAdmin.name, "best of the year"},
      {MobilityState::kRejected, kChineseAdmin.name, "no diploma"},
      {MobilityState::kNominated, kChineseAdmin.name, "diploma sent"},
      {MobilityState::kApproved, kAdmin.name, ""},
      {MobilityState::kDeparted, kPartnerAdmin.name, "flight CZ6030"},
      {MobilityState::kReturned, kPartnerAdmin.name, ""},
  };
  const std::vector<const std::vector<Decision>*> recorded = {&back->decisions,
                                                              &StoredMobility(id).decisions};
  for (const std::vector<Decision>* decisions : recorded) {
    ASSERT_EQ(decisions->size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
      SCOPED_TRACE(i);
      EXPECT_EQ((*decisions)[i].state, expected[i].state);
      EXPECT_EQ((*decisions)[i].actor, expected[i].actor);
      EXPECT_EQ((*decisions)[i].reason, expected[i].reason);
      if (i > 0) {
        EXPECT_LE((*decisions)[i - 1].time, (*decisions)[i].time);
      }
    }
  }
  EXPECT_EQ(back->meta.version, 6);
}

TEST_F(ExchangeLogicTest, StaleEtagsAreAborted) {
  const int64_t pid = OpenProgramme();                      // version 2
  const int64_t id = MustNominate(pid, TraineeNominee(1));  // version 1

  auto decided = Decide(kChineseAdmin, id, MobilityState::kApproved, "", /*version=*/7);
  EXPECT_EQ(decided.status().code(), absl::StatusCode::kAborted) << decided.status();
  EXPECT_EQ(StoredMobility(id).state, MobilityState::kNominated);
  EXPECT_EQ(StoredProgramme(pid).approved_count, 0);
  EXPECT_TRUE(Decide(kChineseAdmin, id, MobilityState::kApproved, "", /*version=*/1).ok());

  ProgrammePatch patch;
  patch.quota = 10;
  EXPECT_EQ(Update(kChineseAdmin, pid, patch, /*version=*/1).status().code(),
            absl::StatusCode::kAborted);
  EXPECT_EQ(StoredProgramme(pid).quota, 2);
  EXPECT_EQ(
      ChangeStatus(kChineseAdmin, pid, ProgrammeStatus::kClosed, /*version=*/1).status().code(),
      absl::StatusCode::kAborted);
  EXPECT_EQ(StoredProgramme(pid).status, ProgrammeStatus::kOpen);

  auto updated = Update(kChineseAdmin, pid, patch, /*version=*/2);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->meta.version, 3);
  EXPECT_TRUE(ChangeStatus(kChineseAdmin, pid, ProgrammeStatus::kClosed, /*version=*/3).ok());
}

}  // namespace
}  // namespace luban::exchange
