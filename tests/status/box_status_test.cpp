#include "status/box_status.hpp"

#include <CppUTest/TestHarness.h>
#include <nlohmann/json.hpp>

using namespace agentcast::status;

namespace {

BoxStatus busy_box() {
  BoxStatus status;
  status.pid = 4242;
  status.version = "9.8.7";
  status.updated_unix_ms = 1'700'000'010'000;
  status.platform_kind = "retake";
  status.phase = Phase::live;
  status.phase_since_unix_ms = 1'700'000'000'000;
  status.label = "LIVE";
  status.video_encoder = "x264enc";
  status.audio_source = "silence";
  status.fallbacks = {"audio: alsa failed (no such device); silence instead"};
  status.gpio_left_out = {"live LED: pinctrl-bcm2711 line 27 is busy (used by gpio-leds)"};
  status.pipeline_rebuilds = 1;
  status.reloaded_unix_ms = 1700000100000;
  status.reload_problem = "agentcast.json: video.fps: expected an integer";
  status.reload_needs_restart = {"video", "chat"};
  status.server_host = "rtmp.example.net:1936";
  status.restarts = 2;
  status.fps_in = 30;
  status.fps_out = 29.5;
  status.frames_dropped = 7;
  status.frames_skipped = 1234;
  status.bitrate_kbps = 1480;
  status.last_thumbnail_unix_ms = 1'700'000'005'000;
  status.last_thumbnail_encode_ms = 12.5;
  status.chat_shown = 130;
  status.chat_polls = 44;
  status.chat_poll_errors = 3;
  agentcast::chat::SourceStats socket;
  socket.kind = "retake-socketio";
  socket.state = "joined";
  socket.events = {12, 9, 2, 0, 0, 1, 0};
  socket.reconnects = 3;
  socket.last_error = "no ping from the server for 45 s";
  socket.last_event_unix_ms = 1'700'000'009'000;
  status.chat_sources = {socket};
  agentcast::agent::AgentStats agent;
  agent.state = "speaking";
  agent.turns = 41;
  agent.queued = 3;
  agent.dropped = 2;
  agent.audio_ms_played = 123'400;
  agent.last_turn_latency_ms = 2100;
  agent.timeouts = 1;
  agent.refused_audio = 1;
  agent.reconnects = 4;
  agent.last_error = "an audio message was not played: 8-bit samples: only 16-bit PCM is played";
  status.agent = agent;
  status.notify =
      agentcast::notify::NotifyStats{.sent = 12, .failed = 1, .last_error = "heartbeat not delivered: exit status 3"};
  status.api_error("chat: /agent/stream/comments: HTTP 503", 1'700'000'008'000);
  status.platform_live = true;
  status.viewers = 17;
  status.platform_uptime_s = 600;
  status.skill_warning = "retake.tv skill version 3.0.0 is newer";
  status.log_file_problem = "/dev/zero is a character device; scene.log_file must be a regular file or a FIFO";
  return status;
}

std::string field_error(const std::string& text) {
  try {
    from_json_text(text);
  } catch (const StatusFormatError& error) {
    return error.what();
  }
  return "(accepted)";
}

}  // namespace

TEST_GROUP(BoxStatus){};

TEST(BoxStatus, EveryFieldSurvivesTheStatusFile) {
  const BoxStatus written = busy_box();
  const BoxStatus read = from_json_text(to_json_text(written));
  LONGS_EQUAL(written.pid, read.pid);
  STRCMP_EQUAL("9.8.7", read.version.c_str());
  CHECK(read.updated_unix_ms == written.updated_unix_ms);
  CHECK(read.phase == Phase::live);
  CHECK(read.phase_since_unix_ms == 1'700'000'000'000);
  STRCMP_EQUAL("rtmp.example.net:1936", read.server_host.c_str());
  LONGS_EQUAL(2, read.restarts);
  DOUBLES_EQUAL(29.5, read.fps_out, 1e-9);
  CHECK(read.frames_dropped == 7);
  CHECK(read.frames_skipped == 1234);
  DOUBLES_EQUAL(1480, read.bitrate_kbps, 1e-9);
  CHECK(read.last_thumbnail_unix_ms == written.last_thumbnail_unix_ms);
  DOUBLES_EQUAL(12.5, *read.last_thumbnail_encode_ms, 1e-9);
  CHECK(read.chat_shown == 130 && read.chat_polls == 44 && read.chat_poll_errors == 3);
  STRCMP_EQUAL(written.last_api_error.c_str(), read.last_api_error.c_str());
  CHECK(read.platform_live == true);
  CHECK(read.viewers == 17);
  CHECK(read.platform_uptime_s == 600);
  STRCMP_EQUAL(written.skill_warning.c_str(), read.skill_warning.c_str());
  STRCMP_EQUAL(written.log_file_problem.c_str(), read.log_file_problem.c_str());
  CHECK(read.chat_sources == written.chat_sources);
  CHECK(read.agent == written.agent);
  CHECK(read.notify == written.notify);
  CHECK(read.gpio_left_out == written.gpio_left_out);
  CHECK(read.reloaded_unix_ms == written.reloaded_unix_ms);
  STRCMP_EQUAL(written.reload_problem.c_str(), read.reload_problem.c_str());
  CHECK(read.reload_needs_restart == written.reload_needs_restart);
}

