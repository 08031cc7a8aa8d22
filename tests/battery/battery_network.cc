#include "tests/battery/battery_network.h"

#include <atomic>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/client/channel.h"

#ifndef LUBAN_DEMO_SEED_BINARY
#error "LUBAN_DEMO_SEED_BINARY must be defined"
#endif

namespace luban::testing {
namespace {

absl::Status Failed(const grpc::Status& status, absl::string_view what) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat(what, ": ", status.error_message()));
}

}  // namespace

absl::Status InParallel(int count, int threads, const std::function<absl::Status(int)>& work) {
  std::atomic<int> next{0};
  absl::Mutex mu;
  absl::Status first;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i = next++; i < count; i = next++) {
        absl::Status status = work(i);
        if (!status.ok()) {
          absl::MutexLock lock(&mu);
          if (first.ok()) first = std::move(status);
        }
      }
    });
  }
  for (std::thread& thread : pool) thread.join();
  return first;
}

absl::StatusOr<std::unique_ptr<BatteryNetwork>> BatteryNetwork::Start(const std::string& dir,
                                                                      Options options) {
  std::unique_ptr<BatteryNetwork> network(new BatteryNetwork());
  LocalSuite::Options suite_options;
  suite_options.pool_size = options.pool_size;
  suite_options.service_env = options.service_env;
  suite_options.replicas = options.replicas;
  if (options.cluster != nullptr) {
    suite_options.server = options.cluster->server(0);
    suite_options.db_hosts = options.cluster->Hosts(0);
  }
  if (options.private_database) {
    auto database = PrivateMariaDb::Start(absl::StrCat(dir, "/mariadb"));
    if (!database.ok()) return database.status();
    network->database_ = *std::move(database);
    suite_options.server = network->database_->server();
  }
  if (options.database_proxy) {
    TestServer server;
    if (suite_options.server.has_value()) {
      server = *suite_options.server;
    } else {
      auto shared = TestServerFromEnv();
      if (!shared.ok()) return shared.status();
      server = *shared;
    }
    auto proxy = TcpProxy::Start(server.host, server.port);
    if (!proxy.ok()) return proxy.status();
    network->database_proxy_ = *std::move(proxy);
    server.host = "127.0.0.1";
    server.port = network->database_proxy_->port();
    suite_options.server = server;
  }
  auto suite = LocalSuite::Start(dir, suite_options);
  if (!suite.ok()) return suite.status();
  network->suite_ = *std::move(suite);
  LocalSuite& s = *network->suite_;
  auto course = s.Channel(s.course_addr());
  auto enrollment = s.Channel(s.enrollment_addr());
  auto exchange = s.Channel(s.exchange_addr());
  for (const auto* channel : {&course, &enrollment, &exchange}) {
    if (!channel->ok()) return channel->status();
  }
  network->course_ = course_pb::CourseService::NewStub(*course);
  network->enrollment_ = enrollment_pb::EnrollmentService::NewStub(*enrollment);
  network->exchange_ = exchange_pb::ExchangeService::NewStub(*exchange);
  if (absl::Status seeded = network->Seed(dir); !seeded.ok()) return seeded;
  return network;
}

