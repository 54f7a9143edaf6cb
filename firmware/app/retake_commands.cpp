// `agentcast register`, `agentcast verify` and `agentcast chat send`: a few API calls each, run
// on the main loop until they answer (bounded), with the credentials file handled as the
// contract says. What the owner typed is checked before anything is sent.
#include "app/commands.hpp"
#include "app/config_loading.hpp"
#include "app/one_shot_call.hpp"
#include "common/log.hpp"
#include "common/untrusted_text.hpp"
#include "retake/base58.hpp"
#include "retake/credentials.hpp"
#include "retake/owner_input.hpp"

#include <glib.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <set>

namespace agentcast::app {
namespace {

// Options of the form "--name VALUE" or switches ("--force"); anything else is positional.
struct Flags {
  std::map<std::string, std::string> values;
  std::set<std::string> switches;
  std::vector<std::string> positional;
  bool has(const std::string& name) const { return values.contains(name) || switches.contains(name); }
};

Flags parse_flags(const std::vector<std::string>& arguments, std::initializer_list<const char*> with_value,
                  std::initializer_list<const char*> switches = {}) {
  const auto is_one_of = [](const std::string& arg, std::initializer_list<const char*> names) {
    return std::any_of(names.begin(), names.end(), [&](const char* name) { return arg == name; });
  };
  Flags flags;
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    const std::string& arg = arguments[i];
    if (is_one_of(arg, switches)) {
      flags.switches.insert(arg);
    } else if (is_one_of(arg, with_value)) {
      if (i + 1 >= arguments.size()) throw UsageError(arg + " needs a value");
      flags.values[arg] = arguments[++i];
    } else if (arg.starts_with("--")) {
      throw UsageError("unknown option " + arg);
    } else {
      flags.positional.push_back(arg);
    }
  }
  return flags;
}

// Parses the flags, or says what is wrong with the usage and returns nullopt.
template <typename Parse>
std::optional<Flags> flags_or_usage(Parse&& parse) {
  try {
    return parse();
  } catch (const UsageError& error) {
    std::cerr << "agentcast: " << error.what() << "\n\n" << usage_text();
    return std::nullopt;
  }
}

// Exit code for a failed call: 3 when the token was rejected, 1 otherwise.
int exit_code_of(const retake::ApiError& error) {
  return error.kind == retake::ApiError::Kind::unauthorized ? kExitCredentials : kExitFailure;
}

// An API session whose client carries the account's token (RETAKE_ACCESS_TOKEN first).
struct SignedIn {
  SignedIn(retake::Account signed_in_as, const config::Config& config)
      : account(std::move(signed_in_as)), session(config) {
    session.client.set_access_token(account.token.value);
  }
  retake::Account account;
  ApiSession session;  // not movable: the client refers to the session's HTTP client
};

// Runs `body` with the config's account signed in; exit 3 after saying why there is none.
template <typename Body>
int with_account(const Command& command, Body&& body) {
  return with_config_errors([&] {
    const LoadedConfig loaded = load_config(command);
    auto account = load_account_or_explain(loaded.config);
    if (!account) return static_cast<int>(kExitCredentials);
    SignedIn signed_in(std::move(*account), loaded.config);
    return body(signed_in);
  });
}

}  // namespace

int register_command(const Command& command) {
  const auto flags = flags_or_usage([&] {
    Flags parsed =
        parse_flags(command.arguments, {"--name", "--description", "--image-url", "--wallet", "--ticker"}, {"--force"});
    for (const char* required : {"--name", "--description", "--image-url", "--wallet", "--ticker"}) {
      if (!parsed.has(required)) throw UsageError(std::string("register needs ") + required);
    }
    if (!parsed.positional.empty()) throw UsageError("unexpected argument: " + parsed.positional.front());
    if (const auto problem = retake::ticker_problem(parsed.values["--ticker"])) throw UsageError(*problem);
    return parsed;
  });
  if (!flags) return kExitUsage;
  const auto value = [&](const char* name) { return flags->values.at(name); };
  return with_config_errors([&] {
    const LoadedConfig loaded = load_config(command);
    const std::string& path = loaded.config.platform.credentials;
    if (!retake::is_solana_address(value("--wallet"))) {
      log::error("--wallet: not a Solana public key (base58 text of 32 bytes)");
      return static_cast<int>(kExitUsage);
    }
    if (std::filesystem::exists(path) && !flags->has("--force")) {
      log::error(path, ": credentials already exist; pass --force to replace them");
      return static_cast<int>(kExitUsage);
    }
    ApiSession session(loaded.config);
    const auto result = wait_for<retake::RegisterResult>([&](auto done) {
      session.client.register_agent(value("--name"), value("--description"), value("--image-url"), value("--wallet"),
                                    value("--ticker"), std::move(done));
    });
    if (!result || !result->ok()) {
      log::error("registration failed: ", result ? result->error.message : "no answer in time",
                 "; stored credentials are unchanged");
      return static_cast<int>(kExitFailure);
    }
    const auto& registered = *result->value;
    retake::Credentials credentials{registered.access_token, value("--name"),           registered.agent_id,
                                    registered.user_db_id,   registered.wallet_address, registered.token_address,
                                    registered.token_ticker, value("--ticker")};
    if (credentials.wallet_address.empty()) credentials.wallet_address = value("--wallet");
    retake::save_credentials(path, credentials);
    std::cout << "registered " << credentials.agent_name << " (userDbId " << credentials.user_db_id
              << "); credentials written to " << path << "\n"
              << "next: verify the agent through its owner's Twitter/X account: agentcast verify\n";
    return static_cast<int>(kExitOk);
  });
}

