#include "tools/bench/ceiling_server.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/server/service_main.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "services/enrollment/api/enrollment_api.h"

namespace luban::bench {
namespace {

namespace pb = ::luban::enrollment::v1;

void SetTime(google::protobuf::Timestamp* t) {
  t->set_seconds(1790000000);
  t->set_nanos(123456000);
}

// A trainee as the real service answers a network admin: every field filled.
pb::Trainee SampleTrainee() {
  pb::Trainee t;
  t.set_name("trainees/48213");
  t.set_family_name("Раҳимов");
  t.set_given_name("Ҷамшед");
  t.set_family_name_latin("Rahimov");
  t.set_given_name_latin("Jamshed");
  t.set_sex(pb::SEX_MALE);
  t.mutable_birth_date()->set_year(2003);
  t.mutable_birth_date()->set_month(4);
  t.mutable_birth_date()->set_day(17);
  t.set_birth_year(2003);
  t.set_citizenship("TJ");
  t.mutable_identity_document()->set_country_code("TJ");
  t.mutable_identity_document()->set_type(pb::DOCUMENT_TYPE_PASSPORT);
  t.mutable_identity_document()->set_number("A 4821337");
  t.mutable_contacts()->set_email("jamshed.rahimov@example.tj");
  t.mutable_contacts()->set_phone("+992 93 482 1337");
  t.set_home_workshop("workshops/1");
  t.set_status(pb::TRAINEE_STATUS_ACTIVE);
  SetTime(t.mutable_create_time());
  SetTime(t.mutable_update_time());
  t.set_etag("W/\"3-1790000000123456\"");
  return t;
}

pb::Enrollment SampleEnrollment(int i) {
  pb::Enrollment e;
  e.set_name(absl::StrCat("enrollments/", 150000 + i));
  e.set_trainee(absl::StrCat("trainees/", 48213 + i));
  e.set_course_run("courseRuns/412");
  e.set_workshop("workshops/1");
  e.set_course("courses/7");
  e.set_state(pb::ENROLLMENT_STATE_ENROLLED);
  SetTime(e.mutable_enroll_time());
  SetTime(e.mutable_create_time());
  SetTime(e.mutable_update_time());
  e.set_etag("W/\"1-1790000000123456\"");
  return e;
}

}  // namespace

class CeilingServer::Service final : public pb::EnrollmentService::CallbackService {
 public:
  Service(BoundedExecutor* executor, const auth::CredentialStore* credentials)
      : policy_(enrollment::EnrollmentPolicy()),
        calls_(executor, credentials, &policy_),
        trainee_(SampleTrainee()),
        enrollment_(SampleEnrollment(0)) {
    for (int i = 0; i < 1000; ++i) page_.push_back(SampleEnrollment(i));
  }

  grpc::ServerUnaryReactor* GetTrainee(grpc::CallbackServerContext* context,
                                       const pb::GetTraineeRequest* request,
                                       pb::Trainee* response) override {
    return calls_.Unary(context, "GetTrainee", request, response,
                        [this, response](const RequestContext&) {
                          *response = trainee_;
                          return absl::OkStatus();
                        });
  }

  grpc::ServerUnaryReactor* ListEnrollments(grpc::CallbackServerContext* context,
                                            const pb::ListEnrollmentsRequest* request,
                                            pb::ListEnrollmentsResponse* response) override {
    return calls_.Unary(context, "ListEnrollments", request, response,
                        [this, request, response](const RequestContext&) {
                          const int size =
                              request->page_size() <= 0 ? 50 : std::min(request->page_size(), 1000);
                          for (int i = 0; i < size; ++i) *response->add_enrollments() = page_[i];
                          response->set_next_page_token("c2FtcGxlLXBhZ2UtdG9rZW4tb2YtNDAtYnl0ZXMh");
                          return absl::OkStatus();
                        });
  }

  grpc::ServerUnaryReactor* Enroll(grpc::CallbackServerContext* context,
                                   const pb::EnrollRequest* request,
                                   pb::Enrollment* response) override {
    return calls_.Unary(context, "Enroll", request, response,
                        [this, response](const RequestContext&) {
                          *response = enrollment_;
                          return absl::OkStatus();
                        });
  }

 private:
  const auth::MethodPolicy policy_;
  CallRunner calls_;
  const pb::Trainee trainee_;
  const pb::Enrollment enrollment_;
  std::vector<pb::Enrollment> page_;
};

absl::StatusOr<std::unique_ptr<CeilingServer>> CeilingServer::Start(
    const std::string& listen, int threads, auth::CredentialStore credentials) {
  std::unique_ptr<CeilingServer> server(new CeilingServer());
  HostOptions options;
  server->credentials_ = std::make_unique<auth::CredentialStore>(std::move(credentials));
  server->executor_ = std::make_unique<BoundedExecutor>(threads, options.max_queued_calls);
  server->service_ = std::make_unique<Service>(server->executor_.get(), server->credentials_.get());
  grpc::EnableDefaultHealthCheckService(true);  // as the services: `luban-bench ready` works
  grpc::ServerBuilder builder;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &server->port_);
  builder.RegisterService(server->service_.get());
  ApplyServerLimits(builder, options);
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", listen));
  }
  return server;
}

void CeilingServer::Shutdown() {
  if (server_ != nullptr) server_->Shutdown();
  if (executor_ != nullptr) executor_->Shutdown();
}

CeilingServer::~CeilingServer() { Shutdown(); }

}  // namespace luban::bench
