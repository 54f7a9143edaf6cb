#include "app/config_loading.hpp"

#include <cstdlib>

namespace agentcast::app {

LoadedConfig load_config(const Command& command) {
  const std::string path = command.config_path.value_or(kDefaultConfigPath);
  if (!command.config_path && !std::filesystem::exists(path)) {
    return {config::Config{}, "built-in defaults (" + path + " does not exist)", std::nullopt};
  }
  return {config::load_file(path), path, std::filesystem::absolute(path).parent_path()};
}

std::optional<retake::Account> load_account_or_explain(const config::Config& config) {
  const std::string& path = config.platform.credentials;
  auto credentials = retake::load_credentials(path);
  if (!credentials) {
    log::error("no retake.tv credentials at ", path,
               ": register first with agentcast register --name NAME --description TEXT --image-url URL --wallet "
               "BASE58 --ticker SYMBOL");
    return std::nullopt;
  }
  retake::AccessToken token = retake::choose_access_token(*credentials, path, std::getenv(retake::kTokenVariable));
  if (token.origin == retake::kTokenVariable)
    log::info("access token from ", retake::kTokenVariable, " (not ", path, ")");
  return retake::Account{std::move(*credentials), std::move(token)};
}

}  // namespace agentcast::app
