#include "support/olv_emulator.hpp"

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
  std::string output;
  const int code =
      run_command({"curl", "-s", "-X", "POST", "--max-time", "10", "-H", "Content-Type: application/json", "--data",
                   body.dump(), "http://127.0.0.1:" + std::to_string(port_) + "/_control/" + name},
                  &output);
  if (code != 0) throw std::runtime_error("Open-LLM-VTuber emulator control " + name + " failed");
  return nlohmann::json::parse(output);
}

}  // namespace agentcast::testing
