#include "tools/demo_seed/enrollment_seed.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "luban/course/v1/course.grpc.pb.h"
#include "luban/enrollment/v1/enrollment.grpc.pb.h"
#include "tools/demo_seed/seed_call.h"

namespace luban::demo_seed {
namespace {

namespace cpb = ::luban::course::v1;
namespace epb = ::luban::enrollment::v1;

constexpr epb::Sex kF = epb::SEX_FEMALE;
constexpr epb::Sex kM = epb::SEX_MALE;
constexpr epb::DocumentType kPassport = epb::DOCUMENT_TYPE_PASSPORT;
constexpr epb::DocumentType kNationalId = epb::DOCUMENT_TYPE_NATIONAL_ID;
constexpr epb::DocumentType kResidencePermit = epb::DOCUMENT_TYPE_RESIDENCE_PERMIT;

struct Day {
  int year;
  int month;
  int day;
};

struct DemoTrainee {
  const char* key;       // the demo's key, part of request ids
  const char* workshop;  // home workshop's key in DemoNetwork::workshops
  const char* family_name;
  const char* given_name;
  const char* family_name_latin;
  const char* given_name_latin;
  epb::Sex sex;
  Day birth;  // ages 16..45 in late 2026
  const char* citizenship;
  const char* document_country;
  epb::DocumentType document_type;
  const char* document_number;
  const char* phone;
  const char* email;  // "" when none
};

// Names in the script of the trainee's language (Tajik, Kazakh, Kyrgyz and Russian in Cyrillic,
// Uzbek in Latin) with their Latin transliteration.
// clang-format off
constexpr DemoTrainee kTrainees[] = {
    // Tajikistan: Tajik Technical University (the demo college admin's institution).
    {"tj01", "tj", "Раҳимов", "Ҷамшед", "Rahimov", "Jamshed", kM, {1998, 3, 14}, "TJ", "TJ",
     kPassport, "A04512873", "+992 93 451 2873", "j.rahimov@example.tj"},
    {"tj02", "tj", "Қодирова", "Зарина", "Qodirova", "Zarina", kF, {2001, 7, 22}, "TJ", "TJ",
     kNationalId, "4010237788", "+992 92 023 7788", ""},
    {"tj03", "tj", "Ғафуров", "Фирӯз", "Ghafurov", "Firuz", kM, {1995, 11, 5}, "TJ", "TJ",
     kPassport, "A03319054", "+992 90 331 9054", "firuz.ghafurov@example.tj"},
    {"tj04", "tj", "Ҳасанова", "Мадина", "Hasanova", "Madina", kF, {2003, 1, 30}, "TJ", "TJ",
     kPassport, "A05120467", "+992 93 512 0467", ""},
    {"tj05", "tj", "Шарипов", "Ҳусейн", "Sharipov", "Huseyn", kM, {1989, 9, 12}, "TJ", "TJ",
     kNationalId, "4008915530", "+992 91 891 5530", ""},
    {"tj06", "tj", "Назарова", "Гулноза", "Nazarova", "Gulnoza", kF, {1999, 4, 18}, "TJ", "TJ",
     kPassport, "A04876012", "+992 98 487 6012", "gulnoza.n@example.tj"},
    {"tj07", "tj", "Собиров", "Далер", "Sobirov", "Daler", kM, {2006, 6, 9}, "TJ", "TJ",
     kNationalId, "4012066091", "+992 93 206 6091", ""},
    {"tj08", "tj", "Мирзоева", "Нигина", "Mirzoeva", "Nigina", kF, {2000, 12, 1}, "TJ", "TJ",
     kPassport, "A05533718", "+992 92 553 3718", ""},
    {"tj09", "tj", "Юсуфӣ", "Меҳрубон", "Yusufi", "Mehrubon", kM, {1994, 2, 27}, "TJ", "TJ",
     kPassport, "A02904433", "+992 90 290 4433", "mehrubon.yusufi@example.tj"},
    {"tj10", "tj", "Ҷӯраева", "Шаҳло", "Juraeva", "Shahlo", kF, {2008, 8, 15}, "TJ", "TJ",
     kNationalId, "4014081552", "+992 93 408 1552", ""},
    {"tj11", "tj", "Қурбонов", "Сӯҳроб", "Qurbonov", "Suhrob", kM, {1986, 10, 3}, "TJ", "TJ",
     kPassport, "A01877260", "+992 91 187 7260", ""},
    {"tj12", "tj", "Давлатова", "Фарангис", "Davlatova", "Farangis", kF, {1997, 5, 21}, "TJ",
     "TJ", kPassport, "A04190385", "+992 98 419 0385", "farangis.d@example.tj"},
    {"tj13", "tj", "Исмоилов", "Бахтиёр", "Ismoilov", "Bakhtiyor", kM, {2010, 5, 2}, "TJ", "TJ",
     kNationalId, "4016050213", "+992 93 605 0213", ""},
    {"tj14", "tj", "Каримова", "Ҳилола", "Karimova", "Hilola", kF, {1992, 7, 7}, "TJ", "TJ",
     kPassport, "A03006572", "+992 92 300 6572", ""},
    {"tj15", "tj", "Сафаров", "Умед", "Safarov", "Umed", kM, {2004, 11, 11}, "TJ", "TJ",
     kPassport, "A05871149", "+992 90 587 1149", ""},
    {"tj16", "tj", "Иванов", "Сергей Петрович", "Ivanov", "Sergey Petrovich", kM, {1981, 6, 17},
     "TJ", "TJ", kPassport, "A00912234", "+992 93 091 2234", "s.ivanov@example.tj"},
    {"tj17", "tj", "Петрова", "Анна Викторовна", "Petrova", "Anna Viktorovna", kF,
     {2002, 9, 25}, "RU", "RU", kPassport, "4519 337812", "+7 916 337 8120", ""},
    {"tj18", "tj", "Абдуллоева", "Ситора", "Abdulloeva", "Sitora", kF, {1990, 4, 4}, "TJ", "TJ",
     kNationalId, "4006040471", "+992 91 604 0471", ""},

    // Kazakhstan: L.N. Gumilyov Eurasian National University (national ids are the IIN).
    {"kz01", "kz", "Нұрланов", "Әлихан", "Nurlanov", "Alikhan", kM, {1999, 2, 11}, "KZ", "KZ",
     kNationalId, "990211300457", "+7 701 211 0457", "alikhan.nurlanov@example.kz"},
    {"kz02", "kz", "Сәрсенбаева", "Айгерім", "Sarsenbayeva", "Aigerim", kF, {2002, 6, 3}, "KZ",
     "KZ", kNationalId, "020603650118", "+7 702 603 0118", ""},
    {"kz03", "kz", "Жұмабеков", "Ерлан", "Zhumabekov", "Yerlan", kM, {1991, 8, 19}, "KZ", "KZ",
     kPassport, "N13457690", "+7 705 345 7690", ""},
    {"kz04", "kz", "Төлегенова", "Дана", "Tolegenova", "Dana", kF, {2005, 12, 24}, "KZ", "KZ",
     kNationalId, "051224650233", "+7 747 224 0233", "dana.t@example.kz"},
    {"kz05", "kz", "Оспанов", "Нұрсұлтан", "Ospanov", "Nursultan", kM, {1996, 4, 30}, "KZ",
     "KZ", kPassport, "N08871234", "+7 701 887 1234", ""},
    {"kz06", "kz", "Қасымова", "Әсел", "Kasymova", "Assel", kF, {2000, 10, 14}, "KZ", "KZ",
     kNationalId, "001014650871", "+7 708 014 0871", ""},
    {"kz07", "kz", "Ғабитов", "Дәулет", "Gabitov", "Daulet", kM, {2007, 1, 8}, "KZ", "KZ",
     kNationalId, "070108500394", "+7 775 108 0394", ""},
    {"kz08", "kz", "Смирнова", "Екатерина", "Smirnova", "Yekaterina", kF, {1985, 5, 16}, "KZ",
     "KZ", kNationalId, "850516450612", "+7 701 516 0612", "e.smirnova@example.kz"},

    // Uzbekistan: Tashkent State Transport University (names in Uzbek Latin).
    {"uz01", "uz", "Toʻxtayev", "Jasur", "To'xtayev", "Jasur", kM, {1997, 9, 9}, "UZ", "UZ",
     kPassport, "AB4455123", "+998 90 445 51 23", "jasur.toxtayev@example.uz"},
    {"uz02", "uz", "Gʻulomova", "Dilnoza", "G'ulomova", "Dilnoza", kF, {2001, 3, 17}, "UZ",
     "UZ", kNationalId, "AD1029384", "+998 91 102 93 84", ""},
    {"uz03", "uz", "Ergashev", "Sardor", "Ergashev", "Sardor", kM, {2004, 7, 28}, "UZ", "UZ",
     kPassport, "AC7734519", "+998 93 773 45 19", ""},
    {"uz04", "uz", "Yoʻldosheva", "Malika", "Yo'ldosheva", "Malika", kF, {1993, 11, 2}, "UZ",
     "UZ", kNationalId, "41102931230045", "+998 97 110 29 31", "malika.y@example.uz"},
    {"uz05", "uz", "Qodirov", "Otabek", "Qodirov", "Otabek", kM, {1988, 6, 21}, "UZ", "UZ",
     kPassport, "AA9012345", "+998 90 901 23 45", ""},
    {"uz06", "uz", "Shukurova", "Nodira", "Shukurova", "Nodira", kF, {2006, 2, 13}, "UZ", "UZ",
     kNationalId, "AD3345671", "+998 94 334 56 71", ""},
    {"uz07", "uz", "Rashidov", "Oʻtkir", "Rashidov", "O'tkir", kM, {1999, 12, 30}, "UZ", "UZ",
     kPassport, "AC1200456", "+998 99 120 04 56", ""},

    // Kyrgyzstan: Kyrgyz State Technical University named after I. Razzakov.
    {"kg01", "kg", "Асанов", "Бакыт", "Asanov", "Bakyt", kM, {1994, 5, 5}, "KG", "KG", kPassport,
     "AC2345678", "+996 555 234 567", "bakyt.asanov@example.kg"},
    {"kg02", "kg", "Токтогулова", "Айпери", "Toktogulova", "Aiperi", kF, {2003, 8, 8}, "KG",
     "KG", kNationalId, "ID0456123", "+996 700 456 123", ""},
    {"kg03", "kg", "Жээнбеков", "Нурбек", "Zheenbekov", "Nurbek", kM, {2000, 1, 25}, "KG", "KG",
     kNationalId, "ID1122334", "+996 772 112 233", ""},
    {"kg04", "kg", "Өмүрбекова", "Жылдыз", "Omurbekova", "Zhyldyz", kF, {1996, 10, 10}, "KG",
     "KG", kPassport, "AC3456789", "+996 555 345 678", "zhyldyz.o@example.kg"},
    {"kg05", "kg", "Сыдыков", "Эрмек", "Sydykov", "Ermek", kM, {2007, 4, 14}, "KG", "KG",
     kNationalId, "ID2233445", "+996 709 223 344", ""},
    {"kg06", "kg", "Үсөнова", "Гүлзат", "Usonova", "Gulzat", kF, {1989, 3, 3}, "KG", "KG",
     kPassport, "AC4567890", "+996 555 456 789", ""},
    {"kg07", "kg", "Кузнецов", "Дмитрий", "Kuznetsov", "Dmitry", kM, {1982, 12, 12}, "RU", "KG",
     kResidencePermit, "RP0071234", "+996 312 007 123", ""},
};
// clang-format on

// Who enrolls where, in this order. tj-srv-2027 has 8 seats for 11 trainees: three are
// waitlisted. tj-srv-2026 is started afterwards so results can be recorded.
const std::vector<std::pair<const char*, std::vector<const char*>>>& EnrollmentPlan() {
  static const auto* const plan = new std::vector<std::pair<const char*, std::vector<const char*>>>{
      {"tj-srv-2026", {"tj01", "tj02", "tj03", "tj04", "tj05", "tj06"}},
      {"tj-srv-2027",
       {"tj07", "tj08", "tj09", "tj10", "tj11", "tj12", "tj13", "tj14", "tj15", "tj16", "tj17"}},
      {"tj-urt-2026", {"tj04", "tj10", "tj13", "tj18"}},
      {"kz-urt-2026", {"kz01", "kz02", "kz03", "kz04", "kz05", "kz06"}},
      {"uz-rbt-2026", {"uz01", "uz02", "uz03", "uz04", "uz05", "uz06"}},
      {"kg-cnc-2026", {"kg01", "kg02", "kg03", "kg04", "kg05", "kg06"}},
  };
  return *plan;
}

// The scenario on top of the plan.
constexpr const char* kWaitlistRun = "tj-srv-2027";
constexpr const char* kWithdrawing = "tj09";      // holds a seat, withdraws
constexpr const char* kFirstWaitlisted = "tj15";  // moves up into the freed seat
constexpr const char* kStartedRun = "tj-srv-2026";
constexpr const char* kPassing = "tj01";
constexpr const char* kFailing = "tj02";

const std::string& Lookup(const std::map<std::string, std::string>& map, const std::string& key,
                          absl::string_view what) {
  auto it = map.find(key);
  if (it == map.end()) {
    std::fprintf(stderr, "luban-demo-seed: no demo %.*s %s\n", static_cast<int>(what.size()),
                 what.data(), key.c_str());
    std::exit(1);
  }
  return it->second;
}

const char* StateName(epb::EnrollmentState state) {
  switch (state) {
    case epb::ENROLLMENT_STATE_WAITLISTED:
      return "waitlisted";
    case epb::ENROLLMENT_STATE_ENROLLED:
      return "enrolled";
    case epb::ENROLLMENT_STATE_COMPLETED:
      return "completed";
    case epb::ENROLLMENT_STATE_FAILED:
      return "failed";
    case epb::ENROLLMENT_STATE_WITHDRAWN:
      return "withdrawn";
    case epb::ENROLLMENT_STATE_CANCELLED:
      return "cancelled";
    default:
      return "unspecified";
  }
}

class EnrollmentSeeder {
 public:
  EnrollmentSeeder(const std::shared_ptr<grpc::Channel>& course,
                   const std::shared_ptr<grpc::Channel>& enrollment, std::string token,
                   const DemoNetwork& network)
      : course_(cpb::CourseService::NewStub(course)),
        enrollment_(epb::EnrollmentService::NewStub(enrollment)),
        token_(std::move(token)),
        network_(network) {}

