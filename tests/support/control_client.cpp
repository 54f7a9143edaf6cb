#include "support/control_client.hpp"

#include "support/child_process.hpp"

#include <stdexcept>

namespace agentcast::testing {

nlohmann::json post_control(const std::string& base_url, const std::string& name, const nlohmann::json& body) {
  std::string output;
  const int code = run_command({"curl", "-s", "-X", "POST", "--max-time", "10", "-H", "Content-Type: application/json",
                                "--data", body.dump(), base_url + "/_control/" + name},
                               &output);
  if (code != 0) throw std::runtime_error("emulator control " + name + " at " + base_url + " failed");
  return nlohmann::json::parse(output);
}

}  // namespace agentcast::testing
