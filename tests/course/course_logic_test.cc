// Unit tests of the course domain rules over the in-memory store: no gRPC, no SQL.
#include "services/course/domain/course_logic.h"

#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "tests/course/fake_course_store.h"

namespace luban::course {
namespace {

using testing::FakeCourseStore;

const Principal kAdmin{"admin", Role::kNetworkAdmin, 0};
const Principal kReporter{"reporter", Role::kReporter, 0};

class CourseLogicTest : public ::testing::Test {
 protected:
  CourseLogicTest() : logic_(CourseConfig{}) {}

  // Runs `body` in a transaction of the fake store and returns what it returned.
  template <typename T>
  absl::StatusOr<T> InTx(const std::function<absl::StatusOr<T>(CourseTx&)>& body) {
    absl::StatusOr<T> result = absl::UnknownError("not run");
    const absl::Status status =
        store_.InTransaction("test", absl::InfiniteFuture(), [&](CourseTx& tx) -> absl::Status {
          result = body(tx);
          return result.status();
        });
    if (!status.ok()) return status;
    return result;
  }

  Institution MakeInstitution(InstitutionKind kind, const std::string& country) {
    Institution institution;
    institution.kind = kind;
    institution.country = country;
    institution.names = {{"ru", "Университет"}};
    institution.city = "Город";
    return institution;
  }

  int64_t AddInstitution(InstitutionKind kind, const std::string& country) {
    auto created = InTx<Institution>(
        [&](CourseTx& tx) { return logic_.CreateInstitution(tx, MakeInstitution(kind, country)); });
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? created->meta.id : 0;
  }

  Workshop MakeWorkshop(int64_t chinese, int64_t partner, const std::string& country) {
    Workshop workshop;
    workshop.names = {{"tg", "Устохона"}};
    workshop.country = country;
    workshop.city = "Душанбе";
    workshop.chinese_institution_id = chinese;
    workshop.partner_institution_id = partner;
    return workshop;
  }

  int64_t AddWorkshop(WorkshopStatus status) {
    auto created = InTx<Workshop>([&](CourseTx& tx) {
      return logic_.CreateWorkshop(tx, MakeWorkshop(chinese_, partner_, "TJ"));
    });
    EXPECT_TRUE(created.ok()) << created.status();
    Workshop& workshop = store_.data().workshops.at(created->meta.id);
    workshop.status = status;  // seed the state directly: transitions are tested on their own
    return created->meta.id;
  }

  int64_t AddCourse() {
    Course course;
    course.code = absl::StrCat("C-", ++courses_);
    course.titles = {{"zh", "课程"}};
    course.discipline = "CNC";
    course.hours = 40;
    course.languages = {"ru", "tg"};
    auto created = InTx<Course>([&](CourseTx& tx) { return logic_.CreateCourse(tx, course); });
    EXPECT_TRUE(created.ok()) << created.status();
    return created->meta.id;
  }

  CourseRun MakeRun(int64_t course, int64_t workshop) {
    CourseRun run;
    run.course_id = course;
    run.workshop_id = workshop;
    run.start_date = absl::CivilDay(2027, 3, 1);
    run.end_date = absl::CivilDay(2027, 5, 31);
    run.capacity = 20;
    run.language = "tg";
    return run;
  }

  absl::StatusOr<CourseRun> CreateRun(const Principal& who, const CourseRun& run) {
    auto created =
        InTx<ChangedRun>([&](CourseTx& tx) { return logic_.CreateCourseRun(tx, who, run); });
    if (!created.ok()) return created.status();
    return created->run;
  }

  int64_t AddRun(RunStatus status) {
    auto run = CreateRun(kAdmin, MakeRun(AddCourse(), AddWorkshop(WorkshopStatus::kOperating)));
    EXPECT_TRUE(run.ok()) << run.status();
    store_.data().course_runs.at(run->meta.id).status = status;
    return run->meta.id;
  }

  void SetUp() override {
    chinese_ = AddInstitution(InstitutionKind::kChineseCollege, "CN");
    partner_ = AddInstitution(InstitutionKind::kLocalPartner, "TJ");
  }