  // One ImportTrainees batch per workshop, in the order the workshops first appear.
  void ImportTrainees() {
    std::vector<std::string> order;
    std::map<std::string, std::vector<const DemoTrainee*>> batches;
    for (const DemoTrainee& t : kTrainees) {
      if (batches[t.workshop].empty()) order.push_back(t.workshop);
      batches[t.workshop].push_back(&t);
    }
    for (const std::string& workshop : order) {
      const std::vector<const DemoTrainee*>& rows = batches[workshop];
      epb::ImportTraineesRequest request;
      request.set_request_id(absl::StrCat("demo-trainees-", workshop));
      for (const DemoTrainee* t : rows) {
        Fill(*t, Lookup(network_.workshops, workshop, "workshop"),
             request.add_rows()->mutable_trainee());
      }
      const std::string what = absl::StrCat("import of the ", workshop, " trainees");
      const epb::ImportTraineesResponse response = CallOrDie(
          *enrollment_, &epb::EnrollmentService::Stub::ImportTrainees, request, token_, what);
      if (response.results_size() != static_cast<int>(rows.size())) {
        std::fprintf(stderr, "luban-demo-seed: %s: %d results for %zu rows\n", what.c_str(),
                     response.results_size(), rows.size());
        std::exit(1);
      }
      for (const epb::ImportTraineesResult& result : response.results()) {
        const DemoTrainee& t = *rows[result.index()];
        const bool ok = (result.outcome() == epb::IMPORT_OUTCOME_CREATED ||
                         result.outcome() == epb::IMPORT_OUTCOME_ALREADY_EXISTED) &&
                        !result.trainee().empty();
        if (!ok) {
          std::fprintf(stderr, "luban-demo-seed: %s: row %s refused: %s: %s\n", what.c_str(), t.key,
                       result.error_code().c_str(), result.error_message().c_str());
          std::exit(1);
        }
        trainees_[t.key] = result.trainee();
      }
      per_workshop_.emplace_back(workshop, static_cast<int>(rows.size()));
    }
  }

