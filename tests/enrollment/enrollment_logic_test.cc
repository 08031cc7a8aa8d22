// Unit tests of the enrollment domain rules over the in-memory store: no gRPC, no SQL. What the
// course service knows (runs, workshops, names) is passed in, as the handlers do.
#include "services/enrollment/domain/enrollment_logic.h"

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
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
#include "tests/enrollment/fake_enrollment_store.h"

namespace luban::enrollment {
namespace {

using testing::FakeEnrollmentStore;

const absl::CivilDay kToday(2025, 6, 16);

// Two workshops: Tajik Technical University's, co-founded by a Tianjin college, and one in
// Kazakhstan of two other institutions.
constexpr int64_t kTianjinCollege = 11;
constexpr int64_t kTajikTechnical = 21;
constexpr int64_t kOtherChinese = 12;
constexpr int64_t kKazakhPartner = 31;
const WorkshopFounders kHome{1, kTianjinCollege, kTajikTechnical};
const WorkshopFounders kAway{2, kOtherChinese, kKazakhPartner};

constexpr int64_t kRun = 501;
constexpr int64_t kCourse = 7;

const Principal kAdmin{"admin", Role::kNetworkAdmin, 0};
const Principal kReporter{"reporter", Role::kReporter, 0};
const Principal kService{"svc-exchange", Role::kService, 0};
const Principal kPartnerAdmin{"ttu-admin", Role::kCollegeAdmin, kTajikTechnical};
const Principal kChineseAdmin{"tjcj-admin", Role::kCollegeAdmin, kTianjinCollege};
const Principal kStranger{"kz-admin", Role::kCollegeAdmin, kKazakhPartner};

bool HoldsSeat(EnrollmentState state) {
  return state == EnrollmentState::kEnrolled || state == EnrollmentState::kCompleted ||
         state == EnrollmentState::kFailed;
}

class EnrollmentLogicTest : public ::testing::Test {
 protected:
  EnrollmentLogicTest() : logic_(Config()) {}

  EnrollmentConfig Config() {
    EnrollmentConfig config;
    config.clock = Clock::Stepping(absl::FromCivil(kToday, absl::UTCTimeZone()));
    config.certificate_number = [this] {
      ++draws_;
      if (!numbers_.empty()) {
        std::string number = std::move(numbers_.front());
        numbers_.pop_front();
        return number;
      }
      return absl::StrCat("LW-TEST-", draws_);
    };
    return config;
  }

  // Runs `body` in a transaction of the fake store and returns what it returned.
  template <typename F>
  auto InTx(F body) -> decltype(body(std::declval<EnrollmentTx&>())) {
    decltype(body(std::declval<EnrollmentTx&>())) result = absl::UnknownError("not run");
    const absl::Status status =
        store_.InTransaction("test", absl::InfiniteFuture(), [&](EnrollmentTx& tx) -> absl::Status {
          result = body(tx);
          return result.status();
        });
    if (!status.ok()) return status;
    return result;
  }

  static Trainee MakeTrainee(const std::string& number, const WorkshopFounders& home = kHome) {
    Trainee t;
    t.family_name = "Саидов";
    t.given_name = "Рустам";
    t.family_name_latin = "Saidov";
    t.given_name_latin = "Rustam";
    t.sex = Sex::kMale;
    t.birth_date = absl::CivilDay(1998, 4, 12);
    t.citizenship = "TJ";
    t.document = {"TJ", DocumentType::kPassport, number};
    t.contacts = {"rustam@example.tj", "+992 93 123 4567", "Душанбе, хиёбони Рӯдакӣ 10"};
    t.home = home;
    return t;
  }

  absl::StatusOr<Trainee> CreateTrainee(const Principal& who, const Trainee& draft) {
    return InTx([&](EnrollmentTx& tx) { return logic_.CreateTrainee(tx, who, draft); });
  }

  int64_t AddTrainee(const WorkshopFounders& home = kHome) {
    auto created =
        CreateTrainee(kAdmin, MakeTrainee(absl::StrCat("A", 1000000 + ++trainees_), home));
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? created->meta.id : 0;
  }

  absl::Status Archive(const Principal& who, int64_t id,
                       std::optional<int64_t> version = std::nullopt) {
    return InTx([&](EnrollmentTx& tx) { return logic_.ArchiveTrainee(tx, who, id, version); })
        .status();
  }

  static RunInfo MakeRun(int capacity, RunStatus status = RunStatus::kOpen, int64_t id = kRun,
                         const WorkshopFounders& owners = kHome) {
    RunInfo run;
    run.id = id;
    run.course_id = kCourse;
    run.workshop_id = owners.workshop_id;
    run.status = status;
    run.capacity = capacity;
    run.pass_score = 60;
    run.min_attendance_percent = 80;
    run.country = "TJ";
    return run;
  }

  absl::Status MirrorRun(const Principal& who, const RunInfo& run,
                         const WorkshopFounders& owners = kHome) {
    return store_.InTransaction("test", absl::InfiniteFuture(), [&](EnrollmentTx& tx) {
      return logic_.MirrorRun(tx, who, run, owners);
    });
  }

  absl::StatusOr<SeatChange> Enroll(const Principal& who, int64_t trainee, const RunInfo& run,
                                    const WorkshopFounders& owners = kHome) {
    return InTx([&](EnrollmentTx& tx) -> absl::StatusOr<SeatChange> {
      if (auto s = logic_.MirrorRun(tx, who, run, owners); !s.ok()) return s;
      return logic_.Enroll(tx, who, trainee, run, owners);
    });
  }

  absl::StatusOr<std::optional<SeatChange>> EnrollOnMirror(const Principal& who, int64_t trainee,
                                                           int64_t run_id = kRun) {
    return InTx([&](EnrollmentTx& tx) { return logic_.EnrollOnMirror(tx, who, trainee, run_id); });
  }

  // Enrolls as the network admin and returns the enrollment's id.
  int64_t EnrollId(int64_t trainee, const RunInfo& run, const WorkshopFounders& owners = kHome) {
    auto enrolled = Enroll(kAdmin, trainee, run, owners);
    EXPECT_TRUE(enrolled.ok()) << enrolled.status();
    return enrolled.ok() ? enrolled->enrollment.meta.id : 0;
  }

  absl::StatusOr<SeatChange> Withdraw(const Principal& who, int64_t id,
                                      std::optional<int64_t> version = std::nullopt) {
    return InTx(
        [&](EnrollmentTx& tx) { return logic_.Withdraw(tx, who, id, version, "moved away"); });
  }

  absl::StatusOr<CompletionResult> Complete(const Principal& who, int64_t id, int score,
                                            int attendance, const RunInfo& run) {
    return InTx([&](EnrollmentTx& tx) {
      return logic_.Complete(tx, who, id, std::nullopt, score, attendance, run, Facts());
    });
  }

  absl::StatusOr<std::vector<Enrollment>> ApplyEvent(int64_t sequence, const RunInfo& run) {
    return InTx([&](EnrollmentTx& tx) { return logic_.ApplyRunEvent(tx, sequence, run); });
  }

  absl::StatusOr<Enrollment> GetEnrollment(const Principal& who, int64_t id) {
    return InTx([&](EnrollmentTx& tx) { return logic_.GetEnrollment(tx, who, id); });
  }

  // A passed completion of a fresh trainee in its own run; returns the certificate.
  Certificate AddCertificate(int64_t trainee, int64_t run_id) {
    const int64_t id = EnrollId(trainee, MakeRun(5, RunStatus::kOpen, run_id));
    auto done = Complete(kAdmin, id, 90, 95, MakeRun(5, RunStatus::kInProgress, run_id));
    EXPECT_TRUE(done.ok()) << done.status();
    EXPECT_TRUE(done.ok() && done->certificate.has_value());
    return done.ok() && done->certificate ? *done->certificate : Certificate{};
  }

  static CertificateFacts Facts() {
    CertificateFacts facts;
    facts.course.id = kCourse;
    facts.course.code = "URT-101";
    facts.course.titles = {{"zh", "城市轨道交通运营"}, {"ru", "Эксплуатация метрополитена"}};
    facts.course.discipline = "urban rail";
    facts.workshop.owners = kHome;
    facts.workshop.country = "TJ";
    facts.workshop.names = {{"tg", "Устохонаи Лу Бан"}, {"zh", "鲁班工坊"}};
    facts.chinese_institution.id = kTianjinCollege;
    facts.chinese_institution.names = {{"zh", "天津城市建设管理职业技术学院"}};
    facts.partner_institution.id = kTajikTechnical;
    facts.partner_institution.names = {{"tg", "Донишгоҳи техникии Тоҷикистон"},
                                       {"en", "Tajik Technical University"}};
    return facts;
  }

  EnrollmentState StateOf(int64_t enrollment) {
    return store_.data().enrollments.at(enrollment).state;
  }

  int PositionOf(int64_t enrollment) {
    auto got = GetEnrollment(kAdmin, enrollment);
    EXPECT_TRUE(got.ok()) << got.status();
    return got.ok() ? got->waitlist_position : -1;
  }

  std::optional<int64_t> Cursor() {
    auto it = store_.data().feed_cursors.find(EnrollmentLogic::kCourseFeed);
    if (it == store_.data().feed_cursors.end()) return std::nullopt;
    return it->second;
  }

