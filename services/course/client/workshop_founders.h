// What the other services read of the course service's answers, in one place: the founders of a
// workshop (GetWorkshop), which the enrollment and exchange services copy onto their rows.
#ifndef LUBAN_SERVICES_COURSE_CLIENT_WORKSHOP_FOUNDERS_H_
#define LUBAN_SERVICES_COURSE_CLIENT_WORKSHOP_FOUNDERS_H_

#include "absl/status/statusor.h"
#include "common/domain/types.h"
#include "luban/course/v1/course.pb.h"

namespace luban::course {

// The workshop's id and its two founding colleges' ids. A name that does not parse is the
// course service breaking its contract: INTERNAL naming the field (client::ParsePeerName).
absl::StatusOr<WorkshopFounders> WorkshopFoundersFromProto(const v1::Workshop& workshop);

}  // namespace luban::course

#endif  // LUBAN_SERVICES_COURSE_CLIENT_WORKSHOP_FOUNDERS_H_
