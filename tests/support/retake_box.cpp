#include "support/retake_box.hpp"

#include "retake/credentials.hpp"

#include <glib.h>

#include <thread>

namespace agentcast::testing {

using namespace std::chrono_literals;

namespace {
std::string fresh_token() { return "rtk_integration_" + std::to_string(g_random_int()); }
}  // namespace

void RetakeBoxTest::setup() {
  token = fresh_token();
  const int emulator_port = free_loopback_port();
  server = std::make_unique<NginxRtmp>(dir, "http://127.0.0.1:" + std::to_string(emulator_port) + "/_hooks");
  emulator = std::make_unique<RetakeEmulator>(dir, "rtmp://127.0.0.1:" + std::to_string(server->rtmp_port()) + "/live",
                                              emulator_port);
  emulator->control("agent", {{"access_token", token}, {"userDbId", "user_it"}, {"agent_name", "It"}});
  retake::save_credentials(dir.file("credentials.json"), {token, "It", "agent_it", "user_it", "", "", "", "IT"});
  write_config(R"({"interval_s": 3})");
}

void RetakeBoxTest::teardown() {
  emulator.reset();
  server.reset();
}

void RetakeBoxTest::write_config(const std::string& thumbnail_section, const std::string& chat_extra,
                                 const std::string& top_extra) {
  dir.write("agentcast.json", R"({"platform": {"kind": "retake", "api_base": ")" + emulator->api_base() +
                                  R"(", "skill_url": ")" + emulator->skill_url() + R"(", "credentials": ")" +
                                  dir.file("credentials.json") + R"("},
      "scene": {"log_file": ")" + dir.file("stream.log") +
                                  R"("}, "board": {"name": "generic"},
      "thumbnail": )" + thumbnail_section +
                                  R"(, "chat": {"poll_active_s": 0.5, "poll_quiet_s": 1, "max_events_per_s": 1000)" +
                                  chat_extra + R"(},
      "status": {"file": ")" + dir.file("run/status.json") +
                                  R"("})" + top_extra + "}");
}

std::unique_ptr<ChildProcess> RetakeBoxTest::start_box(const std::vector<std::string>& environment) {
  return agentcast::testing::start_box(dir, "agentcast.json", "agentcast.log", environment);
}

StatusWait RetakeBoxTest::wait_until(const std::function<bool(const nlohmann::json&)>& holds,
                                     std::chrono::milliseconds timeout) {
  return wait_for_box_status(dir.file("run/status.json"), holds, timeout);
}

void RetakeBoxTest::wait_until_live(std::chrono::milliseconds timeout) {
  const auto live = wait_until([](const nlohmann::json& s) { return s.value("state", "") == "live"; }, timeout);
  CHECK_TEXT(live.held, (live.describe() + "\n" + dir.read("agentcast.log")).c_str());
}

bool RetakeBoxTest::wait_for_calls(const std::string& path, int count, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (emulator->count(path) < count) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(50ms);
  }
  return true;
}

int RetakeBoxTest::box_status(std::string& output) {
  const int code = run_command({AGENTCAST_BINARY, "status", "--config", dir.file("agentcast.json")}, &output, 20000);
  check_no_secret_in(output);
  return code;
}

std::string RetakeBoxTest::wait_for_status(const std::string& text, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string output;
  while (std::chrono::steady_clock::now() < deadline) {
    box_status(output);
    if (output.find(text) != std::string::npos) return output;
    std::this_thread::sleep_for(300ms);
  }
  FAIL(("status never showed \"" + text + "\":\n" + output).c_str());
  return output;
}

int RetakeBoxTest::agentcast(const std::vector<std::string>& args, std::string& output,
                             const std::vector<std::string>& environment) {
  std::vector<std::string> argv{AGENTCAST_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.begin() + 2, {"--config", dir.file("agentcast.json")});
  const int code = run_command(argv, &output, 40000, environment);
  check_no_secret_in(output);
  return code;
}

void RetakeBoxTest::check_no_secret_in(const std::string& text) {
  CHECK_TEXT(text.find(token) == std::string::npos, "the access token appears");
  for (const auto& key : emulator->control("state")["keys_issued"]) {
    CHECK_TEXT(text.find(key.get<std::string>()) == std::string::npos, "an RTMP key appears");
  }
}

std::vector<std::string> shown_comment_ids(const std::string& log) {
  std::vector<std::string> ids;
  const std::string marker = "chat: shown comment ";
  for (auto pos = log.find(marker); pos != std::string::npos; pos = log.find(marker, pos + 1)) {
    const auto start = pos + marker.size();
    ids.push_back(log.substr(start, log.find_first_of(" \n", start) - start));
  }
  return ids;
}

const nlohmann::json* chat_source(const nlohmann::json& status, const std::string& kind) {
  if (!status.contains("chat") || !status["chat"].contains("sources")) return nullptr;
  for (const auto& source : status["chat"]["sources"]) {
    if (source.value("kind", "") == kind) return &source;
  }
  return nullptr;
}

void RetakeBoxTest::check_no_secret_logged() { check_no_secret_in(dir.read("agentcast.log")); }

}  // namespace agentcast::testing
