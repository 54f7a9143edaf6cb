#include "support/olv_emulator.hpp"

#include "support/control_client.hpp"

#include <stdexcept>

namespace agentcast::testing {

OlvEmulator::OlvEmulator(const TempDir& dir) : port_(free_loopback_port()) {
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"python3", std::string(AGENTCAST_TESTS_DIR) + "/emulators/olv_emulator.py", "--port",
                               std::to_string(port_)},
      dir.file("olv-emulator.log"));
  if (!wait_for_port(port_, 10000))
    throw std::runtime_error("the Open-LLM-VTuber emulator did not start: " + dir.read("olv-emulator.log"));
}

nlohmann::json OlvEmulator::control(const std::string& name, const nlohmann::json& body) const {
  return post_control("http://127.0.0.1:" + std::to_string(port_), name, body);
}

}  // namespace agentcast::testing
