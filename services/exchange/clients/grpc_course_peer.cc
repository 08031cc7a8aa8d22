#include "services/exchange/clients/grpc_course_peer.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/domain/status_macros.h"
#include "services/course/client/workshop_founders.h"

namespace luban::exchange {
namespace {

namespace pb = ::luban::course::v1;

using ::luban::client::ParsePeerName;

constexpr char kCourseService[] = "the course service";
// The course service's collection of workshops (the exchange domain names none of its own).
constexpr char kCourseWorkshops[] = "workshops";

absl::StatusOr<InstitutionInfo> InstitutionFromProto(const pb::Institution& institution) {
  LUBAN_ASSIGN_OR_RETURN(auto id, ParsePeerName(kCourseService, "institution name", kInstitutions,
                                                institution.name()));
  InstitutionInfo info;
  info.id = id;
  switch (institution.kind()) {
    case pb::INSTITUTION_KIND_CHINESE_COLLEGE:
      info.kind = InstitutionKind::kChineseCollege;
      break;
    case pb::INSTITUTION_KIND_LOCAL_PARTNER:
      info.kind = InstitutionKind::kLocalPartner;
      break;
    default:
      return absl::InternalError(
          absl::StrCat("the course service answered with an unknown institution kind ",
                       static_cast<int>(institution.kind()), " for ", institution.name()));
  }
  info.country = institution.country_code();
  return info;
}

}  // namespace

GrpcCoursePeer::GrpcCoursePeer(std::shared_ptr<grpc::Channel> channel, std::string token,
                               GrpcCoursePeerOptions options)
    : stub_(pb::CourseService::NewStub(std::move(channel))),
      options_(std::move(options)),
      course_("the exchange service", kCourseService, token, options_),
      institutions_(options_.cache_capacity, options_.cache_ttl),
      founders_(options_.cache_capacity, options_.cache_ttl) {}

absl::StatusOr<InstitutionInfo> GrpcCoursePeer::GetInstitution(int64_t id, absl::Time deadline) {
  if (auto cached = institutions_.Get(id, options_.clock())) return *std::move(cached);
  LUBAN_ASSIGN_OR_RETURN(
      auto institution,
      course_.Get(*stub_, &pb::CourseService::Stub::GetInstitution, kInstitutions, id, deadline));
  auto info = InstitutionFromProto(institution);
  if (info.ok()) institutions_.Put(id, *info, options_.clock());
  return info;
}

absl::Status GrpcCoursePeer::CheckCourseRunExists(int64_t id, absl::Time deadline) {
  return course_.Get(*stub_, &pb::CourseService::Stub::GetCourseRun, kCourseRuns, id, deadline)
      .status();
}

absl::StatusOr<int64_t> GrpcCoursePeer::GetCourseRunWorkshop(int64_t id, absl::Time deadline) {
  LUBAN_ASSIGN_OR_RETURN(auto run, course_.Get(*stub_, &pb::CourseService::Stub::GetCourseRun,
                                               kCourseRuns, id, deadline));
  return ParsePeerName(kCourseService, "course run's workshop", kCourseWorkshops, run.workshop());
}

absl::Status GrpcCoursePeer::CheckCourseExists(int64_t id, absl::Time deadline) {
  return course_.Get(*stub_, &pb::CourseService::Stub::GetCourse, kCourses, id, deadline).status();
}

absl::StatusOr<WorkshopFounders> GrpcCoursePeer::GetWorkshopFounders(int64_t workshop_id,
                                                                     absl::Time deadline) {
  if (auto cached = founders_.Get(workshop_id, options_.clock())) return *std::move(cached);
  LUBAN_ASSIGN_OR_RETURN(auto workshop, course_.Get(*stub_, &pb::CourseService::Stub::GetWorkshop,
                                                    kCourseWorkshops, workshop_id, deadline));
  auto founders = course::WorkshopFoundersFromProto(workshop);
  if (founders.ok()) founders_.Put(workshop_id, *founders, options_.clock());
  return founders;
}

}  // namespace luban::exchange