  void Enroll() {
    for (const auto& [run_key, trainee_keys] : EnrollmentPlan()) {
      const std::string& run = Lookup(network_.runs, run_key, "course run");
      for (const char* trainee_key : trainee_keys) {
        epb::EnrollRequest request;
        request.set_trainee(Lookup(trainees_, trainee_key, "trainee"));
        request.set_course_run(run);
        request.set_request_id(absl::StrCat("demo-enroll-", run_key, "-", trainee_key));
        enrollments_[Key(run_key, trainee_key)] =
            CallOrDie(*enrollment_, &epb::EnrollmentService::Stub::Enroll, request, token_,
                      absl::StrCat("enrolling ", trainee_key, " in ", run_key))
                .name();
      }
    }
  }

  // A trainee holding a seat in the full run withdraws: the first waitlisted moves up.
  void Withdraw() {
    epb::WithdrawRequest request;
    request.set_name(EnrollmentOf(kWaitlistRun, kWithdrawing));
    request.set_reason("moved to Khujand for work");
    request.set_request_id(absl::StrCat("demo-withdraw-", kWaitlistRun, "-", kWithdrawing));
    CallOrDie(*enrollment_, &epb::EnrollmentService::Stub::Withdraw, request, token_,
              absl::StrCat("withdrawing ", kWithdrawing, " from ", kWaitlistRun));
    epb::GetEnrollmentRequest get;
    get.set_name(EnrollmentOf(kWaitlistRun, kFirstWaitlisted));
    const epb::Enrollment moved_up =
        CallOrDie(*enrollment_, &epb::EnrollmentService::Stub::GetEnrollment, get, token_,
                  absl::StrCat("reading ", get.name()));
    if (moved_up.state() == epb::ENROLLMENT_STATE_WAITLISTED) {
      std::fprintf(stderr,
                   "luban-demo-seed: warning: %s (first on the waitlist of %s) is still "
                   "waitlisted after a withdrawal\n",
                   moved_up.name().c_str(), kWaitlistRun);
    }
  }

