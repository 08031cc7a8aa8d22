// Repository tests of the enrollment store. The contract tests run against the MySQL store on a
// real MariaDB and against FakeEnrollmentStore, so the fake the domain tests rely on keeps the
// same contract; the tests after them need the database itself (races, locking, stored bytes).
#include "services/enrollment/storage/mysql_enrollment_store.h"

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
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/notification.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/db/migrations.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/enrollment/domain/model.h"
#include "services/enrollment/domain/repository.h"
#include "tests/enrollment/fake_enrollment_store.h"
#include "tests/support/store_test.h"
#include "tests/support/test_database.h"

namespace luban::enrollment {
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

// Names the issue asks to survive byte-exact, plus text that JSON must escape.
constexpr char kTajikGiven[] = "Раҳимҷон";
constexpr char kTajikFamily[] = "Саидов";
constexpr char kTajikFull[] = "Раҳимҷон Саидов";
constexpr char kKazakhGiven[] = "Қанат";
constexpr char kChinese[] = "王伟";
constexpr char kAwkward[] = "quote \" backslash \\ slash / tab\t emoji 🛠 ӣӯҷ";

// Times with microseconds, which DATETIME(6) keeps.
const absl::Time kCreated = absl::FromUnixMicros(1'700'000'000'123'456);
const absl::Time kUpdated = absl::FromUnixMicros(1'700'100'000'654'321);

// Three workshops: two of one Chinese college (in Tajikistan and Kazakhstan), one of another.
constexpr WorkshopFounders kTajik{11, 101, 201};
constexpr WorkshopFounders kKazakh{12, 101, 202};
constexpr WorkshopFounders kUzbek{13, 102, 203};

absl::Time Utc(int year, int month, int day, int hour = 0, int minute = 0, int second = 0) {
  return absl::FromCivil(absl::CivilSecond(year, month, day, hour, minute, second),
                         absl::UTCTimeZone());
}

Trainee MakeTrainee(std::string family_latin, std::string document_number,
                    WorkshopFounders home = kTajik, std::string document_country = "TJ") {
  Trainee trainee;
  trainee.meta.version = 1;
  trainee.meta.create_time = kCreated;
  trainee.meta.update_time = kCreated;
  trainee.family_name = kTajikFamily;
  trainee.given_name = kTajikGiven;
  trainee.family_name_latin = std::move(family_latin);
  trainee.given_name_latin = "Rahimjon";
  trainee.sex = Sex::kMale;
  trainee.birth_date = absl::CivilDay(2001, 4, 17);
  trainee.citizenship = "TJ";
  trainee.document.country = std::move(document_country);
  trainee.document.type = DocumentType::kPassport;
  trainee.document.number = std::move(document_number);
  trainee.contacts = {"rahimjon@example.tj", "+992 93 555 0101", "Душанбе, кӯчаи Рӯдакӣ 10"};
  trainee.home = home;
  trainee.status = TraineeStatus::kActive;
  return trainee;
}

RunSeats MakeSeats(int64_t run_id, WorkshopFounders owners = kTajik, int capacity = 2) {
  RunSeats seats;
  seats.run_id = run_id;
  seats.course_id = 501;
  seats.owners = owners;
  seats.status = RunStatus::kOpen;
  seats.capacity = capacity;
  seats.enrolled = 0;
  seats.next_waitlist_seq = 1;
  seats.pass_score = 60;
  seats.min_attendance_percent = 80;
  return seats;
}

Enrollment MakeEnrollment(int64_t trainee_id, int64_t run_id,
                          EnrollmentState state = EnrollmentState::kEnrolled,
                          int64_t waitlist_seq = 0, WorkshopFounders owners = kTajik) {
  Enrollment enrollment;
  enrollment.meta.version = 1;
  enrollment.meta.create_time = kCreated;
  enrollment.meta.update_time = kCreated;
  enrollment.trainee_id = trainee_id;
  enrollment.run_id = run_id;
  enrollment.course_id = 501;
  enrollment.owners = owners;
  enrollment.state = state;
  enrollment.waitlist_seq = waitlist_seq;
  enrollment.enroll_time = kCreated;
  return enrollment;
}

Certificate MakeCertificate(std::string number, int64_t trainee_id, int64_t enrollment_id,
                            WorkshopFounders owners = kTajik,
                            std::string discipline = "surveying") {
  Certificate certificate;
  certificate.meta.version = 1;
  certificate.meta.create_time = kCreated;
  certificate.meta.update_time = kCreated;
  certificate.number = std::move(number);
  certificate.trainee_id = trainee_id;
  certificate.enrollment_id = enrollment_id;
  certificate.holder_name = kTajikFull;
  certificate.holder_name_latin = "Rahimjon Saidov";
  certificate.course_code = "TJ-SURV-101";
  certificate.course_titles = {{"en", "Engineering surveying"}, {"zh", "工程测量"}};
  certificate.discipline = std::move(discipline);
  certificate.owners = owners;
  certificate.workshop_names = {{"tg", "Коргоҳи Лубан"}, {"zh", "鲁班工坊"}};
  certificate.chinese_institution_names = {{"zh", "天津城市建设管理职业技术学院"}};
  certificate.partner_institution_names = {{"tg", "Донишгоҳи техникии Тоҷикистон"}};
  certificate.final_score = 87;
  certificate.attendance_percent = 95;
  certificate.issue_date = absl::CivilDay(2025, 6, 30);
  certificate.status = CertificateStatus::kValid;
  return certificate;
}

void ExpectOwnersEq(const WorkshopFounders& actual, const WorkshopFounders& expected) {
  EXPECT_EQ(actual.workshop_id, expected.workshop_id);
  EXPECT_EQ(actual.chinese_institution_id, expected.chinese_institution_id);
  EXPECT_EQ(actual.partner_institution_id, expected.partner_institution_id);
}

void ExpectTraineeEq(const Trainee& actual, const Trainee& expected) {
  ExpectMetaEq(actual.meta, expected.meta);
  EXPECT_EQ(actual.family_name, expected.family_name);
  EXPECT_EQ(actual.given_name, expected.given_name);
  EXPECT_EQ(actual.family_name_latin, expected.family_name_latin);
  EXPECT_EQ(actual.given_name_latin, expected.given_name_latin);
  EXPECT_EQ(actual.sex, expected.sex);
  EXPECT_EQ(actual.birth_date, expected.birth_date);
  EXPECT_EQ(actual.citizenship, expected.citizenship);
  EXPECT_EQ(actual.document.country, expected.document.country);
  EXPECT_EQ(actual.document.type, expected.document.type);
  EXPECT_EQ(actual.document.number, expected.document.number);
  EXPECT_EQ(actual.contacts.email, expected.contacts.email);
  EXPECT_EQ(actual.contacts.phone, expected.contacts.phone);
  EXPECT_EQ(actual.contacts.address, expected.contacts.address);
  ExpectOwnersEq(actual.home, expected.home);
  EXPECT_EQ(actual.status, expected.status);
}

void ExpectSeatsEq(const RunSeats& actual, const RunSeats& expected) {
  EXPECT_EQ(actual.run_id, expected.run_id);
  EXPECT_EQ(actual.course_id, expected.course_id);
  ExpectOwnersEq(actual.owners, expected.owners);
  EXPECT_EQ(actual.status, expected.status);
  EXPECT_EQ(actual.capacity, expected.capacity);
  EXPECT_EQ(actual.enrolled, expected.enrolled);
  EXPECT_EQ(actual.next_waitlist_seq, expected.next_waitlist_seq);
  EXPECT_EQ(actual.pass_score, expected.pass_score);
  EXPECT_EQ(actual.min_attendance_percent, expected.min_attendance_percent);
}

void ExpectEnrollmentEq(const Enrollment& actual, const Enrollment& expected) {
  ExpectMetaEq(actual.meta, expected.meta);
  EXPECT_EQ(actual.trainee_id, expected.trainee_id);
  EXPECT_EQ(actual.run_id, expected.run_id);
  EXPECT_EQ(actual.course_id, expected.course_id);
  ExpectOwnersEq(actual.owners, expected.owners);
  EXPECT_EQ(actual.state, expected.state);
  EXPECT_EQ(actual.waitlist_seq, expected.waitlist_seq);
  EXPECT_EQ(actual.waitlist_position, 0);  // the domain computes it
  EXPECT_EQ(actual.final_score, expected.final_score);
  EXPECT_EQ(actual.attendance_percent, expected.attendance_percent);
  EXPECT_EQ(actual.certificate_id, expected.certificate_id);
  EXPECT_EQ(actual.reason, expected.reason);
  EXPECT_EQ(actual.enroll_time, expected.enroll_time);
}

void ExpectCertificateEq(const Certificate& actual, const Certificate& expected) {
  ExpectMetaEq(actual.meta, expected.meta);
  EXPECT_EQ(actual.number, expected.number);
  EXPECT_EQ(actual.trainee_id, expected.trainee_id);
  EXPECT_EQ(actual.enrollment_id, expected.enrollment_id);
  EXPECT_EQ(actual.holder_name, expected.holder_name);
  EXPECT_EQ(actual.holder_name_latin, expected.holder_name_latin);
  EXPECT_EQ(actual.course_code, expected.course_code);
  EXPECT_EQ(actual.course_titles, expected.course_titles);
  EXPECT_EQ(actual.discipline, expected.discipline);
  ExpectOwnersEq(actual.owners, expected.owners);
  EXPECT_EQ(actual.workshop_names, expected.workshop_names);
  EXPECT_EQ(actual.chinese_institution_names, expected.chinese_institution_names);
  EXPECT_EQ(actual.partner_institution_names, expected.partner_institution_names);
  EXPECT_EQ(actual.final_score, expected.final_score);
  EXPECT_EQ(actual.attendance_percent, expected.attendance_percent);
  EXPECT_EQ(actual.issue_date, expected.issue_date);
  EXPECT_EQ(actual.status, expected.status);
  EXPECT_EQ(actual.revoke_reason, expected.revoke_reason);
}

RequestKey Key(std::string request_id) {
  return RequestKey{"ttu-admin", std::move(request_id),
                    "/luban.enrollment.v1.EnrollmentService/Enroll", std::string(32, 'a')};
}

AuditRecord AuditOf(std::string resource_name) {
  AuditRecord record;
  record.actor = "ttu-admin";
  record.actor_role = "college_admin";
  record.request_id = "req-1";
  record.method = "/luban.enrollment.v1.EnrollmentService/Enroll";
  record.resource_name = std::move(resource_name);
  record.action = "created";
  record.details = "{}";
  return record;
}

// The enrollment service's pieces of the shared store fixture.
struct EnrollmentStoreTraits {
  using Tx = EnrollmentTx;
  using Fake = testing::FakeEnrollmentStore;
  using MySql = MySqlEnrollmentStore;
  static const std::vector<db::Migration>& Migrations() { return EnrollmentMigrations(); }
};

// The contract fixture (tests/support/store_test.h) with the enrollment service's helpers.
class EnrollmentStoreTest : public luban::testing::StoreTest<EnrollmentStoreTraits> {
 protected:
  int64_t AddTrainee(const Trainee& trainee) {
    auto id = Read<int64_t>([&](EnrollmentTx& tx) { return tx.InsertTrainee(trainee); });
    EXPECT_TRUE(id.ok()) << id.status();
    return id.value_or(0);
  }
  void AddSeats(const RunSeats& seats) {
    EXPECT_TRUE(Run([&](EnrollmentTx& tx) { return tx.InsertRunSeatsIfAbsent(seats); }).ok());
  }
  int64_t AddEnrollment(const Enrollment& enrollment) {
    auto id = Read<int64_t>([&](EnrollmentTx& tx) { return tx.InsertEnrollment(enrollment); });
    EXPECT_TRUE(id.ok()) << id.status();
    return id.value_or(0);
  }
  int64_t AddCertificate(const Certificate& certificate) {
    auto id = Read<int64_t>([&](EnrollmentTx& tx) { return tx.InsertCertificate(certificate); });
    EXPECT_TRUE(id.ok()) << id.status();
    return id.value_or(0);
  }
  Enrollment GetEnrollment(int64_t id) {
    return Must(Read<Enrollment>([&](EnrollmentTx& tx) { return tx.GetEnrollment(id, false); }));
  }
  absl::Status UpdateEnrollment(const Enrollment& enrollment) {
    return Run([&](EnrollmentTx& tx) { return tx.UpdateEnrollment(enrollment); });
  }

  std::vector<int64_t> ListTraineeIds(const TraineeFilter& filter) {
    auto page =
        Read<Page<Trainee>>([&](EnrollmentTx& tx) { return tx.ListTrainees(filter, 0, 100); });
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() ? Ids(*page) : std::vector<int64_t>{};
  }
  std::vector<int64_t> ListEnrollmentIds(const EnrollmentFilter& filter) {
    auto page = Read<Page<Enrollment>>(
        [&](EnrollmentTx& tx) { return tx.ListEnrollments(filter, 0, 100); });
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() ? Ids(*page) : std::vector<int64_t>{};
  }
};

INSTANTIATE_TEST_SUITE_P(Backends, EnrollmentStoreTest,
                         ::testing::Values(Backend::kMySql, Backend::kFake), BackendName);

// ---- trainees ----

TEST_P(EnrollmentStoreTest, TraineeCrud) {
  Trainee trainee = MakeTrainee("Saidov", "A 1234-567");
  trainee.meta.id = AddTrainee(trainee);
  ASSERT_GT(trainee.meta.id, 0);
  auto got = Read<Trainee>([&](EnrollmentTx& tx) { return tx.GetTrainee(trainee.meta.id, false); });
  ASSERT_TRUE(got.ok()) << got.status();
  ExpectTraineeEq(*got, trainee);

  Trainee changed = *got;
  changed.family_name = "Қасымов";
  changed.given_name = kKazakhGiven;
  changed.family_name_latin = "Kasymov";
  changed.given_name_latin = "Kanat";
  changed.sex = Sex::kUnspecified;
  changed.birth_date = absl::CivilDay(1999, 12, 31);
  changed.citizenship = "KZ";
  changed.document = {"KZ", DocumentType::kNationalId, "N 0001"};
  changed.contacts = {"", "", ""};
  changed.home = kKazakh;
  changed.status = TraineeStatus::kArchived;
  changed.meta.version = 2;
  changed.meta.update_time = kUpdated;
  ASSERT_TRUE(Run([&](EnrollmentTx& tx) { return tx.UpdateTrainee(changed); }).ok());
  got = Read<Trainee>([&](EnrollmentTx& tx) { return tx.GetTrainee(trainee.meta.id, true); });
  ASSERT_TRUE(got.ok()) << got.status();
  ExpectTraineeEq(*got, changed);
  EXPECT_EQ(got->meta.create_time, kCreated);

  // The document moved with the update: found under its new key only.
  auto found = Read<std::optional<Trainee>>(
      [&](EnrollmentTx& tx) { return tx.FindTraineeByDocument("KZ", "N0001"); });
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->meta.id, trainee.meta.id);
  found = Read<std::optional<Trainee>>(
      [&](EnrollmentTx& tx) { return tx.FindTraineeByDocument("TJ", "A1234567"); });
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_FALSE(found->has_value());
}

TEST_P(EnrollmentStoreTest, DocumentIdentifiesOneTrainee) {
  const int64_t first = AddTrainee(MakeTrainee("Saidov", "a 123-456"));
  // The same number as printed differently, in the same country: the same person.
  absl::Status status = Run(
      [&](EnrollmentTx& tx) { return tx.InsertTrainee(MakeTrainee("Other", "A123456")).status(); });
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists) << status;
  EXPECT_EQ(status.message(), "identity_document: a trainee with this document already exists");
  // Another country's document with the same number is another person.
  const int64_t kazakh = AddTrainee(MakeTrainee("Nurlanov", "A123456", kKazakh, "KZ"));
  EXPECT_GT(kazakh, first);

  auto found = Read<std::optional<Trainee>>(
      [&](EnrollmentTx& tx) { return tx.FindTraineeByDocument("TJ", DocumentKey("A-123 456")); });
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->meta.id, first);
  EXPECT_EQ((*found)->document.number, "a 123-456");  // as printed
  found = Read<std::optional<Trainee>>(
      [&](EnrollmentTx& tx) { return tx.FindTraineeByDocument("KZ", "A123456"); });
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->meta.id, kazakh);
  found = Read<std::optional<Trainee>>(
      [&](EnrollmentTx& tx) { return tx.FindTraineeByDocument("UZ", "A123456"); });
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_FALSE(found->has_value());

  // An update onto a taken document is refused the same way and changes nothing.
  auto trainee = Read<Trainee>([&](EnrollmentTx& tx) { return tx.GetTrainee(kazakh, false); });
  ASSERT_TRUE(trainee.ok()) << trainee.status();
  trainee->document.country = "TJ";
  trainee->document.number = "A-123456";
  trainee->meta.version = 2;
  status = Run([&](EnrollmentTx& tx) { return tx.UpdateTrainee(*trainee); });
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists) << status;
  auto unchanged = Read<Trainee>([&](EnrollmentTx& tx) { return tx.GetTrainee(kazakh, false); });
  ASSERT_TRUE(unchanged.ok()) << unchanged.status();
  EXPECT_EQ(unchanged->document.country, "KZ");
  EXPECT_EQ(unchanged->meta.version, 1);
}