  // The seat rule as stored: the run's count equals the enrollments holding a seat, never passes
  // the capacity, and nobody waits while a seat is free (unless the run is cancelled).
  ::testing::AssertionResult SeatsConsistent(int64_t run_id = kRun) {
    auto it = store_.data().run_seats.find(run_id);
    if (it == store_.data().run_seats.end()) {
      return ::testing::AssertionFailure() << "no seats row for run " << run_id;
    }
    const RunSeats& seats = it->second;
    int taken = 0;
    int waiting = 0;
    for (const auto& [id, e] : store_.data().enrollments) {
      if (e.run_id != run_id) continue;
      if (HoldsSeat(e.state)) ++taken;
      if (e.state == EnrollmentState::kWaitlisted) ++waiting;
    }
    if (seats.enrolled != taken) {
      return ::testing::AssertionFailure() << "seats.enrolled is " << seats.enrolled << " but "
                                           << taken << " enrollments hold a seat";
    }
    if (taken > seats.capacity) {
      return ::testing::AssertionFailure()
             << taken << " seats taken over a capacity of " << seats.capacity;
    }
    if (waiting > 0 && taken < seats.capacity && seats.status != RunStatus::kCancelled) {
      return ::testing::AssertionFailure()
             << waiting << " waiting while " << seats.capacity - taken << " seats are free";
    }
    return ::testing::AssertionSuccess();
  }

