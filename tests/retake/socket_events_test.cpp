// retake.tv's Socket.IO events as chat events: the same record as the REST poll (so the same
// id), tips, follows, trades and moderation; the agent's own messages and malformed payloads
// yield nothing.
#include "retake/socket_events.hpp"

#include <CppUTest/TestHarness.h>

using namespace agentcast;
using namespace agentcast::retake;
using nlohmann::json;

namespace {

net::socketio::Event event(const std::string& name, json payload) {
  net::socketio::Event parsed;
  parsed.name = name;
  parsed.args = json::array({std::move(payload)});
  return parsed;
}

}  // namespace

TEST_GROUP(RetakeSocketEvents){};

TEST(RetakeSocketEvents, AMessageIsTheRestRecordWithTheSameId) {
  const auto chat = retake_socket_event(event("message", {{"chat_event_id", "1201"},
                                                          {"sender_user_id", "u-9"},
                                                          {"sender_username", "ann"},
                                                          {"text", "hello"},
                                                          {"timestamp", "1739999999999"},
                                                          {"type", "message"}}),
                                        "own");
  CHECK(chat.has_value());
  CHECK(chat->kind == chat::EventKind::chat);
  STRCMP_EQUAL("1201", chat->id.c_str());
  STRCMP_EQUAL("retake", chat->platform.c_str());
  STRCMP_EQUAL("retake-socketio", chat->source.c_str());
  STRCMP_EQUAL("ann", chat->user_name.c_str());
  CHECK(chat->at_unix_ms == 1739999999999);
}

TEST(RetakeSocketEvents, TheAgentsOwnMessagesAreNotEchoed) {
  CHECK_FALSE(retake_socket_event(
      event("message", {{"chat_event_id", "5"}, {"sender_user_id", "own"}, {"text", "I'm live"}}), "own"));
}

TEST(RetakeSocketEvents, TipsFollowsAndTradesHaveTheirKinds) {
  const auto tip = retake_socket_event(
      event("message", {{"chat_event_id", "7"}, {"text", "gm"}, {"type", "tip"}, {"tip_data", {{"amount", 5}}}}), "");
  CHECK(tip && tip->kind == chat::EventKind::gift && tip->amount == 5);
  const auto tipped = retake_socket_event(event("tip_received", {{"sender_username", "bo"}, {"amount", "2.5"}}), "");
  CHECK(tipped && tipped->kind == chat::EventKind::gift);
  STRCMP_EQUAL("a tip of 2.5", tipped->text.c_str());
  const auto follow = retake_socket_event(event("user_followed", {{"username", "cy"}}), "");
  CHECK(follow && follow->kind == chat::EventKind::follow);
  STRCMP_EQUAL("cy", follow->user_name.c_str());
  const auto trade = retake_socket_event(event("newtrade", {{"address", "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin"},
                                                            {"action", "buy"},
                                                            {"usdAmount", 12.5},
                                                            {"tokenTicker", "AGNT"}}),
                                         "");
  CHECK(trade && trade->kind == chat::EventKind::trade);
  STRCMP_EQUAL("bought $12.50 of AGNT", trade->text.c_str());
  STRCMP_EQUAL("9xQeWvG8", trade->user_name.c_str());
}

TEST(RetakeSocketEvents, ModerationIsItsOwnKind) {
  const auto deleted = retake_socket_event(event("message", {{"type", "delete"}, {"chat_event_id", "7"}}), "");
  CHECK(deleted && deleted->kind == chat::EventKind::moderation);
}

TEST(RetakeSocketEvents, MalformedOrUnknownEventsYieldNothing) {
  CHECK_FALSE(retake_socket_event(event("message", json::array()), ""));
  CHECK_FALSE(retake_socket_event(event("message", "text"), ""));
  CHECK_FALSE(retake_socket_event(event("message", {{"text", "no id"}}), ""));
  CHECK_FALSE(retake_socket_event(event("message", {{"chat_event_id", "1"}, {"text", json::array()}}), ""));
  CHECK_FALSE(retake_socket_event(event("pinned", {{"chat_event_id", "1"}}), ""));
  net::socketio::Event no_args;
  no_args.name = "message";
  CHECK_FALSE(retake_socket_event(no_args, ""));
  const auto odd = retake_socket_event(event("newtrade", {{"usdAmount", "NaN"}, {"action", 3}}), "");
  CHECK(odd && odd->amount == 0);
}