  // Starts a run (course service) and records one pass and one fail in it. Returns the
  // certificate's number.
  std::string StartAndComplete() {
    cpb::StartCourseRunRequest start;
    start.set_name(Lookup(network_.runs, kStartedRun, "course run"));
    start.set_request_id(absl::StrCat("demo-run-start-", kStartedRun));
    CallOrDie(*course_, &cpb::CourseService::Stub::StartCourseRun, start, token_,
              absl::StrCat("starting ", kStartedRun));

    const epb::Enrollment passed = Complete(kPassing, 87, 96);
    Complete(kFailing, 48, 85);
    if (passed.certificate().empty()) {
      std::fprintf(stderr, "luban-demo-seed: %s passed %s without a certificate\n",
                   passed.name().c_str(), kStartedRun);
      std::exit(1);
    }
    epb::GetCertificateRequest get;
    get.set_name(passed.certificate());
    return CallOrDie(*enrollment_, &epb::EnrollmentService::Stub::GetCertificate, get, token_,
                     absl::StrCat("reading ", passed.certificate()))
        .number();
  }

  const std::map<std::string, std::string>& trainees() const { return trainees_; }

  // Reads every demo enrollment back and prints the summary.
  void PrintSummary(const std::string& certificate_number) {
    std::map<std::string, int> states;
    for (const auto& [key, name] : enrollments_) {
      epb::GetEnrollmentRequest request;
      request.set_name(name);
      ++states[StateName(CallOrDie(*enrollment_, &epb::EnrollmentService::Stub::GetEnrollment,
                                   request, token_, absl::StrCat("reading ", name))
                             .state())];
    }
    std::vector<std::string> countries;
    for (const auto& [workshop, count] : per_workshop_) {
      countries.push_back(absl::StrCat(absl::AsciiStrToUpper(workshop), " ", count));
    }
    std::vector<std::string> by_state;
    for (const char* state :
         {"enrolled", "waitlisted", "withdrawn", "completed", "failed", "cancelled"}) {
      if (states[state] > 0) by_state.push_back(absl::StrCat(states[state], " ", state));
    }
    std::printf("demo enrollments loaded: %zu trainees (%s), %zu enrollments in %zu runs (%s)\n",
                trainees_.size(), absl::StrJoin(countries, ", ").c_str(), enrollments_.size(),
                EnrollmentPlan().size(), absl::StrJoin(by_state, ", ").c_str());
    std::printf("  %s (%s) is full with a waitlist; %s (%s) is in progress\n",
                Lookup(network_.runs, kWaitlistRun, "course run").c_str(), kWaitlistRun,
                Lookup(network_.runs, kStartedRun, "course run").c_str(), kStartedRun);
    std::printf("demo certificate: %s (VerifyCertificate needs no token)\n",
                certificate_number.c_str());
  }

