// The answers the benchmark's ceilings send: as large as the real service's answers to a network
// admin (every field filled), built once.
#ifndef LUBAN_TOOLS_BENCH_SAMPLES_H_
#define LUBAN_TOOLS_BENCH_SAMPLES_H_

#include <vector>

#include "luban/enrollment/v1/enrollment.pb.h"

namespace luban::bench {

const luban::enrollment::v1::Trainee& SampleTrainee();
const luban::enrollment::v1::Enrollment& SampleEnrollment();
// The answer to a ListEnrollments of `page_size` (0: the default 50; at most 1000).
luban::enrollment::v1::ListEnrollmentsResponse SamplePage(int page_size);

}  // namespace luban::bench

#endif  // LUBAN_TOOLS_BENCH_SAMPLES_H_
