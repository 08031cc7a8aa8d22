#include "tools/demo_seed/exchange_seed.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "luban/exchange/v1/exchange.grpc.pb.h"
#include "tools/demo_seed/seed_call.h"

namespace luban::demo_seed {
namespace {

namespace xpb = ::luban::exchange::v1;
using Stub = xpb::ExchangeService::Stub;

struct DemoProgramme {
  const char* key;      // the demo's key, part of request ids
  const char* chinese;  // institution keys of the course part
  const char* partner;
  xpb::ProgrammeKind kind;
  xpb::Direction direction;
  int quota;
  int year;
  int month;
  std::vector<std::pair<const char*, const char*>> titles;
};

// What happens to a nominee after the nomination, in this order.
enum class Outcome { kNominated, kApproved, kDeparted, kReturned, kRejected };

struct DemoTeacher {
  const char* key;
  const char* full_name;
  const char* full_name_latin;
  const char* position;
  Outcome outcome;
};

constexpr const char* kTeacherTraining = "tj-teachers-2027";
constexpr const char* kStudyVisit = "kz-visit-2027";
constexpr const char* kCompetition = "uz-skills-2027";

const std::vector<DemoProgramme>& Programmes() {
  // clang-format off
  static const auto* const programmes = new std::vector<DemoProgramme>{
      {kTeacherTraining, "tjucmvtc", "ttu", xpb::PROGRAMME_KIND_TEACHER_TRAINING,
       xpb::DIRECTION_TO_CHINA, 3, 2027, 3,
       {{"en", "Surveying instructors' training in Tianjin"},
        {"zh", "塔吉克斯坦工程测量教师天津培训"},
        {"tg", "Омӯзиши омӯзгорони геодезия дар Тянҷин"}}},
      {kStudyVisit, "tjrail", "enu", xpb::PROGRAMME_KIND_TRAINEE_STUDY_VISIT,
       xpb::DIRECTION_TO_CHINA, 2, 2027, 5,
       {{"en", "Urban rail study visit to Tianjin"},
        {"zh", "哈萨克斯坦学员天津城市轨道交通研学"},
        {"kk", "Тяньцзиньге қалалық рельс көлігі бойынша оқу сапары"}}},
      {kCompetition, "tjlight", "tstu", xpb::PROGRAMME_KIND_SKILLS_COMPETITION,
       xpb::DIRECTION_TO_PARTNER_COUNTRY, 6, 2027, 10,
       {{"en", "Luban Workshop robotics skills competition, Tashkent"},
        {"zh", "鲁班工坊工业机器人技能大赛（塔什干）"},
        {"uz", "Luban ustaxonasi robototexnika ko'nikmalari tanlovi, Toshkent"}}},
  };
  // clang-format on
  return *programmes;
}

// Teachers of Tajik Technical University for the teacher training: three places, filled.
// clang-format off
constexpr DemoTeacher kTeachers[] = {
    {"t1", "Холов Абдураҳмон", "Kholov Abdurahmon", "senior lecturer, geodesy", Outcome::kReturned},
    {"t2", "Саидова Мунира", "Saidova Munira", "lecturer, surveying", Outcome::kDeparted},
    {"t3", "Бобоев Фаррух", "Boboev Farrukh", "laboratory head", Outcome::kApproved},
    {"t4", "Назаров Шавкат", "Nazarov Shavkat", "assistant lecturer", Outcome::kRejected},
};
// clang-format on
constexpr const char* kRejectReason =
    "the training is taught in Chinese and Russian; a Russian certificate is needed first";

// Kazakh trainees (the partner's workshop) for the study visit: two places, one approved.
constexpr std::pair<const char*, Outcome> kVisitors[] = {
    {"kz01", Outcome::kApproved}, {"kz04", Outcome::kNominated}, {"kz06", Outcome::kNominated}};

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

const char* StateName(xpb::MobilityState state) {
  switch (state) {
    case xpb::MOBILITY_STATE_NOMINATED:
      return "nominated";
    case xpb::MOBILITY_STATE_APPROVED:
      return "approved";
    case xpb::MOBILITY_STATE_REJECTED:
      return "rejected";
    case xpb::MOBILITY_STATE_DEPARTED:
      return "departed";
    case xpb::MOBILITY_STATE_RETURNED:
      return "returned";
    case xpb::MOBILITY_STATE_CANCELLED:
      return "cancelled";
    default:
      return "unspecified";
  }
}

class ExchangeSeeder {
 public:
  ExchangeSeeder(const std::shared_ptr<grpc::Channel>& exchange, std::string token,
                 const DemoNetwork& network)
      : stub_(xpb::ExchangeService::NewStub(exchange)),
        token_(std::move(token)),
        network_(network) {}

  // Creates and opens every demo programme.
  void CreateProgrammes() {
    for (const DemoProgramme& p : Programmes()) {
      xpb::CreateProgrammeRequest request;
      request.set_request_id(absl::StrCat("demo-programme-", p.key));
      xpb::Programme* programme = request.mutable_programme();
      for (const auto& [language, text] : p.titles) {
        auto* title = programme->add_titles();
        title->set_language_code(language);
        title->set_text(text);
      }
      programme->set_chinese_institution(Lookup(network_.institutions, p.chinese, "institution"));
      programme->set_partner_institution(Lookup(network_.institutions, p.partner, "institution"));
      programme->set_kind(p.kind);
      programme->set_direction(p.direction);
      programme->set_quota(p.quota);
      programme->mutable_start_date()->set_year(p.year);
      programme->mutable_start_date()->set_month(p.month);
      programme->mutable_start_date()->set_day(1);
      programme->mutable_end_date()->set_year(p.year);
      programme->mutable_end_date()->set_month(p.month);
      programme->mutable_end_date()->set_day(21);
      const std::string name = CallOrDie(*stub_, &Stub::CreateProgramme, request, token_,
                                         absl::StrCat("creating the programme ", p.key))
                                   .name();
      xpb::ChangeProgrammeStatusRequest open;
      open.set_request_id(absl::StrCat("demo-programme-open-", p.key));
      open.set_name(name);
      open.set_status(xpb::PROGRAMME_STATUS_OPEN);
      CallOrDie(*stub_, &Stub::ChangeProgrammeStatus, open, token_,
                absl::StrCat("opening the programme ", p.key));
      programmes_[p.key] = name;
    }
  }

