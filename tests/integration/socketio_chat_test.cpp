// retake.tv chat over Socket.IO beside the REST poll, with the real pipeline and the emulator's
// Socket.IO server (Engine.IO v4 over a WebSocket, strict as the reference server): comments
// arrive in real time, each shown exactly once across the socket <-> poll hand-over and across
// reconnects; a silent server (pings withheld) is detected; a refusal is a named, slow state.
#include "support/ffprobe.hpp"
#include "support/retake_box.hpp"

#include <CppUTest/TestHarness.h>

#include <chrono>
#include <set>
#include <thread>

using namespace agentcast::testing;
using namespace std::chrono_literals;

namespace {

bool socket_state_is(const nlohmann::json& status, const std::string& state) {
  const auto* socket = chat_source(status, "retake-socketio");
  return socket != nullptr && (*socket)["state"] == state;
}

}  // namespace

TEST_GROUP_BASE(RetakeSocketIo, RetakeBoxTest){void configure(const std::string& extra = ""){
    write_config(R"({"interval_s": 600})", R"(, "sources": [{"kind": "retake-rest"},
        {"kind": "retake-socketio", "url": ")" +
                                               emulator->socketio_url() + R"("}])" + extra);
}
StatusWait wait_for_join(std::chrono::milliseconds timeout) {
  return wait_until([](const nlohmann::json& s) { return socket_state_is(s, "joined"); }, timeout);
}
int shown() {
  return wait_until([](const nlohmann::json&) { return true; }, 5s).last->at("chat_shown").get<int>();
}
// Lets the poll look at everything again (`more` polls), so a duplicate would have shown.
void let_the_poll_catch_up(int more = 2) {
  const int polls = emulator->count("/agent/stream/comments");
  CHECK(wait_for_calls("/agent/stream/comments", polls + more, 30s));
}
}
;

TEST(RetakeSocketIo, CommentsArriveOverTheSocketOnceWhileThePollGoesQuiet) {
  configure();
  auto box = start_box();
  wait_until_live(30s);
  const auto joined = wait_until(
      [](const nlohmann::json& s) {
        return socket_state_is(s, "joined") && chat_source(s, "retake-rest")->at("state") == "quiet (socket healthy)";
      },
      20s);
  CHECK_TEXT(joined.held, (joined.describe() + dir.read("agentcast.log")).c_str());
  const auto rooms = emulator->control("socketio_state")["rooms"];
  CHECK_TEXT(rooms.dump().find("\"user_it\"") != std::string::npos, rooms.dump().c_str());

  emulator->control("comments", {{"count", 3}, {"text", "realtime"}});
  const auto delivered = wait_until(
      [](const nlohmann::json& s) {
        return s["chat_shown"].get<int>() >= 3 && chat_source(s, "retake-socketio")->at("events")["chat"] >= 3;
      },
      10s);
  CHECK_TEXT(delivered.held, delivered.describe().c_str());
  let_the_poll_catch_up();
  LONGS_EQUAL(3, shown());
  stop_box_gracefully(*box);
  const auto ids = shown_comment_ids(dir.read("agentcast.log"));
  LONGS_EQUAL(3, ids.size());
  LONGS_EQUAL(3, std::set<std::string>(ids.begin(), ids.end()).size());
  check_no_secret_logged();
}

TEST(RetakeSocketIo, WhenTheSocketDiesThePollTakesOverWithNothingLostOrShownTwice) {
  configure();
  auto box = start_box();
  wait_until_live(30s);
  CHECK(wait_for_join(20s).held);
  emulator->control("comments", {{"count", 2}, {"text", "before"}});
  CHECK(wait_until([](const nlohmann::json& s) { return s["chat_shown"].get<int>() >= 2; }, 10s).held);

  // The server goes away and refuses to come back for a while: the poll alone carries the chat.
  emulator->control("socketio", {{"refuse_handshake", 503}, {"kill", true}});
  const auto down = wait_until([](const nlohmann::json& s) { return !socket_state_is(s, "joined"); }, 10s);
  CHECK_TEXT(down.held, down.describe().c_str());
  emulator->control("comments", {{"count", 3}, {"text", "during"}});
  const auto covered = wait_until(
      [](const nlohmann::json& s) {
        return s["chat_shown"].get<int>() >= 5 && chat_source(s, "retake-rest")->at("state") == "polling";
      },
      10s);
  CHECK_TEXT(covered.held, covered.describe().c_str());

  // Back: the box joins again by itself, and the poll goes quiet again.
  emulator->control("socketio", {{"refuse_handshake", 0}});
  const auto rejoined = wait_until(
      [](const nlohmann::json& s) {
        return socket_state_is(s, "joined") && chat_source(s, "retake-socketio")->at("reconnects") >= 1;
      },
      45s);
  CHECK_TEXT(rejoined.held, rejoined.describe().c_str());
  emulator->control("comments", {{"count", 2}, {"text", "after"}});
  CHECK(wait_until([](const nlohmann::json& s) { return s["chat_shown"].get<int>() >= 7; }, 10s).held);
  let_the_poll_catch_up();
  LONGS_EQUAL(7, shown());
  stop_box_gracefully(*box);

  const auto ids = shown_comment_ids(dir.read("agentcast.log"));
  LONGS_EQUAL(7, ids.size());
  LONGS_EQUAL(7, std::set<std::string>(ids.begin(), ids.end()).size());
}

