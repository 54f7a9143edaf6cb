#include "support/box_process.hpp"

#include <CppUTest/TestHarness.h>

#include <chrono>
#include <csignal>

namespace agentcast::testing {

std::unique_ptr<ChildProcess> start_box(const TempDir& dir, const std::string& config, const std::string& log,
                                        const std::vector<std::string>& environment) {
  std::vector<std::string> env{"AGENTCAST_DEBUG=1"};
  env.insert(env.end(), environment.begin(), environment.end());
  return std::make_unique<ChildProcess>(std::vector<std::string>{AGENTCAST_BINARY, "run", "--config", dir.file(config)},
                                        dir.file(log), env);
}

void stop_box_gracefully(ChildProcess& box) {
  using namespace std::chrono_literals;
  const auto sent = std::chrono::steady_clock::now();
  box.signal(SIGTERM);
  const auto code = box.wait_for_exit(6000);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - sent);
  CHECK_TEXT(code.has_value(), "still running 6 s after SIGTERM");
  LONGS_EQUAL(0, code.value_or(-1));
  CHECK_TEXT(took < 5000ms, ("exit took " + std::to_string(took.count()) + " ms").c_str());
}

StatusJson status_json(const TempDir& dir, const std::string& config) {
  StatusJson result;
  result.exit_code =
      run_command({AGENTCAST_BINARY, "status", "--json", "--config", dir.file(config)}, &result.output, 20000);
  try {
    auto parsed = nlohmann::json::parse(result.output);
    if (parsed.is_object()) result.state = std::move(parsed);
  } catch (const nlohmann::json::exception&) {
  }
  return result;
}

}  // namespace agentcast::testing
