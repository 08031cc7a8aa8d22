// What the parts of luban-demo-seed created, by the demo's keys, for the parts that follow.
#ifndef LUBAN_TOOLS_DEMO_SEED_DEMO_NETWORK_H_
#define LUBAN_TOOLS_DEMO_SEED_DEMO_NETWORK_H_

#include <map>
#include <string>

namespace luban::demo_seed {

struct DemoNetwork {
  // Course part: "ttu" → "institutions/{id}".
  std::map<std::string, std::string> institutions;
  // Course part: "tj" → "workshops/{id}".
  std::map<std::string, std::string> workshops;
  // Course part: "tj-srv-2026" → "courseRuns/{id}".
  std::map<std::string, std::string> runs;
  // Enrollment part: "kz01" → "trainees/{id}".
  std::map<std::string, std::string> trainees;
};

}  // namespace luban::demo_seed

#endif  // LUBAN_TOOLS_DEMO_SEED_DEMO_NETWORK_H_