  FakeCourseStore store_;
  CourseLogic logic_;
  int64_t chinese_ = 0;
  int64_t partner_ = 0;
  int courses_ = 0;
};

TEST_F(CourseLogicTest, InstitutionsLieWhereTheirKindSays) {
  auto attempt = [&](InstitutionKind kind, const std::string& country) {
    return InTx<Institution>([&](CourseTx& tx) {
             return logic_.CreateInstitution(tx, MakeInstitution(kind, country));
           })
        .status();
  };
  EXPECT_TRUE(attempt(InstitutionKind::kChineseCollege, "CN").ok());
  EXPECT_EQ(attempt(InstitutionKind::kChineseCollege, "TJ").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(attempt(InstitutionKind::kLocalPartner, "KG").ok());
  EXPECT_EQ(attempt(InstitutionKind::kLocalPartner, "CN").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(attempt(InstitutionKind::kLocalPartner, "tj").code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(CourseLogicTest, WorkshopCountriesAreConfiguration) {
  CourseConfig config;
  config.workshop_countries = {"TJ", "AF"};
  const CourseLogic wider(config);
  const int64_t afghan = AddInstitution(InstitutionKind::kLocalPartner, "TJ");
  store_.data().institutions.at(afghan).country = "AF";
  auto in_af = InTx<Workshop>(
      [&](CourseTx& tx) { return wider.CreateWorkshop(tx, MakeWorkshop(chinese_, afghan, "AF")); });
  EXPECT_TRUE(in_af.ok()) << in_af.status();
  auto in_af_default = InTx<Workshop>([&](CourseTx& tx) {
    return logic_.CreateWorkshop(tx, MakeWorkshop(chinese_, afghan, "AF"));
  });
  EXPECT_EQ(in_af_default.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(CourseLogicTest, WorkshopFoundersMustBeOfTheRightKindAndCountry) {
  const int64_t kazakh = AddInstitution(InstitutionKind::kLocalPartner, "KZ");
  struct Case {
    int64_t chinese, partner;
    const char* country;
    absl::StatusCode code;
  };
  for (const Case& c : std::vector<Case>{
           {chinese_, partner_, "TJ", absl::StatusCode::kOk},
           {partner_, partner_, "TJ", absl::StatusCode::kInvalidArgument},  // not Chinese
           {chinese_, chinese_, "TJ", absl::StatusCode::kInvalidArgument},  // not a partner
           {chinese_, kazakh, "TJ", absl::StatusCode::kInvalidArgument},    // other country
           {chinese_, 999, "TJ", absl::StatusCode::kInvalidArgument},       // unknown
           {chinese_, partner_, "CN", absl::StatusCode::kInvalidArgument},  // not a workshop land
       }) {
    auto created = InTx<Workshop>([&](CourseTx& tx) {
      return logic_.CreateWorkshop(tx, MakeWorkshop(c.chinese, c.partner, c.country));
    });
    EXPECT_EQ(created.status().code(), c.code)
        << c.chinese << "/" << c.partner << " in " << c.country << ": " << created.status();
    if (created.ok()) {
      EXPECT_EQ(created->status, WorkshopStatus::kPlanned);
    }
  }
}

TEST_F(CourseLogicTest, WorkshopStatusTransitions) {
  using S = WorkshopStatus;
  const std::vector<S> all = {S::kPlanned, S::kOperating, S::kSuspended, S::kClosed};
  const std::vector<std::pair<S, S>> allowed = {
      {S::kPlanned, S::kOperating}, {S::kOperating, S::kSuspended}, {S::kSuspended, S::kOperating},
      {S::kPlanned, S::kClosed},    {S::kOperating, S::kClosed},    {S::kSuspended, S::kClosed}};
  for (S from : all) {
    for (S to : all) {
      const int64_t id = AddWorkshop(from);
      const int64_t version = store_.data().workshops.at(id).meta.version;
      auto changed = InTx<Workshop>(
          [&](CourseTx& tx) { return logic_.ChangeWorkshopStatus(tx, kAdmin, id, version, to); });
      const bool expect_ok =
          std::find(allowed.begin(), allowed.end(), std::make_pair(from, to)) != allowed.end();
      EXPECT_EQ(changed.ok(), expect_ok) << WorkshopStatusName(from) << " -> "
                                         << WorkshopStatusName(to) << ": " << changed.status();
      if (expect_ok) {
        EXPECT_EQ(store_.data().workshops.at(id).status, to);
        EXPECT_EQ(store_.data().workshops.at(id).meta.version, version + 1);
      } else {
        EXPECT_EQ(changed.status().code(), absl::StatusCode::kFailedPrecondition);
        EXPECT_EQ(store_.data().workshops.at(id).status, from) << "a refusal changes nothing";
      }
    }
  }
}

TEST_F(CourseLogicTest, CollegeAdminsRunTheirWorkshopButDoNotOpenIt) {
  const Principal college{"ttu", Role::kCollegeAdmin, partner_};
  const int64_t planned = AddWorkshop(WorkshopStatus::kPlanned);
  auto opened = InTx<Workshop>([&](CourseTx& tx) {
    return logic_.ChangeWorkshopStatus(tx, college, planned, std::nullopt,
                                       WorkshopStatus::kOperating);
  });
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kPermissionDenied);
  const int64_t operating = AddWorkshop(WorkshopStatus::kOperating);
  auto suspended = InTx<Workshop>([&](CourseTx& tx) {
    return logic_.ChangeWorkshopStatus(tx, college, operating, std::nullopt,
                                       WorkshopStatus::kSuspended);
  });
  EXPECT_TRUE(suspended.ok()) << suspended.status();
  const Principal stranger{"enu", Role::kCollegeAdmin, 12345};
  auto foreign = InTx<Workshop>([&](CourseTx& tx) {
    return logic_.ChangeWorkshopStatus(tx, stranger, operating, std::nullopt,
                                       WorkshopStatus::kOperating);
  });
  EXPECT_EQ(foreign.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(
      InTx<Workshop>([&](CourseTx& tx) { return logic_.GetWorkshop(tx, stranger, operating); })
          .status()
          .code(),
      absl::StatusCode::kNotFound);
  EXPECT_TRUE(InTx<Workshop>([&](CourseTx& tx) {
                return logic_.GetWorkshop(tx, kReporter, operating);
              }).ok());
}

TEST_F(CourseLogicTest, CourseRunTransitions) {
  using S = RunStatus;
  const std::vector<S> all = {S::kScheduled, S::kOpen, S::kInProgress, S::kCompleted,
                              S::kCancelled};
  const std::vector<std::pair<S, S>> allowed = {
      {S::kScheduled, S::kOpen},      {S::kOpen, S::kInProgress}, {S::kInProgress, S::kCompleted},
      {S::kScheduled, S::kCancelled}, {S::kOpen, S::kCancelled},  {S::kInProgress, S::kCancelled}};
  for (S from : all) {
    for (S to : all) {
      const int64_t id = AddRun(from);
      auto moved = InTx<ChangedRun>([&](CourseTx& tx) {
        return logic_.TransitionCourseRun(tx, kAdmin, id, std::nullopt, to, "reason");
      });
      const bool expect_ok =
          std::find(allowed.begin(), allowed.end(), std::make_pair(from, to)) != allowed.end();
      EXPECT_EQ(moved.ok(), expect_ok)
          << RunStatusName(from) << " -> " << RunStatusName(to) << ": " << moved.status();
      EXPECT_EQ(store_.data().course_runs.at(id).status, expect_ok ? to : from);
      if (moved.ok()) {  // owned, for its change event, by its workshop's founders
        EXPECT_EQ(moved->owners.first, chinese_);
        EXPECT_EQ(moved->owners.second, partner_);
      }
      if (!expect_ok) {
        EXPECT_EQ(moved.status().code(), absl::StatusCode::kFailedPrecondition);
      }
    }
  }
}

TEST_F(CourseLogicTest, RunsAreScheduledOnlyAtOperatingWorkshops) {
  const int64_t course = AddCourse();
  for (WorkshopStatus status : {WorkshopStatus::kPlanned, WorkshopStatus::kSuspended,
                                WorkshopStatus::kClosed, WorkshopStatus::kOperating}) {
    auto run = CreateRun(kAdmin, MakeRun(course, AddWorkshop(status)));
    if (status == WorkshopStatus::kOperating) {
      ASSERT_TRUE(run.ok()) << run.status();
      EXPECT_EQ(run->status, RunStatus::kScheduled);
      EXPECT_EQ(run->country, "TJ");
    } else {
      EXPECT_EQ(run.status().code(), absl::StatusCode::kFailedPrecondition)
          << WorkshopStatusName(status);
    }
  }
  // A run opens only while its workshop operates.
  const int64_t workshop = AddWorkshop(WorkshopStatus::kOperating);
  auto run = CreateRun(kAdmin, MakeRun(course, workshop));
  ASSERT_TRUE(run.ok());
  store_.data().workshops.at(workshop).status = WorkshopStatus::kSuspended;
  EXPECT_EQ(InTx<ChangedRun>([&](CourseTx& tx) {
              return logic_.TransitionCourseRun(tx, kAdmin, run->meta.id, std::nullopt,
                                                RunStatus::kOpen, "");
            })
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(CourseLogicTest, RunFieldRules) {
  const int64_t course = AddCourse();
  const int64_t workshop = AddWorkshop(WorkshopStatus::kOperating);
  struct Case {
    const char* what;
    std::function<void(CourseRun&)> spoil;
  };
  for (const Case& c : std::vector<Case>{
           {"end before start", [](CourseRun& r) { r.end_date = absl::CivilDay(2027, 2, 28); }},
           {"no seats", [](CourseRun& r) { r.capacity = 0; }},
           {"too many seats", [](CourseRun& r) { r.capacity = 10001; }},
           {"untaught language", [](CourseRun& r) { r.language = "kk"; }},
           {"bad language tag", [](CourseRun& r) { r.language = "Tajik"; }},
           {"negative pass score", [](CourseRun& r) { r.pass_score = -1; }},
           {"attendance over 100", [](CourseRun& r) { r.min_attendance_percent = 101; }},
       }) {
    CourseRun run = MakeRun(course, workshop);
    c.spoil(run);
    EXPECT_EQ(CreateRun(kAdmin, run).status().code(), absl::StatusCode::kInvalidArgument) << c.what;
  }
  EXPECT_TRUE(store_.data().course_runs.empty());
  EXPECT_TRUE(store_.ledger().audit().empty());
}

TEST_F(CourseLogicTest, CapacityOfAnOpenRunOnlyGrows) {
  const int64_t id = AddRun(RunStatus::kOpen);
  auto update = [&](int capacity) {
    CourseRunPatch patch;
    patch.capacity = capacity;
    return InTx<ChangedRun>(
        [&](CourseTx& tx) { return logic_.UpdateCourseRun(tx, kAdmin, id, std::nullopt, patch); });
  };
  EXPECT_EQ(update(19).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(update(21).ok());
  EXPECT_EQ(store_.data().course_runs.at(id).capacity, 21);
  const int64_t scheduled = AddRun(RunStatus::kScheduled);
  CourseRunPatch patch;
  patch.capacity = 5;
  EXPECT_TRUE(InTx<ChangedRun>([&](CourseTx& tx) {
                return logic_.UpdateCourseRun(tx, kAdmin, scheduled, std::nullopt, patch);
              }).ok());
  const int64_t running = AddRun(RunStatus::kInProgress);
  EXPECT_EQ(InTx<ChangedRun>([&](CourseTx& tx) {
              return logic_.UpdateCourseRun(tx, kAdmin, running, std::nullopt, patch);
            })
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(CourseLogicTest, StaleVersionIsAborted) {
  const int64_t id = AddRun(RunStatus::kScheduled);
  const int64_t version = store_.data().course_runs.at(id).meta.version;
  CourseRunPatch patch;
  patch.capacity = 30;
  auto stale = InTx<ChangedRun>(
      [&](CourseTx& tx) { return logic_.UpdateCourseRun(tx, kAdmin, id, version + 1, patch); });
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(store_.data().course_runs.at(id).capacity, 20);
  EXPECT_TRUE(InTx<ChangedRun>([&](CourseTx& tx) {
                return logic_.UpdateCourseRun(tx, kAdmin, id, version, patch);
              }).ok());
}

TEST_F(CourseLogicTest, AWorkshopClosesOnlyWhenNoRunIsActive) {
  const int64_t id = AddRun(RunStatus::kInProgress);
  const int64_t workshop = store_.data().course_runs.at(id).workshop_id;
  auto close = [&] {
    return InTx<Workshop>([&](CourseTx& tx) {
      return logic_.ChangeWorkshopStatus(tx, kAdmin, workshop, std::nullopt,
                                         WorkshopStatus::kClosed);
    });
  };
  EXPECT_EQ(close().status().code(), absl::StatusCode::kFailedPrecondition);
  store_.data().course_runs.at(id).status = RunStatus::kCompleted;
  EXPECT_TRUE(close().ok());
  // Closed is final, even for descriptive changes.
  WorkshopPatch patch;
  patch.city = "Хуҷанд";
  EXPECT_EQ(InTx<Workshop>([&](CourseTx& tx) {
              return logic_.UpdateWorkshop(tx, kAdmin, workshop, std::nullopt, patch);
            })
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(CourseLogicTest, CourseRules) {
  Course course;
  course.code = "URT-101";
  course.titles = {{"zh", "城市轨道交通运营"}, {"ru", "Эксплуатация"}};
  course.discipline = "urban rail";
  course.hours = 120;
  course.languages = {"ru", "zh"};
  auto create = [&](const Course& c) {
    return InTx<Course>([&](CourseTx& tx) { return logic_.CreateCourse(tx, c); }).status();
  };
  EXPECT_TRUE(create(course).ok());
  EXPECT_EQ(create(course).code(), absl::StatusCode::kAlreadyExists);
  for (auto spoil : std::vector<std::function<void(Course&)>>{
           [](Course& c) { c.code = "urt-1"; },
           [](Course& c) { c.code = "X"; },
           [](Course& c) { c.hours = 0; },
           [](Course& c) { c.languages.clear(); },
           [](Course& c) {
             c.languages = {"ru", "ru"};
           },
           [](Course& c) { c.titles.clear(); },
           [](Course& c) {
             c.titles = {{"ru", "a"}, {"ru", "b"}};
           },
           [](Course& c) { c.discipline = ""; },
       }) {
    Course bad = course;
    bad.code = "NEW-1";
    spoil(bad);
    EXPECT_EQ(create(bad).code(), absl::StatusCode::kInvalidArgument) << bad.code;
  }
}

}  // namespace
}  // namespace luban::course
