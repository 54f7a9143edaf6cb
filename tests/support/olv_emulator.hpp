#pragma once
// The Open-LLM-VTuber /proxy-ws emulator (tests/emulators/olv_emulator.py) as a child process
// on a free loopback port, with its control endpoints.
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>

namespace agentcast::testing {

class OlvEmulator {
 public:
  explicit OlvEmulator(const TempDir& dir);
  std::string url() const { return "ws://127.0.0.1:" + std::to_string(port_) + "/proxy-ws"; }
  nlohmann::json control(const std::string& name, const nlohmann::json& body = nlohmann::json::object()) const;

 private:
  int port_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace agentcast::testing
