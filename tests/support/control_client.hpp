#pragma once
// The control endpoints of the emulators: POST <base>/_control/<name> with a JSON body, the
// JSON answer back; throws when the emulator does not answer.
#include <nlohmann/json.hpp>

#include <string>

namespace agentcast::testing {

nlohmann::json post_control(const std::string& base_url, const std::string& name, const nlohmann::json& body);

}  // namespace agentcast::testing