TEST(BoxStatus, OwnerNotificationsHaveALineWithWhatWasDeliveredAndTheLastError) {
  const std::string report = describe(busy_box(), 1'700'000'010'000);
  CHECK_TEXT(
      report.find("notify:     12 delivered, 1 given up\n    last error: heartbeat not delivered: exit status 3") !=
          std::string::npos,
      report.c_str());
  BoxStatus without = busy_box();
  without.notify.reset();
  CHECK(from_json_text(to_json_text(without)).notify == std::nullopt);
  CHECK(describe(without, 1'700'000'010'000).find("notify:") == std::string::npos);
  auto document = nlohmann::json::parse(to_json_text(busy_box()));
  document["notify"] = 3;
  STRCMP_EQUAL("notify: wrong type", field_error(document.dump()).c_str());
}

TEST(BoxStatus, TheAgentHasALineWithItsTurnsVoiceAndLastError) {
  const std::string report = describe(busy_box(), 1'700'000'010'000);
  CHECK_TEXT(report.find("agent:      speaking, 41 turns, 3 queued, 2 dropped, 123.4 s of voice played, last turn "
                         "2.1 s to its first voice, 1 timeouts, 0 interrupted, 1 refused audio, 4 reconnects") !=
                 std::string::npos,
             report.c_str());
  BoxStatus without = busy_box();
  without.agent.reset();
  CHECK(from_json_text(to_json_text(without)).agent == std::nullopt);
  CHECK(describe(without, 1'700'000'010'000).find("agent:") == std::string::npos);
}

TEST(BoxStatus, EveryChatSourceHasALineWithItsStateCountsAndLastError) {
  const std::string report = describe(busy_box(), 1'700'000'010'000);
  CHECK_TEXT(report.find("retake-socketio: joined, 12 events (9 chat, 2 gift, 0 like, 0 enter, 1 follow, 0 share), "
                         "3 reconnects") != std::string::npos,
             report.c_str());
  CHECK_TEXT(report.find("last error: no ping from the server for 45 s") != std::string::npos, report.c_str());
}

TEST(BoxStatus, ChatSourcesOfTheWrongShapeAreAFormatError) {
  auto document = nlohmann::json::parse(to_json_text(busy_box()));
  document["chat"]["sources"][0]["events"]["chat"] = "nine";
  CHECK_THROWS(StatusFormatError, from_json_text(document.dump()));
  document["chat"] = nlohmann::json::array();
  CHECK_THROWS(StatusFormatError, from_json_text(document.dump()));
}

TEST(BoxStatus, UnknownValuesStayUnknown) {
  BoxStatus fresh;
  fresh.platform_kind = "rtmp";
  const BoxStatus read = from_json_text(to_json_text(fresh));
  CHECK_FALSE(read.last_thumbnail_unix_ms.has_value());
  CHECK_FALSE(read.platform_live.has_value());
  CHECK_FALSE(read.viewers.has_value());
  CHECK_FALSE(read.last_api_error_unix_ms.has_value());
}

TEST(BoxStatus, ABrokenFileNamesTheFieldAtFault) {
  auto document = nlohmann::json::parse(to_json_text(busy_box()));
  document.erase("fps_out");
  STRCMP_EQUAL("fps_out: missing", field_error(document.dump()).c_str());
  document = nlohmann::json::parse(to_json_text(busy_box()));
  document["chat_shown"] = "many";
  STRCMP_EQUAL("chat_shown: wrong type", field_error(document.dump()).c_str());
  document = nlohmann::json::parse(to_json_text(busy_box()));
  document["state"] = "dancing";
  STRCMP_EQUAL("state: unknown state", field_error(document.dump()).c_str());
  CHECK(field_error("{\"pid\": 1,").starts_with("not valid JSON"));
  STRCMP_EQUAL("expected an object", field_error("[1, 2]").c_str());
}

