// luban-demo-seed: loads the demo network (the five countries' workshops, their partner colleges,
// a catalogue and course runs) into a running course service and, with --enrollment_target, demo
// trainees, enrollments and a certificate into a running enrollment service and, with
// --exchange_target too, exchange programmes and mobilities into a running exchange service,
// through their public APIs with a network admin's token (LUBAN_TOKEN). Every call carries a fixed
// request_id, so running it again changes nothing. With --wait_only it just waits until the
// services report SERVING.
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/client/await_serving.h"
#include "common/client/channel.h"
#include "grpcpp/client_context.h"
#include "luban/course/v1/course.grpc.pb.h"
#include "tools/demo_seed/demo_network.h"
#include "tools/demo_seed/enrollment_seed.h"
#include "tools/demo_seed/exchange_seed.h"
#include "tools/demo_seed/seed_call.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051", "course service address");
ABSL_FLAG(std::string, enrollment_target, "",
          "enrollment service address; empty: seed (or wait for) the course service only");
ABSL_FLAG(std::string, exchange_target, "",
          "exchange service address (needs --enrollment_target); empty: no exchange demo");
ABSL_FLAG(bool, wait_only, false, "only wait until the service(s) are SERVING");
ABSL_FLAG(absl::Duration, wait, absl::Seconds(60), "how long to wait for SERVING");
ABSL_FLAG(std::string, tls_ca, "", "PEM CA of the services' certificates: TLS when set");
ABSL_FLAG(std::string, tls_server_name, "",
          "name to check the services' certificates against, when not the targets' host");

namespace {

namespace pb = ::luban::course::v1;
using luban::common::v1::LocalizedString;
using luban::demo_seed::CallOrDie;
using luban::demo_seed::DemoNetwork;

class Seeder {
 public:
  Seeder(const std::shared_ptr<grpc::Channel>& channel, std::string token)
      : stub_(pb::CourseService::NewStub(channel)), token_(std::move(token)) {}

  template <typename Request, typename Response>
  Response Call(grpc::Status (pb::CourseService::Stub::*method)(grpc::ClientContext*,
                                                                const Request&, Response*),
                const Request& request, const char* what) {
    return CallOrDie(*stub_, method, request, token_, what);
  }

  std::string Institution(const char* key, pb::InstitutionKind kind, const char* country,
                          const char* city,
                          std::vector<std::pair<const char*, const char*>> names) {
    pb::CreateInstitutionRequest request;
    request.set_request_id(absl::StrCat("demo-institution-", key));
    auto* institution = request.mutable_institution();
    institution->set_kind(kind);
    institution->set_country_code(country);
    institution->set_city(city);
    for (const auto& [language, text] : names) {
      Localized(institution->add_display_names(), language, text);
    }
    const std::string name = Call(&pb::CourseService::Stub::CreateInstitution, request, key).name();
    network_.institutions[key] = name;
    return name;
  }

  std::string Workshop(const char* key, const char* country, const char* city,
                       const std::string& chinese, const std::string& partner, bool operating,
                       std::vector<std::pair<const char*, const char*>> names,
                       std::vector<const char*> disciplines) {
    pb::CreateWorkshopRequest request;
    request.set_request_id(absl::StrCat("demo-workshop-", key));
    auto* workshop = request.mutable_workshop();
    workshop->set_country_code(country);
    workshop->set_city(city);
    workshop->set_chinese_institution(chinese);
    workshop->set_partner_institution(partner);
    for (const auto& [language, text] : names) {
      Localized(workshop->add_display_names(), language, text);
    }
    for (const char* d : disciplines) workshop->add_disciplines(d);
    const std::string name = Call(&pb::CourseService::Stub::CreateWorkshop, request, key).name();
    network_.workshops[key] = name;
    if (operating) {
      pb::ChangeWorkshopStatusRequest open;
      open.set_request_id(absl::StrCat("demo-workshop-open-", key));
      open.set_name(name);
      open.set_status(pb::WORKSHOP_STATUS_OPERATING);
      open.set_reason("opened with the demo network");
      Call(&pb::CourseService::Stub::ChangeWorkshopStatus, open, key);
    }
    return name;
  }

