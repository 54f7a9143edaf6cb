#include "app/config_loading.hpp"

namespace agentcast::app {

LoadedConfig load_config(const Command& command) {
  const std::string path = command.config_path.value_or(kDefaultConfigPath);
  if (!command.config_path && !std::filesystem::exists(path)) {
    return {config::Config{}, "built-in defaults (" + path + " does not exist)", std::nullopt};
  }
  return {config::load_file(path), path, std::filesystem::absolute(path).parent_path()};
}

std::optional<retake::Credentials> load_credentials_or_explain(const config::Config& config) {
  auto credentials = retake::load_credentials(config.platform.credentials);
  if (!credentials) {
    log::error(
        "no retake.tv credentials at ", config.platform.credentials,
        ": register first with agentcast register --name NAME --description TEXT --image-url URL --wallet BASE58");
  }
  return credentials;
}

}  // namespace agentcast::app