TEST_P(EnrollmentStoreTest, TraineeFilters) {
  Trainee saidov = MakeTrainee("Saidov", "T-1");
  Trainee hakimov = MakeTrainee("Hakimov", "T-2");
  hakimov.family_name = "Ҳакимов";
  hakimov.status = TraineeStatus::kArchived;
  Trainee kanat = MakeTrainee("Nurlanov", "K-1", kKazakh, "KZ");
  kanat.family_name = "Нурланов";
  kanat.given_name = kKazakhGiven;
  kanat.citizenship = "KZ";
  Trainee wang = MakeTrainee("Wang", "U-1", kUzbek, "CN");
  wang.family_name = "王";
  wang.given_name = "伟";
  wang.citizenship = "CN";
  const int64_t s = AddTrainee(saidov);
  const int64_t h = AddTrainee(hakimov);
  const int64_t k = AddTrainee(kanat);
  const int64_t w = AddTrainee(wang);
  auto list = [&](const std::function<void(TraineeFilter&)>& set) {
    TraineeFilter filter;
    set(filter);
    return ListTraineeIds(filter);
  };
  EXPECT_THAT(list([](auto&) {}), ElementsAre(s, h, k, w));
  EXPECT_THAT(list([](auto& f) { f.home_workshop_id = kTajik.workshop_id; }), ElementsAre(s, h));
  EXPECT_THAT(list([](auto& f) { f.citizenship = "KZ"; }), ElementsAre(k));
  EXPECT_THAT(list([](auto& f) { f.status = TraineeStatus::kArchived; }), ElementsAre(h));
  EXPECT_THAT(list([](auto& f) { f.status = TraineeStatus::kActive; }), ElementsAre(s, k, w));
  // Either founder sees its workshops' trainees.
  EXPECT_THAT(list([](auto& f) { f.visible_to_institution = 101; }), ElementsAre(s, h, k));
  EXPECT_THAT(list([](auto& f) { f.visible_to_institution = 202; }), ElementsAre(k));
  EXPECT_THAT(list([](auto& f) { f.visible_to_institution = 999; }), IsEmpty());
  EXPECT_THAT(list([](auto& f) {
                f.visible_to_institution = 101;
                f.status = TraineeStatus::kActive;
                f.citizenship = "TJ";
              }),
              ElementsAre(s));

  // Name prefixes: either script, any case.
  EXPECT_THAT(list([](auto& f) { f.name_prefix = "Саид"; }), ElementsAre(s));
  EXPECT_THAT(list([](auto& f) { f.name_prefix = "саид"; }), ElementsAre(s));
  EXPECT_THAT(list([](auto& f) { f.name_prefix = "SAID"; }), ElementsAre(s));
  EXPECT_THAT(list([](auto& f) { f.name_prefix = "ҳак"; }), ElementsAre(h));
  EXPECT_THAT(list([](auto& f) { f.name_prefix = "hak"; }), ElementsAre(h));
  EXPECT_THAT(list([](auto& f) { f.name_prefix = "нурл"; }), ElementsAre(k));
  EXPECT_THAT(list([](auto& f) { f.name_prefix = "王"; }), ElementsAre(w));
  EXPECT_THAT(list([](auto& f) { f.name_prefix = "aid"; }), IsEmpty());  // a prefix, not a part
  EXPECT_THAT(list([](auto& f) {
                f.name_prefix = "s";
                f.home_workshop_id = kKazakh.workshop_id;
              }),
              IsEmpty());

  // Document numbers, by their key: any issuing country.
  EXPECT_THAT(list([](auto& f) { f.document_key = "K1"; }), ElementsAre(k));
  EXPECT_THAT(list([](auto& f) { f.document_key = "T2"; }), ElementsAre(h));
  EXPECT_THAT(list([](auto& f) { f.document_key = "T"; }), IsEmpty());  // whole numbers only
  EXPECT_THAT(list([](auto& f) {
                f.document_key = "K1";
                f.visible_to_institution = 999;
              }),
              IsEmpty());
}

