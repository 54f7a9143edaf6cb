#pragma once
// The command line of the interface contract (docs/product.md).
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace agentcast::app {

inline constexpr const char* kDefaultConfigPath = "/etc/agentcast/agentcast.json";

enum ExitCode : int { kExitOk = 0, kExitFailure = 1, kExitUsage = 2, kExitCredentials = 3 };

struct Command {
  enum class Kind { run, probe, status, chat_send, agent_interrupt, register_agent, verify, version, help };
  Kind kind = Kind::help;
  std::optional<std::string> config_path;  // --config; unset means the default path
  std::vector<std::string> arguments;      // what follows the command (chat text, register/verify flags)
  bool json_output = false;                // status --json
};

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

Command parse_command_line(const std::vector<std::string>& args);  // args without argv[0]

const char* usage_text();

}  // namespace agentcast::app