TEST(RetakeSocketIo, AServerThatStopsPingingIsDeclaredDeadAndRejoined) {
  emulator->control("socketio", {{"ping_interval_ms", 400}, {"ping_timeout_ms", 400}});
  configure();
  auto box = start_box();
  wait_until_live(30s);
  CHECK(wait_for_join(20s).held);
  // The box answers the server's pings (the emulator would close the session otherwise).
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (emulator->control("socketio_state")["pongs"].get<int>() < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
  }
  CHECK(emulator->control("socketio_state")["pongs"].get<int>() >= 2);

  emulator->control("socketio", {{"withhold_pings", true}});
  const auto dead =
      wait_until([](const nlohmann::json& s) { return chat_source(s, "retake-socketio")->at("reconnects") >= 1; }, 15s);
  CHECK_TEXT(dead.held, dead.describe().c_str());
  const std::string why = chat_source(*dead.last, "retake-socketio")->at("last_error");
  CHECK_TEXT(why.find("no ping") != std::string::npos, why.c_str());

  emulator->control("socketio", {{"withhold_pings", false}});
  CHECK(wait_for_join(30s).held);
  stop_box_gracefully(*box);
}

TEST(RetakeSocketIo, ARefusedConnectIsShownAsRefusedAndNotHammered) {
  emulator->control("socketio", {{"refuse_connect", true}});
  configure();
  auto box = start_box();
  wait_until_live(30s);
  const auto refused = wait_until([](const nlohmann::json& s) { return socket_state_is(s, "refused"); }, 20s);
  CHECK_TEXT(refused.held, refused.describe().c_str());
  // Chat still works through the poll, at its active cadence, while the socket waits.
  emulator->control("comments", {{"count", 2}, {"text", "still here"}});
  CHECK(wait_until([](const nlohmann::json& s) { return s["chat_shown"].get<int>() >= 2; }, 10s).held);
  // Five polls take longer than the normal retry's first two delays (1 s, 2 s ±30 %).
  let_the_poll_catch_up(5);
  LONGS_EQUAL(1, emulator->control("socketio_state")["sessions"].get<int>());
  std::string output;
  box_status(output);
  CHECK_TEXT(output.find("retake-socketio: refused") != std::string::npos, output.c_str());
  stop_box_gracefully(*box);
}

// A flood of 1,000 events a second on the socket: the merger caps what is drawn and the video
// keeps every frame on time.
TEST(RetakeSocketIo, AFloodOfAThousandEventsASecondNeverStallsTheVideo) {
  // The fixture raises the flood cap for counting; here the shipped default applies (the later
  // key wins).
  configure(R"(, "max_events_per_s": 20)");
  auto box = start_box();
  wait_until_live(30s);
  CHECK(wait_for_join(20s).held);
  emulator->control("socket_flood", {{"count", 3000}, {"per_s", 1000}});
  const auto flooded = wait_until(
      [](const nlohmann::json& s) { return chat_source(s, "retake-socketio")->at("events")["total"] >= 3000; }, 30s);
  CHECK_TEXT(flooded.held, flooded.describe().c_str());
  const auto& last = *flooded.last;
  CHECK_TEXT(last["chat_held_back"].get<int>() > 2000, last.dump().c_str());
  CHECK_TEXT(last["fps_in"].get<double>() > 25, last.dump().c_str());
  stop_box_gracefully(*box);

  const auto keys = emulator->control("state")["keys_issued"];
  LONGS_EQUAL(1, keys.size());
  const std::string recording = server->recording(keys[0].get<std::string>());
  wait_for_stable_file(recording);
  const auto packets = video_packets(recording);
  CHECK(packets.size() > 90);
  CHECK_TEXT(largest_frame_gap(packets) < 0.1, std::to_string(largest_frame_gap(packets)).c_str());
}
