#pragma once
// What every command does first: load the config (or the built-in defaults), and turn the
// errors of preparation into the contract's exit codes with one clear log line.
#include "app/cli.hpp"
#include "board/board_description.hpp"
#include "common/log.hpp"
#include "config/config.hpp"
#include "net/tls_trust.hpp"
#include "pipeline/encoder_selection.hpp"
#include "pipeline/pipeline_template.hpp"
#include "retake/credentials.hpp"
#include "status/status_file.hpp"

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

// The stored credentials and the token in force (RETAKE_ACCESS_TOKEN first), or nullopt after
// logging how to register (no file). What is wrong with either throws CredentialsError.
std::optional<retake::Account> load_account_or_explain(const config::Config& config);

template <typename Body>
int with_config_errors(Body&& body) {
  try {
    return body();
  } catch (const config::ConfigError& error) {
    log::error(error.what());
    return kExitUsage;
  } catch (const pipeline::EncoderError& error) {
    log::error(error.what());
    return kExitUsage;
  } catch (const board::BoardError& error) {
    log::error(error.what());
    return kExitUsage;
  } catch (const net::TlsTrustError& error) {
    log::error(error.what());
    return kExitUsage;
  } catch (const retake::CredentialsError& error) {
    log::error(error.what());
    return kExitCredentials;
  } catch (const pipeline::TemplateError& error) {
    log::error(error.what());
    return kExitFailure;
  } catch (const status::StatusFileInUse& error) {
    log::error(error.what());
    return kExitFailure;
  }
}

}  // namespace agentcast::app
