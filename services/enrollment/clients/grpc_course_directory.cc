#include "services/enrollment/clients/grpc_course_directory.h"

#include <algorithm>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "common/api/convert.h"
#include "common/domain/resource_name.h"
#include "grpcpp/client_context.h"

namespace luban::enrollment {
namespace {

namespace pb = ::luban::course::v1;

constexpr char kInstitutions[] = "institutions";

// A resource name in an answer that does not parse is the peer breaking its contract.
absl::StatusOr<int64_t> PeerName(absl::string_view field, absl::string_view collection,
                                 absl::string_view name) {
  auto id = ParseResourceName(field, collection, name);
  if (!id.ok()) {
    return absl::InternalError(absl::StrCat("the course service answered with a malformed ",
                                            std::string(field), ": ",
                                            std::string(id.status().message())));
  }
  return id;
}

absl::StatusOr<RunStatus> RunStatusFromProto(pb::CourseRunStatus status) {
  switch (status) {
    case pb::COURSE_RUN_STATUS_SCHEDULED:
      return RunStatus::kScheduled;
    case pb::COURSE_RUN_STATUS_OPEN:
      return RunStatus::kOpen;
    case pb::COURSE_RUN_STATUS_IN_PROGRESS:
      return RunStatus::kInProgress;
    case pb::COURSE_RUN_STATUS_COMPLETED:
      return RunStatus::kCompleted;
    case pb::COURSE_RUN_STATUS_CANCELLED:
      return RunStatus::kCancelled;
    default:
      return absl::InternalError(
          absl::StrCat("the course service answered with an unknown course run status ",
                       static_cast<int>(status)));
  }
}

absl::Status NotFound(absl::string_view name) {
  return absl::NotFoundError(absl::StrCat(std::string(name), ": not found"));
}

}  // namespace

absl::Status MapPeerStatus(const grpc::Status& status, absl::string_view name) {
  const std::string detail =
      absl::StrCat(std::string(name), ": ",
                   absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())),
                   ": ", status.error_message());
  switch (status.error_code()) {
    case grpc::StatusCode::OK:
      return absl::OkStatus();
    case grpc::StatusCode::NOT_FOUND:
      return NotFound(name);
    // Our credential was refused. Passing PERMISSION_DENIED/UNAUTHENTICATED on would blame our
    // caller, whose own credential is fine; UNAVAILABLE would invite retries that cannot help;
    // INTERNAL would hide that it is the deployment (token or credentials file) to fix.
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::UNAUTHENTICATED:
      return absl::FailedPreconditionError(absl::StrCat(
          "the enrollment service's credential is not accepted by the course service (", detail,
          ")"));
    // The peer is down, overloaded, shutting down, or failing inside: all a dependency outage
    // to our caller, who may retry later.
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::DATA_LOSS:
      return absl::UnavailableError(absl::StrCat("the course service is unavailable: ", detail));
    case grpc::StatusCode::UNIMPLEMENTED:
      return absl::FailedPreconditionError(absl::StrCat(
          "the course service does not offer this call (version mismatch?): ", detail));
    default:
      // INVALID_ARGUMENT and the like: we sent a malformed read, a bug of ours.
      return absl::InternalError(absl::StrCat("the course service refused a read: ", detail));
  }
}

absl::StatusOr<RunInfo> RunInfoFromProto(const pb::CourseRun& run) {
  RunInfo info;
  auto id = PeerName("course run name", kCourseRuns, run.name());
  if (!id.ok()) return id.status();
  auto course = PeerName("course run's course", kCourses, run.course());
  if (!course.ok()) return course.status();
  auto workshop = PeerName("course run's workshop", kWorkshops, run.workshop());
  if (!workshop.ok()) return workshop.status();
  auto status = RunStatusFromProto(run.status());
  if (!status.ok()) return status.status();
  info.id = *id;
  info.course_id = *course;
  info.workshop_id = *workshop;
  info.status = *status;
  info.capacity = run.capacity();
  info.pass_score = run.pass_score();
  info.min_attendance_percent = run.min_attendance_percent();
  info.country = run.country_code();
  return info;
}

absl::StatusOr<WorkshopInfo> WorkshopInfoFromProto(const pb::Workshop& workshop) {
  WorkshopInfo info;
  auto id = PeerName("workshop name", kWorkshops, workshop.name());
  if (!id.ok()) return id.status();
  auto chinese =
      PeerName("workshop's chinese_institution", kInstitutions, workshop.chinese_institution());
  if (!chinese.ok()) return chinese.status();
  auto partner =
      PeerName("workshop's partner_institution", kInstitutions, workshop.partner_institution());
  if (!partner.ok()) return partner.status();
  info.owners.workshop_id = *id;
  info.owners.chinese_institution_id = *chinese;
  info.owners.partner_institution_id = *partner;
  info.country = workshop.country_code();
  info.names = LocalizedFromProto(workshop.display_names());
  return info;
}