TEST_P(EnrollmentStoreTest, NamePrefixTakesLikeWildcardsLiterally) {
  const int64_t underscore = AddTrainee(MakeTrainee("Ab_c", "W-1"));
  const int64_t plain = AddTrainee(MakeTrainee("Abxc", "W-2"));
  const int64_t percent = AddTrainee(MakeTrainee("A%b", "W-3"));
  const int64_t bang = AddTrainee(MakeTrainee("Hi!x", "W-4"));
  auto list = [&](std::string prefix) {
    TraineeFilter filter;
    filter.name_prefix = std::move(prefix);
    return ListTraineeIds(filter);
  };
  EXPECT_THAT(list("Ab_"), ElementsAre(underscore));
  EXPECT_THAT(list("Ab"), ElementsAre(underscore, plain));
  EXPECT_THAT(list("A%"), ElementsAre(percent));
  EXPECT_THAT(list("%"), IsEmpty());
  EXPECT_THAT(list("_"), IsEmpty());
  EXPECT_THAT(list("Hi!"), ElementsAre(bang));
  EXPECT_THAT(list("!"), IsEmpty());
}

TEST_P(EnrollmentStoreTest, TraineesPageByKeyset) {
  std::vector<int64_t> all;
  for (int i = 0; i < 7; ++i) {
    all.push_back(AddTrainee(MakeTrainee(absl::StrCat("Name", i), absl::StrCat("P-", i),
                                         i % 2 == 0 ? kTajik : kKazakh)));
  }
  std::vector<int64_t> seen;
  std::vector<bool> more;
  int64_t after = 0;
  for (int pages = 0; pages < 10; ++pages) {
    auto page =
        Read<Page<Trainee>>([&](EnrollmentTx& tx) { return tx.ListTrainees({}, after, 3); });
    ASSERT_TRUE(page.ok()) << page.status();
    for (int64_t id : Ids(*page)) seen.push_back(id);
    more.push_back(page->more);
    if (!page->more) break;
    after = page->items.back().meta.id;
  }
  EXPECT_EQ(seen, all);
  EXPECT_THAT(more, ElementsAre(true, true, false));

  // With a filter, pages skip rows that do not match; an exact fit has no more.
  TraineeFilter tajik;
  tajik.home_workshop_id = kTajik.workshop_id;
  auto first = Read<Page<Trainee>>([&](EnrollmentTx& tx) { return tx.ListTrainees(tajik, 0, 2); });
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_THAT(Ids(*first), ElementsAre(all[0], all[2]));
  EXPECT_TRUE(first->more);
  auto second =
      Read<Page<Trainee>>([&](EnrollmentTx& tx) { return tx.ListTrainees(tajik, all[2], 2); });
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_THAT(Ids(*second), ElementsAre(all[4], all[6]));
  EXPECT_FALSE(second->more);
}

TEST_P(EnrollmentStoreTest, ExportTraineesByUpdateTimeThenId) {
  const absl::Time t1 = kCreated;
  const absl::Time t2 = kCreated + absl::Microseconds(1);
  const absl::Time t3 = kUpdated;
  auto add = [&](const std::string& name, absl::Time update_time) {
    Trainee trainee = MakeTrainee(name, name);
    trainee.meta.update_time = update_time;
    return AddTrainee(trainee);
  };
  const int64_t a = add("A1", t2);
  const int64_t b = add("B1", t1);
  const int64_t c = add("C1", t2);
  const int64_t d = add("D1", t3);
  auto export_ids = [&](ExportCursor cursor, int limit) {
    return ExportedIds<Trainee>(limit, [&](ExportNext next) {
      return Read<std::vector<Trainee>>(
          [&](EnrollmentTx& tx) { return tx.ExportTrainees(cursor, limit, next); });
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
  auto bad = Read<std::vector<Trainee>>(
      [&](EnrollmentTx& tx) { return tx.ExportTrainees({}, 0, [](const ExportCursor&) {}); });
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
}

// ---- run seats ----

TEST_P(EnrollmentStoreTest, RunSeatsInsertOnceAndUpdate) {
  auto missing = Read<RunSeats>([&](EnrollmentTx& tx) { return tx.GetRunSeats(7, false); });
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "courseRuns/7: not found");

  RunSeats seats = MakeSeats(7, kKazakh, 3);
  AddSeats(seats);
  auto got = Read<RunSeats>([&](EnrollmentTx& tx) { return tx.GetRunSeats(7, true); });
  ASSERT_TRUE(got.ok()) << got.status();
  ExpectSeatsEq(*got, seats);

  // A second first-enrollment's insert finds the row and leaves it alone.
  RunSeats other = MakeSeats(7, kTajik, 30);
  other.enrolled = 5;
  AddSeats(other);
  got = Read<RunSeats>([&](EnrollmentTx& tx) { return tx.GetRunSeats(7, false); });
  ASSERT_TRUE(got.ok()) << got.status();
  ExpectSeatsEq(*got, seats);

  RunSeats changed = *got;
  changed.capacity = 5;
  changed.enrolled = 5;
  changed.next_waitlist_seq = 12;
  changed.status = RunStatus::kInProgress;
  changed.pass_score = 70;
  changed.min_attendance_percent = 90;
  ASSERT_TRUE(Run([&](EnrollmentTx& tx) { return tx.UpdateRunSeats(changed); }).ok());
  // Writing the same values again is no error.
  ASSERT_TRUE(Run([&](EnrollmentTx& tx) { return tx.UpdateRunSeats(changed); }).ok());
  got = Read<RunSeats>([&](EnrollmentTx& tx) { return tx.GetRunSeats(7, false); });
  ASSERT_TRUE(got.ok()) << got.status();
  ExpectSeatsEq(*got, changed);

  RunSeats absent = MakeSeats(8);
  absl::Status status = Run([&](EnrollmentTx& tx) { return tx.UpdateRunSeats(absent); });
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound) << status;
  EXPECT_EQ(status.message(), "courseRuns/8: not found");
}

TEST_P(EnrollmentStoreTest, SeatsNeverExceedCapacity) {
  AddSeats(MakeSeats(7, kTajik, 2));
  RunSeats over = MakeSeats(7, kTajik, 2);
  over.enrolled = 3;
  absl::Status status = Run([&](EnrollmentTx& tx) { return tx.UpdateRunSeats(over); });
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
  EXPECT_THAT(status.message(), HasSubstr("courseRuns/7"));
  over.enrolled = -1;
  status = Run([&](EnrollmentTx& tx) { return tx.UpdateRunSeats(over); });
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
  RunSeats fresh = MakeSeats(9, kTajik, 1);
  fresh.enrolled = 2;
  status = Run([&](EnrollmentTx& tx) { return tx.InsertRunSeatsIfAbsent(fresh); });
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;

  auto got = Read<RunSeats>([&](EnrollmentTx& tx) { return tx.GetRunSeats(7, false); });
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->enrolled, 0);
  EXPECT_EQ(
      Read<RunSeats>([&](EnrollmentTx& tx) { return tx.GetRunSeats(9, false); }).status().code(),
      absl::StatusCode::kNotFound);
}