  FakeEnrollmentStore store_;
  std::deque<std::string> numbers_;  // what the number generator hands out first
  int draws_ = 0;
  int trainees_ = 0;
  EnrollmentLogic logic_;
};

// ---------------------------------------------------------------------------------------------
// Trainees

TEST_F(EnrollmentLogicTest, NamesAreRequiredInBothScripts) {
  EXPECT_TRUE(logic_.CheckTrainee(MakeTrainee("A1")).ok());
  Trainee tajik = MakeTrainee("A1");
  tajik.family_name = "Ҷӯраев";
  tajik.given_name = "Ҳусейнҷон";
  EXPECT_TRUE(logic_.CheckTrainee(tajik).ok()) << "any script in the native names";
  struct Case {
    const char* field;
    std::string Trainee::*member;
  };
  for (const Case& c : std::vector<Case>{{"family_name", &Trainee::family_name},
                                         {"given_name", &Trainee::given_name},
                                         {"family_name_latin", &Trainee::family_name_latin},
                                         {"given_name_latin", &Trainee::given_name_latin}}) {
    Trainee draft = MakeTrainee("A1");
    draft.*c.member = "";
    const absl::Status status = CreateTrainee(kAdmin, draft).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.field;
    EXPECT_TRUE(absl::StrContains(status.message(), c.field)) << status;
  }
  EXPECT_TRUE(store_.data().trainees.empty()) << "a refusal writes nothing";
}

TEST_F(EnrollmentLogicTest, LatinNamesMustBeLatin) {
  for (const char* good : {"Saidov", "O'Neil-Smith", "St. John", "Zhurayev"}) {
    Trainee draft = MakeTrainee("A1");
    draft.family_name_latin = good;
    EXPECT_TRUE(logic_.CheckTrainee(draft).ok()) << good;
  }
  for (const char* bad : {"Саидов", "Saidov2", "Sa_idov", "Ҷuraev", "Müller", "李"}) {
    Trainee draft = MakeTrainee("A1");
    draft.given_name_latin = bad;
    const absl::Status status = logic_.CheckTrainee(draft);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_TRUE(absl::StrContains(status.message(), "given_name_latin")) << status;
  }
}

TEST_F(EnrollmentLogicTest, BirthDateLiesBetween1900AndToday) {
  struct Case {
    absl::CivilDay day;
    bool ok;
  };
  for (const Case& c : std::vector<Case>{{absl::CivilDay(1899, 12, 31), false},
                                         {absl::CivilDay(1900, 1, 1), true},
                                         {kToday, true},
                                         {kToday + 1, false},
                                         {absl::CivilDay(2090, 1, 1), false}}) {
    Trainee draft = MakeTrainee("A1");
    draft.birth_date = c.day;
    const absl::Status status = logic_.CheckTrainee(draft);
    EXPECT_EQ(status.ok(), c.ok) << c.day << ": " << status;
    if (!c.ok) {
      EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
      EXPECT_TRUE(absl::StrContains(status.message(), "birth_date")) << status;
    }
  }
  // "Today" is the configured day, not the clock's.
  EnrollmentConfig later;
  later.clock = Clock::Stepping(absl::FromCivil(absl::CivilDay(2030, 1, 1), absl::UTCTimeZone()));
  Trainee young = MakeTrainee("A1");
  young.birth_date = absl::CivilDay(2029, 5, 5);
  EXPECT_TRUE(EnrollmentLogic(later).CheckTrainee(young).ok());
  EXPECT_FALSE(logic_.CheckTrainee(young).ok());
}

TEST_F(EnrollmentLogicTest, CountryCodesAreIsoAlpha2) {
  for (const char* bad : {"tj", "TJK", "", "T1", "Т", "JJ", "QQ", "ZZ", "XX"}) {
    Trainee citizen = MakeTrainee("A1");
    citizen.citizenship = bad;
    EXPECT_EQ(logic_.CheckTrainee(citizen).code(), absl::StatusCode::kInvalidArgument) << bad;
    Trainee document = MakeTrainee("A1");
    document.document.country = bad;
    const absl::Status status = logic_.CheckTrainee(document);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_TRUE(absl::StrContains(status.message(), "identity_document.country_code")) << status;
  }
  Trainee kazakh = MakeTrainee("A1");
  kazakh.citizenship = "KZ";
  kazakh.document.country = "CN";
  EXPECT_TRUE(logic_.CheckTrainee(kazakh).ok());
}

TEST_F(EnrollmentLogicTest, DocumentNumbersAreLettersDigitsSpacesAndDashes) {
  for (const char* good : {"A1234567", "a 1234-567", "4003 123456", "X"}) {
    EXPECT_TRUE(logic_.CheckTrainee(MakeTrainee(good)).ok()) << good;
  }
  for (const char* bad : {"", "AB/1234", "№1234", "AB_12", "AB.12", " - -", "A\t1"}) {
    const absl::Status status = logic_.CheckTrainee(MakeTrainee(bad));
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << "'" << bad << "'";
    EXPECT_TRUE(absl::StrContains(status.message(), "identity_document.number")) << status;
  }
  EXPECT_EQ(logic_.CheckTrainee(MakeTrainee(std::string(65, '1'))).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(EnrollmentLogicTest, DocumentKeyIgnoresCaseSpacesAndDashes) {
  EXPECT_EQ(DocumentKey("a 1234-567"), "A1234567");
  EXPECT_EQ(DocumentKey("A1234567"), DocumentKey("a 1234-567"));
  EXPECT_EQ(DocumentKey("- -"), "");
  ASSERT_TRUE(CreateTrainee(kAdmin, MakeTrainee("a 1234-567")).ok());
  const absl::Status again = CreateTrainee(kAdmin, MakeTrainee("A1234567")).status();
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists) << again;
  EXPECT_EQ(CreateTrainee(kAdmin, MakeTrainee("A-123 4567")).status().code(),
            absl::StatusCode::kAlreadyExists);
  // The same number issued by another country is another document.
  Trainee kazakh = MakeTrainee("A1234567");
  kazakh.document.country = "KZ";
  EXPECT_TRUE(CreateTrainee(kAdmin, kazakh).ok());
  EXPECT_EQ(store_.data().trainees.size(), 2u);
}

TEST_F(EnrollmentLogicTest, ContactsHaveTheirFormats) {
  struct Case {
    const char* email;
    const char* phone;
    bool ok;
  };
  for (const Case& c : std::vector<Case>{
           {"", "", true},
           {"rustam@example.tj", "+992 93 123 4567", true},
           {"a@b", "+7 (701) 123-45-67", true},
           {"", "+123456", true},
           {"rustam", "", false},
           {"@example.tj", "", false},
           {"rustam@", "", false},
           {"rus tam@example.tj", "", false},
           {"a@", "", false},
           {"", "992931234567", false},      // no '+'
           {"", "+992 93 12x 4567", false},  // a letter
           {"", "+12345", false},            // too few digits
           {"", "+", false},
           {"", "+9 9 2 9 3 1 2 3 4 5 6 7 8 9 0 1 2", false},  // longer than 32
       }) {
    Trainee draft = MakeTrainee("A1");
    draft.contacts.email = c.email;
    draft.contacts.phone = c.phone;
    const absl::Status status = logic_.CheckTrainee(draft);
    EXPECT_EQ(status.ok(), c.ok) << "'" << c.email << "' '" << c.phone << "': " << status;
    if (!c.ok) {
      EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
      EXPECT_TRUE(absl::StrContains(status.message(), "contacts.")) << status;
    }
  }
  Trainee multiline = MakeTrainee("A1");
  multiline.contacts.address = "Хуҷанд\nкӯчаи Ленин 5";
  EXPECT_TRUE(logic_.CheckTrainee(multiline).ok());
}

TEST_F(EnrollmentLogicTest, DuplicateDocumentNamesTheTraineeOnlyToWhoMaySeeIt) {
  auto first = CreateTrainee(kPartnerAdmin, MakeTrainee("A1234567"));
  ASSERT_TRUE(first.ok()) << first.status();
  const std::string name = absl::StrCat("trainees/", first->meta.id);
  for (const Principal& who : {kAdmin, kPartnerAdmin, kChineseAdmin}) {
    const absl::Status status = CreateTrainee(who, MakeTrainee("a 1234-567")).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists) << who.name;
    EXPECT_TRUE(absl::StrContains(status.message(), name)) << who.name << ": " << status;
  }
  // Another college registering the same person at its own workshop learns only that the
  // document is taken.
  const absl::Status hidden = CreateTrainee(kStranger, MakeTrainee("A1234567", kAway)).status();
  EXPECT_EQ(hidden.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_FALSE(absl::StrContains(hidden.message(), "trainees/")) << hidden;
  EXPECT_FALSE(absl::StrContains(hidden.message(), "Saidov")) << hidden;
  EXPECT_EQ(store_.data().trainees.size(), 1u);
}

TEST_F(EnrollmentLogicTest, CollegeAdminsRegisterOnlyAtTheirWorkshops) {
  for (const Principal& who : {kStranger, kReporter, kService}) {
    const absl::Status status = CreateTrainee(who, MakeTrainee("A1")).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kNotFound) << who.name << ": " << status;
  }
  EXPECT_TRUE(store_.data().trainees.empty());
  for (const Principal& who : {kPartnerAdmin, kChineseAdmin}) {
    auto created = CreateTrainee(who, MakeTrainee(absl::StrCat("B-", who.name)));
    ASSERT_TRUE(created.ok()) << who.name << ": " << created.status();
    EXPECT_GT(created->meta.id, 0);
    EXPECT_EQ(created->meta.version, 1);
    EXPECT_EQ(created->status, TraineeStatus::kActive);
    EXPECT_EQ(store_.data().trainees.at(created->meta.id).family_name, "Саидов");
  }
  // A draft cannot come in archived.
  Trainee archived = MakeTrainee("C1");
  archived.status = TraineeStatus::kArchived;
  auto created = CreateTrainee(kAdmin, archived);
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(store_.data().trainees.at(created->meta.id).status, TraineeStatus::kActive);
}

TEST_F(EnrollmentLogicTest, UpdatesAreCheckedAndConfinedToTheCollege) {
  const int64_t id = AddTrainee();
  auto update = [&](const Principal& who, const TraineePatch& patch) {
    return InTx([&](EnrollmentTx& tx) {
             return logic_.UpdateTrainee(tx, who, id, std::nullopt, patch);
           })
        .status();
  };
  TraineePatch rename;
  rename.given_name = "Рустамҷон";
  EXPECT_EQ(update(kStranger, rename).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(update(kReporter, rename).code(), absl::StatusCode::kPermissionDenied);
  TraineePatch bad_email;
  bad_email.contacts = Contacts{"nobody", "", ""};
  EXPECT_EQ(update(kPartnerAdmin, bad_email).code(), absl::StatusCode::kInvalidArgument);
  TraineePatch move_away;
  move_away.home = kAway;
  EXPECT_EQ(update(kPartnerAdmin, move_away).code(), absl::StatusCode::kNotFound)
      << "a college cannot move a trainee to a workshop it does not run";
  EXPECT_EQ(store_.data().trainees.at(id).given_name, "Рустам");
  EXPECT_EQ(store_.data().trainees.at(id).home.workshop_id, kHome.workshop_id);
  EXPECT_EQ(store_.data().trainees.at(id).meta.version, 1);
  EXPECT_TRUE(update(kPartnerAdmin, rename).ok());
  EXPECT_EQ(store_.data().trainees.at(id).given_name, "Рустамҷон");
  EXPECT_EQ(store_.data().trainees.at(id).meta.version, 2);
}

TEST_F(EnrollmentLogicTest, StaleVersionIsAborted) {
  const int64_t id = AddTrainee();
  TraineePatch patch;
  patch.family_name_latin = "Saidzoda";
  auto update = [&](std::optional<int64_t> version) {
    return InTx(
        [&](EnrollmentTx& tx) { return logic_.UpdateTrainee(tx, kAdmin, id, version, patch); });
  };
  EXPECT_EQ(update(2).status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(store_.data().trainees.at(id).family_name_latin, "Saidov");
  auto updated = update(1);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->meta.version, 2);
  EXPECT_EQ(update(1).status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(Archive(kAdmin, id, 1).code(), absl::StatusCode::kAborted);
  EXPECT_EQ(store_.data().trainees.at(id).status, TraineeStatus::kActive);
  EXPECT_TRUE(Archive(kAdmin, id, 2).ok());
}

TEST_F(EnrollmentLogicTest, ArchiveIsRefusedWhileEnrollmentsAreOpen) {
  const int64_t id = AddTrainee();
  const int64_t other = AddTrainee();
  EnrollId(other, MakeRun(1));
  const int64_t enrolled = EnrollId(id, MakeRun(1, RunStatus::kOpen, kRun + 1));
  const int64_t waitlisted = EnrollId(id, MakeRun(1));
  ASSERT_EQ(StateOf(waitlisted), EnrollmentState::kWaitlisted);
  const absl::Status refused = Archive(kPartnerAdmin, id);
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition) << refused;
  ASSERT_TRUE(Withdraw(kAdmin, enrolled).ok());
  EXPECT_EQ(Archive(kPartnerAdmin, id).code(), absl::StatusCode::kFailedPrecondition)
      << "a waitlisted enrollment is open too";
  EXPECT_EQ(store_.data().trainees.at(id).status, TraineeStatus::kActive);
  ASSERT_TRUE(Withdraw(kAdmin, waitlisted).ok());
  EXPECT_TRUE(Archive(kPartnerAdmin, id).ok());
  EXPECT_EQ(store_.data().trainees.at(id).status, TraineeStatus::kArchived);
  EXPECT_EQ(Archive(kPartnerAdmin, id).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Archive(kStranger, other).code(), absl::StatusCode::kNotFound);
}

TEST_F(EnrollmentLogicTest, ArchivedTraineesNeitherEnrollNorChange) {
  const int64_t id = AddTrainee();
  ASSERT_TRUE(Archive(kAdmin, id).ok());
  const absl::Status enroll = Enroll(kAdmin, id, MakeRun(10)).status();
  EXPECT_EQ(enroll.code(), absl::StatusCode::kFailedPrecondition) << enroll;
  EXPECT_TRUE(store_.data().enrollments.empty());
  TraineePatch patch;
  patch.given_name = "Рустамҷон";
  const absl::Status update = InTx([&](EnrollmentTx& tx) {
                                return logic_.UpdateTrainee(tx, kAdmin, id, 2, patch);
                              }).status();
  EXPECT_EQ(update.code(), absl::StatusCode::kFailedPrecondition) << update;
  EXPECT_EQ(store_.data().trainees.at(id).given_name, "Рустам");
  EXPECT_EQ(store_.data().trainees.at(id).meta.version, 2);
}

// ---------------------------------------------------------------------------------------------
// Seats

TEST_F(EnrollmentLogicTest, CapacityFillsThenTheWaitlistQueues) {
  const RunInfo run = MakeRun(3);
  std::vector<int64_t> ids;
  for (int i = 0; i < 6; ++i) {
    auto enrolled = Enroll(kPartnerAdmin, AddTrainee(), run);
    ASSERT_TRUE(enrolled.ok()) << enrolled.status();
    EXPECT_TRUE(enrolled->promoted.empty());
    if (i < 3) {
      EXPECT_EQ(enrolled->enrollment.state, EnrollmentState::kEnrolled) << i;
      EXPECT_EQ(enrolled->enrollment.waitlist_position, 0);
    } else {
      EXPECT_EQ(enrolled->enrollment.state, EnrollmentState::kWaitlisted) << i;
      EXPECT_EQ(enrolled->enrollment.waitlist_position, i - 2);
    }
    ids.push_back(enrolled->enrollment.meta.id);
    EXPECT_TRUE(SeatsConsistent()) << "after enrollment " << i;
  }
  EXPECT_EQ(store_.data().run_seats.at(kRun).enrolled, 3);
  EXPECT_EQ(store_.data().run_seats.at(kRun).capacity, 3);
  EXPECT_EQ(PositionOf(ids[3]), 1);
  EXPECT_EQ(PositionOf(ids[5]), 3);
  EXPECT_EQ(PositionOf(ids[0]), 0);
}

TEST_F(EnrollmentLogicTest, OnlyOpenRunsTakeEnrollments) {
  const int64_t trainee = AddTrainee();
  for (RunStatus status : {RunStatus::kScheduled, RunStatus::kInProgress, RunStatus::kCompleted,
                           RunStatus::kCancelled}) {
    const absl::Status refused = Enroll(kAdmin, trainee, MakeRun(10, status)).status();
    EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition)
        << static_cast<int>(status) << ": " << refused;
  }
  EXPECT_TRUE(store_.data().enrollments.empty());
  EXPECT_TRUE(store_.data().run_seats.empty());
  EXPECT_TRUE(Enroll(kAdmin, trainee, MakeRun(10)).ok());
}

TEST_F(EnrollmentLogicTest, MirrorRunCreatesTheSeatRowOnceAndOnlyForWhoMayEnroll) {
  const int64_t trainee = AddTrainee();
  // Enroll locks an existing seat row and never creates one: without it, nothing is written.
  const absl::Status unmirrored = InTx([&](EnrollmentTx& tx) {
                                    return logic_.Enroll(tx, kAdmin, trainee, MakeRun(2), kHome);
                                  }).status();
  EXPECT_EQ(unmirrored.code(), absl::StatusCode::kInternal) << unmirrored;
  EXPECT_TRUE(store_.data().enrollments.empty());

  // Refused callers and runs that take no enrollments leave no seat row.
  const absl::Status hidden = MirrorRun(kStranger, MakeRun(2));
  EXPECT_EQ(hidden.code(), absl::StatusCode::kNotFound) << hidden;
  const absl::Status scheduled = MirrorRun(kAdmin, MakeRun(2, RunStatus::kScheduled));
  EXPECT_EQ(scheduled.code(), absl::StatusCode::kFailedPrecondition) << scheduled;
  EXPECT_TRUE(store_.data().run_seats.empty());

  // Mirroring a run that has its row already changes nothing of it (seats taken stay taken).
  EnrollId(trainee, MakeRun(2));
  ASSERT_TRUE(MirrorRun(kAdmin, MakeRun(2)).ok());
  EXPECT_EQ(store_.data().run_seats.at(kRun).enrolled, 1);
  EXPECT_TRUE(SeatsConsistent());
}

TEST_F(EnrollmentLogicTest, MirrorEnrollsOnlyOnceTheRunIsMirroredAndKeepsTheSeatRule) {
  // No seat row yet: the caller must ask the course service; nothing is written.
  auto unknown = EnrollOnMirror(kAdmin, AddTrainee());
  ASSERT_TRUE(unknown.ok()) << unknown.status();
  EXPECT_FALSE(unknown->has_value());
  EXPECT_TRUE(store_.data().run_seats.empty());
  EXPECT_TRUE(store_.data().enrollments.empty());

  EnrollId(AddTrainee(), MakeRun(2));  // the first enrollment creates the mirror
  auto second = EnrollOnMirror(kPartnerAdmin, AddTrainee());
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_TRUE(second->has_value());
  EXPECT_EQ((*second)->enrollment.state, EnrollmentState::kEnrolled);
  EXPECT_EQ((*second)->enrollment.course_id, kCourse);
  EXPECT_EQ((*second)->enrollment.owners.workshop_id, kHome.workshop_id);
  auto third = EnrollOnMirror(kPartnerAdmin, AddTrainee());
  ASSERT_TRUE(third.ok() && third->has_value()) << third.status();
  EXPECT_EQ((*third)->enrollment.state, EnrollmentState::kWaitlisted);
  EXPECT_EQ((*third)->enrollment.waitlist_position, 1);
  EXPECT_EQ(store_.data().run_seats.at(kRun).enrolled, 2);
  EXPECT_TRUE(SeatsConsistent());
}

TEST_F(EnrollmentLogicTest, MirrorFollowsTheFeedAndHidesOtherCollegesRuns) {
  const int64_t trainee = AddTrainee();
  EnrollId(AddTrainee(), MakeRun(1));
  // A capacity increase from the feed makes room on the mirror too.
  ASSERT_TRUE(ApplyEvent(1, MakeRun(2)).ok());
  auto seated = EnrollOnMirror(kAdmin, trainee);
  ASSERT_TRUE(seated.ok() && seated->has_value()) << seated.status();
  EXPECT_EQ((*seated)->enrollment.state, EnrollmentState::kEnrolled);

  // Another college's admin learns nothing of the run.
  const absl::Status hidden = EnrollOnMirror(kStranger, AddTrainee(kAway)).status();
  EXPECT_EQ(hidden.code(), absl::StatusCode::kNotFound) << hidden;
  EXPECT_TRUE(absl::StrContains(hidden.message(), "course_run")) << hidden;

  // Once the feed says the run started, the mirror refuses like the course service's answer.
  ASSERT_TRUE(ApplyEvent(2, MakeRun(2, RunStatus::kInProgress)).ok());
  const size_t before = store_.data().enrollments.size();
  const absl::Status closed = EnrollOnMirror(kAdmin, AddTrainee()).status();
  EXPECT_EQ(closed.code(), absl::StatusCode::kFailedPrecondition) << closed;
  EXPECT_EQ(store_.data().enrollments.size(), before);
  EXPECT_TRUE(SeatsConsistent());
}

TEST_F(EnrollmentLogicTest, AnOlderFeedEventDoesNotUndoAFresherAnswer) {
  // The course service answered the first Enroll with the run opened (version 2) before the
  // feed delivered the run's creation (version 1, scheduled).
  RunInfo opened = MakeRun(5);
  opened.version = 2;
  EnrollId(AddTrainee(), opened);
  RunInfo created = MakeRun(5, RunStatus::kScheduled);
  created.version = 1;
  ASSERT_TRUE(ApplyEvent(1, created).ok());
  EXPECT_EQ(store_.data().run_seats.at(kRun).status, RunStatus::kOpen);
  EXPECT_EQ(store_.data().run_seats.at(kRun).run_version, 2);
  auto mirrored = EnrollOnMirror(kAdmin, AddTrainee());
  ASSERT_TRUE(mirrored.ok() && mirrored->has_value()) << mirrored.status();

  // The opening arrives too (no change), then a newer state does apply.
  ASSERT_TRUE(ApplyEvent(2, opened).ok());
  RunInfo started = MakeRun(5, RunStatus::kInProgress);
  started.version = 3;
  ASSERT_TRUE(ApplyEvent(3, started).ok());
  EXPECT_EQ(store_.data().run_seats.at(kRun).status, RunStatus::kInProgress);
  EXPECT_EQ(store_.data().run_seats.at(kRun).run_version, 3);
  // An Enroll answered with an older state (version 2, open) neither reopens the run nor gets in.
  const absl::Status stale = Enroll(kAdmin, AddTrainee(), opened).status();
  EXPECT_EQ(stale.code(), absl::StatusCode::kFailedPrecondition) << stale;
  EXPECT_EQ(store_.data().run_seats.at(kRun).status, RunStatus::kInProgress);
}

TEST_F(EnrollmentLogicTest, OneOpenEnrollmentPerTraineeAndRun) {
  const int64_t filler = AddTrainee();
  const int64_t trainee = AddTrainee();
  const RunInfo run = MakeRun(1);
  EnrollId(filler, run);
  const int64_t first = EnrollId(trainee, run);
  ASSERT_EQ(StateOf(first), EnrollmentState::kWaitlisted);
  const absl::Status twice = Enroll(kAdmin, trainee, run).status();
  EXPECT_EQ(twice.code(), absl::StatusCode::kAlreadyExists) << twice;
  EXPECT_TRUE(absl::StrContains(twice.message(), absl::StrCat("enrollments/", first))) << twice;
  EXPECT_EQ(Enroll(kAdmin, filler, run).status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(store_.data().enrollments.size(), 2u);
  EXPECT_TRUE(SeatsConsistent());
  ASSERT_TRUE(Withdraw(kAdmin, first).ok());
  auto again = Enroll(kAdmin, trainee, run);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_NE(again->enrollment.meta.id, first);
  EXPECT_EQ(again->enrollment.state, EnrollmentState::kWaitlisted);
  EXPECT_EQ(again->enrollment.waitlist_position, 1);
  EXPECT_TRUE(SeatsConsistent());
  // The same trainee may hold open enrollments in different runs.
  EXPECT_TRUE(Enroll(kAdmin, trainee, MakeRun(1, RunStatus::kOpen, kRun + 1)).ok());
}

TEST_F(EnrollmentLogicTest, WithdrawalPromotesTheFirstWaitlisted) {
  const RunInfo run = MakeRun(2);
  std::vector<int64_t> e;
  for (int i = 0; i < 6; ++i) e.push_back(EnrollId(AddTrainee(), run));
  // e[0], e[1] enrolled; e[2..5] waitlisted 1..4.
  ASSERT_EQ(StateOf(e[2]), EnrollmentState::kWaitlisted);
  auto withdrawn = Withdraw(kPartnerAdmin, e[0]);
  ASSERT_TRUE(withdrawn.ok()) << withdrawn.status();
  EXPECT_EQ(withdrawn->enrollment.state, EnrollmentState::kWithdrawn);
  EXPECT_EQ(withdrawn->enrollment.reason, "moved away");
  ASSERT_EQ(withdrawn->promoted.size(), 1u);
  EXPECT_EQ(withdrawn->promoted[0].meta.id, e[2]);
  EXPECT_EQ(withdrawn->promoted[0].state, EnrollmentState::kEnrolled);
  EXPECT_EQ(StateOf(e[2]), EnrollmentState::kEnrolled);
  EXPECT_EQ(PositionOf(e[2]), 0);
  EXPECT_EQ(PositionOf(e[3]), 1);
  EXPECT_EQ(PositionOf(e[4]), 2);
  EXPECT_EQ(PositionOf(e[5]), 3);
  EXPECT_TRUE(SeatsConsistent());

  // The order is the waitlist sequence, not the id: put e[5] ahead of e[3] and e[4].
  store_.data().enrollments.at(e[5]).waitlist_seq = 0;
  EXPECT_EQ(PositionOf(e[5]), 1);
  withdrawn = Withdraw(kAdmin, e[1]);
  ASSERT_TRUE(withdrawn.ok()) << withdrawn.status();
  ASSERT_EQ(withdrawn->promoted.size(), 1u);
  EXPECT_EQ(withdrawn->promoted[0].meta.id, e[5]);
  EXPECT_EQ(StateOf(e[3]), EnrollmentState::kWaitlisted);
  EXPECT_EQ(PositionOf(e[3]), 1);
  EXPECT_EQ(PositionOf(e[4]), 2);
  EXPECT_TRUE(SeatsConsistent());
}

TEST_F(EnrollmentLogicTest, WithdrawingAWaitlistedFreesNoSeat) {
  const RunInfo run = MakeRun(1);
  const int64_t seated = EnrollId(AddTrainee(), run);
  const int64_t second = EnrollId(AddTrainee(), run);
  const int64_t third = EnrollId(AddTrainee(), run);
  EXPECT_EQ(PositionOf(third), 2);
  auto withdrawn = Withdraw(kAdmin, second);
  ASSERT_TRUE(withdrawn.ok()) << withdrawn.status();
  EXPECT_TRUE(withdrawn->promoted.empty());
  EXPECT_EQ(withdrawn->enrollment.waitlist_position, 0);
  EXPECT_EQ(StateOf(seated), EnrollmentState::kEnrolled);
  EXPECT_EQ(StateOf(third), EnrollmentState::kWaitlisted);
  EXPECT_EQ(PositionOf(third), 1) << "the queue moves up";
  EXPECT_EQ(store_.data().run_seats.at(kRun).enrolled, 1);
  EXPECT_TRUE(SeatsConsistent());
}

TEST_F(EnrollmentLogicTest, WithdrawingTwiceIsRefused) {
  const int64_t id = EnrollId(AddTrainee(), MakeRun(5));
  ASSERT_TRUE(Withdraw(kAdmin, id).ok());
  const int64_t version = store_.data().enrollments.at(id).meta.version;
  const absl::Status twice = Withdraw(kAdmin, id).status();
  EXPECT_EQ(twice.code(), absl::StatusCode::kFailedPrecondition) << twice;
  EXPECT_EQ(StateOf(id), EnrollmentState::kWithdrawn);
  EXPECT_EQ(store_.data().enrollments.at(id).meta.version, version);
  EXPECT_EQ(store_.data().run_seats.at(kRun).enrolled, 0);
  // A completed trainee cannot withdraw either; a stale version is a conflict.
  const int64_t done = EnrollId(AddTrainee(), MakeRun(5));
  EXPECT_EQ(Withdraw(kAdmin, done, 7).status().code(), absl::StatusCode::kAborted);
  ASSERT_TRUE(Complete(kAdmin, done, 80, 90, MakeRun(5, RunStatus::kInProgress)).ok());
  EXPECT_EQ(Withdraw(kAdmin, done).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(SeatsConsistent());
}

TEST_F(EnrollmentLogicTest, GrownCapacityAtEnrollPromotesTheWaitlistFirst) {
  const int64_t seated = EnrollId(AddTrainee(), MakeRun(1));
  const int64_t second = EnrollId(AddTrainee(), MakeRun(1));
  const int64_t third = EnrollId(AddTrainee(), MakeRun(1));
  ASSERT_EQ(StateOf(third), EnrollmentState::kWaitlisted);
  // The course service now says 3 seats: the two waiting take them, the newcomer queues.
  auto newcomer = Enroll(kAdmin, AddTrainee(), MakeRun(3));
  ASSERT_TRUE(newcomer.ok()) << newcomer.status();
  ASSERT_EQ(newcomer->promoted.size(), 2u);
  EXPECT_EQ(newcomer->promoted[0].meta.id, second);
  EXPECT_EQ(newcomer->promoted[1].meta.id, third);
  EXPECT_EQ(newcomer->enrollment.state, EnrollmentState::kWaitlisted);
  EXPECT_EQ(newcomer->enrollment.waitlist_position, 1);
  EXPECT_EQ(StateOf(seated), EnrollmentState::kEnrolled);
  EXPECT_EQ(StateOf(second), EnrollmentState::kEnrolled);
  EXPECT_EQ(StateOf(third), EnrollmentState::kEnrolled);
  EXPECT_EQ(store_.data().run_seats.at(kRun).capacity, 3);
  EXPECT_TRUE(SeatsConsistent());
  // One more seat than waiters: the newcomer of the next growth gets a seat after the queue.
  auto fifth = Enroll(kAdmin, AddTrainee(), MakeRun(5));
  ASSERT_TRUE(fifth.ok()) << fifth.status();
  ASSERT_EQ(fifth->promoted.size(), 1u);
  EXPECT_EQ(fifth->promoted[0].meta.id, newcomer->enrollment.meta.id);
  EXPECT_EQ(fifth->enrollment.state, EnrollmentState::kEnrolled);
  EXPECT_TRUE(SeatsConsistent());
}

TEST_F(EnrollmentLogicTest, SeatCountFollowsEveryStep) {
  RunInfo run = MakeRun(2);
  const RunInfo running = MakeRun(2, RunStatus::kInProgress);
  std::vector<int64_t> t;
  for (int i = 0; i < 6; ++i) t.push_back(AddTrainee());
  int64_t sequence = 0;
  struct Step {
    const char* what;
    std::function<absl::Status()> act;
  };
  std::map<int, int64_t> e;  // trainee index -> its latest enrollment
  auto enroll = [&](int i) {
    return [&, i] {
      auto r = Enroll(kPartnerAdmin, t[static_cast<size_t>(i)], run);
      if (r.ok()) e[i] = r->enrollment.meta.id;
      return r.status();
    };
  };
  auto withdraw = [&](int i) { return [&, i] { return Withdraw(kChineseAdmin, e[i]).status(); }; };
  auto complete = [&](int i, int score) {
    return [&, i, score] { return Complete(kPartnerAdmin, e[i], score, 90, running).status(); };
  };
  auto event = [&](int capacity, RunStatus status) {
    return [&, capacity, status] {
      run.capacity = capacity;
      return ApplyEvent(++sequence, MakeRun(capacity, status)).status();
    };
  };
  for (const Step& step : std::vector<Step>{
           {"enroll 0", enroll(0)},
           {"enroll 1", enroll(1)},
           {"enroll 2 (waitlisted)", enroll(2)},
           {"enroll 3 (waitlisted)", enroll(3)},
           {"withdraw 0 (promotes 2)", withdraw(0)},
           {"withdraw 3 (waitlisted)", withdraw(3)},
           {"enroll 4 (waitlisted)", enroll(4)},
           {"complete 1 (pass)", complete(1, 75)},
           {"complete 2 (fail)", complete(2, 20)},
           {"feed: 3 seats (promotes 4)", event(3, RunStatus::kOpen)},
           {"enroll 3 again (waitlisted)", enroll(3)},
           {"enroll 0 again (waitlisted)", enroll(0)},
           {"feed: 4 seats (promotes 3)", event(4, RunStatus::kOpen)},
           {"withdraw 3 (promotes 0)", withdraw(3)},
           {"enroll 5 (seat at 5 capacity)",
            [&] {
              run.capacity = 5;
              return enroll(5)();
            }},
           {"feed: cancelled", event(5, RunStatus::kCancelled)},
       }) {
    const absl::Status status = step.act();
    EXPECT_TRUE(status.ok()) << step.what << ": " << status;
    EXPECT_TRUE(SeatsConsistent()) << "after " << step.what;
  }
  EXPECT_EQ(StateOf(e[1]), EnrollmentState::kCompleted);
  EXPECT_EQ(StateOf(e[2]), EnrollmentState::kFailed);
  EXPECT_EQ(StateOf(e[0]), EnrollmentState::kCancelled);
  EXPECT_EQ(StateOf(e[4]), EnrollmentState::kCancelled);
  EXPECT_EQ(StateOf(e[5]), EnrollmentState::kCancelled);
  EXPECT_EQ(store_.data().run_seats.at(kRun).enrolled, 2);
}

// ---------------------------------------------------------------------------------------------
// Visibility

TEST_F(EnrollmentLogicTest, OtherCollegesFindNothing) {
  const int64_t trainee = AddTrainee();
  const int64_t id = EnrollId(trainee, MakeRun(5));
  const std::string not_found = absl::StrCat("enrollments/", id, ": not found");
  const absl::Status get = GetEnrollment(kStranger, id).status();
  EXPECT_EQ(get.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(get.message(), not_found) << "exactly like a missing record";
  const absl::Status withdraw = Withdraw(kStranger, id).status();
  EXPECT_EQ(withdraw.code(), absl::StatusCode::kNotFound) << withdraw;
  const absl::Status complete =
      Complete(kStranger, id, 90, 90, MakeRun(5, RunStatus::kInProgress)).status();
  EXPECT_EQ(complete.code(), absl::StatusCode::kNotFound) << complete;
  EXPECT_EQ(StateOf(id), EnrollmentState::kEnrolled);
  EXPECT_EQ(store_.data().enrollments.at(id).meta.version, 1);
  EXPECT_EQ(InTx([&](EnrollmentTx& tx) { return logic_.GetTrainee(tx, kStranger, trainee); })
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  // Nor can it enroll anyone in the other college's run.
  const int64_t own = AddTrainee(kAway);
  const RunInfo away_run = MakeRun(5, RunStatus::kOpen, kRun + 1, kAway);
  EXPECT_EQ(Enroll(kStranger, own, MakeRun(5)).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Enroll(kStranger, trainee, away_run, kAway).status().code(),
            absl::StatusCode::kNotFound)
      << "nor enroll the other college's trainee in its own run";
  EXPECT_TRUE(Enroll(kStranger, own, away_run, kAway).ok());
  // Both founders of the workshop see it; readers read; only managers change.
  EXPECT_TRUE(GetEnrollment(kChineseAdmin, id).ok());
  EXPECT_TRUE(GetEnrollment(kPartnerAdmin, id).ok());
  EXPECT_TRUE(GetEnrollment(kReporter, id).ok());
  EXPECT_TRUE(GetEnrollment(kService, id).ok());
  EXPECT_EQ(Withdraw(kReporter, id).status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Complete(kService, id, 90, 90, MakeRun(5, RunStatus::kInProgress)).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(StateOf(id), EnrollmentState::kEnrolled);
  // Certificates too.
  auto done = Complete(kChineseAdmin, id, 90, 90, MakeRun(5, RunStatus::kInProgress));
  ASSERT_TRUE(done.ok() && done->certificate) << done.status();
  const int64_t certificate = done->certificate->meta.id;
  auto get_certificate = [&](const Principal& who) {
    return InTx([&](EnrollmentTx& tx) { return logic_.GetCertificate(tx, who, certificate); })
        .status()
        .code();
  };
  EXPECT_EQ(get_certificate(kStranger), absl::StatusCode::kNotFound);
  EXPECT_EQ(get_certificate(kPartnerAdmin), absl::StatusCode::kOk);
  EXPECT_EQ(get_certificate(kReporter), absl::StatusCode::kOk);
}

TEST_F(EnrollmentLogicTest, ListsShowEachCollegeItsOwn) {
  const int64_t home_a = AddTrainee(kHome);
  const int64_t home_b = AddTrainee(kHome);
  const int64_t away = AddTrainee(kAway);
  const RunInfo home_run = MakeRun(5);
  const RunInfo away_run = MakeRun(5, RunStatus::kOpen, kRun + 1, kAway);
  const int64_t e_home_a = EnrollId(home_a, home_run);
  const int64_t e_home_b = EnrollId(home_b, home_run);
  const int64_t e_away = EnrollId(away, away_run, kAway);
  // A Tajik trainee may study at the Kazakh workshop: the enrollment belongs to the run's.
  const int64_t e_cross = EnrollId(home_a, away_run, kAway);
  Certificate home_certificate = AddCertificate(AddTrainee(kHome), kRun + 2);
  Certificate away_certificate = [&] {
    const int64_t trainee = AddTrainee(kAway);
    const int64_t id = EnrollId(trainee, MakeRun(5, RunStatus::kOpen, kRun + 3, kAway), kAway);
    auto done = Complete(kAdmin, id, 90, 95, MakeRun(5, RunStatus::kInProgress, kRun + 3, kAway));
    EXPECT_TRUE(done.ok() && done->certificate) << done.status();
    return done.ok() && done->certificate ? *done->certificate : Certificate{};
  }();

  auto trainees = [&](const Principal& who, TraineeFilter filter = {}) {
    std::vector<int64_t> ids;
    auto page =
        InTx([&](EnrollmentTx& tx) { return logic_.ListTrainees(tx, who, filter, 0, 100); });
    EXPECT_TRUE(page.ok()) << page.status();
    if (page.ok()) {
      for (const Trainee& t : page->items) ids.push_back(t.meta.id);
    }
    return ids;
  };
  auto enrollments = [&](const Principal& who, EnrollmentFilter filter = {}) {
    std::vector<int64_t> ids;
    auto page =
        InTx([&](EnrollmentTx& tx) { return logic_.ListEnrollments(tx, who, filter, 0, 100); });
    EXPECT_TRUE(page.ok()) << page.status();
    if (page.ok()) {
      for (const Enrollment& e : page->items) {
        if (e.run_id == kRun || e.run_id == kRun + 1) ids.push_back(e.meta.id);
      }
    }
    return ids;
  };
  auto certificates = [&](const Principal& who) {
    std::vector<int64_t> ids;
    auto page =
        InTx([&](EnrollmentTx& tx) { return logic_.ListCertificates(tx, who, {}, 0, 100); });
    EXPECT_TRUE(page.ok()) << page.status();
    if (page.ok()) {
      for (const Certificate& c : page->items) ids.push_back(c.meta.id);
    }
    return ids;
  };
  using Ids = std::vector<int64_t>;
  const int64_t home_trainee_c = home_certificate.trainee_id;
  const int64_t away_trainee_c = away_certificate.trainee_id;
  for (const Principal& who : {kPartnerAdmin, kChineseAdmin}) {
    EXPECT_EQ(trainees(who), (Ids{home_a, home_b, home_trainee_c})) << who.name;
    EXPECT_EQ(enrollments(who), (Ids{e_home_a, e_home_b})) << who.name;
    EXPECT_EQ(certificates(who), (Ids{home_certificate.meta.id})) << who.name;
  }
  EXPECT_EQ(trainees(kStranger), (Ids{away, away_trainee_c}));
  EXPECT_EQ(enrollments(kStranger), (Ids{e_away, e_cross}));
  EXPECT_EQ(certificates(kStranger), (Ids{away_certificate.meta.id}));
  // A college cannot widen its view through the filter.
  TraineeFilter sneaky;
  sneaky.visible_to_institution = kTajikTechnical;
  EXPECT_EQ(trainees(kStranger, sneaky), (Ids{away, away_trainee_c}));
  EnrollmentFilter sneaky_enrollments;
  sneaky_enrollments.visible_to_institution = kTajikTechnical;
  EXPECT_EQ(enrollments(kStranger, sneaky_enrollments), (Ids{e_away, e_cross}));
  for (const Principal& who : {kAdmin, kReporter, kService}) {
    EXPECT_EQ(trainees(who).size(), 5u) << who.name;
    EXPECT_EQ(enrollments(who), (Ids{e_home_a, e_home_b, e_away, e_cross})) << who.name;
    EXPECT_EQ(certificates(who).size(), 2u) << who.name;
  }
  // A caller of no institution sees nothing.
  const Principal anonymous{"", Role::kAnonymous, 0};
  EXPECT_TRUE(trainees(anonymous).empty());
  EXPECT_TRUE(enrollments(anonymous).empty());
}

TEST_F(EnrollmentLogicTest, ListedWaitlistHasPositions) {
  const RunInfo run = MakeRun(1);
  EnrollId(AddTrainee(), run);
  EnrollId(AddTrainee(), run);
  EnrollId(AddTrainee(), run);
  EnrollmentFilter filter;
  filter.run_id = kRun;
  auto page =
      InTx([&](EnrollmentTx& tx) { return logic_.ListEnrollments(tx, kAdmin, filter, 0, 10); });
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->items.size(), 3u);
  EXPECT_EQ(page->items[0].waitlist_position, 0);
  EXPECT_EQ(page->items[1].waitlist_position, 1);
  EXPECT_EQ(page->items[2].waitlist_position, 2);
}

// ---------------------------------------------------------------------------------------------
// Completion

TEST_F(EnrollmentLogicTest, OnlyEnrolledTraineesComplete) {
  const RunInfo run = MakeRun(1);
  const RunInfo running = MakeRun(1, RunStatus::kInProgress);
  const int64_t seated = EnrollId(AddTrainee(), run);
  const int64_t waiting = EnrollId(AddTrainee(), run);
  const absl::Status waitlisted = Complete(kAdmin, waiting, 90, 90, running).status();
  EXPECT_EQ(waitlisted.code(), absl::StatusCode::kFailedPrecondition) << waitlisted;
  ASSERT_TRUE(Complete(kAdmin, seated, 90, 90, running).ok());
  EXPECT_EQ(Complete(kAdmin, seated, 90, 90, running).status().code(),
            absl::StatusCode::kFailedPrecondition)
      << "completed once";
  EXPECT_EQ(store_.data().certificates.size(), 1u);
  ASSERT_TRUE(Withdraw(kAdmin, waiting).ok());
  EXPECT_EQ(Complete(kAdmin, waiting, 90, 90, running).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(StateOf(waiting), EnrollmentState::kWithdrawn);
}

TEST_F(EnrollmentLogicTest, ResultsWaitUntilTheRunHasStarted) {
  const int64_t id = EnrollId(AddTrainee(), MakeRun(5));
  for (RunStatus status : {RunStatus::kScheduled, RunStatus::kOpen, RunStatus::kCancelled}) {
    const absl::Status refused = Complete(kAdmin, id, 90, 90, MakeRun(5, status)).status();
    EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition)
        << static_cast<int>(status) << ": " << refused;
    EXPECT_EQ(StateOf(id), EnrollmentState::kEnrolled);
  }
  EXPECT_TRUE(store_.data().certificates.empty());
  EXPECT_TRUE(Complete(kAdmin, id, 90, 90, MakeRun(5, RunStatus::kCompleted)).ok());
  const int64_t other = EnrollId(AddTrainee(), MakeRun(5));
  EXPECT_TRUE(Complete(kAdmin, other, 90, 90, MakeRun(5, RunStatus::kInProgress)).ok());
}

TEST_F(EnrollmentLogicTest, PassNeedsTheScoreAndTheAttendance) {
  const RunInfo run = MakeRun(10);
  const RunInfo running = MakeRun(10, RunStatus::kInProgress);  // pass 60, attendance 80
  struct Case {
    int score;
    int attendance;
    bool passed;
  };
  for (const Case& c : std::vector<Case>{{60, 80, true},
                                         {59, 80, false},
                                         {60, 79, false},
                                         {59, 79, false},
                                         {100, 100, true},
                                         {0, 0, false},
                                         {100, 0, false},
                                         {0, 100, false}}) {
    const int64_t id = EnrollId(AddTrainee(), run);
    auto done = Complete(kAdmin, id, c.score, c.attendance, running);
    ASSERT_TRUE(done.ok()) << done.status();
    const Enrollment& stored = store_.data().enrollments.at(id);
    EXPECT_EQ(stored.state, c.passed ? EnrollmentState::kCompleted : EnrollmentState::kFailed)
        << c.score << "/" << c.attendance;
    EXPECT_EQ(done->enrollment.state, stored.state);
    EXPECT_EQ(done->certificate.has_value(), c.passed) << c.score << "/" << c.attendance;
    EXPECT_EQ(stored.certificate_id != 0, c.passed);
    EXPECT_EQ(stored.final_score, c.score);
    EXPECT_EQ(stored.attendance_percent, c.attendance);
    EXPECT_EQ(stored.meta.version, 2);
  }
  EXPECT_EQ(store_.data().certificates.size(), 2u);
  EXPECT_TRUE(SeatsConsistent()) << "completed and failed keep their seats";
  // A run without thresholds passes everyone.
  RunInfo lenient = running;
  lenient.pass_score = 0;
  lenient.min_attendance_percent = 0;
  const int64_t id = EnrollId(AddTrainee(), run);
  auto done = Complete(kAdmin, id, 0, 0, lenient);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->enrollment.state, EnrollmentState::kCompleted);
}

TEST_F(EnrollmentLogicTest, ScoresOutside0To100AreInvalid) {
  const int64_t id = EnrollId(AddTrainee(), MakeRun(5));
  const RunInfo running = MakeRun(5, RunStatus::kInProgress);
  for (auto [score, attendance] :
       std::vector<std::pair<int, int>>{{-1, 90}, {101, 90}, {90, -1}, {90, 101}}) {
    const absl::Status status = Complete(kAdmin, id, score, attendance, running).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << score << "/" << attendance;
    EXPECT_TRUE(absl::StrContains(status.message(),
                                  score < 0 || score > 100 ? "final_score" : "attendance_percent"))
        << status;
  }
  EXPECT_EQ(StateOf(id), EnrollmentState::kEnrolled);
  EXPECT_TRUE(store_.data().certificates.empty());
}

TEST_F(EnrollmentLogicTest, PassIssuesADualCertificate) {
  const int64_t trainee = AddTrainee();
  const int64_t id = EnrollId(trainee, MakeRun(5));
  auto done = Complete(kPartnerAdmin, id, 88, 97, MakeRun(5, RunStatus::kInProgress));
  ASSERT_TRUE(done.ok()) << done.status();
  ASSERT_TRUE(done->certificate.has_value());
  const Certificate& c = *done->certificate;
  const CertificateFacts facts = Facts();
  EXPECT_EQ(c.number, "LW-TEST-1");
  EXPECT_EQ(draws_, 1);
  EXPECT_EQ(c.issue_date, kToday);
  EXPECT_EQ(c.status, CertificateStatus::kValid);
  EXPECT_EQ(c.trainee_id, trainee);
  EXPECT_EQ(c.enrollment_id, id);
  EXPECT_EQ(c.holder_name, "Рустам Саидов");
  EXPECT_EQ(c.holder_name_latin, "Rustam Saidov");
  EXPECT_EQ(c.course_code, "URT-101");
  EXPECT_EQ(c.course_titles, facts.course.titles);
  EXPECT_EQ(c.discipline, "urban rail");
  EXPECT_EQ(c.workshop_names, facts.workshop.names);
  EXPECT_EQ(c.chinese_institution_names, facts.chinese_institution.names);
  EXPECT_EQ(c.partner_institution_names, facts.partner_institution.names);
  EXPECT_EQ(c.owners.workshop_id, kHome.workshop_id);
  EXPECT_EQ(c.owners.chinese_institution_id, kTianjinCollege);
  EXPECT_EQ(c.owners.partner_institution_id, kTajikTechnical);
  EXPECT_EQ(c.final_score, 88);
  EXPECT_EQ(c.attendance_percent, 97);
  EXPECT_GT(c.meta.id, 0);
  EXPECT_EQ(done->enrollment.certificate_id, c.meta.id);
  EXPECT_EQ(store_.data().enrollments.at(id).certificate_id, c.meta.id);
  const Certificate& stored = store_.data().certificates.at(c.meta.id);
  EXPECT_EQ(stored.number, c.number);
  EXPECT_EQ(stored.chinese_institution_names, facts.chinese_institution.names);
  EXPECT_EQ(stored.issue_date, kToday);
}

TEST_F(EnrollmentLogicTest, ACollidingNumberIsDrawnAgain) {
  numbers_ = {"LW-AAAA"};
  const Certificate first = AddCertificate(AddTrainee(), kRun);
  EXPECT_EQ(first.number, "LW-AAAA");
  numbers_ = {"LW-AAAA", "LW-BBBB"};
  draws_ = 0;
  const Certificate second = AddCertificate(AddTrainee(), kRun + 1);
  EXPECT_EQ(second.number, "LW-BBBB");
  EXPECT_EQ(draws_, 2);
  EXPECT_EQ(store_.data().certificates.size(), 2u);
  EXPECT_NE(first.meta.id, second.meta.id);
}

// ---------------------------------------------------------------------------------------------
// The course service's feed

TEST_F(EnrollmentLogicTest, EventsAtOrBelowTheCursorChangeNothing) {
  const RunInfo run = MakeRun(1);
  std::vector<int64_t> e;
  for (int i = 0; i < 4; ++i) e.push_back(EnrollId(AddTrainee(), run));
  const std::vector<std::pair<int64_t, RunInfo>> feed = {
      {5, MakeRun(2)}, {6, MakeRun(3)}, {7, MakeRun(3, RunStatus::kInProgress)}};
  for (const auto& [sequence, info] : feed) {
    auto changed = ApplyEvent(sequence, info);
    ASSERT_TRUE(changed.ok()) << changed.status();
    EXPECT_EQ(changed->size(), sequence == 7 ? 0u : 1u) << sequence;
    EXPECT_EQ(Cursor(), sequence);
    EXPECT_TRUE(SeatsConsistent()) << "after " << sequence;
  }
  EXPECT_EQ(StateOf(e[1]), EnrollmentState::kEnrolled);
  EXPECT_EQ(StateOf(e[2]), EnrollmentState::kEnrolled);
  EXPECT_EQ(StateOf(e[3]), EnrollmentState::kWaitlisted);
  EXPECT_EQ(store_.data().run_seats.at(kRun).status, RunStatus::kInProgress);

  const std::map<int64_t, Enrollment> before = store_.data().enrollments;
  // The same sequence again (a consumer restarted before its cursor was read): nothing.
  for (const auto& [sequence, info] : feed) {
    auto changed = ApplyEvent(sequence, info);
    ASSERT_TRUE(changed.ok()) << changed.status();
    EXPECT_TRUE(changed->empty()) << sequence;
  }
  EXPECT_EQ(Cursor(), 7);
  EXPECT_EQ(store_.data().run_seats.at(kRun).status, RunStatus::kInProgress)
      << "replaying event 5 would have reopened the run";
  // An old cancellation replayed cancels nothing; an old growth promotes nobody.
  EXPECT_TRUE(ApplyEvent(3, MakeRun(3, RunStatus::kCancelled))->empty());
  EXPECT_TRUE(ApplyEvent(7, MakeRun(9))->empty());
  EXPECT_EQ(Cursor(), 7);
  ASSERT_EQ(store_.data().enrollments.size(), before.size());
  for (const auto& [id, enrollment] : before) {
    EXPECT_EQ(store_.data().enrollments.at(id).state, enrollment.state) << id;
    EXPECT_EQ(store_.data().enrollments.at(id).meta.version, enrollment.meta.version) << id;
  }
  EXPECT_EQ(store_.data().run_seats.at(kRun).capacity, 3);
  EXPECT_EQ(store_.data().run_seats.at(kRun).status, RunStatus::kInProgress);
  EXPECT_TRUE(SeatsConsistent());
}

TEST_F(EnrollmentLogicTest, CapacityIncreasePromotesInOrder) {
  const RunInfo run = MakeRun(1);
  std::vector<int64_t> e;
  for (int i = 0; i < 5; ++i) e.push_back(EnrollId(AddTrainee(), run));
  auto changed = ApplyEvent(1, MakeRun(3));
  ASSERT_TRUE(changed.ok()) << changed.status();
  ASSERT_EQ(changed->size(), 2u);
  EXPECT_EQ((*changed)[0].meta.id, e[1]);
  EXPECT_EQ((*changed)[1].meta.id, e[2]);
  EXPECT_EQ((*changed)[0].state, EnrollmentState::kEnrolled);
  EXPECT_EQ(StateOf(e[1]), EnrollmentState::kEnrolled);
  EXPECT_EQ(StateOf(e[2]), EnrollmentState::kEnrolled);
  EXPECT_EQ(PositionOf(e[3]), 1);
  EXPECT_EQ(PositionOf(e[4]), 2);
  EXPECT_EQ(store_.data().run_seats.at(kRun).capacity, 3);
  EXPECT_EQ(store_.data().run_seats.at(kRun).enrolled, 3);
  EXPECT_EQ(Cursor(), 1);
  EXPECT_TRUE(SeatsConsistent());
  // More seats than waiters: everyone in, the rest stay free for newcomers.
  changed = ApplyEvent(2, MakeRun(10));
  ASSERT_TRUE(changed.ok());
  ASSERT_EQ(changed->size(), 2u);
  EXPECT_EQ((*changed)[0].meta.id, e[3]);
  EXPECT_EQ((*changed)[1].meta.id, e[4]);
  EXPECT_EQ(store_.data().run_seats.at(kRun).enrolled, 5);
  EXPECT_TRUE(SeatsConsistent());
  auto newcomer = Enroll(kAdmin, AddTrainee(), MakeRun(10));
  ASSERT_TRUE(newcomer.ok());
  EXPECT_EQ(newcomer->enrollment.state, EnrollmentState::kEnrolled);
}

TEST_F(EnrollmentLogicTest, CancellationCancelsOpenEnrollmentsOnly) {
  const RunInfo run = MakeRun(3);
  const RunInfo running = MakeRun(3, RunStatus::kInProgress);
  std::vector<int64_t> e;
  for (int i = 0; i < 5; ++i) e.push_back(EnrollId(AddTrainee(), run));
  ASSERT_TRUE(Complete(kAdmin, e[0], 90, 90, running).ok());
  ASSERT_TRUE(Complete(kAdmin, e[1], 10, 90, running).ok());
  // e[2] enrolled, e[3] and e[4] waitlisted.
  auto changed = ApplyEvent(4, MakeRun(3, RunStatus::kCancelled));
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_EQ(changed->size(), 3u);
  EXPECT_EQ(StateOf(e[0]), EnrollmentState::kCompleted);
  EXPECT_EQ(StateOf(e[1]), EnrollmentState::kFailed);
  for (size_t i = 2; i < 5; ++i) {
    EXPECT_EQ(StateOf(e[i]), EnrollmentState::kCancelled) << i;
    EXPECT_FALSE(store_.data().enrollments.at(e[i]).reason.empty());
  }
  EXPECT_EQ(store_.data().run_seats.at(kRun).status, RunStatus::kCancelled);
  EXPECT_EQ(store_.data().run_seats.at(kRun).enrolled, 2);
  EXPECT_EQ(Cursor(), 4);
  EXPECT_TRUE(SeatsConsistent());
  EXPECT_EQ(store_.data().certificates.size(), 1u);
  EXPECT_EQ(store_.data().certificates.begin()->second.status, CertificateStatus::kValid);
  EXPECT_EQ(Withdraw(kAdmin, e[2]).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Enroll(kAdmin, AddTrainee(), MakeRun(3, RunStatus::kCancelled)).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(EnrollmentLogicTest, AnEventForAnUnknownRunOnlyAdvancesTheCursor) {
  auto changed = ApplyEvent(9, MakeRun(30, RunStatus::kCancelled, 777));
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(changed->empty());
  EXPECT_EQ(Cursor(), 9);
  EXPECT_TRUE(store_.data().run_seats.empty());
  changed = ApplyEvent(10, MakeRun(30, RunStatus::kOpen, 778));
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ(Cursor(), 10);
  EXPECT_TRUE(store_.data().run_seats.empty());
}

// ---------------------------------------------------------------------------------------------
// Certificates

TEST_F(EnrollmentLogicTest, VerifyingAnUnknownNumberFindsNothing) {
  AddCertificate(AddTrainee(), kRun);
  auto verified = InTx([&](EnrollmentTx& tx) { return logic_.VerifyCertificate(tx, "LW-NOSUCH"); });
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_FALSE(verified->certificate.has_value());
  EXPECT_TRUE(verified->holder_masked_name.empty());
}

TEST_F(EnrollmentLogicTest, VerifyingAKnownNumberMasksTheHolder) {
  const Certificate issued = AddCertificate(AddTrainee(), kRun);
  auto verify = [&] {
    return InTx([&](EnrollmentTx& tx) { return logic_.VerifyCertificate(tx, issued.number); });
  };
  auto verified = verify();
  ASSERT_TRUE(verified.ok()) << verified.status();
  ASSERT_TRUE(verified->certificate.has_value());
  EXPECT_EQ(verified->certificate->meta.id, issued.meta.id);
  EXPECT_EQ(verified->certificate->status, CertificateStatus::kValid);
  EXPECT_EQ(verified->holder_masked_name, "R*** S***");
  ASSERT_TRUE(InTx([&](EnrollmentTx& tx) {
                return logic_.RevokeCertificate(tx, issued.meta.id, "forged attendance");
              }).ok());
  verified = verify();
  ASSERT_TRUE(verified.ok() && verified->certificate);
  EXPECT_EQ(verified->certificate->status, CertificateStatus::kRevoked);
}

TEST_F(EnrollmentLogicTest, MaskNameKeepsWholeFirstLetters) {
  EXPECT_EQ(MaskName("Rustam", "Saidov"), "R*** S***");
  EXPECT_EQ(MaskName("Ҷамшед", "Раҳимов"), "Ҷ*** Р***");
  EXPECT_EQ(MaskName("Ҷ", ""), "Ҷ***");
  EXPECT_EQ(MaskName("", "Ӯлмасов"), "Ӯ***");
  EXPECT_EQ(MaskName("明", "李"), "明*** 李***");
  EXPECT_EQ(MaskName("𠀀x", "A"), "𠀀*** A***");
  EXPECT_EQ(MaskName("", ""), "");
  // A broken lead byte at the end is not read past.
  EXPECT_EQ(MaskName(std::string("\xD2"), ""), "\xD2***");
}

TEST_F(EnrollmentLogicTest, RevokingNeedsAReasonAndHappensOnce) {
  const Certificate issued = AddCertificate(AddTrainee(), kRun);
  auto revoke = [&](int64_t id, const std::string& reason) {
    return InTx([&](EnrollmentTx& tx) { return logic_.RevokeCertificate(tx, id, reason); });
  };
  const absl::Status no_reason = revoke(issued.meta.id, "").status();
  EXPECT_EQ(no_reason.code(), absl::StatusCode::kInvalidArgument) << no_reason;
  EXPECT_TRUE(absl::StrContains(no_reason.message(), "reason")) << no_reason;
  EXPECT_EQ(store_.data().certificates.at(issued.meta.id).status, CertificateStatus::kValid);
  auto revoked = revoke(issued.meta.id, "forged attendance");
  ASSERT_TRUE(revoked.ok()) << revoked.status();
  EXPECT_EQ(revoked->status, CertificateStatus::kRevoked);
  EXPECT_EQ(store_.data().certificates.at(issued.meta.id).revoke_reason, "forged attendance");
  const int64_t version = store_.data().certificates.at(issued.meta.id).meta.version;
  const absl::Status twice = revoke(issued.meta.id, "again").status();
  EXPECT_EQ(twice.code(), absl::StatusCode::kFailedPrecondition) << twice;
  EXPECT_EQ(store_.data().certificates.at(issued.meta.id).revoke_reason, "forged attendance");
  EXPECT_EQ(store_.data().certificates.at(issued.meta.id).meta.version, version);
  EXPECT_EQ(revoke(999, "x").status().code(), absl::StatusCode::kNotFound);
}

// ---------------------------------------------------------------------------------------------
// Eligibility (asked by the exchange service)

TEST_F(EnrollmentLogicTest, EligibilityOfAnUnknownTraineeIsNotFound) {
  const absl::Status status =
      InTx([&](EnrollmentTx& tx) { return logic_.CheckEligibility(tx, 4242, {}); }).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound) << status;
}

TEST_F(EnrollmentLogicTest, ArchivedTraineesAreNotEligible) {
  const int64_t id = AddTrainee(kAway);
  auto check = [&] {
    return InTx([&](EnrollmentTx& tx) { return logic_.CheckEligibility(tx, id, {}); });
  };
  auto active = check();
  ASSERT_TRUE(active.ok()) << active.status();
  EXPECT_TRUE(active->eligible);
  EXPECT_EQ(active->home_workshop_id, kAway.workshop_id);
  ASSERT_TRUE(Archive(kAdmin, id).ok());
  auto archived = check();
  ASSERT_TRUE(archived.ok()) << archived.status();
  EXPECT_FALSE(archived->eligible);
  EXPECT_TRUE(absl::StrContains(archived->reason, "archived")) << archived->reason;
  EXPECT_EQ(archived->home_workshop_id, kAway.workshop_id);
}

TEST_F(EnrollmentLogicTest, EligibilityCanRequireACompletedCourse) {
  const int64_t id = AddTrainee();
  Requirement requirement;
  requirement.completed_course_id = kCourse;
  auto check = [&] {
    return InTx([&](EnrollmentTx& tx) { return logic_.CheckEligibility(tx, id, requirement); });
  };
  auto none = check();
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_FALSE(none->eligible);
  EXPECT_TRUE(absl::StrContains(none->reason, absl::StrCat("courses/", kCourse))) << none->reason;
  // Enrolled, then failed: still not.
  const int64_t failed = EnrollId(id, MakeRun(5));
  EXPECT_FALSE(check()->eligible);
  ASSERT_TRUE(Complete(kAdmin, failed, 10, 90, MakeRun(5, RunStatus::kInProgress)).ok());
  EXPECT_FALSE(check()->eligible);
  // Another course completed: still not.
  RunInfo other_course = MakeRun(5, RunStatus::kOpen, kRun + 1);
  other_course.course_id = kCourse + 1;
  const int64_t other = EnrollId(id, other_course);
  other_course.status = RunStatus::kInProgress;
  ASSERT_TRUE(Complete(kAdmin, other, 90, 90, other_course).ok());
  EXPECT_FALSE(check()->eligible);
  // Passed a run of the course: eligible.
  const int64_t passed = EnrollId(id, MakeRun(5, RunStatus::kOpen, kRun + 2));
  ASSERT_TRUE(Complete(kAdmin, passed, 70, 85, MakeRun(5, RunStatus::kInProgress, kRun + 2)).ok());
  auto done = check();
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(done->eligible) << done->reason;
  EXPECT_TRUE(done->reason.empty());
}

TEST_F(EnrollmentLogicTest, EligibilityCanRequireAValidCertificate) {
  const int64_t id = AddTrainee();
  Requirement requirement;
  requirement.certificate_discipline = "urban rail";
  auto check = [&](const Requirement& r) {
    return InTx([&](EnrollmentTx& tx) { return logic_.CheckEligibility(tx, id, r); });
  };
  auto none = check(requirement);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_FALSE(none->eligible);
  EXPECT_TRUE(absl::StrContains(none->reason, "urban rail")) << none->reason;
  const Certificate issued = AddCertificate(id, kRun);
  EXPECT_TRUE(check(requirement)->eligible);
  Requirement cnc;
  cnc.certificate_discipline = "CNC";
  EXPECT_FALSE(check(cnc)->eligible) << "a certificate of another discipline";
  Requirement both = requirement;
  both.completed_course_id = kCourse;
  EXPECT_TRUE(check(both)->eligible);
  ASSERT_TRUE(InTx([&](EnrollmentTx& tx) {
                return logic_.RevokeCertificate(tx, issued.meta.id, "exam fraud");
              }).ok());
  auto revoked = check(requirement);
  ASSERT_TRUE(revoked.ok());
  EXPECT_FALSE(revoked->eligible) << "a revoked certificate does not count";
  EXPECT_FALSE(revoked->reason.empty());
}

}  // namespace
}  // namespace luban::enrollment
