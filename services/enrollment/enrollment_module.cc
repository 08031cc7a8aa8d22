#include "services/enrollment/enrollment_module.h"

#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace luban::enrollment {

EnrollmentModule::EnrollmentModule(EnrollmentModuleOptions options)
    : options_(std::move(options)) {}

EnrollmentModule::~EnrollmentModule() {
  if (consumer_) consumer_->Stop();
}

std::vector<const std::vector<db::Migration>*> EnrollmentModule::migrations() const {
  return {&EnrollmentMigrations()};
}

absl::StatusOr<grpc::Service*> EnrollmentModule::CreateService(const ServiceEnv& env) {
  if (options_.course_target.empty()) {
    return absl::InvalidArgumentError("course_target: the course service's address is required");
  }
  if (options_.service_token.empty()) {
    return absl::InvalidArgumentError(
        "service_token: this service's credential for the course service is required");
  }
  grpc::ChannelArguments arguments;
  // The feed stream has no deadline: keepalive notices a peer that vanished.
  arguments.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 20000);
  arguments.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  arguments.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  course_channel_ = grpc::CreateCustomChannel(options_.course_target,
                                              grpc::InsecureChannelCredentials(), arguments);
  store_ = std::make_unique<MySqlEnrollmentStore>(env.pool);
  directory_ = std::make_unique<GrpcCourseDirectory>(course_channel_, options_.service_token,
                                                     options_.directory);
  api_ = std::make_unique<EnrollmentApi>(store_.get(), directory_.get(), env.page_tokens,
                                         options_.config);
  service_ = std::make_unique<EnrollmentGrpcService>(api_.get(), env.executor, env.credentials,
                                                     env.feed);
  if (auto status = service_->policy().CheckComplete(); !status.ok()) return status;
  if (options_.follow_course_feed) {
    consumer_ = std::make_unique<CourseFeedConsumer>(
        course_channel_, options_.service_token, [this] { return api_->CourseFeedCursor(); },
        [this](int64_t sequence, const luban::course::v1::CourseRun& run) {
          return api_->ApplyCourseRunEvent(sequence, run);
        },
        options_.feed);
    consumer_->Start();
    if (options_.mirror_window > absl::ZeroDuration()) {
      api_->DecideOnMirroredRuns([consumer = consumer_.get(), window = options_.mirror_window] {
        return consumer->HeardWithin(window);
      });
    }
  }
  return service_.get();
}

}  // namespace luban::enrollment