// ---- enrollments ----

TEST_P(EnrollmentStoreTest, EnrollmentCrud) {
  const int64_t trainee = AddTrainee(MakeTrainee("Saidov", "E-1"));
  AddSeats(MakeSeats(7));
  Enrollment enrollment = MakeEnrollment(trainee, 7, EnrollmentState::kWaitlisted, 3);
  enrollment.enroll_time = kCreated + absl::Nanoseconds(999);  // below DATETIME(6)
  enrollment.meta.id = AddEnrollment(enrollment);
  ASSERT_GT(enrollment.meta.id, 0);
  enrollment.enroll_time = kCreated;
  ExpectEnrollmentEq(GetEnrollment(enrollment.meta.id), enrollment);

  const int64_t certificate =
      AddCertificate(MakeCertificate("LUBAN-0001", trainee, enrollment.meta.id));
  Enrollment changed = GetEnrollment(enrollment.meta.id);
  changed.state = EnrollmentState::kCompleted;
  changed.final_score = 91;
  changed.attendance_percent = 97;
  changed.certificate_id = certificate;
  changed.reason = kAwkward;
  changed.meta.version = 2;
  changed.meta.update_time = kUpdated;
  ASSERT_TRUE(UpdateEnrollment(changed).ok());
  auto got =
      Read<Enrollment>([&](EnrollmentTx& tx) { return tx.GetEnrollment(changed.meta.id, true); });
  ASSERT_TRUE(got.ok()) << got.status();
  ExpectEnrollmentEq(*got, changed);
  EXPECT_EQ(got->meta.create_time, kCreated);
  // An unchanged row written again is no error.
  EXPECT_TRUE(UpdateEnrollment(*got).ok());
}

TEST_P(EnrollmentStoreTest, OneOpenEnrollmentPerTraineeAndRun) {
  const int64_t trainee = AddTrainee(MakeTrainee("Saidov", "O-1"));
  const int64_t other = AddTrainee(MakeTrainee("Karimov", "O-2"));
  AddSeats(MakeSeats(7));
  AddSeats(MakeSeats(8));
  const int64_t first = AddEnrollment(MakeEnrollment(trainee, 7));

  for (EnrollmentState state : {EnrollmentState::kEnrolled, EnrollmentState::kWaitlisted}) {
    absl::Status status = Run([&](EnrollmentTx& tx) {
      return tx.InsertEnrollment(MakeEnrollment(trainee, 7, state, 1)).status();
    });
    EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists) << status;
    EXPECT_EQ(status.message(), absl::StrCat("trainees/", trainee,
                                             " already holds an open enrollment in courseRuns/7"));
  }
  // Closed enrollments do not count, nor do other runs or other trainees.
  const int64_t closed = AddEnrollment(MakeEnrollment(trainee, 7, EnrollmentState::kWithdrawn));
  AddEnrollment(MakeEnrollment(trainee, 7, EnrollmentState::kCancelled));
  AddEnrollment(MakeEnrollment(trainee, 7, EnrollmentState::kFailed));
  const int64_t elsewhere = AddEnrollment(MakeEnrollment(trainee, 8));
  const int64_t others = AddEnrollment(MakeEnrollment(other, 7));

  auto open = Read<std::optional<Enrollment>>(
      [&](EnrollmentTx& tx) { return tx.FindOpenEnrollment(trainee, 7); });
  ASSERT_TRUE(open.ok()) << open.status();
  ASSERT_TRUE(open->has_value());
  EXPECT_EQ((*open)->meta.id, first);
  EXPECT_EQ(Must(Read<int64_t>([&](EnrollmentTx& tx) { return tx.CountOpenEnrollments(trainee); })),
            2);
  EXPECT_EQ(Must(Read<int64_t>([&](EnrollmentTx& tx) { return tx.CountOpenEnrollments(other); })),
            1);

  // Reopening a closed one while another is open is refused, and changes nothing.
  Enrollment reopened = GetEnrollment(closed);
  reopened.state = EnrollmentState::kEnrolled;
  reopened.meta.version = 2;
  absl::Status status = UpdateEnrollment(reopened);
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists) << status;
  EXPECT_EQ(GetEnrollment(closed).state, EnrollmentState::kWithdrawn);

  // Once the open one closes, the trainee may enroll in the run again.
  Enrollment withdrawn = GetEnrollment(first);
  withdrawn.state = EnrollmentState::kWithdrawn;
  withdrawn.meta.version = 2;
  ASSERT_TRUE(UpdateEnrollment(withdrawn).ok());
  open = Read<std::optional<Enrollment>>(
      [&](EnrollmentTx& tx) { return tx.FindOpenEnrollment(trainee, 7); });
  ASSERT_TRUE(open.ok()) << open.status();
  EXPECT_FALSE(open->has_value());
  const int64_t again = AddEnrollment(MakeEnrollment(trainee, 7, EnrollmentState::kWaitlisted, 4));
  EXPECT_GT(again, others);
  EXPECT_GT(elsewhere, 0);
}

