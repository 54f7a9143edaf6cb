// `agentcast status`: what the running box published about itself (local, no API needed),
// then the platform's own view from a fresh stream/status call in retake mode. Nothing here
// can show a secret: the status file never holds the key or the token.
#include "app/commands.hpp"
#include "app/config_loading.hpp"
#include "app/one_shot_call.hpp"
#include "common/small_file.hpp"
#include "status/box_status.hpp"
#include "status/status_file.hpp"

#include <glib.h>

#include <signal.h>
#include <cerrno>
#include <cstdlib>
#include <iostream>

#include <nlohmann/json.hpp>

namespace agentcast::app {
namespace {

// A box that has not refreshed its file for this long is not working, whatever its pid says.
constexpr std::int64_t kStaleAfterMs = 10000;
constexpr int kPlatformTimeoutMs = 10000;

struct LocalState {
  std::optional<status::BoxStatus> status;
  std::string path;
  std::string problem;  // why there is no usable state
};

LocalState read_local_state(const std::string& configured) {
  LocalState found;
  for (const auto& path : status::status_file_candidates(configured)) {
    auto file = read_small_file(path);
    if (const auto* problem = std::get_if<FileProblem>(&file)) {
      if (problem->missing) continue;
      found.path = path;
      found.problem = path + ": " + problem->what;
      return found;
    }
    found.path = path;
    try {
      found.status = status::from_json_text(std::get<std::string>(file));
    } catch (const status::StatusFormatError& error) {
      found.problem = path + ": unreadable status (" + error.what() + ")";
    }
    return found;
  }
  std::string tried;
  for (const auto& path : status::status_file_candidates(configured)) tried += (tried.empty() ? "" : ", ") + path;
  found.problem = "no status file (" + tried + ")";
  return found;
}

bool process_exists(int pid) { return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM); }

std::int64_t state_age_ms(const status::BoxStatus& status) { return status::unix_now_ms() - status.updated_unix_ms; }

// Prints the local part; true when the box is running and keeping its state fresh.
bool print_local(const config::Config& config) {
  const LocalState local = read_local_state(config.status.file);
  if (!local.status) {
    std::cout << "agentcast is not running: " << local.problem << "\n";
    return false;
  }
  const auto& status = *local.status;
  const std::int64_t now = status::unix_now_ms();
  if (!process_exists(status.pid)) {
    std::cout << "agentcast is not running (pid " << status.pid << " is gone); its last state:\n";
    std::cout << status::describe(status, now);
    return false;
  }
  std::cout << status::describe(status, now);
  if (now - status.updated_unix_ms > kStaleAfterMs) {
    std::cout << "warning:    the state was not refreshed for " << (now - status.updated_unix_ms) / 1000
              << " s: the box may be stuck\n";
    return false;
  }
  return true;
}

// `status --json`: the local state as one JSON object, for scripts and tests; the keys are
// the status file's (README, "agentcast status --json") plus running, status_file, age_ms.
bool print_json(const config::Config& config) {
  const LocalState local = read_local_state(config.status.file);
  nlohmann::json out;
  if (!local.status) {
    out = {{"running", false}, {"problem", local.problem}, {"status_file", local.path}};
    std::cout << out.dump(2) << "\n";
    return false;
  }
  const std::int64_t age = state_age_ms(*local.status);
  const bool running = process_exists(local.status->pid) && age <= kStaleAfterMs;
  out = nlohmann::json::parse(status::to_json_text(*local.status));
  out["running"] = running;
  out["status_file"] = local.path;
  out["age_ms"] = age;
  std::cout << out.dump(2) << "\n";
  return running;
}

void print_platform(const config::Config& config) {
  auto credentials = retake::load_credentials(config.platform.credentials);
  if (!credentials) {
    std::cout << "platform now: no credentials at " << config.platform.credentials << " (agentcast register)\n";
    return;
  }
  ApiSession session(config);
  session.client.set_access_token(
      retake::choose_access_token(*credentials, config.platform.credentials, std::getenv(retake::kTokenVariable))
          .value);
  const auto result = wait_for<retake::StreamStatus>([&](auto done) { session.client.stream_status(std::move(done)); },
                                                     kPlatformTimeoutMs);
  if (!result) {
    std::cout << "platform now: stream/status did not answer within " << kPlatformTimeoutMs / 1000 << " s\n";
  } else if (!result->ok()) {
    std::cout << "platform now: " << result->error.message << "\n";
  } else {
    const auto& now = *result->value;
    std::cout << "platform now: " << (now.is_live ? "live" : "not live") << ", " << now.viewers << " viewers, up "
              << now.uptime_seconds << " s\n";
  }
}

}  // namespace

int agent_interrupt_command(const Command& command) {
  return with_config_errors([&] {
    const LoadedConfig loaded = load_config(command);
    const LocalState local = read_local_state(loaded.config.status.file);
    if (!local.status || !process_exists(local.status->pid) || state_age_ms(*local.status) > kStaleAfterMs) {
      std::cerr << "agentcast is not running" << (local.problem.empty() ? "" : ": " + local.problem) << "\n";
      return static_cast<int>(kExitFailure);
    }
    if (!local.status->agent) {
      std::cerr << "the running box has no agent (agent.kind is not \"olv\")\n";
      return static_cast<int>(kExitFailure);
    }
    if (kill(local.status->pid, SIGUSR2) != 0) {
      std::cerr << "cannot signal the box (pid " << local.status->pid << "): " << g_strerror(errno) << "\n";
      return static_cast<int>(kExitFailure);
    }
    std::cout << "asked the box (pid " << local.status->pid << ") to interrupt the agent's turn\n";
    return static_cast<int>(kExitOk);
  });
}

int status_command(const Command& command) {
  return with_config_errors([&] {
    const LoadedConfig loaded = load_config(command);
    if (command.json_output) return static_cast<int>(print_json(loaded.config) ? kExitOk : kExitFailure);
    const bool running = print_local(loaded.config);
    if (loaded.config.platform.kind == "retake") {
      try {
        print_platform(loaded.config);
      } catch (const retake::CredentialsError& error) {
        std::cout << "platform now: " << error.what() << "\n";
      }
    }
    return static_cast<int>(running ? kExitOk : kExitFailure);
  });
}

}  // namespace agentcast::app
