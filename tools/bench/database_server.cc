#include "tools/bench/database_server.h"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/domain/status_macros.h"
#include "cppconn/connection.h"
#include "cppconn/exception.h"
#include "cppconn/prepared_statement.h"
#include "cppconn/resultset.h"
#include "cppconn/statement.h"
#include "google/protobuf/any.pb.h"
#include "grpcpp/security/server_credentials.h"
#include "luban/enrollment/v1/enrollment.grpc.pb.h"
#include "mysql_driver.h"
#include "tools/bench/start_server.h"

namespace luban::bench {
namespace {

namespace pb = ::luban::enrollment::v1;

// All the columns, the times as the suite selects them (common/db/rows.h): microseconds since
// the epoch.
constexpr char kSelectTrainee[] =
    "SELECT id, version, TIMESTAMPDIFF(MICROSECOND, '1970-01-01', create_time),"
    " TIMESTAMPDIFF(MICROSECOND, '1970-01-01', update_time), family_name, given_name,"
    " family_name_latin, given_name_latin, sex, birth_date, citizenship, doc_country, doc_type,"
    " doc_number, email, phone, address, home_workshop_id, status FROM trainees WHERE id = ?";

constexpr char kSelectPage[] =
    "SELECT id, version, TIMESTAMPDIFF(MICROSECOND, '1970-01-01', create_time),"
    " TIMESTAMPDIFF(MICROSECOND, '1970-01-01', update_time), trainee_id, run_id, course_id,"
    " workshop_id, state, final_score, attendance_percent, certificate_id, reason,"
    " TIMESTAMPDIFF(MICROSECOND, '1970-01-01', enroll_time)"
    " FROM enrollments WHERE run_id = ? AND id > ? ORDER BY id LIMIT ?";

// An Enroll's statements, in the order the suite runs them on a run it mirrors: claim the request
// id, lock the run's seats and the trainee, insert the enrollment, count it in the seats, audit
// it, publish its change, record the answer, commit. The feed's sequencer numbers the change
// after the commit, as it numbers the suite's: the running enrollment service's does.
constexpr char kClaim[] =
    "INSERT INTO idempotency_keys (actor, request_id, method, request_hash, created_at)"
    " VALUES (?, ?, ?, ?, UTC_TIMESTAMP(6))";
constexpr char kLockSeats[] =
    "SELECT run_id, course_id, workshop_id, chinese_institution_id, partner_institution_id,"
    " status, capacity, enrolled, next_waitlist_seq, pass_score, min_attendance_percent,"
    " run_version FROM run_seats WHERE run_id = ? FOR UPDATE";
constexpr char kInsertEnrollment[] =
    "INSERT INTO enrollments (version, create_time, update_time, trainee_id, run_id, course_id,"
    " workshop_id, chinese_institution_id, partner_institution_id, state, waitlist_seq,"
    " final_score, attendance_percent, certificate_id, reason, enroll_time)"
    " VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, NULL, '', ?) RETURNING id";
constexpr char kUpdateSeats[] =
    "UPDATE run_seats SET enrolled = ?, next_waitlist_seq = ? WHERE run_id = ?";
constexpr char kAudit[] =
    "INSERT INTO audit_log (at, actor, actor_role, request_id, method, resource_name, action,"
    " details) VALUES (UTC_TIMESTAMP(6), ?, ?, ?, ?, ?, ?, ?)";
constexpr char kPublish[] =
    "INSERT INTO change_events (at, resource_type, resource_name, change_type, payload,"
    " request_id, actor, owner_institution_1, owner_institution_2)"
    " VALUES (UTC_TIMESTAMP(6), ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr char kRespond[] =
    "UPDATE idempotency_keys SET response = ? WHERE actor = ? AND request_id = ?";

constexpr char kActor[] = "bench-database-ceiling";
constexpr char kEnrollMethod[] = "/luban.enrollment.v1.EnrollmentService/Enroll";

void SetMicros(int64_t micros, google::protobuf::Timestamp* time) {
  time->set_seconds(micros / 1000000);
  time->set_nanos(static_cast<int32_t>(micros % 1000000) * 1000);
}

// The number after `prefix` in a resource name ("trainees/12"), 0 when there is none.
int64_t IdOf(absl::string_view name, absl::string_view prefix) {
  int64_t id = 0;
  if (!absl::ConsumePrefix(&name, prefix) || !absl::SimpleAtoi(name, &id)) return 0;
  return id;
}

std::unique_ptr<sql::Connection> Connect(const DatabaseAddress& database) {
  sql::ConnectOptionsMap options;
  options["hostName"] = database.host;
  options["port"] = database.port;
  options["userName"] = database.user;
  options["password"] = database.password;
  options["schema"] = database.schema;
  return std::unique_ptr<sql::Connection>(
      sql::mysql::get_mysql_driver_instance()->connect(options));
}

// A thread's own two connections, as the suite's pool keeps them: one in autocommit for reads, one
// with autocommit off for writes (a transaction starts with its first statement), each with its
// statements prepared once.
class Worker {
 public:
  explicit Worker(const DatabaseAddress& database)
      : reads_(Connect(database)), writes_(Connect(database)) {
    trainee_.reset(reads_->prepareStatement(kSelectTrainee));
    page_.reset(reads_->prepareStatement(kSelectPage));
    writes_->setAutoCommit(false);
    claim_.reset(writes_->prepareStatement(kClaim));
    lock_seats_.reset(writes_->prepareStatement(kLockSeats));
    lock_trainee_.reset(writes_->prepareStatement(absl::StrCat(kSelectTrainee, " FOR UPDATE")));
    insert_enrollment_.reset(writes_->prepareStatement(kInsertEnrollment));
    update_seats_.reset(writes_->prepareStatement(kUpdateSeats));
    audit_.reset(writes_->prepareStatement(kAudit));
    publish_.reset(writes_->prepareStatement(kPublish));
    respond_.reset(writes_->prepareStatement(kRespond));
    commit_.reset(writes_->createStatement());
  }