TEST_P(EnrollmentStoreTest, ReferencesMustExist) {
  const int64_t trainee = AddTrainee(MakeTrainee("Saidov", "R-1"));
  AddSeats(MakeSeats(7));
  absl::Status status = Run(
      [&](EnrollmentTx& tx) { return tx.InsertEnrollment(MakeEnrollment(424242, 7)).status(); });
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_EQ(status.message(), "enrollment: its trainee or course run does not exist");
  status = Run([&](EnrollmentTx& tx) {
    return tx.InsertEnrollment(MakeEnrollment(trainee, 424242)).status();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;

  const int64_t enrollment = AddEnrollment(MakeEnrollment(trainee, 7));
  status = Run([&](EnrollmentTx& tx) {
    return tx.InsertCertificate(MakeCertificate("N-1", 424242, enrollment)).status();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_EQ(status.message(), "certificate: its trainee or enrollment does not exist");
  status = Run([&](EnrollmentTx& tx) {
    return tx.InsertCertificate(MakeCertificate("N-1", trainee, 424242)).status();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
}

TEST_P(EnrollmentStoreTest, WaitlistOrderAndPositions) {
  std::vector<int64_t> trainees;
  for (int i = 0; i < 5; ++i) {
    trainees.push_back(AddTrainee(MakeTrainee(absl::StrCat("W", i), absl::StrCat("WL-", i))));
  }
  AddSeats(MakeSeats(7, kTajik, 1));
  AddSeats(MakeSeats(8, kTajik, 1));
  const int64_t enrolled = AddEnrollment(MakeEnrollment(trainees[0], 7));
  // Inserted out of waitlist order: the sequence, not the id, decides.
  const int64_t third =
      AddEnrollment(MakeEnrollment(trainees[1], 7, EnrollmentState::kWaitlisted, 30));
  const int64_t first =
      AddEnrollment(MakeEnrollment(trainees[2], 7, EnrollmentState::kWaitlisted, 10));
  const int64_t second =
      AddEnrollment(MakeEnrollment(trainees[3], 7, EnrollmentState::kWaitlisted, 20));
  AddEnrollment(MakeEnrollment(trainees[4], 7, EnrollmentState::kWithdrawn, 5));
  const int64_t other_run =
      AddEnrollment(MakeEnrollment(trainees[4], 8, EnrollmentState::kWaitlisted, 1));

  auto waiting = [&](int limit) {
    auto rows = Read<std::vector<Enrollment>>(
        [&](EnrollmentTx& tx) { return tx.FirstWaitlisted(7, limit); });
    EXPECT_TRUE(rows.ok()) << rows.status();
    return rows.ok() ? Ids(*rows) : std::vector<int64_t>{};
  };
  auto position = [&](int64_t seq) {
    return Must(Read<int>([&](EnrollmentTx& tx) { return tx.WaitlistPosition(7, seq); }));
  };
  EXPECT_THAT(waiting(1), ElementsAre(first));
  EXPECT_THAT(waiting(2), ElementsAre(first, second));
  EXPECT_THAT(waiting(10), ElementsAre(first, second, third));
  EXPECT_EQ(position(10), 1);
  EXPECT_EQ(position(20), 2);
  EXPECT_EQ(position(30), 3);
  EXPECT_EQ(Must(Read<int>([&](EnrollmentTx& tx) { return tx.WaitlistPosition(8, 1); })), 1);
  auto bad =
      Read<std::vector<Enrollment>>([&](EnrollmentTx& tx) { return tx.FirstWaitlisted(7, 0); });
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);

  auto open =
      Read<std::vector<Enrollment>>([&](EnrollmentTx& tx) { return tx.OpenEnrollmentsOfRun(7); });
  ASSERT_TRUE(open.ok()) << open.status();
  EXPECT_THAT(Ids(*open), ElementsAre(enrolled, third, first, second));

  // The first is promoted: everyone behind moves up.
  Enrollment promoted = GetEnrollment(first);
  promoted.state = EnrollmentState::kEnrolled;
  promoted.meta.version = 2;
  ASSERT_TRUE(UpdateEnrollment(promoted).ok());
  EXPECT_THAT(waiting(10), ElementsAre(second, third));
  EXPECT_EQ(position(20), 1);
  EXPECT_EQ(position(30), 2);
  EXPECT_GT(other_run, 0);
}

TEST_P(EnrollmentStoreTest, EnrollmentFilters) {
  const int64_t t1 = AddTrainee(MakeTrainee("Saidov", "F-1"));
  const int64_t t2 = AddTrainee(MakeTrainee("Nurlanov", "F-2", kKazakh, "KZ"));
  AddSeats(MakeSeats(7, kTajik));
  AddSeats(MakeSeats(8, kKazakh));
  AddSeats(MakeSeats(9, kUzbek));
  auto add = [&](int64_t trainee, int64_t run, WorkshopFounders owners, EnrollmentState state,
                 absl::Time enroll_time) {
    Enrollment e = MakeEnrollment(trainee, run, state, 0, owners);
    e.enroll_time = enroll_time;
    return AddEnrollment(e);
  };
  // Day boundaries are UTC.
  const int64_t e1 = add(t1, 7, kTajik, EnrollmentState::kEnrolled, Utc(2025, 3, 1));
  const int64_t e2 = add(t1, 8, kKazakh, EnrollmentState::kWaitlisted,
                         Utc(2025, 3, 1, 23, 59, 59) + absl::Microseconds(999999));
  const int64_t e3 = add(t2, 8, kKazakh, EnrollmentState::kCompleted, Utc(2025, 3, 2));
  const int64_t e4 = add(t2, 9, kUzbek, EnrollmentState::kEnrolled, Utc(2025, 2, 28, 23, 59, 59));
  auto list = [&](const std::function<void(EnrollmentFilter&)>& set) {
    EnrollmentFilter filter;
    set(filter);
    return ListEnrollmentIds(filter);
  };
  EXPECT_THAT(list([](auto&) {}), ElementsAre(e1, e2, e3, e4));
  EXPECT_THAT(list([](auto& f) { f.run_id = 8; }), ElementsAre(e2, e3));
  EXPECT_THAT(list([&](auto& f) { f.trainee_id = t2; }), ElementsAre(e3, e4));
  EXPECT_THAT(list([](auto& f) { f.workshop_id = kUzbek.workshop_id; }), ElementsAre(e4));
  EXPECT_THAT(list([](auto& f) { f.state = EnrollmentState::kEnrolled; }), ElementsAre(e1, e4));
  // Whole days, both ends inclusive.
  EXPECT_THAT(list([](auto& f) { f.enrolled_from = absl::CivilDay(2025, 3, 1); }),
              ElementsAre(e1, e2, e3));
  EXPECT_THAT(list([](auto& f) { f.enrolled_to = absl::CivilDay(2025, 3, 1); }),
              ElementsAre(e1, e2, e4));
  EXPECT_THAT(list([](auto& f) {
                f.enrolled_from = absl::CivilDay(2025, 3, 1);
                f.enrolled_to = absl::CivilDay(2025, 3, 1);
              }),
              ElementsAre(e1, e2));
  EXPECT_THAT(list([](auto& f) { f.visible_to_institution = 101; }), ElementsAre(e1, e2, e3));
  EXPECT_THAT(list([](auto& f) { f.visible_to_institution = 203; }), ElementsAre(e4));
  EXPECT_THAT(list([&](auto& f) {
                f.trainee_id = t1;
                f.visible_to_institution = 202;
              }),
              ElementsAre(e2));
  // The trainees of a run: any state, each once.
  auto trainees_of = [&](int64_t run, std::optional<int64_t> visible_to = std::nullopt) {
    TraineeFilter filter;
    filter.run_id = run;
    filter.visible_to_institution = visible_to;
    return ListTraineeIds(filter);
  };
  EXPECT_THAT(trainees_of(8), ElementsAre(t1, t2));
  EXPECT_THAT(trainees_of(7), ElementsAre(t1));
  EXPECT_THAT(trainees_of(9), ElementsAre(t2));
  EXPECT_THAT(trainees_of(10), IsEmpty());
  EXPECT_THAT(trainees_of(8, 202), ElementsAre(t2));  // t1's home is another college's

  // Keyset paging through a filtered list.
  EnrollmentFilter of_101;
  of_101.visible_to_institution = 101;
  auto page =
      Read<Page<Enrollment>>([&](EnrollmentTx& tx) { return tx.ListEnrollments(of_101, 0, 2); });
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_THAT(Ids(*page), ElementsAre(e1, e2));
  EXPECT_TRUE(page->more);
  page =
      Read<Page<Enrollment>>([&](EnrollmentTx& tx) { return tx.ListEnrollments(of_101, e2, 2); });
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_THAT(Ids(*page), ElementsAre(e3));
  EXPECT_FALSE(page->more);
}

TEST_P(EnrollmentStoreTest, ExportEnrollmentsByUpdateTimeThenId) {
  const int64_t trainee = AddTrainee(MakeTrainee("Saidov", "X-1"));
  for (int64_t run : {7, 8, 9}) AddSeats(MakeSeats(run));
  auto add = [&](int64_t run, absl::Time update_time) {
    Enrollment e = MakeEnrollment(trainee, run);
    e.meta.update_time = update_time;
    return AddEnrollment(e);
  };
  const int64_t a = add(7, kUpdated);
  const int64_t b = add(8, kCreated);
  const int64_t c = add(9, kUpdated);
  auto export_ids = [&](ExportCursor cursor, int limit) {
    return ExportedIds<Enrollment>(limit, [&](ExportNext next) {
      return Read<std::vector<Enrollment>>(
          [&](EnrollmentTx& tx) { return tx.ExportEnrollments(cursor, limit, next); });
    });
  };
  EXPECT_THAT(export_ids({}, 10), ElementsAre(b, a, c));
  EXPECT_THAT(export_ids({kCreated, b}, 1), ElementsAre(a));
  EXPECT_THAT(export_ids({kUpdated, a}, 10), ElementsAre(c));

  // A change moves the row to the end of the export.
  Enrollment changed = GetEnrollment(b);
  changed.state = EnrollmentState::kWithdrawn;
  changed.meta.version = 2;
  changed.meta.update_time = kUpdated + absl::Seconds(1);
  ASSERT_TRUE(UpdateEnrollment(changed).ok());
  EXPECT_THAT(export_ids({kUpdated, c}, 10), ElementsAre(b));
}

TEST_P(EnrollmentStoreTest, CompletedCourses) {
  const int64_t trainee = AddTrainee(MakeTrainee("Saidov", "C-1"));
  AddSeats(MakeSeats(7));
  AddSeats(MakeSeats(8));
  auto completed = [&](int64_t course) {
    return Must(
        Read<bool>([&](EnrollmentTx& tx) { return tx.HasCompletedCourse(trainee, course); }));
  };
  Enrollment failed = MakeEnrollment(trainee, 7, EnrollmentState::kFailed);
  AddEnrollment(failed);
  EXPECT_FALSE(completed(501));
  Enrollment done = MakeEnrollment(trainee, 8, EnrollmentState::kCompleted);
  done.course_id = 502;
  AddEnrollment(done);
  EXPECT_FALSE(completed(501));
  EXPECT_TRUE(completed(502));
  EXPECT_FALSE(
      Must(Read<bool>([&](EnrollmentTx& tx) { return tx.HasCompletedCourse(trainee + 1, 502); })));
}

// ---- certificates ----

TEST_P(EnrollmentStoreTest, CertificateCrud) {
  const int64_t trainee = AddTrainee(MakeTrainee("Saidov", "CE-1"));
  AddSeats(MakeSeats(7));
  const int64_t enrollment = AddEnrollment(MakeEnrollment(trainee, 7, EnrollmentState::kCompleted));
  Certificate certificate = MakeCertificate("LW7Q-2M9X-KD4T", trainee, enrollment);
  certificate.course_titles.push_back({"en-x-awkward", kAwkward});
  certificate.meta.id = AddCertificate(certificate);
  ASSERT_GT(certificate.meta.id, 0);
  auto got = Read<Certificate>(
      [&](EnrollmentTx& tx) { return tx.GetCertificate(certificate.meta.id, false); });
  ASSERT_TRUE(got.ok()) << got.status();
  ExpectCertificateEq(*got, certificate);
  got = Read<Certificate>(
      [&](EnrollmentTx& tx) { return tx.GetCertificateByNumber("LW7Q-2M9X-KD4T"); });
  ASSERT_TRUE(got.ok()) << got.status();
  ExpectCertificateEq(*got, certificate);

  // Numbers compare byte-exact; an unknown one is NOT_FOUND without echoing it.
  auto unknown = Read<Certificate>(
      [&](EnrollmentTx& tx) { return tx.GetCertificateByNumber("lw7q-2m9x-kd4t"); });
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(unknown.status().message(), ::testing::Not(HasSubstr("lw7q")));

  Certificate revoked = *got;
  revoked.status = CertificateStatus::kRevoked;
  revoked.revoke_reason = "Ошибка в ведомости; 成绩录入错误";
  revoked.meta.version = 2;
  revoked.meta.update_time = kUpdated;
  ASSERT_TRUE(Run([&](EnrollmentTx& tx) { return tx.UpdateCertificate(revoked); }).ok());
  got = Read<Certificate>(
      [&](EnrollmentTx& tx) { return tx.GetCertificate(certificate.meta.id, true); });
  ASSERT_TRUE(got.ok()) << got.status();
  ExpectCertificateEq(*got, revoked);
  EXPECT_EQ(got->meta.create_time, kCreated);
  EXPECT_TRUE(Run([&](EnrollmentTx& tx) { return tx.UpdateCertificate(*got); }).ok());
}

TEST_P(EnrollmentStoreTest, CertificateNumbersAreUnique) {
  const int64_t trainee = AddTrainee(MakeTrainee("Saidov", "CN-1"));
  AddSeats(MakeSeats(7));
  AddSeats(MakeSeats(8));
  const int64_t e1 = AddEnrollment(MakeEnrollment(trainee, 7, EnrollmentState::kCompleted));
  const int64_t e2 = AddEnrollment(MakeEnrollment(trainee, 8, EnrollmentState::kCompleted));
  AddCertificate(MakeCertificate("NUM-1", trainee, e1));
  absl::Status status = Run([&](EnrollmentTx& tx) {
    return tx.InsertCertificate(MakeCertificate("NUM-1", trainee, e2)).status();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists) << status;
  EXPECT_EQ(status.message(), "number: a certificate with this number already exists");
  const int64_t second = AddCertificate(MakeCertificate("NUM-2", trainee, e2));
  auto certificate =
      Read<Certificate>([&](EnrollmentTx& tx) { return tx.GetCertificate(second, false); });
  ASSERT_TRUE(certificate.ok()) << certificate.status();
  certificate->number = "NUM-1";
  certificate->meta.version = 2;
  status = Run([&](EnrollmentTx& tx) { return tx.UpdateCertificate(*certificate); });
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists) << status;
}

TEST_P(EnrollmentStoreTest, CertificateFiltersAndValidity) {
  const int64_t t1 = AddTrainee(MakeTrainee("Saidov", "CF-1"));
  const int64_t t2 = AddTrainee(MakeTrainee("Nurlanov", "CF-2", kKazakh, "KZ"));
  AddSeats(MakeSeats(7, kTajik));
  AddSeats(MakeSeats(8, kKazakh));
  const int64_t e1 = AddEnrollment(MakeEnrollment(t1, 7, EnrollmentState::kCompleted));
  const int64_t e2 = AddEnrollment(MakeEnrollment(t2, 8, EnrollmentState::kCompleted, 0, kKazakh));
  const int64_t e3 = AddEnrollment(MakeEnrollment(t1, 8, EnrollmentState::kCompleted, 0, kKazakh));
  const int64_t c1 = AddCertificate(MakeCertificate("CF-A", t1, e1, kTajik, "surveying"));
  const int64_t c2 = AddCertificate(MakeCertificate("CF-B", t2, e2, kKazakh, "urban-rail"));
  Certificate revoked = MakeCertificate("CF-C", t1, e3, kKazakh, "urban-rail");
  revoked.status = CertificateStatus::kRevoked;
  const int64_t c3 = AddCertificate(revoked);
  auto list = [&](const std::function<void(CertificateFilter&)>& set) {
    CertificateFilter filter;
    set(filter);
    auto page = Read<Page<Certificate>>(
        [&](EnrollmentTx& tx) { return tx.ListCertificates(filter, 0, 100); });
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() ? Ids(*page) : std::vector<int64_t>{};
  };
  EXPECT_THAT(list([](auto&) {}), ElementsAre(c1, c2, c3));
  EXPECT_THAT(list([&](auto& f) { f.trainee_id = t1; }), ElementsAre(c1, c3));
  EXPECT_THAT(list([](auto& f) { f.workshop_id = kKazakh.workshop_id; }), ElementsAre(c2, c3));
  EXPECT_THAT(list([](auto& f) { f.visible_to_institution = 201; }), ElementsAre(c1));
  EXPECT_THAT(list([](auto& f) { f.visible_to_institution = 101; }), ElementsAre(c1, c2, c3));
  EXPECT_THAT(list([](auto& f) { f.visible_to_institution = 102; }), IsEmpty());
  EXPECT_THAT(list([](auto& f) { f.run_id = 8; }), ElementsAre(c2, c3));
  EXPECT_THAT(list([](auto& f) { f.run_id = 7; }), ElementsAre(c1));
  EXPECT_THAT(list([](auto& f) { f.run_id = 9; }), IsEmpty());
  EXPECT_THAT(list([&](auto& f) {
                f.run_id = 8;
                f.trainee_id = t2;
              }),
              ElementsAre(c2));
  auto page =
      Read<Page<Certificate>>([&](EnrollmentTx& tx) { return tx.ListCertificates({}, c1, 1); });
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_THAT(Ids(*page), ElementsAre(c2));
  EXPECT_TRUE(page->more);

  auto valid = [&](int64_t trainee, const std::string& discipline) {
    return Must(
        Read<bool>([&](EnrollmentTx& tx) { return tx.HasValidCertificate(trainee, discipline); }));
  };
  EXPECT_TRUE(valid(t1, "surveying"));
  EXPECT_FALSE(valid(t1, "urban-rail"));  // revoked
  EXPECT_TRUE(valid(t2, "urban-rail"));
  EXPECT_FALSE(valid(t2, "surveying"));
  EXPECT_FALSE(valid(t2, "Urban-Rail"));
}

// ---- feed cursors, transactions ----

TEST_P(EnrollmentStoreTest, FeedCursorsStartAtZeroAndMove) {
  auto cursor = [&](const std::string& source) {
    return Must(Read<int64_t>([&](EnrollmentTx& tx) { return tx.GetFeedCursor(source); }));
  };
  EXPECT_EQ(cursor("course"), 0);
  ASSERT_TRUE(Run([](EnrollmentTx& tx) { return tx.PutFeedCursor("course", 41); }).ok());
  EXPECT_EQ(cursor("course"), 41);
  ASSERT_TRUE(Run([](EnrollmentTx& tx) { return tx.PutFeedCursor("course", 42); }).ok());
  ASSERT_TRUE(Run([](EnrollmentTx& tx) { return tx.PutFeedCursor("course", 42); }).ok());
  EXPECT_EQ(cursor("course"), 42);
  EXPECT_EQ(cursor("exchange"), 0);
}

TEST_P(EnrollmentStoreTest, MissingRowsAreNotFound) {
  const int64_t trainee = AddTrainee(MakeTrainee("Saidov", "M-1"));
  AddSeats(MakeSeats(7));
  const int64_t enrollment = AddEnrollment(MakeEnrollment(trainee, 7));
  constexpr int64_t kMissing = 999999;
  auto expect_not_found = [](const absl::Status& status, const std::string& name) {
    EXPECT_EQ(status.code(), absl::StatusCode::kNotFound) << status;
    EXPECT_EQ(status.message(), absl::StrCat(name, ": not found"));
  };
  Trainee t = MakeTrainee("Nobody", "M-2");
  t.meta.id = kMissing;
  Enrollment e = MakeEnrollment(trainee, 7, EnrollmentState::kWithdrawn);
  e.meta.id = kMissing;
  Certificate c = MakeCertificate("M-1", trainee, enrollment);
  c.meta.id = kMissing;
  expect_not_found(Run([&](EnrollmentTx& tx) { return tx.GetTrainee(kMissing, true).status(); }),
                   "trainees/999999");
  expect_not_found(Run([&](EnrollmentTx& tx) { return tx.UpdateTrainee(t); }), "trainees/999999");
  expect_not_found(
      Run([&](EnrollmentTx& tx) { return tx.GetEnrollment(kMissing, false).status(); }),
      "enrollments/999999");
  expect_not_found(Run([&](EnrollmentTx& tx) { return tx.UpdateEnrollment(e); }),
                   "enrollments/999999");
  expect_not_found(
      Run([&](EnrollmentTx& tx) { return tx.GetCertificate(kMissing, true).status(); }),
      "certificates/999999");
  expect_not_found(Run([&](EnrollmentTx& tx) { return tx.UpdateCertificate(c); }),
                   "certificates/999999");

  auto bad = Read<Page<Enrollment>>([&](EnrollmentTx& tx) { return tx.ListEnrollments({}, 0, 0); });
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  auto bad_trainees =
      Read<Page<Trainee>>([&](EnrollmentTx& tx) { return tx.ListTrainees({}, 0, 0); });
  EXPECT_EQ(bad_trainees.status().code(), absl::StatusCode::kInvalidArgument);
  auto bad_certificates =
      Read<Page<Certificate>>([&](EnrollmentTx& tx) { return tx.ListCertificates({}, 0, -1); });
  EXPECT_EQ(bad_certificates.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(EnrollmentStoreTest, Utf8RoundTripsByteExact) {
  Trainee trainee = MakeTrainee("Saidov", "U-1");
  trainee.family_name = kChinese;
  trainee.given_name = kKazakhGiven;
  trainee.contacts.address = kAwkward;
  const int64_t id = AddTrainee(trainee);
  auto got = Read<Trainee>([&](EnrollmentTx& tx) { return tx.GetTrainee(id, false); });
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(absl::BytesToHexString(got->family_name), absl::BytesToHexString(kChinese));
  EXPECT_EQ(absl::BytesToHexString(got->given_name), absl::BytesToHexString(kKazakhGiven));
  EXPECT_EQ(got->contacts.address, kAwkward);
}

TEST_P(EnrollmentStoreTest, FailedBodyRollsEverythingBack) {
  const int64_t trainee = AddTrainee(MakeTrainee("Saidov", "FB-1"));
  AddSeats(MakeSeats(7));
  const int64_t audits = AuditCount();
  absl::Status status = Run([&](EnrollmentTx& tx) -> absl::Status {
    auto row = tx.GetTrainee(trainee, /*for_update=*/true);
    if (!row.ok()) return row.status();
    row->family_name_latin = "changed";
    row->meta.version = 2;
    if (auto s = tx.UpdateTrainee(*row); !s.ok()) return s;
    if (auto s = tx.InsertTrainee(MakeTrainee("New", "FB-2")).status(); !s.ok()) return s;
    auto seats = tx.GetRunSeats(7, /*for_update=*/true);
    if (!seats.ok()) return seats.status();
    seats->enrolled = 1;
    if (auto s = tx.UpdateRunSeats(*seats); !s.ok()) return s;
    if (auto s = tx.InsertRunSeatsIfAbsent(MakeSeats(8)); !s.ok()) return s;
    if (auto s = tx.InsertEnrollment(MakeEnrollment(trainee, 7)).status(); !s.ok()) return s;
    if (auto s = tx.PutFeedCursor("course", 5); !s.ok()) return s;
    auto claim = tx.ledger().ClaimRequest(Key("rollback-1"));
    if (!claim.ok()) return claim.status();
    if (auto s = tx.ledger().Audit(AuditOf("enrollments/1")); !s.ok()) return s;
    return absl::FailedPreconditionError("the rule said no");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(), "the rule said no");

  auto row = Read<Trainee>([&](EnrollmentTx& tx) { return tx.GetTrainee(trainee, false); });
  ASSERT_TRUE(row.ok()) << row.status();
  EXPECT_EQ(row->family_name_latin, "Saidov");
  EXPECT_EQ(row->meta.version, 1);
  EXPECT_THAT(ListTraineeIds({}), ElementsAre(trainee));
  auto seats = Read<RunSeats>([&](EnrollmentTx& tx) { return tx.GetRunSeats(7, false); });
  ASSERT_TRUE(seats.ok()) << seats.status();
  EXPECT_EQ(seats->enrolled, 0);
  EXPECT_EQ(
      Read<RunSeats>([&](EnrollmentTx& tx) { return tx.GetRunSeats(8, false); }).status().code(),
      absl::StatusCode::kNotFound);
  EXPECT_THAT(ListEnrollmentIds({}), IsEmpty());
  EXPECT_EQ(Must(Read<int64_t>([](EnrollmentTx& tx) { return tx.GetFeedCursor("course"); })), 0);
  EXPECT_EQ(AuditCount(), audits);
  // The request id was never claimed: it is new again.
  auto claim = Read<std::optional<std::string>>(
      [&](EnrollmentTx& tx) { return tx.ledger().ClaimRequest(Key("rollback-1")); });
  ASSERT_TRUE(claim.ok()) << claim.status();
  EXPECT_FALSE(claim->has_value());
  // Ids handed out are not reused.
  EXPECT_GT(AddTrainee(MakeTrainee("Later", "FB-3")), trainee + 1);
}

TEST_P(EnrollmentStoreTest, PassedDeadlineRunsNothing) {
  bool ran = false;
  absl::Status status =
      store().InTransaction("late", absl::Now() - absl::Seconds(1), [&](EnrollmentTx&) {
        ran = true;
        return absl::OkStatus();
      });
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_FALSE(ran);
}

// ---- the audit trail (tests/support/audit_trail_contract.h) ----

TEST_P(EnrollmentStoreTest, AuditTrailIsReadNewestFirstInPages) {
  luban::testing::ExpectAuditTrailNewestFirstInPages(InLedger());
}

TEST_P(EnrollmentStoreTest, AuditTrailOfOneRecord) {
  luban::testing::ExpectAuditTrailOfOneRecord(InLedger());
}

TEST_P(EnrollmentStoreTest, AuditTrailOfCommittedTransactionsOnly) {
  luban::testing::ExpectAuditTrailOfCommittedTransactions(InLedger());
}

// ---- MySQL only ----

class MySqlEnrollmentStoreTest
    : public luban::testing::MySqlStoreTest<EnrollmentStoreTraits, /*pool_size=*/8> {
 protected:
  int64_t AddTrainee(const Trainee& trainee) {
    int64_t id = 0;
    absl::Status status = Run("add trainee", [&](EnrollmentTx& tx) -> absl::Status {
      auto inserted = tx.InsertTrainee(trainee);
      if (!inserted.ok()) return inserted.status();
      id = *inserted;
      return absl::OkStatus();
    });
    EXPECT_TRUE(status.ok()) << status;
    return id;
  }

  int64_t AddEnrollment(const Enrollment& enrollment) {
    int64_t id = 0;
    absl::Status status = Run("add enrollment", [&](EnrollmentTx& tx) -> absl::Status {
      auto inserted = tx.InsertEnrollment(enrollment);
      if (!inserted.ok()) return inserted.status();
      id = *inserted;
      return absl::OkStatus();
    });
    EXPECT_TRUE(status.ok()) << status;
    return id;
  }

  // A trainee and the seats of run 7, for the race tests.
  int64_t SeedTraineeAndRun() {
    const int64_t trainee = AddTrainee(MakeTrainee("Saidov", "RACE-1"));
    EXPECT_TRUE(Run("seats", [](EnrollmentTx& tx) {
                  return tx.InsertRunSeatsIfAbsent(MakeSeats(7));
                }).ok());
    return trainee;
  }

  absl::Status AwaitLockWait(absl::Duration timeout = absl::Seconds(30)) {
    return db().AwaitLockWaits(1, timeout);
  }

  // Runs `hold` in a transaction that stays open until `contender` (started once `hold` has
  // returned OK) is seen waiting for a row lock; then lets both finish. Returns their statuses
  // and whether the wait was seen.
  struct Contest {
    absl::Status holder;
    absl::Status contender;
    absl::Status waited;
  };
  Contest HoldWhile(const std::function<absl::Status(EnrollmentTx&)>& hold,
                    const std::function<absl::Status(EnrollmentTx&)>& contend) {
    Contest contest;
    std::atomic<bool> holding{false};
    absl::Notification held;
    absl::Notification release;
    std::thread holder([&] {
      contest.holder = Run("holder", [&](EnrollmentTx& tx) -> absl::Status {
        if (auto s = hold(tx); !s.ok()) return s;
        holding.store(true);
        if (!held.HasBeenNotified()) held.Notify();
        release.WaitForNotification();
        return absl::OkStatus();
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
    contest.waited = AwaitLockWait();
    release.Notify();
    holder.join();
    contender.join();
    return contest;
  }
};

TEST_F(MySqlEnrollmentStoreTest, MigrationsApplyOnceAndCreateTheTables) {
  auto again = Migrate();
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->applied, 0);
  auto third = Migrate();
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_EQ(third->applied, 0);
  EXPECT_EQ(third->current, again->current);
  for (const char* table :
       {"trainees", "run_seats", "enrollments", "certificates", "feed_cursors"}) {
    auto collation = db().QueryValue(absl::StrCat(
        "SELECT TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"
        " AND TABLE_NAME = '",
        table, "' AND ENGINE = 'InnoDB'"));
    ASSERT_TRUE(collation.ok()) << table << ": " << collation.status();
    EXPECT_EQ(*collation, "utf8mb4_bin") << table;
  }
  // The one-open-enrollment rule lives in a stored generated column the unique key covers.
  auto generated = db().QueryValue(
      "SELECT EXTRA FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()"
      " AND TABLE_NAME = 'enrollments' AND COLUMN_NAME = 'open_run_id'");
  ASSERT_TRUE(generated.ok()) << generated.status();
  EXPECT_THAT(*generated, ::testing::AnyOf(HasSubstr("STORED"), HasSubstr("PERSISTENT")));
}

TEST_F(MySqlEnrollmentStoreTest, StoresUtf8AsUtf8mb4Bytes) {
  Trainee tajik = MakeTrainee("Saidov", "B-1");
  Trainee kazakh = MakeTrainee("Nurlanov", "B-2", kKazakh, "KZ");
  kazakh.given_name = kKazakhGiven;
  Trainee chinese = MakeTrainee("Wang", "B-3", kUzbek, "CN");
  chinese.family_name = kChinese;
  const int64_t t = AddTrainee(tajik);
  const int64_t k = AddTrainee(kazakh);
  const int64_t c = AddTrainee(chinese);
  auto hex_of = [&](absl::string_view expression, int64_t id) {
    auto hex =
        db().QueryValue(absl::StrCat("SELECT HEX(", expression, ") FROM trainees WHERE id = ", id));
    EXPECT_TRUE(hex.ok()) << hex.status();
    return hex.value_or("");
  };
  auto hex = [](absl::string_view text) {
    return absl::AsciiStrToUpper(absl::BytesToHexString(text));
  };
  // What other readers of the table (reports, the mysql client) see: the UTF-8 bytes as given.
  EXPECT_EQ(hex_of("CONCAT(given_name, ' ', family_name)", t), hex(kTajikFull));
  EXPECT_EQ(hex_of("given_name", k), hex(kKazakhGiven));
  EXPECT_EQ(hex_of("family_name", c), hex(kChinese));

  // And the store gives the same bytes back, in certificates' JSON texts as well.
  ASSERT_TRUE(
      Run("seats", [](EnrollmentTx& tx) { return tx.InsertRunSeatsIfAbsent(MakeSeats(7)); }).ok());
  const int64_t enrollment = AddEnrollment(MakeEnrollment(t, 7, EnrollmentState::kCompleted));
  Certificate certificate = MakeCertificate("UTF-1", t, enrollment);
  certificate.course_titles = {{"zh", kChinese}, {"kk", kKazakhGiven}};
  int64_t certificate_id = 0;
  ASSERT_TRUE(Run("certificate", [&](EnrollmentTx& tx) -> absl::Status {
                auto id = tx.InsertCertificate(certificate);
                if (!id.ok()) return id.status();
                certificate_id = *id;
                return absl::OkStatus();
              }).ok());
  auto holder = db().QueryValue(
      absl::StrCat("SELECT HEX(holder_name) FROM certificates WHERE id = ", certificate_id));
  ASSERT_TRUE(holder.ok()) << holder.status();
  EXPECT_EQ(*holder, hex(kTajikFull));
  auto title = db().QueryValue(absl::StrCat(
      "SELECT HEX(JSON_VALUE(course_titles, '$[0].text')) FROM certificates WHERE id = ",
      certificate_id));
  ASSERT_TRUE(title.ok()) << title.status();
  EXPECT_EQ(*title, hex(kChinese));
  ASSERT_TRUE(Run("read", [&](EnrollmentTx& tx) -> absl::Status {
                auto got = tx.GetCertificate(certificate_id, false);
                if (!got.ok()) return got.status();
                EXPECT_EQ(got->course_titles, certificate.course_titles);
                EXPECT_EQ(got->holder_name, kTajikFull);
                return absl::OkStatus();
              }).ok());
}

// Two transactions insert an open enrollment of the same trainee in the same run; the second
// reaches the unique key while the first has not committed. The database makes it wait, then
// refuses it: exactly one succeeds.
TEST_F(MySqlEnrollmentStoreTest, OneOpenEnrollmentHoldsWhenTwoInsertsRace) {
  const int64_t trainee = SeedTraineeAndRun();
  Contest contest = HoldWhile(
      [&](EnrollmentTx& tx) { return tx.InsertEnrollment(MakeEnrollment(trainee, 7)).status(); },
      [&](EnrollmentTx& tx) {
        return tx.InsertEnrollment(MakeEnrollment(trainee, 7, EnrollmentState::kWaitlisted, 1))
            .status();
      });
  EXPECT_TRUE(contest.waited.ok()) << contest.waited;
  EXPECT_TRUE(contest.holder.ok()) << contest.holder;
  EXPECT_EQ(contest.contender.code(), absl::StatusCode::kAlreadyExists) << contest.contender;
  auto open = db().QueryInt(absl::StrCat(
      "SELECT COUNT(*) FROM enrollments WHERE state IN (1, 2) AND trainee_id = ", trainee));
  ASSERT_TRUE(open.ok()) << open.status();
  EXPECT_EQ(*open, 1);
}

// The same through UpdateEnrollment: reopening a closed enrollment while another transaction
// inserts an open one.
TEST_F(MySqlEnrollmentStoreTest, OneOpenEnrollmentHoldsWhenAnInsertRacesAReopen) {
  const int64_t trainee = SeedTraineeAndRun();
  const int64_t closed = AddEnrollment(MakeEnrollment(trainee, 7, EnrollmentState::kWithdrawn));
  Contest contest = HoldWhile(
      [&](EnrollmentTx& tx) { return tx.InsertEnrollment(MakeEnrollment(trainee, 7)).status(); },
      [&](EnrollmentTx& tx) -> absl::Status {
        auto enrollment = tx.GetEnrollment(closed, /*for_update=*/true);
        if (!enrollment.ok()) return enrollment.status();
        enrollment->state = EnrollmentState::kEnrolled;
        enrollment->meta.version += 1;
        return tx.UpdateEnrollment(*enrollment);
      });
  EXPECT_TRUE(contest.waited.ok()) << contest.waited;
  EXPECT_TRUE(contest.holder.ok()) << contest.holder;
  EXPECT_EQ(contest.contender.code(), absl::StatusCode::kAlreadyExists) << contest.contender;
}

// Many threads, released together, insert the same trainee's open enrollment: one wins, every
// other is ALREADY_EXISTS (never a second row, never INTERNAL).
TEST_F(MySqlEnrollmentStoreTest, OneOpenEnrollmentUnderAFreeForAll) {
  const int64_t trainee = SeedTraineeAndRun();
  std::atomic<int> created{0};
  std::atomic<int> refused{0};
  std::vector<absl::Status> others(kPoolSize);
  absl::Notification go;
  std::vector<std::thread> threads;
  for (int i = 0; i < kPoolSize; ++i) {
    threads.emplace_back([&, i] {
      go.WaitForNotification();
      absl::Status status = Run("race", [&](EnrollmentTx& tx) {
        return tx.InsertEnrollment(MakeEnrollment(trainee, 7, EnrollmentState::kWaitlisted, i))
            .status();
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
  EXPECT_EQ(refused.load(), kPoolSize - 1);
  auto rows = db().QueryInt("SELECT COUNT(*) FROM enrollments");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(*rows, 1);
}

// The same identity document from many threads: one trainee.
TEST_F(MySqlEnrollmentStoreTest, OneTraineePerDocumentUnderAFreeForAll) {
  std::atomic<int> created{0};
  std::atomic<int> refused{0};
  absl::Notification go;
  std::vector<std::thread> threads;
  for (int i = 0; i < kPoolSize; ++i) {
    threads.emplace_back([&, i] {
      go.WaitForNotification();
      // Printed differently each time; the same document.
      absl::Status status = Run("race", [&](EnrollmentTx& tx) {
        return tx
            .InsertTrainee(MakeTrainee(absl::StrCat("Twin", i), i % 2 == 0 ? "AB 123" : "ab-123"))
            .status();
      });
      if (status.ok()) created.fetch_add(1);
      if (status.code() == absl::StatusCode::kAlreadyExists) refused.fetch_add(1);
    });
  }
  go.Notify();
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(refused.load(), kPoolSize - 1);
}

// FirstWaitlisted and OpenEnrollmentsOfRun lock what they return: a concurrent change of one of
// those rows waits until the reader's transaction ends.
TEST_F(MySqlEnrollmentStoreTest, WaitlistReadsLockTheirRows) {
  const int64_t trainee = SeedTraineeAndRun();
  const int64_t waiting =
      AddEnrollment(MakeEnrollment(trainee, 7, EnrollmentState::kWaitlisted, 1));
  auto touch = [&](EnrollmentTx& tx) -> absl::Status {
    auto enrollment = tx.GetEnrollment(waiting, /*for_update=*/true);
    return enrollment.status();
  };
  Contest first = HoldWhile(
      [&](EnrollmentTx& tx) -> absl::Status {
        auto rows = tx.FirstWaitlisted(7, 1);
        if (!rows.ok()) return rows.status();
        if (rows->size() != 1) return absl::InternalError("expected one waitlisted enrollment");
        return absl::OkStatus();
      },
      touch);
  EXPECT_TRUE(first.waited.ok()) << first.waited;
  EXPECT_TRUE(first.holder.ok()) << first.holder;
  EXPECT_TRUE(first.contender.ok()) << first.contender;

  Contest open = HoldWhile(
      [&](EnrollmentTx& tx) -> absl::Status { return tx.OpenEnrollmentsOfRun(7).status(); }, touch);
  EXPECT_TRUE(open.waited.ok()) << open.waited;
  EXPECT_TRUE(open.holder.ok()) << open.holder;
  EXPECT_TRUE(open.contender.ok()) << open.contender;
}

TEST_F(MySqlEnrollmentStoreTest, FailedBodyLeavesTablesUnchanged) {
  const int64_t trainee = SeedTraineeAndRun();
  const std::vector<std::string> tables = {"trainees",     "run_seats",    "enrollments",
                                           "certificates", "feed_cursors", "audit_log"};
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
  absl::Status status = Run("doomed", [&](EnrollmentTx& tx) -> absl::Status {
    auto enrollment = tx.InsertEnrollment(MakeEnrollment(trainee, 7));
    if (!enrollment.ok()) return enrollment.status();
    auto certificate = tx.InsertCertificate(MakeCertificate("DOOMED-1", trainee, *enrollment));
    if (!certificate.ok()) return certificate.status();
    if (auto s = tx.PutFeedCursor("course", 9); !s.ok()) return s;
    if (auto s = tx.InsertTrainee(MakeTrainee("Doomed", "D-1")).status(); !s.ok()) return s;
    if (auto s = tx.ledger().Audit(AuditOf("enrollments/1")); !s.ok()) return s;
    return absl::AbortedError("etag: changed by someone else");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(checksums(), before);
}

TEST_F(MySqlEnrollmentStoreTest, EveryTableIsInnoDbWithAPrimaryKeyAsGaleraNeeds) {
  EXPECT_EQ(TablesGaleraCannotReplicate(), "");
}

}  // namespace
}  // namespace luban::enrollment
