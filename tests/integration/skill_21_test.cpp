// retake.tv skill 2.1.2 end to end: Twitter/X verification before every go-live, the token
// from the environment, the opening message. The box against the API emulator and a real
// nginx-rtmp, as in the GoLive tests.
#include "support/retake_box.hpp"

#include "retake/credentials.hpp"

#include <CppUTest/TestHarness.h>

#include <chrono>
#include <sstream>

using namespace agentcast::testing;
using namespace std::chrono_literals;

namespace {

// The index of the first request to `path` in the emulator's log, or -1.
int first_call(const nlohmann::json& log, const std::string& path) {
  for (std::size_t i = 0; i < log.size(); ++i) {
    if (log[i]["path"] == path) return static_cast<int>(i);
  }
  return -1;
}

// The line of `agentcast verify`'s output that holds the message to post.
std::string verification_message_in(const std::string& output) {
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("Code: ") != std::string::npos) return line.substr(line.find_first_not_of(' '));
  }
  return "";
}

}  // namespace

TEST_GROUP_BASE(Verification, RetakeBoxTest){};

// The whole owner's path: the box waits, says why, the owner verifies over SSH, and the box
// goes live by itself at its next check.
TEST(Verification, AnUnverifiedBoxFetchesNoKeyAndGoesLiveByItselfOnceVerified) {
  emulator->control("verified", {{"verified", false}});
  auto box = start_box();
  const auto waiting = wait_until([](const nlohmann::json& s) { return s["state"] == "awaiting-verification"; }, 20s);
  CHECK_TEXT(waiting.held, (waiting.describe() + "\n" + dir.read("agentcast.log")).c_str());
  STRCMP_CONTAINS("agentcast verify", waiting.last->at("problem").get<std::string>().c_str());
  STRCMP_EQUAL("AWAITING VERIFICATION", waiting.last->at("label").get<std::string>().c_str());
  const std::string said = wait_for_status("awaiting-verification", 10s);
  CHECK_TEXT(said.find("agentcast verify") != std::string::npos, said.c_str());

  // The owner, over SSH.
  std::string output;
  LONGS_EQUAL(0, agentcast({"verify"}, output));
  const std::string message = verification_message_in(output);
  CHECK_TEXT(!message.empty(), output.c_str());
  CHECK_TEXT(output.find("--tweet-url") != std::string::npos, output.c_str());
  emulator->control("tweet", {{"url", "https://x.com/owner/status/1790000000000000001"}, {"text", message}});
  LONGS_EQUAL(0, agentcast({"verify", "--tweet-url", "https://x.com/owner/status/1790000000000000001?s=20"}, output));
  CHECK_TEXT(output.find("verified") != std::string::npos, output.c_str());
  LONGS_EQUAL(0, emulator->count("/agent/rtmp"));  // nothing fetched while unverified
  const auto verified_at = std::chrono::steady_clock::now();

  wait_until_live(75s);
  const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - verified_at).count();
  CHECK_TEXT(waited <= 65, std::to_string(waited).c_str());
  const auto log = emulator->log();
  CHECK(first_call(log, "/agent/rtmp") > first_call(log, "/agent/verify"));
  LONGS_EQUAL(1, emulator->count("/agent/rtmp"));
  const auto status = nlohmann::json::parse(dir.read("run/status.json"));
  LONGS_EQUAL(0, status["restarts"].get<int>());  // waiting for the owner is not a restart
  CHECK(status["problem"].get<std::string>().empty());
  stop_box_gracefully(*box);
  check_no_secret_logged();
}

TEST_GROUP_BASE(Skill21, RetakeBoxTest){};

TEST(Skill21, TheEnvironmentsTokenWinsOverAStaleFile) {
  agentcast::retake::save_credentials(dir.file("credentials.json"),
                                      {"rtk_stale_token", "It", "agent_it", "user_it", "", "", "", "IT"});
  auto box = start_box({"RETAKE_ACCESS_TOKEN=" + token});
  wait_until_live(30s);
  stop_box_gracefully(*box);
  check_no_secret_logged();
  for (const auto& entry : emulator->log()) {
    if (entry["path"].get<std::string>().starts_with("/agent/"))
      CHECK_TEXT(entry["auth"].get<bool>(), "a call without the right token");
  }
  // The file keeps its own token: the environment's is never written to disk.
  STRCMP_EQUAL("rtk_stale_token",
               agentcast::retake::load_credentials(dir.file("credentials.json"))->access_token.c_str());
}

TEST(Skill21, TheOpeningMessageFollowsTheFirstThumbnailOnceAndNotAfterAShortOutage) {
  write_config(R"({"interval_s": 600})", R"(, "opening_message": "Hello from the test box")");
  auto box = start_box();
  wait_until_live(30s);
  CHECK_TEXT(wait_for_calls("/agent/stream/chat/send", 1, 15s), dir.read("agentcast.log").c_str());
  const auto log = emulator->log();
  const int thumbnail = first_call(log, "/agent/update-thumbnail");
  CHECK(thumbnail >= 0);
  CHECK_TEXT(first_call(log, "/agent/stream/chat/send") > thumbnail, "the opening message came before the thumbnail");
  const auto said = emulator->control("chat");
  LONGS_EQUAL(1, said.size());
  STRCMP_EQUAL("Hello from the test box", said[0]["text"].get<std::string>().c_str());
  STRCMP_EQUAL("user_it", said[0]["destination"].get<std::string>().c_str());

  // A short RTMP outage: live again, a new first thumbnail, and no second opening message.
  server->stop();
  const auto down = wait_until([](const nlohmann::json& s) { return s["state"] != "live"; }, 10s);
  CHECK_TEXT(down.held, down.describe().c_str());
  server->start();
  const auto again =
      wait_until([](const nlohmann::json& s) { return s["state"] == "live" && s["restarts"].get<int>() >= 1; }, 20s);
  CHECK_TEXT(again.held, (again.describe() + "\n" + dir.read("agentcast.log")).c_str());
  CHECK_TEXT(wait_for_calls("/agent/update-thumbnail", 2, 15s), "no first thumbnail after the outage");
  // Chat polls go on after it: by three more, a message would have been sent.
  const int polls = emulator->count("/agent/stream/comments");
  CHECK(wait_for_calls("/agent/stream/comments", polls + 3, 15s));
  LONGS_EQUAL(1, emulator->count("/agent/stream/chat/send"));
  stop_box_gracefully(*box);
  check_no_secret_logged();
}
