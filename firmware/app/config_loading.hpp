#pragma once
// What every command does first: load the config (or the built-in defaults), and turn the
// errors of preparation into the contract's exit codes with one clear log line.
#include "app/cli.hpp"
#include "app/status_file.hpp"
#include "board/board_description.hpp"
#include "common/log.hpp"
#include "config/config.hpp"
#include "media/encoder_selection.hpp"
#include "media/pipeline_template.hpp"
#include "media/tls_trust.hpp"
#include "platform/credentials.hpp"

#include <filesystem>
#include <optional>
#include <string>

namespace agentcast::app {

struct LoadedConfig {
  config::Config config;
  std::string origin;  // the file, or "built-in defaults (...)"
  std::optional<std::filesystem::path> directory;
};

// An explicit --config must exist; the default path may be absent (then built-in defaults).
LoadedConfig load_config(const Command& command);

// The credentials, or nullopt after logging how to register (missing) or what is wrong.
std::optional<platform::Credentials> load_credentials_or_explain(const config::Config& config);

template <typename Body>
int with_config_errors(Body&& body) {
  try {
    return body();
  } catch (const config::ConfigError& error) {
    log::error(error.what());
    return kExitUsage;
  } catch (const media::EncoderError& error) {
    log::error(error.what());
    return kExitUsage;
  } catch (const board::BoardError& error) {
    log::error(error.what());
    return kExitUsage;
  } catch (const media::TlsTrustError& error) {
    log::error(error.what());
    return kExitUsage;
  } catch (const platform::CredentialsError& error) {
    log::error(error.what());
    return kExitCredentials;
  } catch (const media::TemplateError& error) {
    log::error(error.what());
    return kExitFailure;
  } catch (const StatusFileInUse& error) {
    log::error(error.what());
    return kExitFailure;
  }
}

}  // namespace agentcast::app
