// Repository tests of the course store. The contract tests run against the MySQL store on a real
// MariaDB and against FakeCourseStore, so the fake the domain tests rely on keeps the same
// contract; the tests after them need the database itself (locking, stored bytes).
#include "services/course/storage/mysql_course_store.h"

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/db/migrations.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/course/domain/repository.h"
#include "tests/course/fake_course_store.h"
#include "tests/support/store_test.h"
#include "tests/support/test_database.h"

namespace luban::course {
namespace {

using ::luban::testing::Backend;
using ::luban::testing::BackendName;
using ::luban::testing::ExpectMetaEq;
using ::luban::testing::Ids;
using ::luban::testing::Must;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Names the issue asks to survive byte-exact, plus text that JSON must escape.
constexpr char kTajikUniversity[] = "Донишгоҳи техникии Тоҷикистон";
constexpr char kKazakhstan[] = "Қазақстан";
constexpr char kRussian[] = "Таджикский технический университет имени академика М. С. Осими";
constexpr char kTianjinCollege[] = "天津城市建设管理职业技术学院";
constexpr char kAwkward[] = "quote \" backslash \\ slash / tab\t emoji 🛠 ӣӯҷ";

// A time with microseconds, which DATETIME(6) keeps.
const absl::Time kCreated = absl::FromUnixMicros(1'700'000'000'123'456);
const absl::Time kUpdated = absl::FromUnixMicros(1'700'100'000'654'321);

Institution MakeInstitution(InstitutionKind kind, std::string country,
                            std::vector<LocalizedText> names) {
  Institution institution;
  institution.meta.version = 1;
  institution.meta.create_time = kCreated;
  institution.meta.update_time = kCreated;
  institution.kind = kind;
  institution.country = std::move(country);
  institution.names = std::move(names);
  institution.city = "Dushanbe";
  institution.website = "https://ttu.tj";
  return institution;
}

Workshop MakeWorkshop(int64_t chinese, int64_t partner, std::string country,
                      WorkshopStatus status = WorkshopStatus::kOperating) {
  Workshop workshop;
  workshop.meta.version = 1;
  workshop.meta.create_time = kCreated;
  workshop.meta.update_time = kCreated;
  workshop.names = {{"en", "Luban Workshop"}, {"zh", "鲁班工坊"}};
  workshop.country = std::move(country);
  workshop.city = "Душанбе";
  workshop.chinese_institution_id = chinese;
  workshop.partner_institution_id = partner;
  workshop.status = status;
  workshop.opened_date = absl::CivilDay(2022, 11, 28);
  workshop.disciplines = {"urban-rail", "surveying"};
  return workshop;
}

Course MakeCourse(std::string code, std::string discipline = "surveying") {
  Course course;
  course.meta.version = 1;
  course.meta.create_time = kCreated;
  course.meta.update_time = kCreated;
  course.code = std::move(code);
  course.titles = {{"en", "Engineering surveying"}, {"ru", "Инженерная геодезия"}};
  course.discipline = std::move(discipline);
  course.hours = 72;
  course.languages = {"ru", "tg", "zh"};
  course.description = "Total stations, GNSS, levelling.\nTwo field weeks.";
  return course;
}

CourseRun MakeRun(int64_t course_id, int64_t workshop_id, absl::CivilDay start,
                  std::string country = "TJ", RunStatus status = RunStatus::kOpen) {
  CourseRun run;
  run.meta.version = 1;
  run.meta.create_time = kCreated;
  run.meta.update_time = kCreated;
  run.course_id = course_id;
  run.workshop_id = workshop_id;
  run.start_date = start;
  run.end_date = start + 30;
  run.capacity = 20;
  run.language = "ru";
  run.status = status;
  run.pass_score = 60;
  run.min_attendance_percent = 80;
  run.country = std::move(country);
  return run;
}

void ExpectInstitutionEq(const Institution& actual, const Institution& expected) {
  ExpectMetaEq(actual.meta, expected.meta);
  EXPECT_EQ(actual.kind, expected.kind);
  EXPECT_EQ(actual.country, expected.country);
  EXPECT_EQ(actual.names, expected.names);
  EXPECT_EQ(actual.city, expected.city);
  EXPECT_EQ(actual.website, expected.website);
}

void ExpectWorkshopEq(const Workshop& actual, const Workshop& expected) {
  ExpectMetaEq(actual.meta, expected.meta);
  EXPECT_EQ(actual.names, expected.names);
  EXPECT_EQ(actual.country, expected.country);
  EXPECT_EQ(actual.city, expected.city);
  EXPECT_EQ(actual.chinese_institution_id, expected.chinese_institution_id);
  EXPECT_EQ(actual.partner_institution_id, expected.partner_institution_id);
  EXPECT_EQ(actual.status, expected.status);
  EXPECT_EQ(actual.opened_date, expected.opened_date);
  EXPECT_EQ(actual.disciplines, expected.disciplines);
}

void ExpectCourseEq(const Course& actual, const Course& expected) {
  ExpectMetaEq(actual.meta, expected.meta);
  EXPECT_EQ(actual.code, expected.code);
  EXPECT_EQ(actual.titles, expected.titles);
  EXPECT_EQ(actual.discipline, expected.discipline);
  EXPECT_EQ(actual.hours, expected.hours);
  EXPECT_EQ(actual.languages, expected.languages);
  EXPECT_EQ(actual.description, expected.description);
}

void ExpectRunEq(const CourseRun& actual, const CourseRun& expected) {
  ExpectMetaEq(actual.meta, expected.meta);
  EXPECT_EQ(actual.course_id, expected.course_id);
  EXPECT_EQ(actual.workshop_id, expected.workshop_id);
  EXPECT_EQ(actual.start_date, expected.start_date);
  EXPECT_EQ(actual.end_date, expected.end_date);
  EXPECT_EQ(actual.capacity, expected.capacity);
  EXPECT_EQ(actual.language, expected.language);
  EXPECT_EQ(actual.status, expected.status);
  EXPECT_EQ(actual.pass_score, expected.pass_score);
  EXPECT_EQ(actual.min_attendance_percent, expected.min_attendance_percent);
  EXPECT_EQ(actual.cancel_reason, expected.cancel_reason);
  EXPECT_EQ(actual.country, expected.country);
}

RequestKey Key(std::string request_id, char hash_byte = 'a') {
  return RequestKey{"tju-admin", std::move(request_id), "/luban.course.v1.CourseService/Create",
                    std::string(32, hash_byte)};
}

AuditRecord AuditOf(std::string resource_name) {
  AuditRecord record;
  record.actor = "tju-admin";
  record.actor_role = "college_admin";
  record.request_id = "req-1";
  record.method = "/luban.course.v1.CourseService/Create";
  record.resource_name = std::move(resource_name);
  record.action = "created";
  record.details = "{}";
  return record;
}

// The course service's pieces of the shared store fixture.
struct CourseStoreTraits {
  using Tx = CourseTx;
  using Fake = testing::FakeCourseStore;
  using MySql = MySqlCourseStore;
  static const std::vector<db::Migration>& Migrations() { return CourseMigrations(); }
};

// The contract fixture (tests/support/store_test.h) with the course service's helpers.
class CourseStoreTest : public luban::testing::StoreTest<CourseStoreTraits> {
 protected:
  int64_t AddInstitution(const Institution& institution) {
    auto id = Read<int64_t>([&](CourseTx& tx) { return tx.InsertInstitution(institution); });
    EXPECT_TRUE(id.ok()) << id.status();
    return id.value_or(0);
  }
  int64_t AddWorkshop(const Workshop& workshop) {
    auto id = Read<int64_t>([&](CourseTx& tx) { return tx.InsertWorkshop(workshop); });
    EXPECT_TRUE(id.ok()) << id.status();
    return id.value_or(0);
  }
  int64_t AddCourse(const Course& course) {
    auto id = Read<int64_t>([&](CourseTx& tx) { return tx.InsertCourse(course); });
    EXPECT_TRUE(id.ok()) << id.status();
    return id.value_or(0);
  }
  int64_t AddRun(const CourseRun& run) {
    auto id = Read<int64_t>([&](CourseTx& tx) { return tx.InsertCourseRun(run); });
    EXPECT_TRUE(id.ok()) << id.status();
    return id.value_or(0);
  }

  bool HasWorkshops(int64_t institution) {
    return Must(Read<bool>([&](CourseTx& tx) { return tx.InstitutionHasWorkshops(institution); }));
  }
  bool HasRuns(int64_t course) {
    return Must(Read<bool>([&](CourseTx& tx) { return tx.CourseHasRuns(course); }));
  }
  int64_t CountRuns(int64_t workshop, bool active_only) {
    return Must(
        Read<int64_t>([&](CourseTx& tx) { return tx.CountWorkshopRuns(workshop, active_only); }));
  }

  // A Chinese college and a Tajik partner; returns their ids. (Tests whose lambdas use the ids
  // name them as variables: clang 14 cannot capture structured bindings.)
  std::pair<int64_t, int64_t> AddFounders() {
    const int64_t chinese = AddInstitution(
        MakeInstitution(InstitutionKind::kChineseCollege, "CN", {{"zh", kTianjinCollege}}));
    const int64_t partner = AddInstitution(
        MakeInstitution(InstitutionKind::kLocalPartner, "TJ", {{"tg", kTajikUniversity}}));
    return {chinese, partner};
  }
};

INSTANTIATE_TEST_SUITE_P(Backends, CourseStoreTest,
                         ::testing::Values(Backend::kMySql, Backend::kFake), BackendName);

TEST_P(CourseStoreTest, InstitutionCrud) {
  Institution institution = MakeInstitution(
      InstitutionKind::kLocalPartner, "TJ",
      {{"tg", kTajikUniversity}, {"ru", kRussian}, {"zh", kTianjinCollege}, {"kk", kKazakhstan}});
  institution.meta.id = AddInstitution(institution);
  ASSERT_GT(institution.meta.id, 0);

  auto got = Read<Institution>(
      [&](CourseTx& tx) { return tx.GetInstitution(institution.meta.id, false); });
  ASSERT_TRUE(got.ok()) << got.status();
  ExpectInstitutionEq(*got, institution);

  Institution changed = *got;
  changed.names = {{"en", "Tajik Technical University"}, {"tg", kTajikUniversity}};
  changed.city = "Худжанд";
  changed.website = "https://ttu.tj/en";
  changed.meta.version = 2;
  changed.meta.update_time = kUpdated;
  ASSERT_TRUE(Run([&](CourseTx& tx) { return tx.UpdateInstitution(changed); }).ok());
  got = Read<Institution>(
      [&](CourseTx& tx) { return tx.GetInstitution(institution.meta.id, /*for_update=*/true); });
  ASSERT_TRUE(got.ok()) << got.status();
  ExpectInstitutionEq(*got, changed);
  EXPECT_EQ(got->meta.create_time, kCreated);

  ASSERT_TRUE(Run([&](CourseTx& tx) { return tx.DeleteInstitution(institution.meta.id); }).ok());
  got = Read<Institution>(
      [&](CourseTx& tx) { return tx.GetInstitution(institution.meta.id, false); });
  EXPECT_EQ(got.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(got.status().message(),
            absl::StrCat("institutions/", institution.meta.id, ": not found"));
}

TEST_P(CourseStoreTest, WorkshopCrud) {
  auto [chinese, partner] = AddFounders();
  Workshop workshop = MakeWorkshop(chinese, partner, "TJ");
  workshop.names = {{"tg", "Коргоҳи Лубан"}, {"ru", "Мастерская Лубань"}, {"zh", "鲁班工坊"}};
  workshop.meta.id = AddWorkshop(workshop);
  auto got = Read<Workshop>([&](CourseTx& tx) { return tx.GetWorkshop(workshop.meta.id, false); });
  ASSERT_TRUE(got.ok()) << got.status();
  ExpectWorkshopEq(*got, workshop);

  // No opened date, no disciplines, another status.
  Workshop changed = *got;
  changed.opened_date.reset();
  changed.disciplines.clear();
  changed.status = WorkshopStatus::kSuspended;
  changed.city = "Бохтар";
  changed.meta.version = 2;
  changed.meta.update_time = kUpdated;
  ASSERT_TRUE(Run([&](CourseTx& tx) { return tx.UpdateWorkshop(changed); }).ok());
  got = Read<Workshop>([&](CourseTx& tx) { return tx.GetWorkshop(workshop.meta.id, true); });
  ASSERT_TRUE(got.ok()) << got.status();
  ExpectWorkshopEq(*got, changed);

  ASSERT_TRUE(Run([&](CourseTx& tx) { return tx.DeleteWorkshop(workshop.meta.id); }).ok());
  got = Read<Workshop>([&](CourseTx& tx) { return tx.GetWorkshop(workshop.meta.id, false); });
  EXPECT_EQ(got.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(got.status().message(), absl::StrCat("workshops/", workshop.meta.id, ": not found"));
}

TEST_P(CourseStoreTest, CourseCrud) {
  Course course = MakeCourse("TJ-SURV-101");
  course.titles.push_back({"zh", "工程测量"});
  course.titles.push_back({"tg", "Геодезияи муҳандисӣ"});
  course.meta.id = AddCourse(course);
  auto got = Read<Course>([&](CourseTx& tx) { return tx.GetCourse(course.meta.id, false); });
  ASSERT_TRUE(got.ok()) << got.status();
  ExpectCourseEq(*got, course);

  Course changed = *got;
  changed.code = "TJ-SURV-102";
  changed.hours = 96;
  changed.languages = {"tg"};
  changed.description.clear();
  changed.meta.version = 2;
  changed.meta.update_time = kUpdated;
  ASSERT_TRUE(Run([&](CourseTx& tx) { return tx.UpdateCourse(changed); }).ok());
  got = Read<Course>([&](CourseTx& tx) { return tx.GetCourse(course.meta.id, true); });
  ASSERT_TRUE(got.ok()) << got.status();
  ExpectCourseEq(*got, changed);

  ASSERT_TRUE(Run([&](CourseTx& tx) { return tx.DeleteCourse(course.meta.id); }).ok());
  got = Read<Course>([&](CourseTx& tx) { return tx.GetCourse(course.meta.id, false); });
  EXPECT_EQ(got.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(got.status().message(), absl::StrCat("courses/", course.meta.id, ": not found"));
}

TEST_P(CourseStoreTest, CourseRunCrud) {
  auto [chinese, partner] = AddFounders();
  const int64_t workshop = AddWorkshop(MakeWorkshop(chinese, partner, "TJ"));
  const int64_t course = AddCourse(MakeCourse("TJ-RAIL-201", "urban-rail"));
  CourseRun run = MakeRun(course, workshop, absl::CivilDay(2025, 3, 1));
  run.language = "zh-Hans";
  run.meta.id = AddRun(run);
  auto got = Read<CourseRun>([&](CourseTx& tx) { return tx.GetCourseRun(run.meta.id, false); });
  ASSERT_TRUE(got.ok()) << got.status();
  ExpectRunEq(*got, run);

  CourseRun changed = *got;
  changed.status = RunStatus::kCancelled;
  changed.cancel_reason = "Преподаватель заболел; 老师生病了";
  changed.capacity = 12;
  changed.end_date = absl::CivilDay(2025, 4, 30);
  changed.pass_score = 70;
  changed.min_attendance_percent = 90;
  changed.meta.version = 2;
  changed.meta.update_time = kUpdated;
  ASSERT_TRUE(Run([&](CourseTx& tx) { return tx.UpdateCourseRun(changed); }).ok());
  got = Read<CourseRun>([&](CourseTx& tx) { return tx.GetCourseRun(run.meta.id, true); });
  ASSERT_TRUE(got.ok()) << got.status();
  ExpectRunEq(*got, changed);

  ASSERT_TRUE(Run([&](CourseTx& tx) { return tx.DeleteCourseRun(run.meta.id); }).ok());
  got = Read<CourseRun>([&](CourseTx& tx) { return tx.GetCourseRun(run.meta.id, false); });
  EXPECT_EQ(got.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(got.status().message(), absl::StrCat("courseRuns/", run.meta.id, ": not found"));
}

TEST_P(CourseStoreTest, Utf8RoundTripsByteExact) {
  const std::vector<LocalizedText> names = {{"tg", kTajikUniversity},
                                            {"kk", kKazakhstan},
                                            {"ru", kRussian},
                                            {"zh", kTianjinCollege},
                                            {"en", kAwkward}};
  Institution institution = MakeInstitution(InstitutionKind::kLocalPartner, "KZ", names);
  institution.city = kKazakhstan;
  const int64_t id = AddInstitution(institution);
  auto got = Read<Institution>([&](CourseTx& tx) { return tx.GetInstitution(id, false); });
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->names.size(), names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(absl::BytesToHexString(got->names[i].text), absl::BytesToHexString(names[i].text))
        << names[i].language;
  }
  EXPECT_EQ(got->city, kKazakhstan);

  Course course = MakeCourse(absl::StrCat("KZ-", "Қ-1"));
  course.description = absl::StrCat(kTianjinCollege, "\n", kAwkward);
  const int64_t course_id = AddCourse(course);
  auto got_course = Read<Course>([&](CourseTx& tx) { return tx.GetCourse(course_id, false); });
  ASSERT_TRUE(got_course.ok()) << got_course.status();
  EXPECT_EQ(got_course->code, course.code);
  EXPECT_EQ(got_course->description, course.description);
}

TEST_P(CourseStoreTest, TimesKeepMicroseconds) {
  Institution institution =
      MakeInstitution(InstitutionKind::kChineseCollege, "CN", {{"zh", kTianjinCollege}});
  institution.meta.create_time = kCreated + absl::Nanoseconds(999);  // below DATETIME(6)
  const int64_t id = AddInstitution(institution);
  auto got = Read<Institution>([&](CourseTx& tx) { return tx.GetInstitution(id, false); });
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->meta.create_time, kCreated);
}

TEST_P(CourseStoreTest, MissingRowsAreNotFound) {
  auto [chinese, partner] = AddFounders();
  const int64_t workshop = AddWorkshop(MakeWorkshop(chinese, partner, "TJ"));
  const int64_t course = AddCourse(MakeCourse("C-1"));
  constexpr int64_t kMissing = 999999;
  auto expect_not_found = [](const absl::Status& status, const std::string& name) {
    EXPECT_EQ(status.code(), absl::StatusCode::kNotFound) << status;
    EXPECT_EQ(status.message(), absl::StrCat(name, ": not found"));
  };
  Institution institution = MakeInstitution(InstitutionKind::kLocalPartner, "TJ", {{"tg", "x"}});
  institution.meta.id = kMissing;
  Workshop w = MakeWorkshop(chinese, partner, "TJ");
  w.meta.id = kMissing;
  Course c = MakeCourse("C-2");
  c.meta.id = kMissing;
  CourseRun r = MakeRun(course, workshop, absl::CivilDay(2025, 1, 1));
  r.meta.id = kMissing;

  expect_not_found(Run([&](CourseTx& tx) { return tx.GetInstitution(kMissing, true).status(); }),
                   "institutions/999999");
  expect_not_found(Run([&](CourseTx& tx) { return tx.UpdateInstitution(institution); }),
                   "institutions/999999");
  expect_not_found(Run([&](CourseTx& tx) { return tx.DeleteInstitution(kMissing); }),
                   "institutions/999999");
  expect_not_found(Run([&](CourseTx& tx) { return tx.GetWorkshop(kMissing, false).status(); }),
                   "workshops/999999");
  expect_not_found(Run([&](CourseTx& tx) { return tx.UpdateWorkshop(w); }), "workshops/999999");
  expect_not_found(Run([&](CourseTx& tx) { return tx.DeleteWorkshop(kMissing); }),
                   "workshops/999999");
  expect_not_found(Run([&](CourseTx& tx) { return tx.GetCourse(kMissing, false).status(); }),
                   "courses/999999");
  expect_not_found(Run([&](CourseTx& tx) { return tx.UpdateCourse(c); }), "courses/999999");
  expect_not_found(Run([&](CourseTx& tx) { return tx.DeleteCourse(kMissing); }), "courses/999999");
  expect_not_found(Run([&](CourseTx& tx) { return tx.GetCourseRun(kMissing, true).status(); }),
                   "courseRuns/999999");
  expect_not_found(Run([&](CourseTx& tx) { return tx.UpdateCourseRun(r); }), "courseRuns/999999");
  expect_not_found(Run([&](CourseTx& tx) { return tx.DeleteCourseRun(kMissing); }),
                   "courseRuns/999999");
}

TEST_P(CourseStoreTest, UpdateThatChangesNothingSucceeds) {
  const int64_t id = AddCourse(MakeCourse("SAME-1"));
  auto course = Read<Course>([&](CourseTx& tx) { return tx.GetCourse(id, false); });
  ASSERT_TRUE(course.ok()) << course.status();
  // Same row, same version: the database reports no changed row, yet the row exists.
  EXPECT_TRUE(Run([&](CourseTx& tx) { return tx.UpdateCourse(*course); }).ok());
}

TEST_P(CourseStoreTest, DuplicateCourseCodeIsAlreadyExists) {
  const int64_t first = AddCourse(MakeCourse("KZ-CNC-301"));
  const int64_t second = AddCourse(MakeCourse("KZ-CNC-302"));
  absl::Status status =
      Run([&](CourseTx& tx) { return tx.InsertCourse(MakeCourse("KZ-CNC-301")).status(); });
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists) << status;
  EXPECT_EQ(status.message(), "code: a course with code \"KZ-CNC-301\" already exists");

  // Renaming onto a taken code is refused the same way.
  auto course = Read<Course>([&](CourseTx& tx) { return tx.GetCourse(second, false); });
  ASSERT_TRUE(course.ok()) << course.status();
  course->code = "KZ-CNC-301";
  course->meta.version = 2;
  status = Run([&](CourseTx& tx) { return tx.UpdateCourse(*course); });
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists) << status;
  EXPECT_EQ(status.message(), "code: a course with code \"KZ-CNC-301\" already exists");

  // Codes compare byte-exact: another case is another code.
  EXPECT_GT(AddCourse(MakeCourse("kz-cnc-301")), 0);
  auto page = Read<Page<Course>>([&](CourseTx& tx) { return tx.ListCourses({}, 0, 10); });
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->items.size(), 3u);
  EXPECT_EQ(page->items[0].meta.id, first);
}

TEST_P(CourseStoreTest, ListsPageByKeyset) {
  std::vector<int64_t> all;
  for (int i = 0; i < 7; ++i) {
    all.push_back(
        AddInstitution(MakeInstitution(InstitutionKind::kLocalPartner, i % 2 == 0 ? "KZ" : "UZ",
                                       {{"kk", absl::StrCat(kKazakhstan, " ", i)}})));
  }
  std::vector<int64_t> seen;
  std::vector<bool> more;
  int64_t after = 0;
  for (int pages = 0; pages < 10; ++pages) {
    auto page =
        Read<Page<Institution>>([&](CourseTx& tx) { return tx.ListInstitutions({}, after, 3); });
    ASSERT_TRUE(page.ok()) << page.status();
    for (int64_t id : Ids(*page)) seen.push_back(id);
    more.push_back(page->more);
    if (!page->more) break;
    after = page->items.back().meta.id;
  }
  EXPECT_EQ(seen, all);
  EXPECT_THAT(more, ElementsAre(true, true, false));

  // With a filter, pages skip rows that do not match; an exact fit has no more.
  InstitutionFilter kazakh;
  kazakh.country = "KZ";
  auto first =
      Read<Page<Institution>>([&](CourseTx& tx) { return tx.ListInstitutions(kazakh, 0, 2); });
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_THAT(Ids(*first), ElementsAre(all[0], all[2]));
  EXPECT_TRUE(first->more);
  auto second =
      Read<Page<Institution>>([&](CourseTx& tx) { return tx.ListInstitutions(kazakh, all[2], 2); });
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_THAT(Ids(*second), ElementsAre(all[4], all[6]));
  EXPECT_FALSE(second->more);

  auto bad = Read<Page<Institution>>([&](CourseTx& tx) { return tx.ListInstitutions({}, 0, 0); });
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(CourseStoreTest, InstitutionFilters) {
  auto [chinese, partner] = AddFounders();
  const int64_t kazakh =
      AddInstitution(MakeInstitution(InstitutionKind::kLocalPartner, "KZ", {{"kk", kKazakhstan}}));
  auto list = [&](const std::function<void(InstitutionFilter&)>& set) {
    InstitutionFilter filter;
    set(filter);
    auto page =
        Read<Page<Institution>>([&](CourseTx& tx) { return tx.ListInstitutions(filter, 0, 100); });
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() ? Ids(*page) : std::vector<int64_t>{};
  };
  EXPECT_THAT(list([](auto&) {}), ElementsAre(chinese, partner, kazakh));
  EXPECT_THAT(list([&](auto& f) { f.country = "KZ"; }), ElementsAre(kazakh));
  EXPECT_THAT(list([&](auto& f) { f.kind = InstitutionKind::kLocalPartner; }),
              ElementsAre(partner, kazakh));
  EXPECT_THAT(list([&](auto& f) {
                f.country = "CN";
                f.kind = InstitutionKind::kChineseCollege;
              }),
              ElementsAre(chinese));
  EXPECT_THAT(list([&](auto& f) {
                f.country = "CN";
                f.kind = InstitutionKind::kLocalPartner;
              }),
              ElementsAre());
}

TEST_P(CourseStoreTest, WorkshopFilters) {
  const std::pair<int64_t, int64_t> founders = AddFounders();
  const int64_t tianjin = founders.first;
  const int64_t ttu = founders.second;
  const int64_t kazakh =
      AddInstitution(MakeInstitution(InstitutionKind::kLocalPartner, "KZ", {{"kk", kKazakhstan}}));
  const int64_t other_chinese = AddInstitution(
      MakeInstitution(InstitutionKind::kChineseCollege, "CN", {{"zh", "天津职业大学"}}));
  const int64_t tj = AddWorkshop(MakeWorkshop(tianjin, ttu, "TJ"));
  const int64_t kz =
      AddWorkshop(MakeWorkshop(other_chinese, kazakh, "KZ", WorkshopStatus::kPlanned));
  const int64_t kz2 = AddWorkshop(MakeWorkshop(tianjin, kazakh, "KZ"));
  auto list = [&](const std::function<void(WorkshopFilter&)>& set) {
    WorkshopFilter filter;
    set(filter);
    auto page =
        Read<Page<Workshop>>([&](CourseTx& tx) { return tx.ListWorkshops(filter, 0, 100); });
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() ? Ids(*page) : std::vector<int64_t>{};
  };
  EXPECT_THAT(list([](auto&) {}), ElementsAre(tj, kz, kz2));
  EXPECT_THAT(list([&](auto& f) { f.country = "KZ"; }), ElementsAre(kz, kz2));
  EXPECT_THAT(list([&](auto& f) { f.status = WorkshopStatus::kOperating; }), ElementsAre(tj, kz2));
  // The Chinese or the partner side.
  EXPECT_THAT(list([&](auto& f) { f.institution_id = tianjin; }), ElementsAre(tj, kz2));
  EXPECT_THAT(list([&](auto& f) { f.institution_id = kazakh; }), ElementsAre(kz, kz2));
  EXPECT_THAT(list([&](auto& f) { f.visible_to_institution = ttu; }), ElementsAre(tj));
  EXPECT_THAT(list([&](auto& f) {
                f.institution_id = tianjin;
                f.visible_to_institution = kazakh;
              }),
              ElementsAre(kz2));
  EXPECT_THAT(list([&](auto& f) {
                f.country = "KZ";
                f.status = WorkshopStatus::kOperating;
                f.visible_to_institution = other_chinese;
              }),
              ElementsAre());
}

TEST_P(CourseStoreTest, CourseFilters) {
  const int64_t surveying = AddCourse(MakeCourse("S-1", "surveying"));
  const int64_t rail = AddCourse(MakeCourse("R-1", "urban-rail"));
  const int64_t surveying2 = AddCourse(MakeCourse("S-2", "surveying"));
  auto list = [&](const std::function<void(CourseFilter&)>& set) {
    CourseFilter filter;
    set(filter);
    auto page = Read<Page<Course>>([&](CourseTx& tx) { return tx.ListCourses(filter, 0, 100); });
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() ? Ids(*page) : std::vector<int64_t>{};
  };
  EXPECT_THAT(list([](auto&) {}), ElementsAre(surveying, rail, surveying2));
  EXPECT_THAT(list([&](auto& f) { f.discipline = "surveying"; }),
              ElementsAre(surveying, surveying2));
  EXPECT_THAT(list([&](auto& f) { f.discipline = "Surveying"; }), ElementsAre());
}

TEST_P(CourseStoreTest, CourseRunFilters) {
  const std::pair<int64_t, int64_t> founders = AddFounders();
  const int64_t tianjin = founders.first;
  const int64_t ttu = founders.second;
  const int64_t kazakh =
      AddInstitution(MakeInstitution(InstitutionKind::kLocalPartner, "KZ", {{"kk", kKazakhstan}}));
  const int64_t tj = AddWorkshop(MakeWorkshop(tianjin, ttu, "TJ"));
  const int64_t kz = AddWorkshop(MakeWorkshop(tianjin, kazakh, "KZ"));
  const int64_t surveying = AddCourse(MakeCourse("S-1"));
  const int64_t rail = AddCourse(MakeCourse("R-1", "urban-rail"));
  const int64_t r1 = AddRun(MakeRun(surveying, tj, absl::CivilDay(2025, 1, 10), "TJ"));
  const int64_t r2 =
      AddRun(MakeRun(rail, tj, absl::CivilDay(2025, 3, 1), "TJ", RunStatus::kCancelled));
  const int64_t r3 = AddRun(MakeRun(surveying, kz, absl::CivilDay(2025, 3, 1), "KZ"));
  const int64_t r4 =
      AddRun(MakeRun(rail, kz, absl::CivilDay(2025, 6, 30), "KZ", RunStatus::kScheduled));
  auto list = [&](const std::function<void(CourseRunFilter&)>& set) {
    CourseRunFilter filter;
    set(filter);
    auto page =
        Read<Page<CourseRun>>([&](CourseTx& tx) { return tx.ListCourseRuns(filter, 0, 100); });
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() ? Ids(*page) : std::vector<int64_t>{};
  };
  EXPECT_THAT(list([](auto&) {}), ElementsAre(r1, r2, r3, r4));
  EXPECT_THAT(list([&](auto& f) { f.country = "KZ"; }), ElementsAre(r3, r4));
  EXPECT_THAT(list([&](auto& f) { f.workshop_id = tj; }), ElementsAre(r1, r2));
  EXPECT_THAT(list([&](auto& f) { f.course_id = rail; }), ElementsAre(r2, r4));
  EXPECT_THAT(list([&](auto& f) { f.status = RunStatus::kOpen; }), ElementsAre(r1, r3));
  // Date bounds are inclusive.
  EXPECT_THAT(list([&](auto& f) { f.start_from = absl::CivilDay(2025, 3, 1); }),
              ElementsAre(r2, r3, r4));
  EXPECT_THAT(list([&](auto& f) { f.start_to = absl::CivilDay(2025, 3, 1); }),
              ElementsAre(r1, r2, r3));
  EXPECT_THAT(list([&](auto& f) {
                f.start_from = absl::CivilDay(2025, 3, 1);
                f.start_to = absl::CivilDay(2025, 3, 1);
              }),
              ElementsAre(r2, r3));
  // Institutions see runs through the run's workshop, on either side.
  EXPECT_THAT(list([&](auto& f) { f.institution_id = tianjin; }), ElementsAre(r1, r2, r3, r4));
  EXPECT_THAT(list([&](auto& f) { f.institution_id = kazakh; }), ElementsAre(r3, r4));
  EXPECT_THAT(list([&](auto& f) { f.visible_to_institution = ttu; }), ElementsAre(r1, r2));
  EXPECT_THAT(list([&](auto& f) {
                f.course_id = surveying;
                f.visible_to_institution = ttu;
              }),
              ElementsAre(r1));
  EXPECT_THAT(list([&](auto& f) {
                f.institution_id = ttu;
                f.visible_to_institution = kazakh;
              }),
              ElementsAre());

  // Keyset paging through a joined, filtered list.
  CourseRunFilter tianjin_runs;
  tianjin_runs.institution_id = tianjin;
  auto page =
      Read<Page<CourseRun>>([&](CourseTx& tx) { return tx.ListCourseRuns(tianjin_runs, 0, 3); });
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_THAT(Ids(*page), ElementsAre(r1, r2, r3));
  EXPECT_TRUE(page->more);
  page =
      Read<Page<CourseRun>>([&](CourseTx& tx) { return tx.ListCourseRuns(tianjin_runs, r3, 3); });
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_THAT(Ids(*page), ElementsAre(r4));
  EXPECT_FALSE(page->more);
}

TEST_P(CourseStoreTest, ReferencesAndDeletes) {
  const std::pair<int64_t, int64_t> founders = AddFounders();
  const int64_t chinese = founders.first;
  const int64_t partner = founders.second;
  // A workshop needs both institutions.
  absl::Status status = Run([&](CourseTx& tx) {
    return tx.InsertWorkshop(MakeWorkshop(chinese, 424242, "TJ")).status();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;

  const int64_t workshop = AddWorkshop(MakeWorkshop(chinese, partner, "TJ"));
  const int64_t course = AddCourse(MakeCourse("D-1"));
  status = Run([&](CourseTx& tx) {
    return tx.InsertCourseRun(MakeRun(course, 424242, absl::CivilDay(2025, 1, 1))).status();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  status = Run([&](CourseTx& tx) {
    return tx.InsertCourseRun(MakeRun(424242, workshop, absl::CivilDay(2025, 1, 1))).status();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;

  EXPECT_EQ(HasWorkshops(chinese), true);
  EXPECT_EQ(HasWorkshops(partner), true);
  EXPECT_EQ(HasRuns(course), false);
  EXPECT_EQ(CountRuns(workshop, /*active_only=*/false), 0);

  AddRun(MakeRun(course, workshop, absl::CivilDay(2025, 1, 1)));
  AddRun(MakeRun(course, workshop, absl::CivilDay(2024, 1, 1), "TJ", RunStatus::kCompleted));
  AddRun(MakeRun(course, workshop, absl::CivilDay(2025, 2, 1), "TJ", RunStatus::kInProgress));
  AddRun(MakeRun(course, workshop, absl::CivilDay(2025, 3, 1), "TJ", RunStatus::kScheduled));
  AddRun(MakeRun(course, workshop, absl::CivilDay(2025, 4, 1), "TJ", RunStatus::kCancelled));
  EXPECT_EQ(CountRuns(workshop, /*active_only=*/false), 5);
  EXPECT_EQ(CountRuns(workshop, /*active_only=*/true), 3);
  EXPECT_EQ(HasRuns(course), true);

  // Nothing is deleted while something refers to it.
  status = Run([&](CourseTx& tx) { return tx.DeleteInstitution(partner); });
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_THAT(status.message(), HasSubstr(absl::StrCat("institutions/", partner)));
  status = Run([&](CourseTx& tx) { return tx.DeleteWorkshop(workshop); });
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_THAT(status.message(), HasSubstr(absl::StrCat("workshops/", workshop)));
  status = Run([&](CourseTx& tx) { return tx.DeleteCourse(course); });
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_THAT(status.message(), HasSubstr(absl::StrCat("courses/", course)));
  EXPECT_TRUE(Read<Course>([&](CourseTx& tx) { return tx.GetCourse(course, false); }).ok());

  // Once the runs go, the rest can go, dependents first.
  ASSERT_TRUE(Run([&](CourseTx& tx) -> absl::Status {
                CourseRunFilter filter;
                filter.workshop_id = workshop;
                auto runs = tx.ListCourseRuns(filter, 0, 100);
                if (!runs.ok()) return runs.status();
                for (const CourseRun& run : runs->items) {
                  if (auto s = tx.DeleteCourseRun(run.meta.id); !s.ok()) return s;
                }
                return absl::OkStatus();
              }).ok());
  EXPECT_EQ(CountRuns(workshop, /*active_only=*/false), 0);
  EXPECT_TRUE(Run([&](CourseTx& tx) { return tx.DeleteCourse(course); }).ok());
  EXPECT_TRUE(Run([&](CourseTx& tx) { return tx.DeleteWorkshop(workshop); }).ok());
  EXPECT_EQ(HasWorkshops(partner), false);
  EXPECT_TRUE(Run([&](CourseTx& tx) { return tx.DeleteInstitution(partner); }).ok());
}

TEST_P(CourseStoreTest, FailedBodyRollsEverythingBack) {
  const std::pair<int64_t, int64_t> founders = AddFounders();
  const int64_t chinese = founders.first;
  const int64_t partner = founders.second;
  const int64_t audits = AuditCount();
  absl::Status status = Run([&](CourseTx& tx) -> absl::Status {
    auto institution = tx.GetInstitution(partner, /*for_update=*/true);
    if (!institution.ok()) return institution.status();
    institution->city = "changed";
    institution->meta.version = 2;
    if (auto s = tx.UpdateInstitution(*institution); !s.ok()) return s;
    auto workshop = tx.InsertWorkshop(MakeWorkshop(chinese, partner, "TJ"));
    if (!workshop.ok()) return workshop.status();
    if (auto s = tx.DeleteInstitution(chinese); s.code() != absl::StatusCode::kFailedPrecondition) {
      return absl::InternalError("expected the delete to be refused");
    }
    auto claim = tx.ledger().ClaimRequest(Key("rollback-1"));
    if (!claim.ok()) return claim.status();
    if (auto s = tx.ledger().Audit(AuditOf("workshops/1")); !s.ok()) return s;
    return absl::FailedPreconditionError("the rule said no");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(), "the rule said no");

  auto institution =
      Read<Institution>([&](CourseTx& tx) { return tx.GetInstitution(partner, false); });
  ASSERT_TRUE(institution.ok()) << institution.status();
  EXPECT_EQ(institution->city, "Dushanbe");
  EXPECT_EQ(institution->meta.version, 1);
  auto workshops = Read<Page<Workshop>>([&](CourseTx& tx) { return tx.ListWorkshops({}, 0, 10); });
  ASSERT_TRUE(workshops.ok()) << workshops.status();
  EXPECT_TRUE(workshops->items.empty());
  EXPECT_EQ(AuditCount(), audits);
  // The request id was never claimed: it is new again.
  auto claim = Read<std::optional<std::string>>(
      [&](CourseTx& tx) { return tx.ledger().ClaimRequest(Key("rollback-1")); });
  ASSERT_TRUE(claim.ok()) << claim.status();
  EXPECT_FALSE(claim->has_value());
}

TEST_P(CourseStoreTest, LedgerWorksInTheSameTransaction) {
  const int64_t audits = AuditCount();
  ASSERT_TRUE(Run([&](CourseTx& tx) -> absl::Status {
                auto claim = tx.ledger().ClaimRequest(Key("req-1"));
                if (!claim.ok()) return claim.status();
                if (claim->has_value()) return absl::InternalError("claimed twice");
                if (auto id = tx.InsertCourse(MakeCourse("L-1")); !id.ok()) return id.status();
                if (auto s = tx.ledger().Audit(AuditOf("courses/1")); !s.ok()) return s;
                ChangeRecord change;
                change.resource_type = "courses";
                change.resource_name = "courses/1";
                change.kind = ChangeKind::kCreated;
                change.payload = "state";
                change.request_id = "req-1";
                change.actor = "tju-admin";
                if (auto s = tx.ledger().PublishChange(change); !s.ok()) return s;
                return tx.ledger().SaveResponse(Key("req-1"), "first response");
              }).ok());
  EXPECT_EQ(AuditCount(), audits + 1);

  auto retry = Read<std::optional<std::string>>(
      [&](CourseTx& tx) { return tx.ledger().ClaimRequest(Key("req-1")); });
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_EQ(*retry, std::optional<std::string>("first response"));

  auto reused = Read<std::optional<std::string>>(
      [&](CourseTx& tx) { return tx.ledger().ClaimRequest(Key("req-1", 'b')); });
  EXPECT_EQ(reused.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(CourseStoreTest, PassedDeadlineRunsNothing) {
  bool ran = false;
  absl::Status status =
      store().InTransaction("late", absl::Now() - absl::Seconds(1), [&](CourseTx&) {
        ran = true;
        return absl::OkStatus();
      });
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_FALSE(ran);
}

// ---- the audit trail (tests/support/audit_trail_contract.h) ----

TEST_P(CourseStoreTest, AuditTrailIsReadNewestFirstInPages) {
  luban::testing::ExpectAuditTrailNewestFirstInPages(InLedger());
}

TEST_P(CourseStoreTest, AuditTrailOfOneRecord) {
  luban::testing::ExpectAuditTrailOfOneRecord(InLedger());
}

TEST_P(CourseStoreTest, AuditTrailOfCommittedTransactionsOnly) {
  luban::testing::ExpectAuditTrailOfCommittedTransactions(InLedger());
}

// ---- MySQL only ----

using MySqlCourseStoreTest = luban::testing::MySqlStoreTest<CourseStoreTraits>;

TEST_F(MySqlCourseStoreTest, MigrationsApplyOnceAndCreateTheTables) {
  auto again = Migrate();
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->applied, 0);
  for (const char* table : {"institutions", "workshops", "courses", "course_runs"}) {
    auto collation = db().QueryValue(absl::StrCat(
        "SELECT TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"
        " AND TABLE_NAME = '",
        table, "' AND ENGINE = 'InnoDB'"));
    ASSERT_TRUE(collation.ok()) << table << ": " << collation.status();
    EXPECT_EQ(*collation, "utf8mb4_bin") << table;
  }
}

TEST_F(MySqlCourseStoreTest, StoresUtf8AsUtf8mb4Bytes) {
  Institution institution =
      MakeInstitution(InstitutionKind::kChineseCollege, "CN", {{"zh", kTianjinCollege}});
  institution.city = kTianjinCollege;
  absl::StatusOr<int64_t> id = absl::UnknownError("not run");
  ASSERT_TRUE(store()
                  .InTransaction("insert", absl::InfiniteFuture(),
                                 [&](CourseTx& tx) {
                                   id = tx.InsertInstitution(institution);
                                   return id.status();
                                 })
                  .ok());
  // What other readers of the table (reports, the mysql client) see: the UTF-8 bytes as given.
  auto hex = db().QueryValue(absl::StrCat("SELECT HEX(city) FROM institutions WHERE id = ", *id));
  ASSERT_TRUE(hex.ok()) << hex.status();
  EXPECT_EQ(*hex, absl::AsciiStrToUpper(absl::BytesToHexString(kTianjinCollege)));
  auto name = db().QueryValue(absl::StrCat(
      "SELECT HEX(JSON_VALUE(names, '$[0].text')) FROM institutions WHERE id = ", *id));
  ASSERT_TRUE(name.ok()) << name.status();
  EXPECT_EQ(*name, *hex);
}

// Concurrent read-modify-write of one row through GetCourseRun(for_update): no update is lost.
TEST_F(MySqlCourseStoreTest, ForUpdateSerializesReadModifyWrite) {
  int64_t run_id = 0;
  ASSERT_TRUE(store()
                  .InTransaction(
                      "seed", absl::InfiniteFuture(),
                      [&](CourseTx& tx) -> absl::Status {
                        auto chinese = tx.InsertInstitution(MakeInstitution(
                            InstitutionKind::kChineseCollege, "CN", {{"zh", kTianjinCollege}}));
                        auto partner = tx.InsertInstitution(MakeInstitution(
                            InstitutionKind::kLocalPartner, "TJ", {{"tg", kTajikUniversity}}));
                        if (!chinese.ok() || !partner.ok()) return absl::InternalError("seed");
                        auto workshop = tx.InsertWorkshop(MakeWorkshop(*chinese, *partner, "TJ"));
                        auto course = tx.InsertCourse(MakeCourse("RMW-1"));
                        if (!workshop.ok() || !course.ok()) return absl::InternalError("seed");
                        auto run = tx.InsertCourseRun(
                            MakeRun(*course, *workshop, absl::CivilDay(2025, 1, 1)));
                        if (!run.ok()) return run.status();
                        run_id = *run;
                        return absl::OkStatus();
                      })
                  .ok());
  constexpr int kThreads = 4;
  constexpr int kIncrements = 10;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrements; ++i) {
        absl::Status status = store().InTransaction(
            "increment", absl::Now() + absl::Seconds(30), [&](CourseTx& tx) -> absl::Status {
              auto run = tx.GetCourseRun(run_id, /*for_update=*/true);
              if (!run.ok()) return run.status();
              run->capacity += 1;
              run->meta.version += 1;
              return tx.UpdateCourseRun(*run);
            });
        if (!status.ok()) failures.fetch_add(1);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  absl::StatusOr<CourseRun> run = absl::UnknownError("not run");
  ASSERT_TRUE(store()
                  .InTransaction("read", absl::InfiniteFuture(),
                                 [&](CourseTx& tx) {
                                   run = tx.GetCourseRun(run_id, false);
                                   return run.status();
                                 })
                  .ok());
  EXPECT_EQ(run->capacity, 20 + kThreads * kIncrements);
  EXPECT_EQ(run->meta.version, 1 + kThreads * kIncrements);
}

TEST_F(MySqlCourseStoreTest, FailedBodyLeavesTablesUnchanged) {
  std::vector<std::string> before;
  for (const char* table : {"institutions", "workshops", "courses", "course_runs", "audit_log"}) {
    auto checksum = db().TableChecksum(table);
    ASSERT_TRUE(checksum.ok()) << checksum.status();
    before.push_back(*checksum);
  }
  absl::Status status =
      store().InTransaction("doomed", absl::InfiniteFuture(), [&](CourseTx& tx) -> absl::Status {
        auto chinese = tx.InsertInstitution(
            MakeInstitution(InstitutionKind::kChineseCollege, "CN", {{"zh", kTianjinCollege}}));
        if (!chinese.ok()) return chinese.status();
        if (auto id = tx.InsertCourse(MakeCourse("DOOMED-1")); !id.ok()) return id.status();
        if (auto s = tx.ledger().Audit(AuditOf("courses/1")); !s.ok()) return s;
        return absl::AbortedError("etag: changed by someone else");
      });
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted);
  std::vector<std::string> after;
  for (const char* table : {"institutions", "workshops", "courses", "course_runs", "audit_log"}) {
    auto checksum = db().TableChecksum(table);
    ASSERT_TRUE(checksum.ok()) << checksum.status();
    after.push_back(*checksum);
  }
  EXPECT_EQ(after, before);
}

// JSON columns both ways: a value that cannot be encoded is refused naming the field, and
// nothing is written; a stored value of the wrong shape is INTERNAL naming its table and column,
// the first one in column order.
TEST_F(MySqlCourseStoreTest, JsonColumnsThatDoNotEncodeOrParseNameTheColumn) {
  const auto run = [&](absl::FunctionRef<absl::Status(CourseTx&)> body) {
    return store().InTransaction("json", absl::InfiniteFuture(), body);
  };
  auto before = db().TableChecksum("courses");
  ASSERT_TRUE(before.ok()) << before.status();
  Course bad = MakeCourse("JSON-1");
  bad.titles = {{"en", "\xff"}};
  absl::Status status = run([&](CourseTx& tx) { return tx.InsertCourse(bad).status(); });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("titles: text must be valid UTF-8"));
  auto after = db().TableChecksum("courses");
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(*after, *before);

  Course course = MakeCourse("JSON-1");
  ASSERT_TRUE(run([&](CourseTx& tx) -> absl::Status {
                auto id = tx.InsertCourse(course);
                if (!id.ok()) return id.status();
                course.meta.id = *id;
                return absl::OkStatus();
              }).ok());
  Course changed = course;
  changed.meta.version = 2;
  changed.languages = {"\xff"};
  status = run([&](CourseTx& tx) { return tx.UpdateCourse(changed); });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("languages: text must be valid UTF-8"));
  auto version =
      db().QueryInt(absl::StrCat("SELECT version FROM courses WHERE id = ", course.meta.id));
  ASSERT_TRUE(version.ok()) << version.status();
  EXPECT_EQ(*version, 1);

  const auto read = [&] {
    return run([&](CourseTx& tx) { return tx.GetCourse(course.meta.id, false).status(); });
  };
  ASSERT_TRUE(db().Execute(absl::StrCat("UPDATE courses SET titles = '{}', languages = '[1]'"
                                        " WHERE id = ",
                                        course.meta.id))
                  .ok());
  status = read();
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("courses.titles: stored JSON is malformed"));
  ASSERT_TRUE(
      db().Execute(absl::StrCat("UPDATE courses SET titles = '[]' WHERE id = ", course.meta.id))
          .ok());
  status = read();
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("courses.languages: stored JSON is malformed"));
}

TEST_F(MySqlCourseStoreTest, EveryTableIsInnoDbWithAPrimaryKeyAsGaleraNeeds) {
  EXPECT_EQ(TablesGaleraCannotReplicate(), "");
}

}  // namespace
}  // namespace luban::course