  std::string Course(const char* code, const char* discipline, int hours,
                     std::vector<const char*> languages,
                     std::vector<std::pair<const char*, const char*>> titles) {
    pb::CreateCourseRequest request;
    request.set_request_id(absl::StrCat("demo-course-", code));
    auto* course = request.mutable_course();
    course->set_code(code);
    course->set_discipline(discipline);
    course->set_hours(hours);
    for (const char* l : languages) course->add_instruction_languages(l);
    for (const auto& [language, text] : titles) Localized(course->add_titles(), language, text);
    return Call(&pb::CourseService::Stub::CreateCourse, request, code).name();
  }

  void Run(const char* key, const std::string& course, const std::string& workshop,
           const char* language, int capacity, int year, int month, bool open) {
    pb::CreateCourseRunRequest request;
    request.set_request_id(absl::StrCat("demo-run-", key));
    auto* run = request.mutable_course_run();
    run->set_course(course);
    run->set_workshop(workshop);
    run->set_language_code(language);
    run->set_capacity(capacity);
    run->set_pass_score(60);
    run->set_min_attendance_percent(80);
    run->mutable_start_date()->set_year(year);
    run->mutable_start_date()->set_month(month);
    run->mutable_start_date()->set_day(1);
    run->mutable_end_date()->set_year(year);
    run->mutable_end_date()->set_month(month + 2);
    run->mutable_end_date()->set_day(28);
    const std::string name = Call(&pb::CourseService::Stub::CreateCourseRun, request, key).name();
    if (open) {
      pb::OpenCourseRunRequest request_open;
      request_open.set_request_id(absl::StrCat("demo-run-open-", key));
      request_open.set_name(name);
      Call(&pb::CourseService::Stub::OpenCourseRun, request_open, key);
    }
    network_.runs[key] = name;
  }

  DemoNetwork& network() { return network_; }

 private:
  static void Localized(LocalizedString* out, const char* language, const char* text) {
    out->set_language_code(language);
    out->set_text(text);
  }

  std::unique_ptr<pb::CourseService::Stub> stub_;
  std::string token_;
  DemoNetwork network_;
};

}  // namespace

