#pragma once
// Waiting on what a running box publishes in its status file (status.file), the observable
// state integration tests wait on instead of sleeping or reading log wording.
#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace agentcast::testing {

// The status file's JSON, or nullopt while it does not exist (it is replaced atomically, so
// it is never half written).
std::optional<nlohmann::json> read_box_status(const std::string& path);

// Polls (every 50 ms, bounded by `timeout`) until `holds` accepts the status; returns the last
// status seen (nullopt if there never was one) and whether it held.
struct StatusWait {
  bool held = false;
  std::optional<nlohmann::json> last;
  std::string describe() const { return last ? last->dump() : "(no status file)"; }
};
StatusWait wait_for_box_status(const std::string& path, const std::function<bool(const nlohmann::json&)>& holds,
                               std::chrono::milliseconds timeout);

}  // namespace agentcast::testing
