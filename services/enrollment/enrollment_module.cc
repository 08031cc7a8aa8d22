#include "services/enrollment/enrollment_module.h"

#include "common/client/channel.h"
#include "common/domain/status_macros.h"
#include "common/metrics/metrics.h"

namespace luban::enrollment {

EnrollmentModule::EnrollmentModule(EnrollmentModuleOptions options)
    : options_(std::move(options)) {}

EnrollmentModule::~EnrollmentModule() {
  metrics::Global().RemoveCallbacks(this);
  Stop();
}

void EnrollmentModule::Stop() {
  if (consumer_) consumer_->Stop();
}

std::vector<const std::vector<db::Migration>*> EnrollmentModule::migrations() const {
  return {&EnrollmentMigrations()};
}

absl::StatusOr<grpc::Service*> EnrollmentModule::CreateService(const ServiceEnv& env) {
  if (options_.course_target.empty()) {
    return absl::InvalidArgumentError("course_target: the course service's address is required");
  }
  if (options_.service_token.empty() && env.peer_tls.cert_file.empty()) {
    return absl::InvalidArgumentError(
        "service_token: this service's credential for the course service is required (or its "
        "certificate: --peer_tls_ca with --tls_cert and --tls_key)");
  }
  // The feed stream has no deadline: keepalive notices a peer that vanished.
  LUBAN_ASSIGN_OR_RETURN(auto channel, client::MakeChannel({.target = options_.course_target,
                                                            .tls = env.peer_tls,
                                                            .fast_reconnect = false,
                                                            .keepalive = absl::Seconds(20)}));
  course_channel_ = std::move(channel);
  store_ = std::make_unique<MySqlEnrollmentStore>(env.pool);
  directory_ = std::make_unique<GrpcCourseDirectory>(course_channel_, options_.service_token,
                                                     options_.directory);
  api_ = std::make_unique<EnrollmentApi>(store_.get(), directory_.get(), env.page_tokens,
                                         options_.config);
  service_ = std::make_unique<EnrollmentGrpcService>(api_.get(), env.executor, env.credentials,
                                                     env.feed, env.pool);
  LUBAN_RETURN_IF_ERROR(service_->policy().CheckComplete());
  if (options_.follow_course_feed) {
    consumer_ = std::make_unique<CourseFeedConsumer>(
        course_channel_, options_.service_token, [this] { return api_->CourseFeedCursor(); },
        [this](int64_t sequence, const luban::course::v1::CourseRun& run) -> absl::Status {
          // Strictly mapped: an event that breaks the course service's contract is not applied
          // (the consumer reports it and redelivers), rather than mirrored as run 0.
          absl::StatusOr<RunInfo> info = RunInfoFromProto(run);
          if (!info.ok()) return info.status();
          return api_->ApplyCourseRunEvent(sequence, *info, run);
        },
        options_.feed);
    consumer_->Start();
    // The feed's lag as this consumer sees it (the feed tells no head sequence, so how many
    // sequences behind is not known here).
    CourseFeedConsumer* consumer = consumer_.get();
    metrics::Global().AddCallbackGauge(
        "luban_course_feed_lag_seconds",
        "Seconds since the course feed last delivered a batch or heartbeat", {},
        [consumer] { return absl::ToDoubleSeconds(consumer->SinceLastMessage()); }, this);
    metrics::Global().AddCallbackGauge(
        "luban_course_feed_applied_sequence", "Last course feed sequence applied", {},
        [consumer] { return static_cast<double>(consumer->applied_sequence()); }, this);
    metrics::Global().AddCallbackGauge(
        "luban_course_feed_connections_total", "Course feed streams opened", {},
        [consumer] { return static_cast<double>(consumer->connections()); }, this,
        /*counter=*/true);
    if (options_.mirror_window > absl::ZeroDuration()) {
      api_->DecideOnMirroredRuns([consumer = consumer_.get(), window = options_.mirror_window] {
        return consumer->HeardWithin(window);
      });
    }
  }
  return service_.get();
}

}  // namespace luban::enrollment