absl::StatusOr<InstitutionInfo> InstitutionInfoFromProto(const pb::Institution& institution) {
  InstitutionInfo info;
  auto id = PeerName("institution name", kInstitutions, institution.name());
  if (!id.ok()) return id.status();
  info.id = *id;
  info.names = LocalizedFromProto(institution.display_names());
  return info;
}

absl::StatusOr<CourseInfo> CourseInfoFromProto(const pb::Course& course) {
  CourseInfo info;
  auto id = PeerName("course name", kCourses, course.name());
  if (!id.ok()) return id.status();
  info.id = *id;
  info.code = course.code();
  info.titles = LocalizedFromProto(course.titles());
  info.discipline = course.discipline();
  return info;
}

GrpcCourseDirectory::GrpcCourseDirectory(std::shared_ptr<grpc::Channel> channel, std::string token,
                                         GrpcCourseDirectoryOptions options)
    : stub_(pb::CourseService::NewStub(std::move(channel))),
      authorization_(absl::StrCat("Bearer ", token)),
      options_(std::move(options)),
      workshops_(options_.cache_capacity, options_.cache_ttl),
      institutions_(options_.cache_capacity, options_.cache_ttl),
      courses_(options_.cache_capacity, options_.cache_ttl) {}

template <typename Request, typename Response>
absl::Status GrpcCourseDirectory::Call(Method<Request, Response> method, absl::string_view name,
                                       const Request& request, Response* response,
                                       absl::Time caller_deadline) {
  const absl::Time deadline = std::min(caller_deadline, absl::Now() + options_.call_timeout);
  absl::Duration backoff = options_.initial_backoff;
  absl::BitGen random;
  while (true) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(deadline));
    context.AddMetadata("authorization", authorization_);
    const grpc::Status status = ((*stub_).*method)(&context, request, response);
    if (status.ok()) return absl::OkStatus();
    if (status.error_code() != grpc::StatusCode::UNAVAILABLE) {
      return MapPeerStatus(status, name);
    }
    // Jittered so that callers failing together do not retry together.
    const absl::Duration pause = backoff * absl::Uniform(random, 0.5, 1.0);
    if (absl::Now() + pause >= deadline) return MapPeerStatus(status, name);
    absl::SleepFor(pause);
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

absl::StatusOr<RunInfo> GrpcCourseDirectory::GetRun(int64_t run_id, absl::Time deadline) {
  const std::string name = FormatResourceName(kCourseRuns, run_id);
  if (run_id <= 0) return NotFound(name);
  pb::GetCourseRunRequest request;
  request.set_name(name);
  pb::CourseRun run;
  absl::Status status = Call(&pb::CourseService::Stub::GetCourseRun, name, request, &run, deadline);
  if (!status.ok()) return status;
  return RunInfoFromProto(run);
}

absl::StatusOr<WorkshopInfo> GrpcCourseDirectory::GetWorkshop(int64_t workshop_id,
                                                              absl::Time deadline) {
  const std::string name = FormatResourceName(kWorkshops, workshop_id);
  if (workshop_id <= 0) return NotFound(name);
  if (auto cached = workshops_.Get(workshop_id, options_.clock())) return *std::move(cached);
  pb::GetWorkshopRequest request;
  request.set_name(name);
  pb::Workshop workshop;
  absl::Status status =
      Call(&pb::CourseService::Stub::GetWorkshop, name, request, &workshop, deadline);
  if (!status.ok()) return status;
  auto info = WorkshopInfoFromProto(workshop);
  if (info.ok()) workshops_.Put(workshop_id, *info, options_.clock());
  return info;
}

absl::StatusOr<InstitutionInfo> GrpcCourseDirectory::GetInstitution(int64_t institution_id,
                                                                    absl::Time deadline) {
  const std::string name = FormatResourceName(kInstitutions, institution_id);
  if (institution_id <= 0) return NotFound(name);
  if (auto cached = institutions_.Get(institution_id, options_.clock())) {
    return *std::move(cached);
  }
  pb::GetInstitutionRequest request;
  request.set_name(name);
  pb::Institution institution;
  absl::Status status =
      Call(&pb::CourseService::Stub::GetInstitution, name, request, &institution, deadline);
  if (!status.ok()) return status;
  auto info = InstitutionInfoFromProto(institution);
  if (info.ok()) institutions_.Put(institution_id, *info, options_.clock());
  return info;
}

absl::StatusOr<CourseInfo> GrpcCourseDirectory::GetCourse(int64_t course_id, absl::Time deadline) {
  const std::string name = FormatResourceName(kCourses, course_id);
  if (course_id <= 0) return NotFound(name);
  if (auto cached = courses_.Get(course_id, options_.clock())) return *std::move(cached);
  pb::GetCourseRequest request;
  request.set_name(name);
  pb::Course course;
  absl::Status status = Call(&pb::CourseService::Stub::GetCourse, name, request, &course, deadline);
  if (!status.ok()) return status;
  auto info = CourseInfoFromProto(course);
  if (info.ok()) courses_.Put(course_id, *info, options_.clock());
  return info;
}

}  // namespace luban::enrollment