  void NominateTeachers() {
    for (const DemoTeacher& t : kTeachers) {
      xpb::NominateRequest request;
      request.set_programme(Lookup(programmes_, kTeacherTraining, "programme"));
      request.mutable_teacher()->set_full_name(t.full_name);
      request.mutable_teacher()->set_full_name_latin(t.full_name_latin);
      request.mutable_teacher()->set_position(t.position);
      request.set_reason("teaches the surveying courses of the Tajik workshop");
      Nominate(kTeacherTraining, t.key, request, t.outcome);
    }
  }

  void NominateTrainees() {
    for (const auto& [trainee_key, outcome] : kVisitors) {
      xpb::NominateRequest request;
      request.set_programme(Lookup(programmes_, kStudyVisit, "programme"));
      request.set_trainee(Lookup(network_.trainees, trainee_key, "trainee"));
      request.set_reason("enrolled in the urban rail course of the Kazakh workshop");
      Nominate(kStudyVisit, trainee_key, request, outcome);
    }
  }

  // Reads the programmes and mobilities back and prints the summary.
  void PrintSummary() {
    std::vector<std::string> lines;
    int full = 0;
    for (const DemoProgramme& p : Programmes()) {
      xpb::GetProgrammeRequest request;
      request.set_name(Lookup(programmes_, p.key, "programme"));
      const xpb::Programme programme = CallOrDie(*stub_, &Stub::GetProgramme, request, token_,
                                                 absl::StrCat("reading ", request.name()));
      if (programme.approved_count() >= programme.quota()) ++full;
      lines.push_back(absl::StrCat(programme.name(), " (", p.key, ") ", programme.approved_count(),
                                   "/", programme.quota()));
    }
    std::map<std::string, int> states;
    for (const std::string& name : mobilities_) {
      xpb::GetMobilityRequest request;
      request.set_name(name);
      ++states[StateName(
          CallOrDie(*stub_, &Stub::GetMobility, request, token_, absl::StrCat("reading ", name))
              .state())];
    }
    std::vector<std::string> by_state;
    for (const char* state :
         {"nominated", "approved", "departed", "returned", "rejected", "cancelled"}) {
      if (states[state] > 0) by_state.push_back(absl::StrCat(states[state], " ", state));
    }
    std::printf("demo exchange loaded: %zu open programmes (%d full), %zu mobilities (%s)\n",
                programmes_.size(), full, mobilities_.size(),
                absl::StrJoin(by_state, ", ").c_str());
    std::printf("  places taken: %s\n", absl::StrJoin(lines, ", ").c_str());
  }

 private:
  // Nominates, then takes the steps to `outcome`, each with its own fixed request id.
  void Nominate(const char* programme_key, const char* participant_key,
                const xpb::NominateRequest& nomination, Outcome outcome) {
    const std::string key = absl::StrCat(programme_key, "-", participant_key);
    xpb::NominateRequest request = nomination;
    request.set_request_id(absl::StrCat("demo-nominate-", key));
    const std::string name =
        CallOrDie(*stub_, &Stub::Nominate, request, token_,
                  absl::StrCat("nominating ", participant_key, " for ", programme_key))
            .name();
    mobilities_.push_back(name);
    if (outcome == Outcome::kNominated) return;
    if (outcome == Outcome::kRejected) {
      Step<xpb::RejectMobilityRequest>(&Stub::RejectMobility, "reject", key, name, kRejectReason);
      return;
    }
    Step<xpb::ApproveMobilityRequest>(&Stub::ApproveMobility, "approve", key, name, "");
    if (outcome == Outcome::kApproved) return;
    Step<xpb::DepartMobilityRequest>(&Stub::DepartMobility, "depart", key, name, "");
    if (outcome == Outcome::kDeparted) return;
    Step<xpb::ReturnMobilityRequest>(&Stub::ReturnMobility, "return", key, name, "");
  }

  template <typename Request>
  void Step(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, xpb::Mobility*),
            const char* step, const std::string& key, const std::string& name, const char* reason) {
    Request request;
    request.set_name(name);
    request.set_reason(reason);
    request.set_request_id(absl::StrCat("demo-", step, "-", key));
    CallOrDie(*stub_, method, request, token_, absl::StrCat(step, " ", name, " (", key, ")"));
  }

  std::unique_ptr<Stub> stub_;
  std::string token_;
  const DemoNetwork& network_;
  std::map<std::string, std::string> programmes_;  // "kz-visit-2027" → "programmes/{id}"
  std::vector<std::string> mobilities_;            // "mobilities/{id}", in creation order
};

}  // namespace

void SeedExchange(const std::shared_ptr<grpc::Channel>& exchange, const std::string& token,
                  const DemoNetwork& network) {
  ExchangeSeeder seeder(exchange, token, network);
  seeder.CreateProgrammes();
  seeder.NominateTeachers();
  seeder.NominateTrainees();
  seeder.PrintSummary();
}

}  // namespace luban::demo_seed