absl::Status BatteryNetwork::Seed(const std::string& dir) {
  RunResult seed = RunToEnd({LUBAN_DEMO_SEED_BINARY, "--target=" + suite_->course_addr(),
                             "--enrollment_target=" + suite_->enrollment_addr(),
                             "--exchange_target=" + suite_->exchange_addr()},
                            suite_->ClientEnvironment(LocalSuite::kNetworkAdmin), dir, "seed",
                            absl::Seconds(180));
  if (seed.exit_code != 0) {
    return absl::InternalError(absl::StrCat("luban-demo-seed failed:\n", seed.err));
  }
  course_pb::ListCourseRunsRequest runs;
  runs.set_status(course_pb::COURSE_RUN_STATUS_OPEN);
  course_pb::ListCourseRunsResponse open;
  if (grpc::Status s = course_->ListCourseRuns(Context().get(), runs, &open); !s.ok()) {
    return Failed(s, "listing the demo's open runs");
  }
  if (open.course_runs().empty()) return absl::InternalError("the demo has no open run");
  template_run_ = open.course_runs(0);
  course_pb::GetWorkshopRequest workshop;
  workshop.set_name(template_run_.workshop());
  if (grpc::Status s = course_->GetWorkshop(Context().get(), workshop, &template_workshop_);
      !s.ok()) {
    return Failed(s, "reading the demo run's workshop");
  }

  enrollment_pb::ListTraineesRequest trainees;
  trainees.set_home_workshop(template_run_.workshop());
  enrollment_pb::ListTraineesResponse of_workshop;
  if (grpc::Status s = enrollment_->ListTrainees(Context().get(), trainees, &of_workshop);
      !s.ok()) {
    return Failed(s, "listing the demo's trainees");
  }
  if (of_workshop.trainees().empty()) {
    return absl::InternalError(
        absl::StrCat("the demo has no trainee of ", template_run_.workshop()));
  }
  template_trainee_ = of_workshop.trainees(0);

  exchange_pb::ListProgrammesResponse programmes;
  if (grpc::Status s = exchange_->ListProgrammes(Context().get(), {}, &programmes); !s.ok()) {
    return Failed(s, "listing the demo's programmes");
  }
  for (const exchange_pb::Programme& programme : programmes.programmes()) {
    if (programme.kind() == exchange_pb::PROGRAMME_KIND_TEACHER_TRAINING) {
      template_programme_ = programme;
    }
  }
  if (template_programme_.name().empty()) {
    return absl::InternalError("the demo has no teacher training");
  }
  return absl::OkStatus();
}

std::unique_ptr<grpc::ClientContext> BatteryNetwork::Context(absl::Duration timeout,
                                                             LocalSuite::Caller caller) const {
  auto context = std::make_unique<grpc::ClientContext>();
  const std::string token = suite_->Token(caller);
  if (!token.empty()) context->AddMetadata("authorization", "Bearer " + token);
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  return context;
}

absl::StatusOr<course_pb::CourseRun> BatteryNetwork::CreateRun(int capacity,
                                                               const std::string& tag) {
  course_pb::CreateCourseRunRequest create;
  create.set_request_id(absl::StrCat("battery-run-", tag));
  course_pb::CourseRun* run = create.mutable_course_run();
  run->set_course(template_run_.course());
  run->set_workshop(template_run_.workshop());
  *run->mutable_start_date() = template_run_.start_date();
  *run->mutable_end_date() = template_run_.end_date();
  run->set_language_code(template_run_.language_code());
  run->set_pass_score(template_run_.pass_score());
  run->set_min_attendance_percent(template_run_.min_attendance_percent());
  run->set_capacity(capacity);
  course_pb::CourseRun created;
  if (grpc::Status s = course_->CreateCourseRun(Context().get(), create, &created); !s.ok()) {
    return Failed(s, "creating a run");
  }
  course_pb::OpenCourseRunRequest open;
  open.set_name(created.name());
  open.set_request_id(absl::StrCat("battery-run-open-", tag));
  course_pb::CourseRun opened;
  if (grpc::Status s = course_->OpenCourseRun(Context().get(), open, &opened); !s.ok()) {
    return Failed(s, "opening a run");
  }
  return opened;
}

