#include "support/retake_emulator.hpp"

#include "support/control_client.hpp"

#include <stdexcept>

namespace agentcast::testing {

RetakeEmulator::RetakeEmulator(const TempDir& dir, const std::string& rtmp_base, int port)
    : port_(port != 0 ? port : free_loopback_port()) {
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"python3", std::string(AGENTCAST_TESTS_DIR) + "/emulators/retake_emulator.py", "--port",
                               std::to_string(port_), "--rtmp-base", rtmp_base},
      dir.file("retake-emulator.log"));
  if (!wait_for_port(port_, 10000))
    throw std::runtime_error("the retake emulator did not start: " + dir.read("retake-emulator.log"));
}

nlohmann::json RetakeEmulator::control(const std::string& name, const nlohmann::json& body) const {
  return post_control(base(), name, body);
}

int RetakeEmulator::count(const std::string& path) const {
  int n = 0;
  for (const auto& entry : log()) n += entry.at("path") == path ? 1 : 0;
  return n;
}

}  // namespace agentcast::testing
