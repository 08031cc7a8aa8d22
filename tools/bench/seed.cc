#include "tools/bench/seed.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/api/status.h"
#include "common/domain/resource_name.h"
#include "common/domain/status_macros.h"
#include "luban/course/v1/course.grpc.pb.h"
#include "luban/enrollment/v1/enrollment.grpc.pb.h"
#include "luban/exchange/v1/exchange.grpc.pb.h"
#include "tools/bench/closed_loop.h"
#include "tools/demo_seed/seed_call.h"

namespace luban::bench {
namespace {

namespace cpb = ::luban::course::v1;
namespace epb = ::luban::enrollment::v1;
namespace xpb = ::luban::exchange::v1;
using demo_seed::CallOrDie;

constexpr const char* kCountries[] = {"TJ", "KZ", "UZ", "KG", "TM"};
constexpr const char* kCities[] = {"Dushanbe", "Astana", "Tashkent", "Bishkek", "Ashgabat"};
constexpr int kCourses = 10;
constexpr int kImportBatch = 500;

// Write runs take every Enroll of the write scenario as a seat (no waitlist).
constexpr int kWriteRunCapacity = 10000;

// The most a programme may have: nominations take no place (approvals do), so the quota never
// refuses the nominate scenario's calls, however many.
constexpr int kProgrammeQuota = 1000;

// Creates and opens a run of `course` at `workshop` (request ids from `request_id`, so a rerun
// changes nothing) and returns its name.
std::string OpenRun(cpb::CourseService::Stub& stub, const std::string& token,
                    const std::string& request_id, const std::string& course,
                    const std::string& workshop, int capacity, int r) {
  cpb::CreateCourseRunRequest create;
  create.set_request_id(request_id);
  auto* run = create.mutable_course_run();
  run->set_course(course);
  run->set_workshop(workshop);
  run->set_language_code("ru");
  run->set_capacity(capacity);
  run->set_pass_score(60);
  run->set_min_attendance_percent(80);
  run->mutable_start_date()->set_year(2027);
  run->mutable_start_date()->set_month(1 + r % 9);
  run->mutable_start_date()->set_day(1);
  run->mutable_end_date()->set_year(2027);
  run->mutable_end_date()->set_month(3 + r % 9);
  run->mutable_end_date()->set_day(28);
  const std::string name =
      CallOrDie(stub, &cpb::CourseService::Stub::CreateCourseRun, create, token, "run").name();
  cpb::OpenCourseRunRequest open;
  open.set_request_id(absl::StrCat(request_id, "-open"));
  open.set_name(name);
  CallOrDie(stub, &cpb::CourseService::Stub::OpenCourseRun, open, token, "run");
  return name;
}

// Creates and opens `count` skills competitions, each between the Chinese college and the partner
// of one of `workshops` in turn (request ids from `request_id`, so a rerun changes nothing), and
// returns their names. They travel to the partner's country, so the Chinese college sends: it
// co-founded every workshop of the seed, and with no requirement every seeded trainee may be
// nominated to each of them.
std::vector<std::string> OpenProgrammes(cpb::CourseService::Stub& course,
                                        xpb::ExchangeService::Stub& exchange,
                                        const std::string& token, const std::string& request_id,
                                        const std::vector<std::string>& workshops, int count) {
  std::vector<cpb::Workshop> founders;
  for (const std::string& workshop : workshops) {
    cpb::GetWorkshopRequest get;
    get.set_name(workshop);
    founders.push_back(
        CallOrDie(course, &cpb::CourseService::Stub::GetWorkshop, get, token, "workshop"));
  }
  std::vector<std::string> names;
  for (int p = 0; p < count; ++p) {
    const cpb::Workshop& workshop = founders[static_cast<size_t>(p) % founders.size()];
    xpb::CreateProgrammeRequest create;
    create.set_request_id(absl::StrCat(request_id, "-", p));
    xpb::Programme* programme = create.mutable_programme();
    auto* title = programme->add_titles();
    title->set_language_code("en");
    title->set_text(absl::StrCat("Luban Workshop robotics skills competition ", p, " (bench)"));
    programme->set_chinese_institution(workshop.chinese_institution());
    programme->set_partner_institution(workshop.partner_institution());
    programme->set_kind(xpb::PROGRAMME_KIND_SKILLS_COMPETITION);
    programme->set_direction(xpb::DIRECTION_TO_PARTNER_COUNTRY);
    programme->set_quota(kProgrammeQuota);
    programme->mutable_start_date()->set_year(2027);
    programme->mutable_start_date()->set_month(1 + p % 12);
    programme->mutable_start_date()->set_day(10);
    programme->mutable_end_date()->set_year(2027);
    programme->mutable_end_date()->set_month(1 + p % 12);
    programme->mutable_end_date()->set_day(14);
    const std::string name = CallOrDie(exchange, &xpb::ExchangeService::Stub::CreateProgramme,
                                       create, token, "programme")
                                 .name();
    xpb::ChangeProgrammeStatusRequest open;
    open.set_request_id(absl::StrCat(request_id, "-", p, "-open"));
    open.set_name(name);
    open.set_status(xpb::PROGRAMME_STATUS_OPEN);
    CallOrDie(exchange, &xpb::ExchangeService::Stub::ChangeProgrammeStatus, open, token,
              "programme");
    names.push_back(name);
  }
  return names;
}

// The catalogue side: institutions, workshops, courses and open runs (sequential calls; a few
// hundred of them).
void SeedCourse(cpb::CourseService::Stub& stub, const std::string& token,
                const SeedOptions& options, std::vector<std::string>* workshops, BenchData* data) {
  cpb::CreateInstitutionRequest cn;
  cn.set_request_id("bench-institution-cn");
  cn.mutable_institution()->set_kind(cpb::INSTITUTION_KIND_CHINESE_COLLEGE);
  cn.mutable_institution()->set_country_code("CN");
  cn.mutable_institution()->set_city("Tianjin");
  auto* cn_name = cn.mutable_institution()->add_display_names();
  cn_name->set_language_code("zh");
  cn_name->set_text("天津城市建设管理职业技术学院 (bench)");
  const std::string chinese =
      CallOrDie(stub, &cpb::CourseService::Stub::CreateInstitution, cn, token, "institution")
          .name();
  for (int c = 0; c < 5; ++c) {
    cpb::CreateInstitutionRequest partner;
    partner.set_request_id(absl::StrCat("bench-institution-", kCountries[c]));
    partner.mutable_institution()->set_kind(cpb::INSTITUTION_KIND_LOCAL_PARTNER);
    partner.mutable_institution()->set_country_code(kCountries[c]);
    partner.mutable_institution()->set_city(kCities[c]);
    auto* name = partner.mutable_institution()->add_display_names();
    name->set_language_code("ru");
    name->set_text(absl::StrCat("Технический колледж ", kCities[c], " (bench)"));
    const std::string partner_name =
        CallOrDie(stub, &cpb::CourseService::Stub::CreateInstitution, partner, token, "institution")
            .name();
    cpb::CreateWorkshopRequest workshop;
    workshop.set_request_id(absl::StrCat("bench-workshop-", kCountries[c]));
    workshop.mutable_workshop()->set_country_code(kCountries[c]);
    workshop.mutable_workshop()->set_city(kCities[c]);
    workshop.mutable_workshop()->set_chinese_institution(chinese);
    workshop.mutable_workshop()->set_partner_institution(partner_name);
    auto* wname = workshop.mutable_workshop()->add_display_names();
    wname->set_language_code("en");
    wname->set_text(absl::StrCat("Luban Workshop ", kCities[c], " (bench)"));
    workshop.mutable_workshop()->add_disciplines("robotics");
    const std::string w =
        CallOrDie(stub, &cpb::CourseService::Stub::CreateWorkshop, workshop, token, "workshop")
            .name();
    cpb::ChangeWorkshopStatusRequest operate;
    operate.set_request_id(absl::StrCat("bench-workshop-operate-", kCountries[c]));
    operate.set_name(w);
    operate.set_status(cpb::WORKSHOP_STATUS_OPERATING);
    CallOrDie(stub, &cpb::CourseService::Stub::ChangeWorkshopStatus, operate, token, "workshop");
    workshops->push_back(w);
  }
  std::vector<std::string> courses;
  for (int k = 0; k < kCourses; ++k) {
    cpb::CreateCourseRequest course;
    course.set_request_id(absl::StrCat("bench-course-", k));
    course.mutable_course()->set_code(absl::StrCat("BEN-", 100 + k));
    course.mutable_course()->set_discipline("robotics");
    course.mutable_course()->set_hours(72);
    course.mutable_course()->add_instruction_languages("ru");
    auto* title = course.mutable_course()->add_titles();
    title->set_language_code("en");
    title->set_text(absl::StrCat("Industrial robotics ", k));
    courses.push_back(
        CallOrDie(stub, &cpb::CourseService::Stub::CreateCourse, course, token, "course").name());
  }
  const int total_runs = options.read_runs + options.write_runs;
  // Read runs hold their share of the enrollments with room to spare.
  const int64_t share =
      (options.trainees * options.enrollments_per_trainee) / std::max(1, options.read_runs) + 1;
  for (int r = 0; r < total_runs; ++r) {
    const bool write = r >= options.read_runs;
    const std::string name = OpenRun(
        stub, token, absl::StrCat("bench-run-", r), courses[r % kCourses], (*workshops)[r % 5],
        write ? kWriteRunCapacity : static_cast<int>(std::min<int64_t>(share + 50, 10000)), r);
    (write ? data->write_runs : data->read_runs).push_back(name);
  }
}

// Distinct Latin letters for number i ("Testov" + "bcd..."): Latin names take no digits.
std::string Letters(int64_t i) {
  std::string out;
  do {
    out.push_back(static_cast<char>('a' + i % 26));
    i /= 26;
  } while (i > 0);
  return out;
}

// One asynchronous call's state. Its callback releases it before reporting the call done: gRPC
// destroys a callback on its own thread after it returns, and by then the loop may have ended and
// the process be exiting.
template <typename Request, typename Response>
struct AsyncCall {
  grpc::ClientContext context;
  Request request;
  Response response;
};

// Attempts per seeding call (the first and its retries of what demo_seed::IsRetryable accepts).
constexpr int kAttempts = 5;

void Progress(const char* what, int64_t done, int64_t total, absl::Time start,
              const AllCallsResult& calls = {}) {
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  const std::string retried =
      calls.retried.empty()
          ? std::string()
          : absl::StrCat(", ", calls.retries(),
                         " calls retried: ", AllCallsResult::Summary(calls.retried));
  std::fprintf(stderr, "luban-bench seed: %s %lld/%lld (%.0f/s%s)\n", what,
               static_cast<long long>(done), static_cast<long long>(total),
               seconds > 0 ? static_cast<double>(done) / seconds : 0.0, retried.c_str());
}

}  // namespace

absl::Status OpenWriteRuns(cli::Connections& connections, int count, BenchData* data) {
  if (count < 1 || data->read_runs.empty()) {
    return absl::InvalidArgumentError("write runs: at least one, and seeded read runs");
  }
  LUBAN_ASSIGN_OR_RETURN(auto channel, connections.Channel(cli::Service::kCourse));
  LUBAN_ASSIGN_OR_RETURN(auto exchange_channel, connections.Channel(cli::Service::kExchange));
  auto course = cpb::CourseService::NewStub(channel);
  auto exchange = xpb::ExchangeService::NewStub(exchange_channel);
  const std::string& token = connections.config().token;
  std::vector<std::string> runs;
  for (int r = 0; r < count; ++r) {
    // Same courses and workshops as the read runs, taken from them.
    cpb::GetCourseRunRequest get;
    get.set_name(data->read_runs[static_cast<size_t>(r) % data->read_runs.size()]);
    const cpb::CourseRun model =
        CallOrDie(*course, &cpb::CourseService::Stub::GetCourseRun, get, token, "run");
    // Named after the write cursor: a new set after every run that wrote, the same set (still
    // empty) when nothing was written since.
    runs.push_back(OpenRun(*course, token,
                           absl::StrCat("bench-write-run-", data->write_cursor, "-", r),
                           model.course(), model.workshop(), kWriteRunCapacity, r));
  }
  data->programmes = OpenProgrammes(*course, *exchange, token,
                                    absl::StrCat("bench-write-programme-", data->write_cursor),
                                    data->workshops, count);
  data->write_runs = std::move(runs);
  return absl::OkStatus();
}

absl::StatusOr<BenchData> Seed(cli::Connections& connections, const SeedOptions& options) {
  LUBAN_ASSIGN_OR_RETURN(auto course_channel, connections.Channel(cli::Service::kCourse));
  LUBAN_ASSIGN_OR_RETURN(auto enrollment_channel, connections.Channel(cli::Service::kEnrollment));
  LUBAN_ASSIGN_OR_RETURN(auto exchange_channel, connections.Channel(cli::Service::kExchange));
  auto course = cpb::CourseService::NewStub(course_channel);
  auto enrollment = epb::EnrollmentService::NewStub(enrollment_channel);
  auto exchange = xpb::ExchangeService::NewStub(exchange_channel);
  const std::string& token = connections.config().token;

  BenchData data;
  std::vector<std::string> workshops;
  const absl::Time course_start = absl::Now();
  SeedCourse(*course, token, options, &workshops, &data);
  data.workshops = workshops;
  Progress("runs", static_cast<int64_t>(data.read_runs.size() + data.write_runs.size()),
           options.read_runs + options.write_runs, course_start);
  data.programmes =
      OpenProgrammes(*course, *exchange, token, "bench-programme", workshops, options.write_runs);

  // Trainees, in batches of 500, four batches at once.
  const int64_t batches = (options.trainees + kImportBatch - 1) / kImportBatch;
  absl::Mutex mu;
  int64_t first = INT64_MAX, last = 0, created = 0;
  std::string refused;
  absl::Time start = absl::Now();
  const AllCallsResult imported =
      RunAllCalls(batches, 4, kAttempts, demo_seed::IsRetryable, [&](int64_t b, CallDone done) {
        auto call =
            std::make_shared<AsyncCall<epb::ImportTraineesRequest, epb::ImportTraineesResponse>>();
        connections.Prepare(call->context);
        call->request.set_request_id(absl::StrCat("bench-import-", b));
        for (int64_t i = b * kImportBatch; i < std::min(options.trainees, (b + 1) * kImportBatch);
             ++i) {
          const int c = static_cast<int>(i % 5);
          epb::Trainee* t = call->request.add_rows()->mutable_trainee();
          t->set_family_name("Тестов");
          t->set_given_name("Бахтиёр");
          t->set_family_name_latin(absl::StrCat("Testov", Letters(i)));
          t->set_given_name_latin("Bakhtiyor");
          t->set_sex(i % 2 == 0 ? epb::SEX_MALE : epb::SEX_FEMALE);
          t->mutable_birth_date()->set_year(static_cast<int>(1980 + i % 25));
          t->mutable_birth_date()->set_month(static_cast<int>(1 + i % 12));
          t->mutable_birth_date()->set_day(static_cast<int>(1 + i % 28));
          t->set_citizenship(kCountries[c]);
          t->mutable_identity_document()->set_country_code(kCountries[c]);
          t->mutable_identity_document()->set_type(epb::DOCUMENT_TYPE_PASSPORT);
          t->mutable_identity_document()->set_number(absl::StrCat("BENCH-", i));
          t->mutable_contacts()->set_phone("+992 93 000 0000");
          t->set_home_workshop(workshops[c]);
        }
        enrollment->async()->ImportTrainees(
            &call->context, &call->request, &call->response,
            bench::Copyable([&, call, done = std::move(done)](const grpc::Status& status) mutable {
              if (status.ok()) {
                absl::MutexLock lock(&mu);
                for (const auto& result : call->response.results()) {
                  auto id = ParseResourceName("trainee", "trainees", result.trainee());
                  if (!id.ok()) {
                    refused = absl::StrCat(result.error_code(), ": ", result.error_message());
                    continue;
                  }
                  first = std::min(first, *id);
                  last = std::max(last, *id);
                  ++created;
                }
              }
              call.reset();
              std::move(done)(status);
            }));
      });
  if (!imported.failed.empty() || !refused.empty() || created != options.trainees) {
    return absl::FailedPreconditionError(absl::StrCat(
        "importing trainees failed (failed calls: ", AllCallsResult::Summary(imported.failed),
        ", the first ", imported.first_failure, "; ", created, " of ", options.trainees,
        " rows; last refusal: ", refused, ")"));
  }
  if (last - first + 1 != options.trainees) {
    return absl::FailedPreconditionError(
        "the trainees' ids are not one block: seed into an empty enrollment schema");
  }
  Progress("trainees", created, options.trainees, start, imported);
  data.trainee_first = first;
  data.trainee_last = last;

  // Enrollments: trainee t in runs (t*k + k...) distinct per trainee.
  const int64_t total = options.trainees * options.enrollments_per_trainee;
  const int64_t runs = static_cast<int64_t>(data.read_runs.size());
  start = absl::Now();
  std::atomic<int64_t> finished{0};
  const AllCallsResult enrolled = RunAllCalls(
      total, options.concurrency, kAttempts, demo_seed::IsRetryable, [&](int64_t n, CallDone done) {
        auto call = std::make_shared<AsyncCall<epb::EnrollRequest, epb::Enrollment>>();
        connections.Prepare(call->context);
        const int64_t t = n / options.enrollments_per_trainee;
        const int64_t k = n % options.enrollments_per_trainee;
        call->request.set_trainee(absl::StrCat("trainees/", first + t));
        call->request.set_course_run(
            data.read_runs[static_cast<size_t>((t * options.enrollments_per_trainee + k) % runs)]);
        call->request.set_request_id(absl::StrCat("bench-enroll-", t, "-", k));
        enrollment->async()->Enroll(
            &call->context, &call->request, &call->response,
            Copyable([&, call, done = std::move(done)](const grpc::Status& status) mutable {
              const int64_t f = finished.fetch_add(1) + 1;
              if (f % 50000 == 0) Progress("enrollments", f, total, start);
              call.reset();
              std::move(done)(status);
            }));
      });
  if (!enrolled.failed.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "enrolling failed: ", AllCallsResult::Summary(enrolled.failed), " (after up to ", kAttempts,
        " attempts each; the first ", enrolled.first_failure, ")"));
  }
  Progress("enrollments", total, total, start, enrolled);
  data.enrollments = total;
  return data;
}

}  // namespace luban::bench
