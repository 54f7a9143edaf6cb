// The box against the reference Socket.IO server (npm `socket.io` 4.8, installed by
// tests/interop/install) relaying retake.tv-shaped events: the box must interoperate with the
// real implementation of the protocol, not only with our emulator. The comments are also in
// the REST poll, as on retake.tv, so each must still be shown exactly once.
#include "support/retake_box.hpp"

#include <CppUTest/TestHarness.h>

#include <chrono>
#include <filesystem>
#include <thread>

using namespace agentcast::testing;
using namespace std::chrono_literals;

namespace {

class ReferenceServer {
 public:
  explicit ReferenceServer(const TempDir& dir) : port_(free_loopback_port()) {
    const std::string script = std::string(AGENTCAST_TESTS_DIR) + "/interop/socketio_relay.js";
    if (!std::filesystem::exists(std::string(AGENTCAST_TESTS_DIR) + "/interop/node_modules/socket.io")) {
      FAIL("the socket.io reference server is not installed: run tests/interop/install (scripts/test does)");
    }
    process_ = std::make_unique<ChildProcess>(std::vector<std::string>{"node", script, "--port", std::to_string(port_)},
                                              dir.file("socketio-relay.log"));
    CHECK_TEXT(wait_for_port(port_, 15000), dir.read("socketio-relay.log").c_str());
  }
  std::string url() const { return "ws://127.0.0.1:" + std::to_string(port_) + "/socket.io/"; }
  nlohmann::json post(const std::string& path, const nlohmann::json& body = nlohmann::json::object()) const {
    std::string output;
    const int code =
        run_command({"curl", "-s", "-f", "-X", "POST", "--max-time", "10", "-H", "Content-Type: application/json",
                     "--data", body.dump(), "http://127.0.0.1:" + std::to_string(port_) + path},
                    &output);
    CHECK_TEXT(code == 0, ("relay " + path + " failed: " + output).c_str());
    return nlohmann::json::parse(output);
  }

 private:
  int port_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace

TEST_GROUP_BASE(SocketIoInterop, RetakeBoxTest){};

TEST(SocketIoInterop, TheBoxJoinsTheReferenceServerAndShowsWhatItRelaysOnce) {
  const ReferenceServer relay(dir);
  write_config(R"({"interval_s": 600})", R"(, "sources": [{"kind": "retake-rest"},
      {"kind": "retake-socketio", "url": ")" +
                                             relay.url() + R"("}])");
  auto box = start_box();
  wait_until_live(30s);
  const auto joined = wait_until(
      [](const nlohmann::json& s) {
        const auto* socket = chat_source(s, "retake-socketio");
        return socket != nullptr && (*socket)["state"] == "joined";
      },
      20s);
  CHECK_TEXT(joined.held, (joined.describe() + dir.read("agentcast.log")).c_str());
  // Both rooms joined, on the real server.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  nlohmann::json rooms;
  do {
    rooms = relay.post("/rooms")["rooms"];
    if (rooms.contains("user_it") && rooms.contains("live_user_it")) break;
    std::this_thread::sleep_for(100ms);
  } while (std::chrono::steady_clock::now() < deadline);
  CHECK_TEXT(rooms.contains("user_it") && rooms.contains("live_user_it"), rooms.dump().c_str());

  // Three comments reach the platform: in its REST list and relayed on the socket.
  emulator->control("comments", {{"count", 3}, {"text", "interop"}});
  for (const auto& record : emulator->control("chat")) {
    LONGS_EQUAL(1, relay.post("/emit", {{"room", "user_it"}, {"event", "message"}, {"payload", record}})["delivered"]);
  }
  relay.post("/emit", {{"room", "live_user_it"},
                       {"event", "user_followed"},
                       {"payload", {{"username", "newfan"}, {"follower_id", "f-1"}}}});
  relay.post("/emit", {{"room", "live_user_it"},
                       {"event", "tip_received"},
                       {"payload", {{"sender_username", "whale"}, {"amount", 3}, {"tx_hash", "0xabc"}}}});
  const auto delivered = wait_until(
      [](const nlohmann::json& s) {
        const auto* socket = chat_source(s, "retake-socketio");
        return socket != nullptr && (*socket)["events"]["chat"] >= 3 && (*socket)["events"]["follow"] == 1 &&
               (*socket)["events"]["gift"] == 1 && s["chat_shown"] >= 5;
      },
      15s);
  CHECK_TEXT(delivered.held, delivered.describe().c_str());
  // The poll sees the same three comments: still five lines in all. Five quiet polls (1 s
  // apart) span two of the server's ping rounds (2 s): the session must still be the first.
  const int polls = emulator->count("/agent/stream/comments");
  CHECK(wait_for_calls("/agent/stream/comments", polls + 5, 30s));
  const auto settled = wait_until([](const nlohmann::json&) { return true; }, 5s);
  LONGS_EQUAL(5, settled.last->at("chat_shown").get<int>());
  LONGS_EQUAL(0, chat_source(*settled.last, "retake-socketio")->at("reconnects").get<int>());
  stop_box_gracefully(*box);
  check_no_secret_logged();
}
