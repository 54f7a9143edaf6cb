#include "retake/retake_api.hpp"

#include <CppUTest/TestHarness.h>

#include <string>

using namespace agentcast::retake;

namespace {
template <typename Parse>
std::string error_of(Parse parse, const char* body) {
  try {
    parse(body);
  } catch (const ResponseError& error) {
    return error.what();
  } catch (const std::exception& error) {
    // Anything but a ResponseError would escape the client's error handling: a crash.
    FAIL((std::string("an exception other than ResponseError escaped: ") + error.what()).c_str());
  }
  return "";
}
}  // namespace

TEST_GROUP(RetakeApi){};

TEST(RetakeApi, Register) {
  const auto result = parse_register(R"({"access_token": "rtk_x", "agent_id": "agent_1", "userDbId": "user_1",
                                        "wallet_address": "w", "token_address": "", "token_ticker": ""})");
  STRCMP_EQUAL("rtk_x", result.access_token.c_str());
  STRCMP_EQUAL("user_1", result.user_db_id.c_str());
  STRCMP_EQUAL("register: userDbId: missing",
               error_of(parse_register, R"({"access_token": "t", "agent_id": "a"})").c_str());
}

TEST(RetakeApi, RtmpGivesUrlAndKey) {
  const auto endpoint = parse_rtmp(R"({"url": "rtmps://global-live.mux.com:443/app/", "key": "sk_1"})");
  STRCMP_EQUAL("rtmps://global-live.mux.com:443/app/sk_1", endpoint.publish_url().c_str());
  STRCMP_EQUAL("rtmp: key: missing", error_of(parse_rtmp, R"({"url": "rtmps://x/app"})").c_str());
  STRCMP_EQUAL("rtmp: key: expected a string", error_of(parse_rtmp, R"({"url": "rtmps://x/app", "key": 5})").c_str());
  STRCMP_EQUAL("rtmp: url: expected an rtmp:// or rtmps:// URL",
               error_of(parse_rtmp, R"({"url": "https://x/app", "key": "k"})").c_str());
}

TEST(RetakeApi, StreamStartTokenIsOptional) {
  const auto start =
      parse_stream_start(R"({"success": true, "token": {"name": "N", "ticker": "TCK", "tokenAddress": "addr"}})");
  STRCMP_EQUAL("addr", start.token_address.c_str());
  STRCMP_EQUAL("TCK", start.token_ticker.c_str());
  CHECK(parse_stream_start(R"({"success": true})").token_address.empty());
  STRCMP_EQUAL("stream/start: token: expected an object", error_of(parse_stream_start, R"({"token": "x"})").c_str());
}

TEST(RetakeApi, StreamStatusIsStrictAboutTypes) {
  const auto status = parse_stream_status(
      R"({"is_live": true, "viewers": 12, "uptime_seconds": 3600, "token_address": "t", "userDbId": "u"})");
  CHECK(status.is_live);
  LONGS_EQUAL(12, status.viewers);
  LONGS_EQUAL(3600, status.uptime_seconds);
  STRCMP_EQUAL("stream/status: is_live: missing", error_of(parse_stream_status, R"({"viewers": 1})").c_str());
  STRCMP_EQUAL("stream/status: is_live: expected true or false",
               error_of(parse_stream_status, R"({"is_live": "yes"})").c_str());
  STRCMP_EQUAL("stream/status: viewers: expected an integer",
               error_of(parse_stream_status, R"({"is_live": true, "viewers": "many"})").c_str());
}

TEST(RetakeApi, GarbageBodiesAreErrorsNotCrashes) {
  CHECK(error_of(parse_stream_status, "<html>502</html>").starts_with("stream/status: response is not valid JSON ("));
  STRCMP_EQUAL("stream/stop: response is not a JSON object", error_of(parse_stop, "[1]").c_str());
  CHECK(error_of(parse_rtmp, "").starts_with("rtmp: response is not valid JSON ("));
  STRCMP_EQUAL("skill.json: version: missing", error_of(parse_skill_version, "{}").c_str());
}

TEST(RetakeApi, StopAndThumbnail) {
  const auto stop = parse_stop(R"({"status": "stopped", "duration_seconds": 120, "viewers": 3})");
  LONGS_EQUAL(120, stop.duration_seconds);
  STRCMP_EQUAL("https://cdn/x.jpg",
               parse_thumbnail(R"({"message": "ok", "thumbnail_url": "https://cdn/x.jpg"})").thumbnail_url.c_str());
}

TEST(RetakeApi, CommentsInTheObservedShape) {
  const auto comments = parse_comments(R"({"comments": [
    {"chat_event_id": "102", "sender_user_id": "u2", "sender_username": "bob", "text": "second", "timestamp": "1739999999999", "type": "message"},
    {"chat_event_id": "101", "sender_user_id": "u1", "sender_username": "alice", "text": "first", "timestamp": "1739999998000"}]})");
  LONGS_EQUAL(2, comments.size());
  STRCMP_EQUAL("102", comments[0].id.c_str());
  STRCMP_EQUAL("bob", comments[0].author_name.c_str());
  STRCMP_EQUAL("u2", comments[0].author_id.c_str());
  CHECK(comments[0].timestamp_ms == 1739999999999);
  STRCMP_EQUAL("message", comments[1].type.c_str());
}

TEST(RetakeApi, CommentsInTheDocumentedShape) {
  const auto comments =
      parse_comments(R"({"comments": [{"_id": "comment_123", "streamId": "user_abc", "text": "Great stream!",
    "timestamp": "2025-02-01T14:20:00Z", "author": {"walletAddress": "w", "fusername": "viewer1", "fid": 12345}}]})");
  LONGS_EQUAL(1, comments.size());
  STRCMP_EQUAL("comment_123", comments[0].id.c_str());
  STRCMP_EQUAL("viewer1", comments[0].author_name.c_str());
  CHECK(comments[0].timestamp_ms == 1738419600000);
}

TEST(RetakeApi, CommentsAsABareArrayAndLegacyShape) {
  const auto bare = parse_comments(R"([{"chat_event_id": 7, "sender_username": "x", "text": "hi"}])");
  STRCMP_EQUAL("7", bare[0].id.c_str());
  const auto legacy = parse_comments(R"({"comments": [{"id": "9", "username": "old", "message": "legacy text"}]})");
  STRCMP_EQUAL("legacy text", legacy[0].text.c_str());
  STRCMP_EQUAL("old", legacy[0].author_name.c_str());
}

TEST(RetakeApi, CommentsWithoutIdOrTextAreSkipped) {
  const auto comments = parse_comments(
      R"({"comments": [{"text": "no id"}, {"chat_event_id": "1"}, 5, {"chat_event_id": "2", "text": "ok"}]})");
  LONGS_EQUAL(1, comments.size());
  STRCMP_EQUAL("2", comments[0].id.c_str());
}

TEST(RetakeApi, CommentsThatAreNoListAreAnError) {
  STRCMP_EQUAL("stream/comments: expected an array or an object with \"comments\"",
               error_of(parse_comments, R"({"comments": "none"})").c_str());
  CHECK(error_of(parse_comments, "{").starts_with("stream/comments: response is not valid JSON ("));
}

TEST(RetakeApi, ErrorMessageOfAnErrorBody) {
  STRCMP_EQUAL("No active session", error_message(R"({"error": "No active session"})").value().c_str());
  CHECK_FALSE(error_message("<html/>").has_value());
}

TEST(RetakeApi, VersionComparison) {
  CHECK(is_newer_version("2.0.1", "2.0.0"));
  CHECK(is_newer_version("2.1", "2.0.0"));
  CHECK(is_newer_version("10.0.0", "9.9.9"));
  CHECK_FALSE(is_newer_version("2.0.0", "2.0.0"));
  CHECK_FALSE(is_newer_version("1.9.9", "2.0.0"));
}

// A number beyond a double's range made nlohmann throw out_of_range, which nothing caught: a
// live box died on {"viewers": 1e400}. Every parser must turn it into one ResponseError.
TEST(RetakeApi, OverflowingNumbersAreOneNamedErrorInEveryParser) {
  const auto named = [](const std::string& message, const char* endpoint) {
    return message.starts_with(std::string(endpoint) + ": response is not valid JSON (number overflow parsing '") &&
           message.ends_with("1e400')");
  };
  CHECK(named(error_of(parse_register, R"({"access_token": "t", "agent_id": "a", "userDbId": "u", "n": 1e400})"),
              "register"));
  CHECK(named(error_of(parse_rtmp, R"({"url": "rtmps://x/app", "key": "k", "ttl": 1e400})"), "rtmp"));
  CHECK(named(error_of(parse_stream_start, R"({"success": true, "token": {"supply": 1e400}})"), "stream/start"));
  CHECK(named(error_of(parse_stream_status, R"({"is_live": true, "viewers": 1e400})"), "stream/status"));
  CHECK(named(error_of(parse_stream_status, R"({"is_live": true, "uptime_seconds": -1e400})"), "stream/status"));
  CHECK(named(error_of(parse_thumbnail, R"({"thumbnail_url": "u", "size": 1e400})"), "update-thumbnail"));
  CHECK(named(error_of(parse_stop, R"({"status": "stopped", "duration_seconds": 1e400})"), "stream/stop"));
  CHECK(named(error_of(parse_skill_version, R"({"version": "2.0.0", "n": 1e400})"), "skill.json"));
  CHECK(named(error_of(parse_comments, R"({"comments": [{"id": "1", "text": "hi", "timestamp": 1e400}]})"),
              "stream/comments"));
  CHECK_FALSE(error_message(R"({"error": "x", "n": 1e400})").has_value());
}

TEST(RetakeApi, NumbersTooLargeForTheirFieldAreRefusedNotWrapped) {
  STRCMP_EQUAL("stream/status: viewers: out of range",
               error_of(parse_stream_status, R"({"is_live": true, "viewers": 1e30})").c_str());
  STRCMP_EQUAL("stream/status: viewers: out of range",
               error_of(parse_stream_status, R"({"is_live": true, "viewers": 99999999999999999999})").c_str());
  STRCMP_EQUAL("stream/status: viewers: out of range",
               error_of(parse_stream_status, R"({"is_live": true, "viewers": -3})").c_str());
  STRCMP_EQUAL("stream/status: viewers: expected an integer",
               error_of(parse_stream_status, R"({"is_live": true, "viewers": 2.5})").c_str());
  LONGS_EQUAL(7, parse_stream_status(R"({"is_live": true, "viewers": 7.0})").viewers);
  STRCMP_EQUAL("stream/stop: duration_seconds: out of range",
               error_of(parse_stop, R"({"duration_seconds": 1e300})").c_str());
  // A comment's timestamp that fits no clock is dropped, the comment kept.
  const auto comments = parse_comments(R"([{"id": "1", "text": "hi", "timestamp": 1e300}])");
  LONGS_EQUAL(1, comments.size());
  CHECK_FALSE(comments[0].timestamp_ms.has_value());
}

TEST(RetakeApi, AbsurdNestingIsAnErrorNotADeepRecursion) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  CHECK(
      error_of(parse_comments, deep.c_str()).starts_with("stream/comments: response is not valid JSON (nested deeper"));
}

TEST(RetakeApi, ABrokenAnswerIsNotQuotedInTheError) {
  const std::string message = error_of(parse_rtmp, R"({"url": "rtmps://x/app", "key": "sk_live_secret)");
  CHECK_TEXT(message.starts_with("rtmp: response is not valid JSON ("), message.c_str());
  CHECK_TEXT(message.find("sk_live_secret") == std::string::npos, message.c_str());
}

TEST(RetakeApi, VerificationAnswersOfSkill21) {
  STRCMP_EQUAL("Claiming my Livestreaming Agent on @retakedottv. Code: AB12",
               parse_verification_message(
                   R"({"verification_message": "Claiming my Livestreaming Agent on @retakedottv. Code: AB12"})")
                   .c_str());
  STRCMP_EQUAL("prepare-verify: verification_message: empty",
               error_of(parse_verification_message, R"({"verification_message": ""})").c_str());
  CHECK(parse_verified(R"({"verified": true})", "verify"));
  CHECK_FALSE(parse_verified(R"({"verified": false})", "verification-status"));
  // "false" as a string is not false: a wrong type is an error, never a guess.
  STRCMP_EQUAL(
      "verification-status: verified: expected true or false",
      error_of([](const char* body) { return parse_verified(body, "verification-status"); }, R"({"verified": "false"})")
          .c_str());
  STRCMP_EQUAL("verify: verified: missing",
               error_of([](const char* body) { return parse_verified(body, "verify"); }, "{}").c_str());
  STRCMP_EQUAL("7d5c-uuid", parse_streamer_id(R"({"streamer_id": "7d5c-uuid", "username": "Other"})").c_str());
  STRCMP_EQUAL("users/streamer: streamer_id: missing", error_of(parse_streamer_id, R"({"user_id": "x"})").c_str());
}

TEST(RetakeApi, TheFirmwareSpeaksSkill212AndNewerIsNewer) {
  STRCMP_EQUAL("2.1.2", std::string(kSkillVersion).c_str());
  CHECK(is_newer_version("2.1.3", kSkillVersion));
  CHECK(is_newer_version("2.2.0", kSkillVersion));
  CHECK_FALSE(is_newer_version("2.1.2", kSkillVersion));
  CHECK_FALSE(is_newer_version("2.0.0", kSkillVersion));
}
