#pragma once
// The Douyin push emulator (tests/emulators/douyin_emulator.py) as a child process on a free
// loopback port, with its signer and control endpoints.
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

namespace agentcast::testing {

class DouyinEmulator {
 public:
  explicit DouyinEmulator(const TempDir& dir, const std::string& room_id = "7392091211001140287");
  const std::string& room_id() const { return room_id_; }
  std::string signer_url() const { return base() + "/sign"; }
  // A freshly signed push URL and its cookie, as the owner would paste them into the config.
  nlohmann::json sign() const;
  // POST to a /_control/ endpoint; returns the JSON answer.
  nlohmann::json control(const std::string& name, const nlohmann::json& body = nlohmann::json::object()) const;
  // Pushes these events (see the emulator's docstring) to every socket; returns their ids.
  std::vector<std::string> push(const nlohmann::json& events) const;

 private:
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string room_id_;
  int port_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace agentcast::testing
