#include "tests/battery/battery_report.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace luban::testing {
namespace {

void Append(absl::string_view section, absl::string_view figure, nlohmann::json value) {
  const char* path = std::getenv("LUBAN_BATTERY_REPORT");
  if (path == nullptr || *path == '\0') return;
  nlohmann::json line;
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  line["suite"] = info != nullptr ? info->test_suite_name() : "";
  line["test"] = info != nullptr ? info->name() : "";
  line["section"] = std::string(section);
  line["figure"] = std::string(figure);
  line["value"] = std::move(value);
  const std::string text = line.dump() + "\n";
  const int fd = ::open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0) << "LUBAN_BATTERY_REPORT=" << path << " cannot be opened";
  const ssize_t written = ::write(fd, text.data(), text.size());
  ::close(fd);
  ASSERT_EQ(written, static_cast<ssize_t>(text.size())) << "short write to " << path;
}

}  // namespace

void RecordFigure(absl::string_view section, absl::string_view figure, int64_t value) {
  Append(section, figure, value);
}
void RecordFigure(absl::string_view section, absl::string_view figure, double value) {
  Append(section, figure, value);
}
void RecordFigure(absl::string_view section, absl::string_view figure, absl::string_view value) {
  Append(section, figure, std::string(value));
}

bool BatteryFull() {
  const char* full = std::getenv("LUBAN_BATTERY_FULL");
  return full != nullptr && std::string(full) == "1";
}

int BatteryScale(int reduced, int full) { return BatteryFull() ? full : reduced; }

}  // namespace luban::testing