TEST(BoxStatus, EveryPhaseHasAName) {
  for (const Phase phase : {Phase::starting, Phase::fetching_key, Phase::starting_session, Phase::connecting,
                            Phase::confirming_live, Phase::live, Phase::reconnecting, Phase::credentials_rejected,
                            Phase::platform_error, Phase::stopping, Phase::stopped}) {
    const auto name = phase_name(phase);
    CHECK(name != "unknown");
    CHECK(phase_from_name(name) == phase);
  }
  CHECK_FALSE(phase_from_name("live ").has_value());
}

TEST(BoxStatus, TheReportShowsWhatAnOperatorAsksFirst) {
  const std::string report = describe(busy_box(), 1'700'000'010'000);
  CHECK(report.find("state:      live since") != std::string::npos);
  CHECK(report.find("(10 s ago)") != std::string::npos);
  CHECK(report.find("rtmp.example.net:1936, 2 restarts") != std::string::npos);
  CHECK(
      report.find("30.0 fps in, 29.5 fps out, 7 frames dropped, 1234 repeated frames past the encoder, 1480 kbit/s") !=
      std::string::npos);
  CHECK(report.find("12.5 ms to encode") != std::string::npos);
  CHECK(report.find("130 shown, 0 blocked, 0 held back in floods, 44 polls, 3 failed polls") != std::string::npos);
  CHECK(report.find("HTTP 503") != std::string::npos);
  CHECK(report.find("live, 17 viewers, up 10 min 0 s") != std::string::npos);
  CHECK(report.find("skill version 3.0.0") != std::string::npos);
  CHECK(report.find("log file:   /dev/zero is a character device") != std::string::npos);
  CHECK(report.find("pipeline:   x264enc, audio silence, 1 rebuilds") != std::string::npos);
  CHECK(report.find("fallback:   audio: alsa failed (no such device); silence instead") != std::string::npos);
  CHECK_TEXT(report.find("gpio:       left out: live LED: pinctrl-bcm2711 line 27 is busy (used by gpio-leds)") !=
                 std::string::npos,
             report.c_str());
}

TEST(BoxStatus, NumbersBeyondWhatTheyCanHoldAreAFormatErrorNotACrash) {
  // The JSON text of a busy box with one field's value replaced verbatim.
  const auto with = [](const std::string& key, const std::string& value) {
    std::string text = nlohmann::json::parse(to_json_text(busy_box())).dump();
    const auto at = text.find("\"" + key + "\":") + key.size() + 3;
    text.replace(at, text.find_first_of(",}", at) - at, value);
    return field_error(text);
  };
  CHECK(with("pid", "1e400").starts_with("not valid JSON (number overflow"));
  STRCMP_EQUAL("pid: wrong type", with("pid", "1e30").c_str());
  STRCMP_EQUAL("pid: wrong type", with("pid", "1.5").c_str());
  STRCMP_EQUAL("frames_dropped: wrong type", with("frames_dropped", "-1").c_str());
  STRCMP_EQUAL("viewers: wrong type", with("viewers", "99999999999999999999").c_str());
  STRCMP_EQUAL("(accepted)", with("pid", "4242").c_str());
}

TEST(BoxStatus, PlainRtmpModeHasNoPlatformLines) {
  BoxStatus status = busy_box();
  status.platform_kind = "rtmp";
  status.chat_sources.clear();  // a chat source (Douyin) would bring the chat lines back
  const std::string report = describe(status, 1'700'000'010'000);
  CHECK(report.find("chat:") == std::string::npos);
  CHECK(report.find("platform:") == std::string::npos);
  CHECK(report.find("state:") != std::string::npos);
}

TEST(BoxStatus, AnUnverifiedAgentSaysWhatToRunAndThatItAsksAgain) {
  BoxStatus status = busy_box();
  status.phase = Phase::awaiting_verification;
  status.label = "AWAITING VERIFICATION";
  status.problem = "the agent is not verified on retake.tv: run `agentcast verify` over SSH";
  status.retry_in_s = 60;
  const std::string report = describe(status, 1'700'000'010'000);
  CHECK_TEXT(report.find("state:      awaiting-verification") != std::string::npos, report.c_str());
  CHECK_TEXT(report.find("run `agentcast verify` over SSH (asked again every 60.0 s)") != std::string::npos,
             report.c_str());
  const auto read_back = from_json_text(to_json_text(status));
  CHECK(read_back.phase == Phase::awaiting_verification);
}
