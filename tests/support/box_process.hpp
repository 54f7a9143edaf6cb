#pragma once
// The box under test as a child process, the way an operator runs it, and how tests end it.
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>

namespace agentcast::testing {

// `agentcast run --config <dir>/<config>` with debug logging into <dir>/<log>, and
// `environment` ("NAME=value") added to its environment.
std::unique_ptr<ChildProcess> start_box(const TempDir& dir, const std::string& config = "agentcast.json",
                                        const std::string& log = "agentcast.log",
                                        const std::vector<std::string>& environment = {});

// SIGTERM, then the box must be gone with exit code 0 within 5 s (the interface contract);
// fails the current test otherwise.
void stop_box_gracefully(ChildProcess& box);

// `agentcast status --json --config <dir>/<config>`: its exit code and the object it printed
// (nullopt when the output was not one JSON object).
struct StatusJson {
  int exit_code = -1;
  std::optional<nlohmann::json> state;
  std::string output;
};
StatusJson status_json(const TempDir& dir, const std::string& config = "agentcast.json");

}  // namespace agentcast::testing
