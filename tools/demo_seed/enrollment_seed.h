// The enrollment part of luban-demo-seed: demo trainees of the four operating workshops, their
// enrollments in the open demo runs (one run filled beyond capacity, one withdrawal that promotes
// the first waitlisted) and, in a run started for the purpose, one pass with a certificate and
// one fail.
#ifndef LUBAN_TOOLS_DEMO_SEED_ENROLLMENT_SEED_H_
#define LUBAN_TOOLS_DEMO_SEED_ENROLLMENT_SEED_H_

#include <memory>
#include <string>

#include "grpcpp/channel.h"
#include "tools/demo_seed/demo_network.h"

namespace luban::demo_seed {

// Loads the enrollment demo through the enrollment service's API (and starts one run through the
// course service's) with `token`, a network admin's. Every call carries a fixed request_id: run
// again, it changes nothing. Records the trainees in `network.trainees`. Prints a summary and the
// demo certificate's number; exits on error.
void SeedEnrollments(const std::shared_ptr<grpc::Channel>& course,
                     const std::shared_ptr<grpc::Channel>& enrollment, const std::string& token,
                     DemoNetwork& network);

}  // namespace luban::demo_seed

#endif  // LUBAN_TOOLS_DEMO_SEED_ENROLLMENT_SEED_H_
