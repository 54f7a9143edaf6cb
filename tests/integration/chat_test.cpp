// Chat from the platform to the screen through the chat merger, with the real pipeline: the
// REST poller publishes events, the merger alone writes the panel and drops blocked words.
#include "support/retake_box.hpp"

#include <CppUTest/TestHarness.h>

#include <chrono>

using namespace agentcast::testing;
using namespace std::chrono_literals;

TEST_GROUP_BASE(ChatOnScreen, RetakeBoxTest){};

TEST(ChatOnScreen, ABlockedWordNeverReachesTheScreenInTextOrName) {
  write_config(R"({"interval_s": 600})", R"(, "blocked_words": ["forbidden"])");
  auto box = start_box();
  wait_until_live(30s);
  emulator->control("comments", {{"count", 5}, {"text", "fine words"}});
  emulator->control("comments", {{"count", 3}, {"text", "a FORBIDDEN thing"}});
  emulator->control("comments", {{"count", 2}, {"text", "hello"}, {"author", "ForbiddenFan"}});
  const auto counted = wait_until(
      [](const nlohmann::json& s) { return s["chat_shown"].get<int>() >= 5 && s["chat_blocked"].get<int>() >= 5; },
      15s);
  CHECK_TEXT(counted.held, counted.describe().c_str());
  LONGS_EQUAL(5, counted.last->at("chat_shown").get<int>());
  stop_box_gracefully(*box);
  // What was drawn is what the merger logged as shown: none of the blocked ones.
  const std::string log = dir.read("agentcast.log");
  int shown_lines = 0;
  for (auto at = log.find("chat: shown comment "); at != std::string::npos;
       at = log.find("chat: shown comment ", at + 1)) {
    ++shown_lines;
  }
  LONGS_EQUAL(5, shown_lines);
}