  grpc::Status GetTrainee(const pb::GetTraineeRequest& request, pb::Trainee* t) {
    trainee_->setInt64(1, IdOf(request.name(), "trainees/"));
    std::unique_ptr<sql::ResultSet> row(trainee_->executeQuery());
    if (!row->next()) return grpc::Status(grpc::StatusCode::NOT_FOUND, request.name());
    t->set_name(absl::StrCat("trainees/", row->getInt64(1)));
    t->set_etag(absl::StrCat(row->getInt64(2)));
    SetMicros(row->getInt64(3), t->mutable_create_time());
    SetMicros(row->getInt64(4), t->mutable_update_time());
    t->set_family_name(row->getString(5));
    t->set_given_name(row->getString(6));
    t->set_family_name_latin(row->getString(7));
    t->set_given_name_latin(row->getString(8));
    t->set_sex(static_cast<pb::Sex>(row->getInt(9)));
    const std::string birth = row->getString(10);  // YYYY-MM-DD
    int year = 0, month = 0, day = 0;
    if (birth.size() == 10 && absl::SimpleAtoi(birth.substr(0, 4), &year) &&
        absl::SimpleAtoi(birth.substr(5, 2), &month) &&
        absl::SimpleAtoi(birth.substr(8, 2), &day)) {
      t->mutable_birth_date()->set_year(year);
      t->mutable_birth_date()->set_month(month);
      t->mutable_birth_date()->set_day(day);
      t->set_birth_year(year);
    }
    t->set_citizenship(row->getString(11));
    t->mutable_identity_document()->set_country_code(row->getString(12));
    t->mutable_identity_document()->set_type(static_cast<pb::DocumentType>(row->getInt(13)));
    t->mutable_identity_document()->set_number(row->getString(14));
    t->mutable_contacts()->set_email(row->getString(15));
    t->mutable_contacts()->set_phone(row->getString(16));
    t->mutable_contacts()->set_address(row->getString(17));
    t->set_home_workshop(absl::StrCat("workshops/", row->getInt64(18)));
    t->set_status(static_cast<pb::TraineeStatus>(row->getInt(19)));
    return grpc::Status::OK;
  }

