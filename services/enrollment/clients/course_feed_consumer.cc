#include "services/enrollment/clients/course_feed_consumer.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/domain/backoff.h"
#include "services/enrollment/domain/model.h"
#include "spdlog/spdlog.h"

namespace luban::enrollment {
namespace {

namespace pb = ::luban::course::v1;

}  // namespace

CourseFeedConsumer::CourseFeedConsumer(std::shared_ptr<grpc::Channel> channel, std::string token,
                                       LoadCursor load_cursor, Apply apply,
                                       CourseFeedOptions options)
    : stub_(pb::CourseService::NewStub(std::move(channel))),
      // No token: the channel's client certificate is the credential (mutual TLS).
      authorization_(token.empty() ? "" : absl::StrCat("Bearer ", token)),
      load_cursor_(std::move(load_cursor)),
      apply_(std::move(apply)),
      options_(std::move(options)) {}

CourseFeedConsumer::~CourseFeedConsumer() { Stop(); }

void CourseFeedConsumer::Start() {
  absl::MutexLock lock(&mu_);
  if (started_ || stopping_) return;
  started_ = true;
  last_message_ = absl::Now();
  thread_ = std::thread([this] { Run(); });
}

void CourseFeedConsumer::Stop() {
  std::thread thread;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    // Safe before the call has started too: the context then cancels it as it starts.
    if (context_ != nullptr) context_->TryCancel();
    changed_.SignalAll();
    thread = std::move(thread_);
  }
  if (thread.joinable()) thread.join();
}

bool CourseFeedConsumer::running() const {
  absl::MutexLock lock(&mu_);
  return started_ && !stopping_;
}

bool CourseFeedConsumer::HeardWithin(absl::Duration window) const {
  absl::MutexLock lock(&mu_);
  return context_ != nullptr && absl::Now() - last_heard_ <= window;
}

int64_t CourseFeedConsumer::applied_sequence() const {
  absl::MutexLock lock(&mu_);
  return applied_;
}

bool CourseFeedConsumer::WaitForSequence(int64_t sequence, absl::Duration timeout) const {
  const absl::Time deadline = absl::Now() + timeout;
  absl::MutexLock lock(&mu_);
  while (applied_ < sequence) {
    if (changed_.WaitWithDeadline(&mu_, deadline)) return applied_ >= sequence;
  }
  return true;
}

int64_t CourseFeedConsumer::connections() const {
  absl::MutexLock lock(&mu_);
  return connections_;
}

void CourseFeedConsumer::Publish(int64_t sequence) {
  absl::MutexLock lock(&mu_);
  if (sequence > applied_) {
    applied_ = sequence;
    changed_.SignalAll();
  }
}

bool CourseFeedConsumer::Pause(absl::Duration pause) {
  const absl::Time until = absl::Now() + pause;
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    if (changed_.WaitWithDeadline(&mu_, until)) break;
  }
  return !stopping_;
}

void CourseFeedConsumer::Run() {
  Backoff backoff(options_.initial_backoff, options_.max_backoff);
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    bool progressed = false;
    // Reloaded on every connection: after a failed apply, only the store knows whether that
    // transaction committed, so resuming from it neither skips nor repeats.
    absl::StatusOr<int64_t> cursor = load_cursor_();
    if (cursor.ok()) {
      Publish(*cursor);
      progressed = Follow(*cursor);
    } else {
      spdlog::warn("course feed: cannot load the cursor: {}", cursor.status().ToString());
    }
    if (progressed) backoff.Reset();
    // Jittered so that replicas do not reconnect in step after a course service restart.
    if (!Pause(backoff.Next())) return;
  }
}

absl::Duration CourseFeedConsumer::SinceLastMessage() const {
  absl::MutexLock lock(&mu_);
  return last_message_ == absl::InfinitePast() ? absl::ZeroDuration() : absl::Now() - last_message_;
}

bool CourseFeedConsumer::Follow(int64_t cursor) {
  grpc::ClientContext context;
  if (!authorization_.empty()) context.AddMetadata("authorization", authorization_);
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return false;
    context_ = &context;
    ++connections_;
  }
  pb::WatchChangesRequest request;
  request.set_after_sequence(cursor);
  request.add_resource_types(kCourseRuns);
  request.set_max_batch_size(options_.max_batch_size);
  std::unique_ptr<grpc::ClientReader<pb::WatchChangesResponse>> reader =
      stub_->WatchChanges(&context, request);

  bool progressed = false;
  absl::Status failure;
  pb::WatchChangesResponse batch;
  pb::CourseRun run;
  while (failure.ok() && reader->Read(&batch)) {
    for (const luban::common::v1::ChangeEvent& event : batch.events()) {
      // The feed never repeats itself on one stream; the guard keeps "never twice" local.
      if (event.sequence() <= cursor) continue;
      if (!event.resource().Is<pb::CourseRun>()) {
        spdlog::debug("course feed: skipping event {} of type {}", event.sequence(),
                      event.resource().type_url());
        continue;
      }
      if (!event.resource().UnpackTo(&run)) {
        // Skipping would lose a change; stalling here is loud and loses nothing.
        failure = absl::DataLossError(
            absl::StrCat("event ", event.sequence(), " carries an unreadable CourseRun"));
        break;
      }
      failure = apply_(event.sequence(), run);
      if (!failure.ok()) {
        failure = absl::Status(failure.code(),
                               absl::StrCat("applying event ", event.sequence(), " (",
                                            event.resource_name(), "): ", failure.message()));
        break;
      }
      cursor = event.sequence();
      Publish(cursor);
    }
    if (failure.ok()) {
      progressed = true;
      absl::MutexLock lock(&mu_);
      last_heard_ = absl::Now();
      last_message_ = last_heard_;
    }
  }
  if (!failure.ok()) context.TryCancel();
  const grpc::Status status = reader->Finish();
  bool stopping = false;
  {
    absl::MutexLock lock(&mu_);
    context_ = nullptr;
    last_heard_ = absl::InfinitePast();
    stopping = stopping_;
  }
  if (stopping) return progressed;
  if (!failure.ok()) {
    spdlog::warn("course feed: {}; reconnecting after sequence {}", failure.ToString(), cursor);
  } else {
    spdlog::warn("course feed: the stream ended ({}: {}); reconnecting after sequence {}",
                 static_cast<int>(status.error_code()), status.error_message(), cursor);
  }
  return progressed;
}

}  // namespace luban::enrollment
