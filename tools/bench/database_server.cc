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
#include "common/domain/status_macros.h"
#include "cppconn/connection.h"
#include "cppconn/exception.h"
#include "cppconn/prepared_statement.h"
#include "cppconn/resultset.h"
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

// One connection and its two statements: a reading thread's own.
class Reader {
 public:
  explicit Reader(const DatabaseAddress& database) {
    sql::ConnectOptionsMap options;
    options["hostName"] = database.host;
    options["port"] = database.port;
    options["userName"] = database.user;
    options["password"] = database.password;
    options["schema"] = database.schema;
    connection_.reset(sql::mysql::get_mysql_driver_instance()->connect(options));
    trainee_.reset(connection_->prepareStatement(kSelectTrainee));
    page_.reset(connection_->prepareStatement(kSelectPage));
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

 private:
  std::unique_ptr<sql::Connection> connection_;
  std::unique_ptr<sql::PreparedStatement> trainee_;
  std::unique_ptr<sql::PreparedStatement> page_;
};

}  // namespace

class DatabaseServer::Service final : public pb::EnrollmentService::CallbackService {
 public:
  // Connects every reader first: a database that refuses throws sql::SQLException.
  Service(int threads, const DatabaseAddress& database) {
    std::vector<std::unique_ptr<Reader>> readers;
    for (int i = 0; i < threads; ++i) readers.push_back(std::make_unique<Reader>(database));
    for (auto& reader : readers) {
      threads_.emplace_back([this, reader = std::move(reader)] { Loop(*reader); });
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
    return Hop(context, [=](Reader& reader) { return reader.GetTrainee(*request, response); });
  }

  grpc::ServerUnaryReactor* ListEnrollments(grpc::CallbackServerContext* context,
                                            const pb::ListEnrollmentsRequest* request,
                                            pb::ListEnrollmentsResponse* response) override {
    return Hop(context, [=](Reader& reader) { return reader.ListEnrollments(*request, response); });
  }

 private:
  using Work = std::function<grpc::Status(Reader&)>;

  grpc::ServerUnaryReactor* Hop(grpc::CallbackServerContext* context, Work work) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push_back([reactor, work = std::move(work)](Reader& reader) {
        grpc::Status status;
        try {
          status = work(reader);
        } catch (const sql::SQLException& e) {
          status = grpc::Status(grpc::StatusCode::INTERNAL, e.what());
        }
        reactor->Finish(status);
      });
    }
    wake_.notify_one();
    return reactor;
  }

  void Loop(Reader& reader) {
    for (;;) {
      std::function<void(Reader&)> task;
      {
        std::unique_lock<std::mutex> lock(mu_);
        wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      task(reader);
    }
  }

  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::function<void(Reader&)>> queue_;
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
  server_.reset();  // no call is left to finish before the readers stop
  service_.reset();
}

}  // namespace luban::bench