  grpc::Status ListEnrollments(const pb::ListEnrollmentsRequest& request,
                               pb::ListEnrollmentsResponse* page) {
    const int size = request.page_size() > 0 ? request.page_size() : 50;
    page_->setInt64(1, IdOf(request.course_run(), "courseRuns/"));
    page_->setInt64(2, 0);
    page_->setInt(3, size + 1);
    std::unique_ptr<sql::ResultSet> rows(page_->executeQuery());
    while (rows->next()) {
      if (page->enrollments_size() == size) {
        page->set_next_page_token(absl::StrCat(page->enrollments(size - 1).name()));
        break;
      }
      pb::Enrollment* e = page->add_enrollments();
      e->set_name(absl::StrCat("enrollments/", rows->getInt64(1)));
      e->set_etag(absl::StrCat(rows->getInt64(2)));
      SetMicros(rows->getInt64(3), e->mutable_create_time());
      SetMicros(rows->getInt64(4), e->mutable_update_time());
      e->set_trainee(absl::StrCat("trainees/", rows->getInt64(5)));
      e->set_course_run(absl::StrCat("courseRuns/", rows->getInt64(6)));
      e->set_course(absl::StrCat("courses/", rows->getInt64(7)));
      e->set_workshop(absl::StrCat("workshops/", rows->getInt64(8)));
      e->set_state(static_cast<pb::EnrollmentState>(rows->getInt(9)));
      e->set_final_score(rows->getInt(10));
      e->set_attendance_percent(rows->getInt(11));
      if (!rows->isNull(12)) e->set_certificate(absl::StrCat("certificates/", rows->getInt64(12)));
      e->set_reason(rows->getString(13));
      SetMicros(rows->getInt64(14), e->mutable_enroll_time());
    }
    return grpc::Status::OK;
  }

  // The suite's statements with none of its rules but the seat count; a failed statement rolls
  // the transaction back (a deadlock answers ABORTED, which the load generator retries, as the
  // suite answers it when its own retries run out).
  grpc::Status Enroll(const pb::EnrollRequest& request, pb::Enrollment* e) {
    try {
      grpc::Status status = EnrollInTransaction(request, e);
      if (!status.ok()) commit_->execute("ROLLBACK");
      return status;
    } catch (const sql::SQLException& error) {
      try {
        commit_->execute("ROLLBACK");
      } catch (const sql::SQLException&) {
        // The connection is gone; the next call fails too, which the figures show.
      }
      grpc::StatusCode code = grpc::StatusCode::INTERNAL;
      if (error.getErrorCode() == 1213) code = grpc::StatusCode::ABORTED;
      if (error.getErrorCode() == 1062) code = grpc::StatusCode::ALREADY_EXISTS;  // a pair again
      return grpc::Status(code, error.what());
    }
  }

