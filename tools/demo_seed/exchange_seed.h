// The exchange part of luban-demo-seed: programmes between the demo Chinese colleges and their
// partners (a teacher training filled to its quota, a trainee study visit, a skills competition),
// opened, and mobilities through them: teachers nominated, approved, departed, returned and one
// rejected; Kazakh trainees nominated for the study visit.
#ifndef LUBAN_TOOLS_DEMO_SEED_EXCHANGE_SEED_H_
#define LUBAN_TOOLS_DEMO_SEED_EXCHANGE_SEED_H_

#include <memory>
#include <string>

#include "grpcpp/channel.h"
#include "tools/demo_seed/demo_network.h"

namespace luban::demo_seed {

// Loads the exchange demo through the exchange service's API with `token`, a network admin's.
// Needs the institutions of the course part and the trainees of the enrollment part in `network`.
// Every call carries a fixed request_id: run again, it changes nothing. Prints a summary; exits on
// error.
void SeedExchange(const std::shared_ptr<grpc::Channel>& exchange, const std::string& token,
                  const DemoNetwork& network);

}  // namespace luban::demo_seed

#endif  // LUBAN_TOOLS_DEMO_SEED_EXCHANGE_SEED_H_