namespace {

int print_verification_message(retake::RetakeClient& client) {
  const auto result = wait_for<std::string>([&](auto done) { client.prepare_verify(std::move(done)); });
  if (!result || !result->ok()) {
    log::error("prepare-verify failed: ", result ? result->error.message : "no answer in time");
    return result ? exit_code_of(result->error) : static_cast<int>(kExitFailure);
  }
  std::cout << "Post this exact text as a tweet from the owner's Twitter/X account:\n\n    "
            << sanitize_line(*result->value, 1000) << "\n\n"
            << "Then hand the tweet's URL to the box:\n\n"
            << "    agentcast verify --tweet-url https://x.com/<you>/status/<number>\n\n"
            << "A running box checks every minute and goes live by itself once the agent is verified.\n";
  return kExitOk;
}

int submit_tweet(retake::RetakeClient& client, const std::string& typed_url) {
  const auto url = retake::tweet_status_url(typed_url);
  if (!url) {
    log::error("--tweet-url: not the URL of a tweet; expected https://x.com/<user>/status/<number> (or twitter.com)");
    return kExitUsage;
  }
  const auto result = wait_for<bool>([&](auto done) { client.verify(*url, std::move(done)); });
  if (!result) {
    log::error("verify: no answer in time; run agentcast verify --status to see whether it went through");
    return kExitFailure;
  }
  if (!result->ok()) {
    if (result->error.kind == retake::ApiError::Kind::bad_request) {
      log::error("the platform refused the verification (", result->error.message,
                 "): ", retake::verify_refusal_hint(result->error.message));
      return kExitFailure;
    }
    log::error("verify failed: ", result->error.message);
    return exit_code_of(result->error);
  }
  if (!*result->value) {
    log::error("the platform answered: not verified; ", retake::verify_refusal_hint(""));
    return kExitFailure;
  }
  std::cout << "verified: the agent may stream now; a running box goes live within a minute\n";
  return kExitOk;
}

int print_verification_status(retake::RetakeClient& client) {
  const auto result = wait_for<bool>([&](auto done) { client.verification_status(std::move(done)); });
  if (!result || !result->ok()) {
    log::error("verification-status failed: ", result ? result->error.message : "no answer in time");
    return result ? exit_code_of(result->error) : static_cast<int>(kExitFailure);
  }
  if (*result->value) {
    std::cout << "verified\n";
  } else {
    std::cout << "not verified: run agentcast verify, post the message it prints on Twitter/X, then agentcast verify "
                 "--tweet-url URL\n";
  }
  return kExitOk;
}

}  // namespace

int verify_command(const Command& command) {
  const auto flags = flags_or_usage([&] {
    Flags parsed = parse_flags(command.arguments, {"--tweet-url"}, {"--status"});
    if (!parsed.positional.empty()) throw UsageError("unexpected argument: " + parsed.positional.front());
    if (parsed.has("--tweet-url") && parsed.has("--status")) {
      throw UsageError("verify takes --tweet-url or --status, not both");
    }
    return parsed;
  });
  if (!flags) return kExitUsage;
  return with_account(command, [&](SignedIn& signed_in) {
    retake::RetakeClient& client = signed_in.session.client;
    if (flags->has("--status")) return print_verification_status(client);
    if (flags->has("--tweet-url")) return submit_tweet(client, flags->values.at("--tweet-url"));
    return print_verification_message(client);
  });
}

int chat_send_command(const Command& command) {
  const auto flags = flags_or_usage([&] {
    Flags parsed = parse_flags(command.arguments, {"--to", "--to-name"});
    if (parsed.positional.size() != 1 || parsed.positional.front().empty())
      throw UsageError("chat send needs one TEXT");
    if (parsed.has("--to") && parsed.has("--to-name")) throw UsageError("chat send takes --to or --to-name, not both");
    return parsed;
  });
  if (!flags) return kExitUsage;
  return with_account(command, [&](SignedIn& signed_in) {
    retake::RetakeClient& client = signed_in.session.client;
    std::string destination = signed_in.account.stored.user_db_id;
    if (flags->has("--to")) destination = flags->values.at("--to");
    if (flags->has("--to-name")) {
      const std::string& name = flags->values.at("--to-name");
      const auto found = wait_for<std::string>([&](auto done) { client.streamer_id(name, std::move(done)); });
      if (!found || !found->ok()) {
        const bool unknown = found && found->error.kind == retake::ApiError::Kind::not_found;
        log::error(unknown ? "no streamer named " + sanitize_for_log(name, 100) + " on retake.tv"
                           : "looking up " + sanitize_for_log(name, 100) +
                                 " failed: " + (found ? found->error.message : std::string("no answer in time")));
        return static_cast<int>(kExitFailure);
      }
      destination = *found->value;
    }
    const auto result = wait_for<retake::Sent>(
        [&](auto done) { client.send_chat(flags->positional.front(), destination, std::move(done)); });
    if (!result || !result->ok()) {
      log::error("chat send failed: ", result ? result->error.message : "no answer in time");
      return result ? exit_code_of(result->error) : static_cast<int>(kExitFailure);
    }
    std::cout << "sent\n";
    return static_cast<int>(kExitOk);
  });
}

}  // namespace agentcast::app