 private:
  grpc::Status EnrollInTransaction(const pb::EnrollRequest& request, pb::Enrollment* e) {
    const int64_t trainee = IdOf(request.trainee(), "trainees/");
    const int64_t run = IdOf(request.course_run(), "courseRuns/");
    std::string hash = request.SerializeAsString();
    hash.resize(32, '\0');  // the suite's SHA-256 of the request is as long
    claim_->setString(1, kActor);
    claim_->setString(2, request.request_id());
    claim_->setString(3, kEnrollMethod);
    claim_->setString(4, hash);
    claim_->executeUpdate();

    lock_seats_->setInt64(1, run);
    std::unique_ptr<sql::ResultSet> seats(lock_seats_->executeQuery());
    if (!seats->next()) {
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "the run has no seat row yet");
    }
    const int64_t course = seats->getInt64(2), workshop = seats->getInt64(3),
                  chinese = seats->getInt64(4), partner = seats->getInt64(5);
    const int capacity = seats->getInt(7);
    int enrolled = seats->getInt(8);
    int64_t next_waitlist_seq = seats->getInt64(9), waitlist_seq = 0;
    lock_trainee_->setInt64(1, trainee);
    std::unique_ptr<sql::ResultSet> locked(lock_trainee_->executeQuery());
    if (!locked->next()) return grpc::Status(grpc::StatusCode::NOT_FOUND, request.trainee());

    pb::EnrollmentState state = pb::ENROLLMENT_STATE_ENROLLED;
    if (enrolled < capacity) {
      ++enrolled;
    } else {
      state = pb::ENROLLMENT_STATE_WAITLISTED;
      waitlist_seq = next_waitlist_seq++;
    }
    const absl::Time now = absl::Now();
    const std::string time = absl::FormatTime("%Y-%m-%d %H:%M:%E6S", now, absl::UTCTimeZone());
    insert_enrollment_->setString(1, time);
    insert_enrollment_->setString(2, time);
    insert_enrollment_->setInt64(3, trainee);
    insert_enrollment_->setInt64(4, run);
    insert_enrollment_->setInt64(5, course);
    insert_enrollment_->setInt64(6, workshop);
    insert_enrollment_->setInt64(7, chinese);
    insert_enrollment_->setInt64(8, partner);
    insert_enrollment_->setInt(9, static_cast<int>(state));
    insert_enrollment_->setInt64(10, waitlist_seq);
    insert_enrollment_->setString(11, time);
    std::unique_ptr<sql::ResultSet> inserted(insert_enrollment_->executeQuery());
    if (!inserted->next()) return grpc::Status(grpc::StatusCode::INTERNAL, "no id returned");
    const std::string name = absl::StrCat("enrollments/", inserted->getInt64(1));

    update_seats_->setInt(1, enrolled);
    update_seats_->setInt64(2, next_waitlist_seq);
    update_seats_->setInt64(3, run);
    update_seats_->executeUpdate();

    e->set_name(name);
    e->set_etag("1");
    const int64_t micros = absl::ToUnixMicros(now);
    SetMicros(micros, e->mutable_create_time());
    SetMicros(micros, e->mutable_update_time());
    SetMicros(micros, e->mutable_enroll_time());
    e->set_trainee(request.trainee());
    e->set_course_run(request.course_run());
    e->set_course(absl::StrCat("courses/", course));
    e->set_workshop(absl::StrCat("workshops/", workshop));
    e->set_state(state);

    audit_->setString(1, kActor);
    audit_->setString(2, "network_admin");
    audit_->setString(3, request.request_id());
    audit_->setString(4, kEnrollMethod);
    audit_->setString(5, name);
    audit_->setString(6, state == pb::ENROLLMENT_STATE_ENROLLED ? "enrolled" : "waitlisted");
    audit_->setString(
        7, absl::StrCat(R"({"request_id":")", request.request_id(), R"(","trainee":")",
                        request.trainee(), R"(","course_run":")", request.course_run(), R"("})"));
    audit_->executeUpdate();

    google::protobuf::Any payload;
    payload.PackFrom(*e);
    publish_->setString(1, "enrollments");
    publish_->setString(2, name);
    publish_->setInt(3, 1);  // created
    publish_->setString(4, payload.SerializeAsString());
    publish_->setString(5, request.request_id());
    publish_->setString(6, kActor);
    publish_->setInt64(7, chinese);
    publish_->setInt64(8, partner);
    publish_->executeUpdate();

