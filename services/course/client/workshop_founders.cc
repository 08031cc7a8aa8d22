#include "services/course/client/workshop_founders.h"

#include "common/client/peer_call.h"
#include "common/domain/status_macros.h"

namespace luban::course {

absl::StatusOr<WorkshopFounders> WorkshopFoundersFromProto(const v1::Workshop& workshop) {
  constexpr char kCourseService[] = "the course service";
  using client::ParsePeerName;
  WorkshopFounders founders;
  LUBAN_ASSIGN_OR_RETURN(founders.workshop_id, ParsePeerName(kCourseService, "workshop name",
                                                             "workshops", workshop.name()));
  LUBAN_ASSIGN_OR_RETURN(founders.chinese_institution_id,
                         ParsePeerName(kCourseService, "workshop's chinese_institution",
                                       "institutions", workshop.chinese_institution()));
  LUBAN_ASSIGN_OR_RETURN(founders.partner_institution_id,
                         ParsePeerName(kCourseService, "workshop's partner_institution",
                                       "institutions", workshop.partner_institution()));
  return founders;
}

}  // namespace luban::course
