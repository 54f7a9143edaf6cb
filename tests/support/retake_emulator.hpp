#pragma once
// The retake.tv emulator (tests/emulators/retake_emulator.py) as a child process on a free
// loopback port, with helpers for its control endpoints.
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>

namespace agentcast::testing {

class RetakeEmulator {
 public:
  explicit RetakeEmulator(const TempDir& dir, const std::string& rtmp_base = "rtmp://127.0.0.1:1935/live",
                          int port = 0);
  int port() const { return port_; }

  std::string api_base() const { return base() + "/api/v1"; }
  std::string skill_url() const { return base() + "/skill.json"; }
  std::string socketio_url() const { return "ws://127.0.0.1:" + std::to_string(port_) + "/socket.io/"; }
  // POST to a /_control/ endpoint; returns the JSON answer.
  nlohmann::json control(const std::string& name, const nlohmann::json& body = nlohmann::json::object()) const;
  nlohmann::json log() const { return control("log"); }
  // Requests in the log for one API path ("/agent/register").
  int count(const std::string& path) const;

 private:
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace agentcast::testing