    respond_->setString(1, e->SerializeAsString());
    respond_->setString(2, kActor);
    respond_->setString(3, request.request_id());
    respond_->executeUpdate();
    commit_->execute("COMMIT");
    return grpc::Status::OK;
  }

  std::unique_ptr<sql::Connection> reads_;
  std::unique_ptr<sql::PreparedStatement> trainee_;
  std::unique_ptr<sql::PreparedStatement> page_;
  std::unique_ptr<sql::Connection> writes_;
  std::unique_ptr<sql::PreparedStatement> claim_, lock_seats_, lock_trainee_, insert_enrollment_,
      update_seats_, audit_, publish_, respond_;
  std::unique_ptr<sql::Statement> commit_;
};

}  // namespace

class DatabaseServer::Service final : public pb::EnrollmentService::CallbackService {
 public:
  // Connects every worker first: a database that refuses throws sql::SQLException.
  Service(int threads, const DatabaseAddress& database) {
    std::vector<std::unique_ptr<Worker>> workers;
    for (int i = 0; i < threads; ++i) workers.push_back(std::make_unique<Worker>(database));
    for (auto& worker : workers) {
      threads_.emplace_back([this, worker = std::move(worker)] { Loop(*worker); });
    }
  }
  ~Service() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (std::thread& thread : threads_) thread.join();
  }

  grpc::ServerUnaryReactor* GetTrainee(grpc::CallbackServerContext* context,
                                       const pb::GetTraineeRequest* request,
                                       pb::Trainee* response) override {
    return Hop(context, [=](Worker& worker) { return worker.GetTrainee(*request, response); });
  }

  grpc::ServerUnaryReactor* ListEnrollments(grpc::CallbackServerContext* context,
                                            const pb::ListEnrollmentsRequest* request,
                                            pb::ListEnrollmentsResponse* response) override {
    return Hop(context, [=](Worker& worker) { return worker.ListEnrollments(*request, response); });
  }

  grpc::ServerUnaryReactor* Enroll(grpc::CallbackServerContext* context,
                                   const pb::EnrollRequest* request,
                                   pb::Enrollment* response) override {
    return Hop(context, [=](Worker& worker) { return worker.Enroll(*request, response); });
  }

 private:
  using Work = std::function<grpc::Status(Worker&)>;

  grpc::ServerUnaryReactor* Hop(grpc::CallbackServerContext* context, Work work) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push_back([reactor, work = std::move(work)](Worker& worker) {
        grpc::Status status;
        try {
          status = work(worker);
        } catch (const sql::SQLException& e) {
          status = grpc::Status(grpc::StatusCode::INTERNAL, e.what());
        }
        reactor->Finish(status);
      });
    }
    wake_.notify_one();
    return reactor;
  }

  void Loop(Worker& worker) {
    for (;;) {
      std::function<void(Worker&)> task;
      {
        std::unique_lock<std::mutex> lock(mu_);
        wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      task(worker);
    }
  }

  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::function<void(Worker&)>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

absl::StatusOr<std::unique_ptr<DatabaseServer>> DatabaseServer::Start(
    const std::string& listen, int threads, const DatabaseAddress& database) {
  std::unique_ptr<DatabaseServer> server(new DatabaseServer());
  try {
    server->service_ = std::make_unique<Service>(threads, database);
  } catch (const sql::SQLException& e) {
    return absl::UnavailableError(absl::StrCat("cannot connect to the database: ", e.what()));
  }
  LUBAN_ASSIGN_OR_RETURN(server->server_,
                         StartBenchServer(listen, grpc::InsecureServerCredentials(),
                                          server->service_.get(), &server->port_));
  return server;
}

void DatabaseServer::Shutdown() {
  if (server_ != nullptr) server_->Shutdown();
}

DatabaseServer::~DatabaseServer() {
  Shutdown();
  server_.reset();  // no call is left to finish before the workers stop
  service_.reset();
}

}  // namespace luban::bench
