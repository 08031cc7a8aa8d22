#include "services/enrollment/clients/grpc_course_directory.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/api/convert.h"
#include "common/domain/status_macros.h"
#include "common/domain/types.h"
#include "services/course/client/workshop_founders.h"

namespace luban::enrollment {
namespace {

namespace pb = ::luban::course::v1;

using ::luban::client::ParsePeerName;

constexpr char kInstitutions[] = "institutions";
constexpr char kCourseService[] = "the course service";

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

}  // namespace

absl::StatusOr<RunInfo> RunInfoFromProto(const pb::CourseRun& run) {
  RunInfo info;
  LUBAN_ASSIGN_OR_RETURN(auto id,
                         ParsePeerName(kCourseService, "course run name", kCourseRuns, run.name()));
  LUBAN_ASSIGN_OR_RETURN(
      auto course, ParsePeerName(kCourseService, "course run's course", kCourses, run.course()));
  LUBAN_ASSIGN_OR_RETURN(auto workshop, ParsePeerName(kCourseService, "course run's workshop",
                                                      kWorkshops, run.workshop()));
  LUBAN_ASSIGN_OR_RETURN(auto status, RunStatusFromProto(run.status()));
  info.id = id;
  info.course_id = course;
  info.workshop_id = workshop;
  info.status = status;
  info.capacity = run.capacity();
  info.pass_score = run.pass_score();
  info.min_attendance_percent = run.min_attendance_percent();
  info.country = run.country_code();
  info.version = ParseEtag("etag", run.etag()).value_or(std::nullopt).value_or(0);
  return info;
}

absl::StatusOr<WorkshopInfo> WorkshopInfoFromProto(const pb::Workshop& workshop) {
  WorkshopInfo info;
  LUBAN_ASSIGN_OR_RETURN(info.owners, course::WorkshopFoundersFromProto(workshop));
  info.country = workshop.country_code();
  info.names = LocalizedFromProto(workshop.display_names());
  return info;
}

absl::StatusOr<InstitutionInfo> InstitutionInfoFromProto(const pb::Institution& institution) {
  InstitutionInfo info;
  LUBAN_ASSIGN_OR_RETURN(auto id, ParsePeerName(kCourseService, "institution name", kInstitutions,
                                                institution.name()));
  info.id = id;
  info.names = LocalizedFromProto(institution.display_names());
  return info;
}

absl::StatusOr<CourseInfo> CourseInfoFromProto(const pb::Course& course) {
  CourseInfo info;
  LUBAN_ASSIGN_OR_RETURN(auto id,
                         ParsePeerName(kCourseService, "course name", kCourses, course.name()));
  info.id = id;
  info.code = course.code();
  info.titles = LocalizedFromProto(course.titles());
  info.discipline = course.discipline();
  return info;
}

GrpcCourseDirectory::GrpcCourseDirectory(std::shared_ptr<grpc::Channel> channel, std::string token,
                                         GrpcCourseDirectoryOptions options)
    : stub_(pb::CourseService::NewStub(std::move(channel))),
      options_(std::move(options)),
      course_("the enrollment service", kCourseService, token, options_),
      workshops_(options_.cache_capacity, options_.cache_ttl),
      institutions_(options_.cache_capacity, options_.cache_ttl),
      courses_(options_.cache_capacity, options_.cache_ttl) {}

absl::StatusOr<RunInfo> GrpcCourseDirectory::GetRun(int64_t run_id, absl::Time deadline) {
  LUBAN_ASSIGN_OR_RETURN(auto run, course_.Get(*stub_, &pb::CourseService::Stub::GetCourseRun,
                                               kCourseRuns, run_id, deadline));
  return RunInfoFromProto(run);
}

absl::StatusOr<WorkshopInfo> GrpcCourseDirectory::GetWorkshop(int64_t workshop_id,
                                                              absl::Time deadline) {
  if (auto cached = workshops_.Get(workshop_id, options_.clock())) return *std::move(cached);
  LUBAN_ASSIGN_OR_RETURN(auto workshop, course_.Get(*stub_, &pb::CourseService::Stub::GetWorkshop,
                                                    kWorkshops, workshop_id, deadline));
  auto info = WorkshopInfoFromProto(workshop);
  if (info.ok()) workshops_.Put(workshop_id, *info, options_.clock());
  return info;
}

absl::StatusOr<InstitutionInfo> GrpcCourseDirectory::GetInstitution(int64_t institution_id,
                                                                    absl::Time deadline) {
  if (auto cached = institutions_.Get(institution_id, options_.clock())) {
    return *std::move(cached);
  }
  LUBAN_ASSIGN_OR_RETURN(
      auto institution, course_.Get(*stub_, &pb::CourseService::Stub::GetInstitution, kInstitutions,
                                    institution_id, deadline));
  auto info = InstitutionInfoFromProto(institution);
  if (info.ok()) institutions_.Put(institution_id, *info, options_.clock());
  return info;
}

absl::StatusOr<CourseInfo> GrpcCourseDirectory::GetCourse(int64_t course_id, absl::Time deadline) {
  if (auto cached = courses_.Get(course_id, options_.clock())) return *std::move(cached);
  LUBAN_ASSIGN_OR_RETURN(auto course, course_.Get(*stub_, &pb::CourseService::Stub::GetCourse,
                                                  kCourses, course_id, deadline));
  auto info = CourseInfoFromProto(course);
  if (info.ok()) courses_.Put(course_id, *info, options_.clock());
  return info;
}

}  // namespace luban::enrollment