absl::StatusOr<std::vector<std::string>> BatteryNetwork::CreateTrainees(int count,
                                                                        const std::string& tag) {
  std::vector<std::string> names(count);
  absl::Status status = InParallel(count, 8, [&](int i) {
    enrollment_pb::CreateTraineeRequest create;
    create.set_request_id(absl::StrCat("battery-trainee-", tag, "-", i));
    enrollment_pb::Trainee* trainee = create.mutable_trainee();
    *trainee = template_trainee_;
    trainee->clear_name();
    trainee->clear_etag();
    trainee->clear_status();
    trainee->clear_create_time();
    trainee->clear_update_time();
    trainee->clear_redacted();
    // Names are letters only: the index spelt in letters.
    std::string letters;
    for (int n = i; letters.empty() || n > 0; n /= 26) {
      letters.push_back(static_cast<char>('a' + n % 26));
    }
    trainee->set_given_name_latin(absl::StrCat("Battery", letters));
    trainee->set_given_name(absl::StrCat("Battery", letters));
    trainee->mutable_identity_document()->set_number(absl::StrCat("BT", tag, "N", i));
    enrollment_pb::Trainee created;
    if (grpc::Status s = enrollment_->CreateTrainee(Context().get(), create, &created); !s.ok()) {
      return Failed(s, absl::StrCat("creating trainee ", i));
    }
    names[i] = created.name();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return names;
}

absl::StatusOr<exchange_pb::Programme> BatteryNetwork::CreateProgramme(int quota,
                                                                       const std::string& tag) {
  exchange_pb::Programme programme = template_programme_;
  programme.set_quota(quota);
  return CreateAndOpen(std::move(programme), tag);
}

absl::StatusOr<exchange_pb::Programme> BatteryNetwork::CreateStudyVisit(int quota,
                                                                        const std::string& tag) {
  exchange_pb::Programme programme = template_programme_;
  programme.set_kind(exchange_pb::PROGRAMME_KIND_TRAINEE_STUDY_VISIT);
  programme.set_direction(exchange_pb::DIRECTION_TO_CHINA);
  programme.set_chinese_institution(template_workshop_.chinese_institution());
  programme.set_partner_institution(template_workshop_.partner_institution());
  programme.clear_requirement();
  programme.clear_course_run();
  programme.set_quota(quota);
  return CreateAndOpen(std::move(programme), tag);
}

absl::StatusOr<exchange_pb::Programme> BatteryNetwork::CreateAndOpen(
    exchange_pb::Programme programme, const std::string& tag) {
  exchange_pb::CreateProgrammeRequest create;
  create.set_request_id(absl::StrCat("battery-programme-", tag));
  programme.clear_name();
  programme.clear_etag();
  programme.clear_status();
  programme.clear_approved_count();
  programme.clear_create_time();
  programme.clear_update_time();
  programme.clear_partner_country_code();
  *create.mutable_programme() = std::move(programme);
  exchange_pb::Programme created;
  if (grpc::Status s = exchange_->CreateProgramme(Context().get(), create, &created); !s.ok()) {
    return Failed(s, "creating a programme");
  }
  exchange_pb::ChangeProgrammeStatusRequest open;
  open.set_name(created.name());
  open.set_status(exchange_pb::PROGRAMME_STATUS_OPEN);
  open.set_request_id(absl::StrCat("battery-programme-open-", tag));
  exchange_pb::Programme opened;
  if (grpc::Status s = exchange_->ChangeProgrammeStatus(Context().get(), open, &opened); !s.ok()) {
    return Failed(s, "opening a programme");
  }
  return opened;
}

absl::StatusOr<std::vector<std::string>> BatteryNetwork::NominateTeachers(
    const std::string& programme, int count, const std::string& tag) {
  std::vector<std::string> names(count);
  absl::Status status = InParallel(count, 8, [&](int i) {
    exchange_pb::NominateRequest nominate;
    nominate.set_programme(programme);
    nominate.set_request_id(absl::StrCat("battery-nominate-", tag, "-", i));
    exchange_pb::Teacher* teacher = nominate.mutable_teacher();
    teacher->set_full_name(absl::StrCat("Учитель ", tag, " ", i));
    teacher->set_full_name_latin(absl::StrCat("Teacher ", tag, " ", i));
    teacher->set_position("lecturer");
    exchange_pb::Mobility created;
    if (grpc::Status s = exchange_->Nominate(Context().get(), nominate, &created); !s.ok()) {
      return Failed(s, absl::StrCat("nominating teacher ", i));
    }
    names[i] = created.name();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return names;
}

absl::StatusOr<std::vector<enrollment_pb::Enrollment>> BatteryNetwork::EnrollmentsOf(
    const std::string& run) {
  std::vector<enrollment_pb::Enrollment> all;
  enrollment_pb::ListEnrollmentsRequest list;
  list.set_course_run(run);
  list.set_page_size(1000);
  do {
    enrollment_pb::ListEnrollmentsResponse page;
    if (grpc::Status s = enrollment_->ListEnrollments(Context().get(), list, &page); !s.ok()) {
      return Failed(s, "listing enrollments");
    }
    for (const auto& enrollment : page.enrollments()) all.push_back(enrollment);
    list.set_page_token(page.next_page_token());
  } while (!list.page_token().empty());
  return all;
}

absl::StatusOr<int64_t> BatteryNetwork::InconsistentRunSeats() {
  return suite_->enrollment_db().QueryInt(
      "SELECT COUNT(*) FROM run_seats AS r WHERE r.enrolled <> (SELECT COUNT(*) FROM "
      "enrollments AS e WHERE e.run_id = r.run_id AND e.state IN (2, 3, 4))");
}

}  // namespace luban::testing