int main(int argc, char** argv) {
  luban::client::SkipOpenSslCleanupAtExit();  // before gRPC initialises OpenSSL
  absl::SetProgramUsageMessage(
      "luban-demo-seed --target=HOST:PORT [--enrollment_target=HOST:PORT "
      "[--exchange_target=HOST:PORT]] [--wait_only]; the token comes from LUBAN_TOKEN");
  absl::ParseCommandLine(argc, argv);
  const std::string target = absl::GetFlag(FLAGS_target);
  const std::string enrollment_target = absl::GetFlag(FLAGS_enrollment_target);
  // Every channel the same way: plaintext, or TLS with --tls_ca.
  auto open = [](const std::string& address) -> std::shared_ptr<grpc::Channel> {
    luban::client::TlsFiles tls;
    tls.ca_file = absl::GetFlag(FLAGS_tls_ca);
    tls.server_name = absl::GetFlag(FLAGS_tls_server_name);
    auto made = luban::client::MakeChannel({.target = address,
                                            .tls = tls,
                                            .fast_reconnect = false,
                                            .keepalive = absl::ZeroDuration()});
    if (!made.ok()) {
      std::fprintf(stderr, "luban-demo-seed: %s\n", std::string(made.status().message()).c_str());
      std::exit(2);
    }
    return *std::move(made);
  };
  auto channel = open(target);
  const std::string exchange_target = absl::GetFlag(FLAGS_exchange_target);
  if (!exchange_target.empty() && enrollment_target.empty()) {
    std::fprintf(stderr,
                 "luban-demo-seed: --exchange_target needs --enrollment_target (the exchange demo "
                 "nominates the enrollment demo's trainees)\n");
    return 2;
  }
  std::shared_ptr<grpc::Channel> enrollment_channel;
  if (!enrollment_target.empty()) {
    enrollment_channel = open(enrollment_target);
  }
  std::shared_ptr<grpc::Channel> exchange_channel;
  if (!exchange_target.empty()) {
    exchange_channel = open(exchange_target);
  }
  for (const auto& [address, c] :
       {std::pair(target, channel), std::pair(enrollment_target, enrollment_channel),
        std::pair(exchange_target, exchange_channel)}) {
    if (c != nullptr &&
        !luban::client::AwaitServing(c, absl::Now() + absl::GetFlag(FLAGS_wait)).ok()) {
      std::fprintf(stderr, "luban-demo-seed: %s is not SERVING\n", address.c_str());
      return 1;
    }
  }
  if (absl::GetFlag(FLAGS_wait_only)) return 0;
  const char* token = std::getenv("LUBAN_TOKEN");
  if (token == nullptr || *token == '\0') {
    std::fprintf(stderr, "luban-demo-seed: set LUBAN_TOKEN to a network admin's token\n");
    return 2;
  }
  Seeder seed(channel, token);
  using K = pb::InstitutionKind;
  const K cn = pb::INSTITUTION_KIND_CHINESE_COLLEGE;
  const K local = pb::INSTITUTION_KIND_LOCAL_PARTNER;

  // The order matters: institutions/2 is the partner the demo college admin is bound to.
  const std::string tianjin_urban = seed.Institution(
      "tjucmvtc", cn, "CN", "天津",
      {{"zh", "天津城市建设管理职业技术学院"},
       {"en", "Tianjin Urban Construction Management & Vocation Technology College"}});
  const std::string ttu =
      seed.Institution("ttu", local, "TJ", "Душанбе",
                       {{"tg", "Донишгоҳи техникии Тоҷикистон ба номи академик М.С. Осимӣ"},
                        {"ru", "Таджикский технический университет имени академика М.С. Осими"},
                        {"en", "Tajik Technical University named after academician M.S. Osimi"}});
  const std::string tianjin_rail = seed.Institution(
      "tjrail", cn, "CN", "天津",
      {{"zh", "天津铁道职业技术学院"}, {"en", "Tianjin Railway Technical and Vocational College"}});
  const std::string tianjin_light =
      seed.Institution("tjlight", cn, "CN", "天津",
                       {{"zh", "天津轻工职业技术学院"},
                        {"en", "Tianjin Light Industry Vocational Technical College"}});
  const std::string enu =
      seed.Institution("enu", local, "KZ", "Астана",
                       {{"kk", "Л.Н. Гумилев атындағы Еуразия ұлттық университеті"},
                        {"ru", "Евразийский национальный университет имени Л.Н. Гумилёва"}});
  const std::string tstu =
      seed.Institution("tstu", local, "UZ", "Toshkent",
                       {{"uz", "Toshkent davlat transport universiteti"},
                        {"ru", "Ташкентский государственный транспортный университет"}});
  const std::string kstu = seed.Institution(
      "kstu", local, "KG", "Бишкек",
      {{"ky", "И. Раззаков атындагы Кыргыз мамлекеттик техникалык университети"},
       {"ru", "Кыргызский государственный технический университет им. И. Раззакова"}});
  const std::string tm_transport =
      seed.Institution("tmtransport", local, "TM", "Aşgabat",
                       {{"tk", "Türkmenistanyň Döwlet ulag we aragatnaşyk instituty"},
                        {"ru", "Государственный институт транспорта и связи Туркменистана"}});

  const std::string w_tj = seed.Workshop("tj", "TJ", "Душанбе", tianjin_urban, ttu, true,
                                         {{"tg", "Устохонаи Лубан дар Тоҷикистон"},
                                          {"zh", "塔吉克斯坦鲁班工坊"},
                                          {"en", "Luban Workshop Tajikistan"}},
                                         {"urban construction", "surveying", "urban rail"});
  const std::string w_kz =
      seed.Workshop("kz", "KZ", "Астана", tianjin_rail, enu, true,
                    {{"kk", "Қазақстандағы Лубан шеберханасы"}, {"zh", "哈萨克斯坦鲁班工坊"}},
                    {"urban rail", "new energy"});
  const std::string w_uz =
      seed.Workshop("uz", "UZ", "Toshkent", tianjin_light, tstu, true,
                    {{"uz", "O'zbekistondagi Luban ustaxonasi"}, {"zh", "乌兹别克斯坦鲁班工坊"}},
                    {"robotics", "CNC"});
  const std::string w_kg =
      seed.Workshop("kg", "KG", "Бишкек", tianjin_rail, kstu, true,
                    {{"ky", "Кыргызстандагы Лубан устаканасы"}, {"zh", "吉尔吉斯斯坦鲁班工坊"}},
                    {"urban rail", "CNC"});
  const std::string w_tm = seed.Workshop(
      "tm", "TM", "Aşgabat", tianjin_urban, tm_transport, false,
      {{"tk", "Türkmenistandaky Luban ussahanasy"}, {"zh", "土库曼斯坦鲁班工坊"}}, {"urban rail"});

  const std::string urt = seed.Course("URT-101", "urban rail", 120, {"ru", "zh", "tg", "kk"},
                                      {{"en", "Urban rail transit operations"},
                                       {"ru", "Эксплуатация городского рельсового транспорта"},
                                       {"zh", "城市轨道交通运营"}});
  const std::string srv = seed.Course(
      "SRV-110", "surveying", 96, {"ru", "tg", "zh"},
      {{"en", "Engineering surveying"}, {"tg", "Геодезияи муҳандисӣ"}, {"zh", "工程测量"}});
  const std::string cnc = seed.Course(
      "CNC-201", "CNC", 160, {"ru", "uz", "ky", "zh"},
      {{"en", "CNC machining"}, {"ru", "Обработка на станках с ЧПУ"}, {"zh", "数控加工"}});
  const std::string rbt = seed.Course(
      "RBT-150", "robotics", 140, {"ru", "uz", "zh"},
      {{"en", "Industrial robotics"}, {"uz", "Sanoat robototexnikasi"}, {"zh", "工业机器人"}});
  const std::string nev = seed.Course("NEV-120", "new energy", 100, {"ru", "kk", "zh"},
                                      {{"en", "New energy vehicle maintenance"},
                                       {"kk", "Жаңа энергиялы көліктерге қызмет көрсету"},
                                       {"zh", "新能源汽车维修"}});

  seed.Run("tj-urt-2026", urt, w_tj, "tg", 24, 2026, 9, true);
  seed.Run("tj-srv-2026", srv, w_tj, "ru", 20, 2026, 10, true);
  seed.Run("tj-urt-2027", urt, w_tj, "ru", 24, 2027, 2, false);
  seed.Run("kz-urt-2026", urt, w_kz, "kk", 30, 2026, 9, true);
  seed.Run("kz-nev-2027", nev, w_kz, "ru", 18, 2027, 3, false);
  seed.Run("uz-rbt-2026", rbt, w_uz, "uz", 16, 2026, 10, true);
  seed.Run("uz-cnc-2027", cnc, w_uz, "ru", 20, 2027, 2, false);
  seed.Run("kg-cnc-2026", cnc, w_kg, "ky", 15, 2026, 9, true);
  seed.Run("kg-urt-2027", urt, w_kg, "ru", 25, 2027, 3, false);
  // A small intake: the enrollment demo fills it beyond its 8 seats.
  seed.Run("tj-srv-2027", srv, w_tj, "tg", 8, 2027, 1, true);
  (void)w_tm;  // planned: no runs until it operates

  std::printf("demo network loaded: 8 institutions, 5 workshops, 5 courses, %zu course runs\n",
              seed.network().runs.size());
  if (enrollment_channel != nullptr) {
    luban::demo_seed::SeedEnrollments(channel, enrollment_channel, token, seed.network());
  }
  if (exchange_channel != nullptr) {
    luban::demo_seed::SeedExchange(exchange_channel, token, seed.network());
  }
  return 0;
}
