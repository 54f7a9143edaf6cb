// `agentcast register` and `agentcast chat send`: one API call each, run on the main loop
// until it answers (bounded), with the credentials file handled as the contract says.
#include "app/commands.hpp"
#include "app/config_loading.hpp"
#include "app/one_shot_call.hpp"
#include "common/log.hpp"
#include "retake/base58.hpp"
#include "retake/credentials.hpp"

#include <glib.h>

#include <filesystem>
#include <iostream>
#include <map>
#include <optional>

namespace agentcast::app {
namespace {

// Flags of the form "--name VALUE"; anything else is collected as positional text.
struct Flags {
  std::map<std::string, std::string> values;
  std::vector<std::string> positional;
  bool force = false;
};

Flags parse_flags(const std::vector<std::string>& arguments, std::initializer_list<const char*> known) {
  Flags flags;
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    const std::string& arg = arguments[i];
    if (arg == "--force") {
      flags.force = true;
      continue;
    }
    if (arg.starts_with("--")) {
      bool is_known = false;
      for (const char* name : known) is_known = is_known || arg == name;
      if (!is_known) throw UsageError("unknown option " + arg);
      if (i + 1 >= arguments.size()) throw UsageError(arg + " needs a value");
      flags.values[arg] = arguments[++i];
      continue;
    }
    flags.positional.push_back(arg);
  }
  return flags;
}

}  // namespace

int register_command(const Command& command) {
  Flags flags;
  try {
    flags = parse_flags(command.arguments, {"--name", "--description", "--image-url", "--wallet"});
    for (const char* required : {"--name", "--description", "--image-url", "--wallet"}) {
      if (!flags.values.contains(required)) throw UsageError(std::string("register needs ") + required);
    }
    if (!flags.positional.empty()) throw UsageError("unexpected argument: " + flags.positional.front());
  } catch (const UsageError& error) {
    std::cerr << "agentcast: " << error.what() << "\n\n" << usage_text();
    return kExitUsage;
  }
  return with_config_errors([&] {
    const LoadedConfig loaded = load_config(command);
    const std::string& path = loaded.config.platform.credentials;
    if (!retake::is_solana_address(flags.values["--wallet"])) {
      log::error("--wallet: not a Solana public key (base58 text of 32 bytes)");
      return static_cast<int>(kExitUsage);
    }
    if (std::filesystem::exists(path) && !flags.force) {
      log::error(path, ": credentials already exist; pass --force to replace them");
      return static_cast<int>(kExitUsage);
    }
    ApiSession session(loaded.config);
    const auto result = wait_for<retake::RegisterResult>([&](auto done) {
      session.client.register_agent(flags.values["--name"], flags.values["--description"], flags.values["--image-url"],
                                    flags.values["--wallet"], std::move(done));
    });
    if (!result || !result->ok()) {
      log::error("registration failed: ", result ? result->error.message : "no answer in time",
                 "; stored credentials are unchanged");
      return static_cast<int>(kExitFailure);
    }
    const auto& registered = *result->value;
    retake::Credentials credentials{registered.access_token, flags.values["--name"],    registered.agent_id,
                                    registered.user_db_id,   registered.wallet_address, registered.token_address,
                                    registered.token_ticker};
    if (credentials.wallet_address.empty()) credentials.wallet_address = flags.values["--wallet"];
    retake::save_credentials(path, credentials);
    std::cout << "registered " << credentials.agent_name << " (userDbId " << credentials.user_db_id
              << "); credentials written to " << path << "\n";
    return static_cast<int>(kExitOk);
  });
}

int chat_send_command(const Command& command) {
  Flags flags;
  try {
    flags = parse_flags(command.arguments, {"--to"});
    if (flags.positional.size() != 1 || flags.positional.front().empty()) throw UsageError("chat send needs one TEXT");
  } catch (const UsageError& error) {
    std::cerr << "agentcast: " << error.what() << "\n\n" << usage_text();
    return kExitUsage;
  }
  return with_config_errors([&] {
    const LoadedConfig loaded = load_config(command);
    const auto credentials = load_credentials_or_explain(loaded.config);
    if (!credentials) return static_cast<int>(kExitCredentials);
    ApiSession session(loaded.config);
    session.client.set_access_token(credentials->access_token);
    const std::string destination = flags.values.contains("--to") ? flags.values["--to"] : credentials->user_db_id;
    const auto result = wait_for<retake::Sent>(
        [&](auto done) { session.client.send_chat(flags.positional.front(), destination, std::move(done)); });
    if (!result || !result->ok()) {
      log::error("chat send failed: ", result ? result->error.message : "no answer in time");
      return static_cast<int>(result && result->error.kind == retake::ApiError::Kind::unauthorized ? kExitCredentials
                                                                                                   : kExitFailure);
    }
    std::cout << "sent\n";
    return static_cast<int>(kExitOk);
  });
}

}  // namespace agentcast::app
