// The enrollment part of luban-demo-seed: demo trainees of the four operating workshops, their
// enrollments in the open demo runs (one run filled beyond capacity, one withdrawal that promotes
// the first waitlisted) and, in a run started for the purpose, one pass with a certificate and
// one fail.
#ifndef LUBAN_TOOLS_DEMO_SEED_ENROLLMENT_SEED_H_
#define LUBAN_TOOLS_DEMO_SEED_ENROLLMENT_SEED_H_

#include <map>
#include <memory>
#include <string>

#include "grpcpp/channel.h"

namespace luban::demo_seed {

// What the course part created, by the demo's keys.
struct DemoNetwork {
  // "tj" → "workshops/{id}".
  std::map<std::string, std::string> workshops;
  // "tj-srv-2026" → "courseRuns/{id}".
  std::map<std::string, std::string> runs;
};

// Loads the enrollment demo through the enrollment service's API (and starts one run through the
// course service's) with `token`, a network admin's. Every call carries a fixed request_id: run
// again, it changes nothing. Prints a summary and the demo certificate's number; exits on error.
void SeedEnrollments(const std::shared_ptr<grpc::Channel>& course,
                     const std::shared_ptr<grpc::Channel>& enrollment, const std::string& token,
                     const DemoNetwork& network);

}  // namespace luban::demo_seed

#endif  // LUBAN_TOOLS_DEMO_SEED_ENROLLMENT_SEED_H_
