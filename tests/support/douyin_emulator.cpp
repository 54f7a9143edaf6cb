#include "support/douyin_emulator.hpp"

#include "support/control_client.hpp"

#include <stdexcept>

namespace agentcast::testing {

// Debian's python3 on purpose: the emulator needs python3-protobuf, which a python3 from
// elsewhere (pyenv) earlier on PATH would not see.
DouyinEmulator::DouyinEmulator(const TempDir& dir, const std::string& room_id)
    : room_id_(room_id), port_(free_loopback_port()) {
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"/usr/bin/python3", std::string(AGENTCAST_TESTS_DIR) + "/emulators/douyin_emulator.py",
                               "--port", std::to_string(port_), "--room-id", room_id_},
      dir.file("douyin-emulator.log"));
  if (!wait_for_port(port_, 15000))
    throw std::runtime_error("the Douyin emulator did not start: " + dir.read("douyin-emulator.log"));
}

nlohmann::json DouyinEmulator::sign() const {
  std::string output;
  if (run_command({"curl", "-s", "--max-time", "10", signer_url() + "?room_id=" + room_id_}, &output) != 0)
    throw std::runtime_error("the Douyin emulator's signer did not answer");
  return nlohmann::json::parse(output);
}

nlohmann::json DouyinEmulator::control(const std::string& name, const nlohmann::json& body) const {
  return post_control(base(), name, body);
}

std::vector<std::string> DouyinEmulator::push(const nlohmann::json& events) const {
  return control("events", {{"events", events}}).at("ids").get<std::vector<std::string>>();
}

}  // namespace agentcast::testing