 private:
  static std::string Key(absl::string_view run, absl::string_view trainee) {
    return absl::StrCat(run, "/", trainee);
  }

  const std::string& EnrollmentOf(const char* run_key, const char* trainee_key) const {
    return Lookup(enrollments_, Key(run_key, trainee_key), "enrollment");
  }

  epb::Enrollment Complete(const char* trainee_key, int score, int attendance) {
    epb::CompleteRequest request;
    request.set_name(EnrollmentOf(kStartedRun, trainee_key));
    request.set_final_score(score);
    request.set_attendance_percent(attendance);
    request.set_request_id(absl::StrCat("demo-complete-", kStartedRun, "-", trainee_key));
    return CallOrDie(*enrollment_, &epb::EnrollmentService::Stub::Complete, request, token_,
                     absl::StrCat("recording the result of ", trainee_key, " in ", kStartedRun));
  }

  static void Fill(const DemoTrainee& in, const std::string& workshop, epb::Trainee* out) {
    out->set_family_name(in.family_name);
    out->set_given_name(in.given_name);
    out->set_family_name_latin(in.family_name_latin);
    out->set_given_name_latin(in.given_name_latin);
    out->set_sex(in.sex);
    out->mutable_birth_date()->set_year(in.birth.year);
    out->mutable_birth_date()->set_month(in.birth.month);
    out->mutable_birth_date()->set_day(in.birth.day);
    out->set_citizenship(in.citizenship);
    out->mutable_identity_document()->set_country_code(in.document_country);
    out->mutable_identity_document()->set_type(in.document_type);
    out->mutable_identity_document()->set_number(in.document_number);
    out->mutable_contacts()->set_phone(in.phone);
    out->mutable_contacts()->set_email(in.email);
    out->set_home_workshop(workshop);
  }

  std::unique_ptr<cpb::CourseService::Stub> course_;
  std::unique_ptr<epb::EnrollmentService::Stub> enrollment_;
  std::string token_;
  const DemoNetwork& network_;
  std::map<std::string, std::string> trainees_;     // "tj01" → "trainees/{id}"
  std::map<std::string, std::string> enrollments_;  // "tj-srv-2026/tj01" → "enrollments/{id}"
  std::vector<std::pair<std::string, int>> per_workshop_;  // workshop key, trainees
};

}  // namespace

void SeedEnrollments(const std::shared_ptr<grpc::Channel>& course,
                     const std::shared_ptr<grpc::Channel>& enrollment, const std::string& token,
                     DemoNetwork& network) {
  EnrollmentSeeder seeder(course, enrollment, token, network);
  seeder.ImportTrainees();
  network.trainees = seeder.trainees();
  seeder.Enroll();
  seeder.Withdraw();
  const std::string certificate = seeder.StartAndComplete();
  seeder.PrintSummary(certificate);
}

}  // namespace luban::demo_seed
