#pragma once
// The fixture of the retake.tv integration tests: a real nginx-rtmp whose on_publish hook asks
// the API emulator (only the freshest key that went through stream/start may publish), the
// emulator with one verified agent, its credentials file and a config, and helpers that wait
// on the box's observable state.
#include "support/box_process.hpp"
#include "support/box_status_watch.hpp"
#include "support/child_process.hpp"
#include "support/nginx_rtmp.hpp"
#include "support/retake_emulator.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace agentcast::testing {

class RetakeBoxTest : public Utest {
 public:
  void setup() override;
  void teardown() override;

  // The config, with `thumbnail_section` as the thumbnail object and `chat_extra` added to chat
  // (whose flood cap is raised: the tests count every comment of a burst on the screen).
  // `top_extra` is added at the top level (", \"agent\": {...}").
  void write_config(const std::string& thumbnail_section, const std::string& chat_extra = "",
                    const std::string& top_extra = "");
  std::unique_ptr<ChildProcess> start_box(const std::vector<std::string>& environment = {});
  // Waits (bounded) on the box's status file.
  StatusWait wait_until(const std::function<bool(const nlohmann::json&)>& holds, std::chrono::milliseconds timeout);
  void wait_until_live(std::chrono::milliseconds timeout);
  // Waits (bounded) until the emulator has seen `count` calls to `path`.
  bool wait_for_calls(const std::string& path, int count, std::chrono::milliseconds timeout);
  // `agentcast status` as an operator runs it; its exit code, and its output in `output`.
  int box_status(std::string& output);
  // Waits (bounded) until `agentcast status` prints `text`; returns the last output.
  std::string wait_for_status(const std::string& text, std::chrono::milliseconds timeout);
  // `agentcast ARGS --config <the test's config>` with `environment`; exit code, output in `output`.
  int agentcast(const std::vector<std::string>& args, std::string& output,
                const std::vector<std::string>& environment = {});
  void check_no_secret_in(const std::string& text);
  void check_no_secret_logged();

  TempDir dir;
  std::unique_ptr<NginxRtmp> server;
  std::unique_ptr<RetakeEmulator> emulator;
  std::string token;  // the agent's access token, fresh for each test
};

// The ids of the comments the box showed, in order, as the chat merger logged them (debug
// level): what it put on the chat panel.
std::vector<std::string> shown_comment_ids(const std::string& log);

// The entry of `kind` in a status document's chat.sources, or nullptr.
const nlohmann::json* chat_source(const nlohmann::json& status, const std::string& kind);

}  // namespace agentcast::testing
