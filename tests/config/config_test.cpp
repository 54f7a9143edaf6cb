#include "config/config.hpp"

#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>
#include <glib.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

using agentcast::config::ConfigError;
using agentcast::config::parse;

namespace {

// The message of the ConfigError that parsing `json` raises ("" when it parses).
std::string error_of(const std::string& json) {
  try {
    parse(json, "test.json");
  } catch (const ConfigError& error) {
    return error.what();
  } catch (const std::exception& error) {
    // Anything else ends `run` with SIGABRT instead of exit 2.
    FAIL((std::string("an exception other than ConfigError escaped: ") + error.what()).c_str());
  }
  return "";
}

}  // namespace

TEST_GROUP(Config){};

TEST(Config, EmptyObjectGivesTheContractDefaults) {
  const auto config = parse("{}", "test.json");
  STRCMP_EQUAL("retake", config.platform.kind.c_str());
  STRCMP_EQUAL("https://retake.tv/api/v1", config.platform.api_base.c_str());
  STRCMP_EQUAL("rtmp://127.0.0.1/live/demo", config.output.url.c_str());
  CHECK_FALSE(config.tls.ca_file.has_value());
  LONGS_EQUAL(1280, config.video.width);
  LONGS_EQUAL(720, config.video.height);
  LONGS_EQUAL(30, config.video.fps);
  LONGS_EQUAL(1500, config.video.bitrate_kbps);
  LONGS_EQUAL(60, config.video.keyframe_interval_frames());
  STRCMP_EQUAL("auto", config.video.encoder.c_str());
  STRCMP_EQUAL("silence", config.audio.source.c_str());
  LONGS_EQUAL(128, config.audio.bitrate_kbps);
  LONGS_EQUAL(44100, config.audio.rate);
  LONGS_EQUAL(2, config.audio.channels);
  STRCMP_EQUAL("/tmp/stream.log", config.scene.log_file.c_str());
  STRCMP_EQUAL("Monospace 14", config.scene.font.c_str());
  DOUBLES_EQUAL(180, config.thumbnail.interval_s, 0);
  LONGS_EQUAL(1280, config.thumbnail_width());
  LONGS_EQUAL(720, config.thumbnail_height());
  DOUBLES_EQUAL(2.5, config.chat.poll_active_s, 0);
  DOUBLES_EQUAL(8, config.chat.poll_quiet_s, 0);
  CHECK_FALSE(config.chat.opening_message.empty());
  DOUBLES_EQUAL(600, config.chat.opening_after_off_s, 0);
  STRCMP_EQUAL("auto", config.board.name.c_str());
  DOUBLES_EQUAL(30, config.thumbnail.min_gap_s, 0);
  STRCMP_EQUAL("", config.status.file.c_str());
}

TEST(Config, EveryKeyOfTheContractIsRead) {
  const auto config = parse(R"({
    "platform": {"kind": "rtmp", "api_base": "http://127.0.0.1:8080/api/v1", "skill_url": "https://x.example/skill.json",
                 "credentials": "/etc/agentcast/credentials.json"},
    "output": {"url": "rtmps://live.example:443/app/key"},
    "tls": {"ca_file": "/etc/agentcast/ca.pem"},
    "video": {"width": 1920, "height": 1080, "fps": 25, "bitrate_kbps": 4000, "keyframe_interval_s": 4, "encoder": "x264enc"},
    "audio": {"source": "alsa", "device": "hw:1,0", "bitrate_kbps": 96, "rate": 48000, "channels": 1},
    "scene": {"title": "My agent", "log_file": "/var/log/agent.log", "font": "DejaVu Sans Mono 12"},
    "thumbnail": {"interval_s": 120, "width": 640, "height": 360, "path": "/run/agentcast/thumb.jpg", "min_gap_s": 45},
    "chat": {"poll_active_s": 2, "poll_quiet_s": 10, "opening_message": "Back on air", "opening_after_off_s": 900,
             "blocked_words": ["spam", "scam"], "max_events_per_s": 50},
    "board": {"name": "rpi4"},
    "status": {"file": "/run/box/status.json"}
  })",
                            "test.json");
  STRCMP_EQUAL("rtmp", config.platform.kind.c_str());
  STRCMP_EQUAL("http://127.0.0.1:8080/api/v1", config.platform.api_base.c_str());
  STRCMP_EQUAL("/etc/agentcast/credentials.json", config.platform.credentials.c_str());
  STRCMP_EQUAL("rtmps://live.example:443/app/key", config.output.url.c_str());
  STRCMP_EQUAL("/etc/agentcast/ca.pem", config.tls.ca_file->c_str());
  LONGS_EQUAL(1920, config.video.width);
  LONGS_EQUAL(100, config.video.keyframe_interval_frames());
  STRCMP_EQUAL("x264enc", config.video.encoder.c_str());
  STRCMP_EQUAL("hw:1,0", config.audio.device.c_str());
  LONGS_EQUAL(48000, config.audio.rate);
  STRCMP_EQUAL("My agent", config.scene.title.c_str());
  LONGS_EQUAL(640, config.thumbnail_width());
  STRCMP_EQUAL("/run/agentcast/thumb.jpg", config.thumbnail.path.c_str());
  DOUBLES_EQUAL(10, config.chat.poll_quiet_s, 0);
  STRCMP_EQUAL("Back on air", config.chat.opening_message.c_str());
  DOUBLES_EQUAL(900, config.chat.opening_after_off_s, 0);
  CHECK((std::vector<std::string>{"spam", "scam"}) == config.chat.blocked_words);
  DOUBLES_EQUAL(50, config.chat.max_events_per_s, 0);
  STRCMP_EQUAL("rpi4", config.board.name.c_str());
  DOUBLES_EQUAL(45, config.thumbnail.min_gap_s, 0);
  STRCMP_EQUAL("/run/box/status.json", config.status.file.c_str());
}

TEST(Config, BrokenJsonNamesFileLineAndColumn) {
  const std::string message = error_of("{\n  \"video\": {\n    \"fps\": 30,,\n  }\n}");
  CHECK_TEXT(message.starts_with("test.json:3:15: invalid JSON"), message.c_str());
}

TEST(Config, TruncatedJsonNamesTheEnd) {
  const std::string message = error_of("{\"video\": {\"fps\": 30}");
  CHECK_TEXT(message.starts_with("test.json:1:"), message.c_str());
  CHECK_TEXT(message.find("invalid JSON") != std::string::npos, message.c_str());
}

TEST(Config, WrongTypeNamesTheKeyPath) {
  STRCMP_EQUAL("test.json: video.fps: expected an integer", error_of(R"({"video": {"fps": "30"}})").c_str());
  STRCMP_EQUAL("test.json: video.keyframe_interval_s: expected a number",
               error_of(R"({"video": {"keyframe_interval_s": "2"}})").c_str());
  STRCMP_EQUAL("test.json: scene.title: expected a string", error_of(R"({"scene": {"title": 5}})").c_str());
  STRCMP_EQUAL("test.json: tls.ca_file: expected a string or null", error_of(R"({"tls": {"ca_file": false}})").c_str());
  STRCMP_EQUAL("test.json: audio: expected an object", error_of(R"({"audio": []})").c_str());
  STRCMP_EQUAL("test.json: (top level): expected an object", error_of("[1, 2]").c_str());
}

TEST(Config, FractionalIntegerIsAWrongType) {
  STRCMP_EQUAL("test.json: video.width: expected an integer", error_of(R"({"video": {"width": 1280.5}})").c_str());
}

TEST(Config, UnknownKeyNamesTheKeyPath) {
  STRCMP_EQUAL("test.json: video.fpz: unknown key", error_of(R"({"video": {"fpz": 30}})").c_str());
  STRCMP_EQUAL("test.json: vidoe: unknown key", error_of(R"({"vidoe": {}})").c_str());
}

TEST(Config, OutOfRangeValuesAreRejected) {
  CHECK(error_of(R"({"video": {"width": 1281}})").starts_with("test.json: video.width: expected an even number"));
  CHECK(error_of(R"({"video": {"fps": 0}})").starts_with("test.json: video.fps:"));
  CHECK(error_of(R"({"video": {"bitrate_kbps": 10}})").starts_with("test.json: video.bitrate_kbps:"));
  CHECK(error_of(R"({"audio": {"rate": 22050}})").starts_with("test.json: audio.rate:"));
  CHECK(error_of(R"({"audio": {"channels": 6}})").starts_with("test.json: audio.channels:"));
  CHECK(error_of(R"({"audio": {"source": "mp3"}})").starts_with("test.json: audio.source:"));
  CHECK(error_of(R"({"platform": {"kind": "youtube"}})").starts_with("test.json: platform.kind:"));
  CHECK(error_of(R"({"thumbnail": {"interval_s": 0}})").starts_with("test.json: thumbnail.interval_s:"));
  CHECK(error_of(R"({"thumbnail": {"min_gap_s": 0.5}})").starts_with("test.json: thumbnail.min_gap_s:"));
  STRCMP_EQUAL("test.json: status.file: expected a string", error_of(R"({"status": {"file": 3}})").c_str());
  CHECK(error_of(R"({"chat": {"opening_message": "two\nlines"}})").starts_with("test.json: chat.opening_message:"));
  CHECK(error_of(R"({"chat": {"opening_message": ")" + std::string(501, 'a') + R"("}})")
            .starts_with("test.json: chat.opening_message:"));
  CHECK(error_of(R"({"chat": {"opening_after_off_s": -1}})").starts_with("test.json: chat.opening_after_off_s:"));
  STRCMP_EQUAL("test.json: chat.blocked_words: expected a list of strings",
               error_of(R"({"chat": {"blocked_words": "spam"}})").c_str());
  STRCMP_EQUAL("test.json: chat.blocked_words: expected a list of strings",
               error_of(R"({"chat": {"blocked_words": ["spam", 3]}})").c_str());
  CHECK(error_of(R"({"chat": {"blocked_words": [""]}})").starts_with("test.json: chat.blocked_words:"));
  CHECK(error_of(R"({"chat": {"max_events_per_s": 0}})").starts_with("test.json: chat.max_events_per_s:"));
}

TEST(Config, UnknownEncoderListsTheKnownOnes) {
  const std::string message = error_of(R"({"video": {"encoder": "nvenc"}})");
  CHECK_TEXT(message.starts_with("test.json: video.encoder: unknown encoder \"nvenc\""), message.c_str());
  CHECK_TEXT(message.find("x264enc") != std::string::npos, message.c_str());
}

TEST(Config, AlsaDeviceCannotInjectPipelineSyntax) {
  CHECK(error_of(R"({"audio": {"device": "hw:0 ! filesink location=/etc/passwd"}})")
            .starts_with("test.json: audio.device:"));
  CHECK(error_of(R"({"audio": {"device": "x\"y"}})").starts_with("test.json: audio.device:"));
  CHECK(error_of(R"({"audio": {"device": "plughw:CARD=Device,DEV=0"}})").empty());
}

TEST(Config, PlainHttpApiOnlyForLoopback) {
  CHECK(error_of(R"({"platform": {"api_base": "http://retake.tv/api/v1"}})")
            .starts_with("test.json: platform.api_base:"));
  CHECK(error_of(R"({"platform": {"api_base": "http://127.0.0.1.evil.example/api"}})")
            .starts_with("test.json: platform.api_base:"));
  CHECK(error_of(R"({"platform": {"api_base": "http://localhost:9000/api/v1"}})").empty());
  CHECK(error_of(R"({"platform": {"api_base": "http://[::1]:9000/api/v1"}})").empty());
  CHECK(error_of(R"({"platform": {"skill_url": "ftp://retake.tv/skill.json"}})")
            .starts_with("test.json: platform.skill_url:"));
}

TEST(Config, RtmpModeNeedsAnRtmpUrlWithAKey) {
  CHECK(error_of(R"({"platform": {"kind": "rtmp"}, "output": {"url": "http://x/live/k"}})")
            .starts_with("test.json: output.url:"));
  CHECK(error_of(R"({"platform": {"kind": "rtmp"}, "output": {"url": "rtmp://host"}})")
            .starts_with("test.json: output.url:"));
  CHECK(error_of(R"({"platform": {"kind": "rtmp"}, "output": {"url": "rtmp://host/live/"}})")
            .starts_with("test.json: output.url:"));
  CHECK(error_of(R"({"platform": {"kind": "rtmp"}, "output": {"url": "rtmps://host:443/live/key"}})").empty());
}

TEST(Config, TildeExpandsToHome) {
  const auto config = parse(R"({"platform": {"credentials": "~/creds.json"}, "scene": {"log_file": "~/agent.log"},
                               "tls": {"ca_file": "~/ca.pem"}, "thumbnail": {"path": "~/t.jpg"}})",
                            "test.json");
  const std::string home = g_get_home_dir();
  STRCMP_EQUAL((home + "/creds.json").c_str(), config.platform.credentials.c_str());
  STRCMP_EQUAL((home + "/agent.log").c_str(), config.scene.log_file.c_str());
  STRCMP_EQUAL((home + "/ca.pem").c_str(), config.tls.ca_file->c_str());
  STRCMP_EQUAL((home + "/t.jpg").c_str(), config.thumbnail.path.c_str());
  // Only a leading "~" means home.
  STRCMP_EQUAL("/var/~/x.log", parse(R"({"scene": {"log_file": "/var/~/x.log"}})", "t").scene.log_file.c_str());
}

TEST(Config, NullCaFileMeansNone) {
  CHECK_FALSE(parse(R"({"tls": {"ca_file": null}})", "test.json").tls.ca_file.has_value());
}

TEST(Config, LoadFileNamesAMissingFile) {
  agentcast::testing::TempDir dir;
  const std::string path = dir.file("absent.json");
  try {
    agentcast::config::load_file(path);
    FAIL("expected a ConfigError");
  } catch (const ConfigError& error) {
    const std::string message = error.what();
    CHECK_TEXT(message.starts_with(path + ": cannot read"), message.c_str());
  }
}

TEST(Config, LoadFileUsesThePathInMessages) {
  agentcast::testing::TempDir dir;
  dir.write("a.json", "{\"video\": {\"fps\": true}}");
  try {
    agentcast::config::load_file(dir.file("a.json"));
    FAIL("expected a ConfigError");
  } catch (const ConfigError& error) {
    STRCMP_EQUAL((dir.file("a.json") + ": video.fps: expected an integer").c_str(), error.what());
  }
}

TEST(Config, TheLogLevelIsOneOfTheJournalsLevels) {
  STRCMP_EQUAL("info", parse("{}", "test.json").log.level.c_str());
  STRCMP_EQUAL("debug", parse(R"({"log": {"level": "debug"}})", "test.json").log.level.c_str());
  STRCMP_EQUAL("test.json: log.level: expected \"error\", \"warning\", \"notice\", \"info\" or \"debug\"",
               error_of(R"({"log": {"level": "loud"}})").c_str());
  STRCMP_EQUAL("test.json: log.colour: unknown key", error_of(R"({"log": {"colour": true}})").c_str());
}

// What SIGHUP reports as needing a restart: the sections whose settings differ.
TEST(Config, ChangedSectionsNameEverySectionThatDiffers) {
  const auto before = parse(R"({"video": {"fps": 30}, "chat": {"blocked_words": ["a"]}})", "test.json");
  CHECK(agentcast::config::changed_sections(before, before).empty());
  const auto after = parse(R"({"video": {"fps": 25}, "chat": {"blocked_words": ["b"]}, "log": {"level": "debug"},
                               "board": {"gpio": {"status_led": {"chip": "gpiochip0", "line": 4}}}})",
                           "test.json");
  CHECK((std::vector<std::string>{"video", "chat", "board", "log"}) ==
        agentcast::config::changed_sections(before, after));
}

TEST(Config, TheConfigShippedInTheRootfsOverlayIsValid) {
  const auto config = agentcast::config::load_file(AGENTCAST_SOURCE_DIR "/rootfs-overlay/etc/agentcast/agentcast.json");
  STRCMP_EQUAL("retake", config.platform.kind.c_str());
  LONGS_EQUAL(60, config.video.keyframe_interval_frames());
  // The image powers the board off on a long press; the scene's log is in the unit's /run.
  CHECK((std::vector<std::string>{"/usr/bin/systemctl", "poweroff"}) == config.board.long_press_command);
  STRCMP_EQUAL("/run/agentcast/stream.log", config.scene.log_file.c_str());
}

// `run` with "poll_active_s": 1e400 aborted with SIGABRT: nlohmann throws out_of_range for a
// number beyond a double's range, and only parse_error was caught.
TEST(Config, NumbersBeyondADoublesRangeAreNamedErrorsWithTheirPlace) {
  STRCMP_EQUAL("test.json:1:28: invalid JSON: number overflow parsing '1e400'",
               error_of(R"({"chat": {"poll_active_s": 1e400}})").c_str());
  STRCMP_EQUAL("test.json:2:20: invalid JSON: number overflow parsing '-1e999'",
               error_of("{\"video\":\n  {\"bitrate_kbps\": -1e999}}").c_str());
  CHECK(error_of(R"({"video": {"fps": 1e400}})").starts_with("test.json:1:"));
  CHECK(error_of(R"({"unknown": [1e400]})").starts_with("test.json:1:"));
}

TEST(Config, IntegersOutOfTheirTypesRangeAreRefused) {
  STRCMP_EQUAL("test.json: video.fps: out of range", error_of(R"({"video": {"fps": 1e30}})").c_str());
  STRCMP_EQUAL("test.json: video.fps: out of range", error_of(R"({"video": {"fps": 99999999999999999999}})").c_str());
  STRCMP_EQUAL("test.json: video.fps: expected an integer", error_of(R"({"video": {"fps": 29.97}})").c_str());
  LONGS_EQUAL(25, parse(R"({"video": {"fps": 25.0}})", "test.json").video.fps);
}

TEST(Config, AStreamUrlWithoutItsKeyIsRefusedAtLoad) {
  // rtmp2sink would retry forever with "Host is not set".
  const std::string message = error_of(R"({"platform": {"kind": "rtmp"}, "output": {"url": "rtmp://host/live"}})");
  CHECK_TEXT(message.starts_with("test.json: output.url: expected rtmp[s]://host[:port]/app/key"), message.c_str());
  CHECK_TEXT(message.find("stream key is missing") != std::string::npos, message.c_str());
  CHECK(error_of(R"({"platform": {"kind": "rtmp"}, "output": {"url": "rtmp://host//key"}})")
            .starts_with("test.json: output.url:"));
  CHECK(error_of(R"({"platform": {"kind": "rtmp"}, "output": {"url": "rtmp:///live/key"}})")
            .starts_with("test.json: output.url:"));
  CHECK(error_of(R"({"platform": {"kind": "rtmp"}, "output": {"url": "rtmps://a.example/live2/x-y-z?q=1"}})").empty());
}

TEST(Config, AFontSizeThatCannotFillThePanelIsRefused) {
  const std::string message = error_of(R"({"scene": {"font": "Monospace 2000"}})");
  CHECK_TEXT(message.starts_with("test.json: scene.font: expected a font description with a size from 6 to 48"),
             message.c_str());
  CHECK(error_of(R"({"scene": {"font": "Monospace 3"}})").starts_with("test.json: scene.font:"));
  CHECK(error_of(R"({"scene": {"font": "Monospace"}})").starts_with("test.json: scene.font:"));
  CHECK(error_of(R"({"scene": {"font": "Monospace 200px"}})").starts_with("test.json: scene.font:"));
  CHECK(error_of(R"({"scene": {"font": "DejaVu Sans Mono Bold 18"}})").empty());
  CHECK(error_of(R"({"scene": {"font": "Monospace 20px"}})").empty());
}

TEST(Config, AConfigPathThatIsNoFileIsANamedErrorNotAHang) {
  agentcast::testing::TempDir dir;
  std::filesystem::create_directory(dir.file("dir.json"));
  CHECK(mkfifo(dir.file("fifo.json").c_str(), 0600) == 0);
  for (const auto& [name, what] : {std::pair{"dir.json", "is a directory, not a regular file"},
                                   std::pair{"fifo.json", "is a FIFO, not a regular file"}}) {
    try {
      agentcast::config::load_file(dir.file(name));
      FAIL("expected a ConfigError");
    } catch (const ConfigError& error) {
      STRCMP_EQUAL((dir.file(name) + ": cannot read the file: " + what).c_str(), error.what());
    }
  }
}

TEST(Config, ChatSourcesDefaultToTheRestPollInRetakeModeAndNothingInRtmpMode) {
  const auto retake = parse("{}", "test.json");
  LONGS_EQUAL(1, retake.chat.sources.size());
  STRCMP_EQUAL("retake-rest", retake.chat.sources[0].kind.c_str());
  const auto rtmp =
      parse(R"({"platform": {"kind": "rtmp"}, "output": {"url": "rtmp://127.0.0.1/live/k"}})", "test.json");
  CHECK(rtmp.chat.sources.empty());
}

TEST(Config, ChatSourcesAreReadInOrderWithTheirSettings) {
  const auto config =
      parse(R"({"chat": {"sources": [{"kind": "retake-socketio"}, {"kind": "retake-rest"}]}})", "test.json");
  LONGS_EQUAL(2, config.chat.sources.size());
  STRCMP_EQUAL("retake-socketio", config.chat.sources[0].kind.c_str());
  STRCMP_EQUAL("wss://retake.tv/socket.io/", config.chat.sources[0].url.c_str());
  STRCMP_EQUAL("retake-rest", config.chat.sources[1].kind.c_str());
}

TEST(Config, DouyinRoomsTakeASignedUrlOrASignerInEitherMode) {
  const auto config = parse(R"({"platform": {"kind": "rtmp"}, "output": {"url": "rtmp://127.0.0.1/live/k"},
      "chat": {"douyin_silence_s": 60, "sources": [
        {"kind": "douyin", "room_id": "7392091211001140287", "url": "wss://push.example/v2/?signature=S",
         "cookie": "ttwid=1", "heartbeat_s": 5},
        {"kind": "douyin", "room_id": "8", "signer_url": "http://127.0.0.1:9/sign"}]}})",
                            "test.json");
  LONGS_EQUAL(2, config.chat.sources.size());
  STRCMP_EQUAL("7392091211001140287", config.chat.sources[0].room_id.c_str());
  STRCMP_EQUAL("ttwid=1", config.chat.sources[0].cookie.c_str());
  DOUBLES_EQUAL(5, config.chat.sources[0].heartbeat_s, 0);
  STRCMP_EQUAL("http://127.0.0.1:9/sign", config.chat.sources[1].signer_url.c_str());
  DOUBLES_EQUAL(10, config.chat.sources[1].heartbeat_s, 0);
  DOUBLES_EQUAL(60, config.chat.douyin_silence_s, 0);
}

TEST(Config, TheAgentIsOffByDefaultAndOpenLlmVtuberWhenAsked) {
  const auto plain = parse("{}", "test.json");
  STRCMP_EQUAL("none", plain.agent.kind.c_str());
  const auto config = parse(R"({"agent": {"kind": "olv", "url": "ws://127.0.0.1:12393/proxy-ws",
                                "forward": ["chat", "gift"], "max_queue": 5, "turn_timeout_s": 30}})",
                            "test.json");
  STRCMP_EQUAL("olv", config.agent.kind.c_str());
  LONGS_EQUAL(2, config.agent.forward.size());
  LONGS_EQUAL(5, config.agent.max_queue);
  DOUBLES_EQUAL(30, config.agent.turn_timeout_s, 0);
  STRCMP_EQUAL("test.json: agent.url: expected a wss:// URL (ws:// only to this machine)",
               error_of(R"({"agent": {"kind": "olv", "url": "ws://agent.example/proxy-ws"}})").c_str());
  STRCMP_EQUAL("test.json: agent.forward: expected event kinds among chat, gift, follow, enter, like, share, trade",
               error_of(R"({"agent": {"kind": "olv", "forward": ["room_stats"]}})").c_str());
  STRCMP_EQUAL("test.json: agent.kind: expected \"none\" or \"olv\"",
               error_of(R"({"agent": {"kind": "gpt"}})").c_str());
}

TEST(Config, NotificationsGoToAnHttpsWebhookOrOneOnThisMachine) {
  CHECK(parse("{}", "test.json").notify.webhook.empty());
  const auto config = parse(R"({"notify": {"webhook": "https://hooks.example/x?token=1", "big_tip": 5,
                                "heartbeat_h": 0.5, "trouble_after_s": 60}})",
                            "test.json");
  DOUBLES_EQUAL(5, config.notify.big_tip, 0);
  DOUBLES_EQUAL(0.5, config.notify.heartbeat_h, 0);
  STRCMP_EQUAL("test.json: notify.webhook: expected an https:// URL (http:// only to this machine)",
               error_of(R"({"notify": {"webhook": "http://hooks.example/x"}})").c_str());
  STRCMP_EQUAL("test.json: notify.heartbeat_h: expected 0.001 to 168 hours",
               error_of(R"({"notify": {"webhook": "https://hooks.example/x", "heartbeat_h": 0}})").c_str());
}

TEST(Config, NotificationsCanGoToAProgramOfTheOwnersInstead) {
  const auto config = parse(R"({"notify": {"command": ["/usr/local/bin/tell-owner", "--chat", "42"]}})", "test.json");
  CHECK(config.notify.webhook.empty());
  LONGS_EQUAL(3, config.notify.command.size());
  STRCMP_EQUAL("/usr/local/bin/tell-owner", config.notify.command[0].c_str());
  STRCMP_EQUAL("test.json: notify.command: expected the program's absolute path first, then its arguments",
               error_of(R"({"notify": {"command": ["tell-owner"]}})").c_str());
  STRCMP_EQUAL("test.json: notify.command: expected a list of strings",
               error_of(R"({"notify": {"command": "/usr/local/bin/tell-owner --chat 42"}})").c_str());
  STRCMP_EQUAL("test.json: notify.command: expected either a webhook or a command, not both",
               error_of(R"({"notify": {"webhook": "https://hooks.example/x", "command": ["/bin/true"]}})").c_str());
}

TEST(Config, BadChatSourcesNameTheEntryAtFault) {
  STRCMP_EQUAL("test.json: chat.sources: expected a list of objects",
               error_of(R"({"chat": {"sources": {"kind": "retake-rest"}}})").c_str());
  STRCMP_EQUAL("test.json: chat.sources[0]: expected an object",
               error_of(R"({"chat": {"sources": ["retake-rest"]}})").c_str());
  CHECK(error_of(R"({"chat": {"sources": [{"kind": "twitch"}]}})")
            .starts_with("test.json: chat.sources[0].kind: expected"));
  STRCMP_EQUAL("test.json: chat.sources[0].url: expected a wss:// URL (ws:// only to this machine)",
               error_of(R"({"chat": {"sources": [{"kind": "retake-socketio", "url": "ws://example.com/socket.io/"}]}})")
                   .c_str());
  STRCMP_EQUAL("test.json: chat.sources[0].room_id: unknown key",
               error_of(R"({"chat": {"sources": [{"kind": "retake-rest", "room_id": "1"}]}})").c_str());
  STRCMP_EQUAL("test.json: chat.sources: lists retake-rest twice",
               error_of(R"({"chat": {"sources": [{"kind": "retake-rest"}, {"kind": "retake-rest"}]}})").c_str());
  STRCMP_EQUAL("test.json: chat.sources[0].kind: needs platform.kind \"retake\" (the agent's account)",
               error_of(R"({"platform": {"kind": "rtmp"}, "output": {"url": "rtmp://127.0.0.1/live/k"},
                            "chat": {"sources": [{"kind": "retake-socketio"}]}})")
                   .c_str());
  STRCMP_EQUAL(
      "test.json: chat.sources[0].room_id: expected the room's number",
      error_of(R"({"chat": {"sources": [{"kind": "douyin", "room_id": "abc", "url": "wss://x.example/"}]}})").c_str());
  STRCMP_EQUAL("test.json: chat.sources[0].url: expected either url (a signed wss:// URL) or signer_url, not both",
               error_of(R"({"chat": {"sources": [{"kind": "douyin", "room_id": "7", "url": "wss://x.example/",
                            "signer_url": "http://127.0.0.1:9/sign"}]}})")
                   .c_str());
  STRCMP_EQUAL("test.json: chat.sources[0].cookie: only with url (the signer gives its own cookie)",
               error_of(R"({"chat": {"sources": [{"kind": "douyin", "room_id": "7", "cookie": "ttwid=1",
                            "signer_url": "http://127.0.0.1:9/sign"}]}})")
                   .c_str());
  STRCMP_EQUAL("test.json: chat.sources[0].signer_url: expected an https:// URL (http:// only to this machine)",
               error_of(R"({"chat": {"sources": [{"kind": "douyin", "room_id": "7",
                            "signer_url": "http://signer.example/sign"}]}})")
                   .c_str());
}

TEST(Config, BoardLinesAndTheLongPressCommandCanBeGiven) {
  const auto config = parse(R"({"board": {"name": "generic", "long_press_command": ["/usr/bin/systemctl", "poweroff"],
                                "gpio": {"status_led": {"chip": "gpiochip0", "line": 5},
                                         "action_button": {"chip": "gpiochip0", "line": 6, "active_low": true}}}})",
                            "test.json");
  CHECK(config.board.gpio.status_led == (agentcast::board::GpioLine{"gpiochip0", 5, false}));
  CHECK(config.board.gpio.action_button == (agentcast::board::GpioLine{"gpiochip0", 6, true}));
  CHECK_FALSE(config.board.gpio.live_led.has_value());
  LONGS_EQUAL(2, config.board.long_press_command.size());
  CHECK(parse("{}", "test.json").board.gpio.empty());
  CHECK(parse("{}", "test.json").board.long_press_command.empty());
  STRCMP_EQUAL("test.json: board.gpio.status_led.line: expected the line's offset on its chip, 0 to 1023",
               error_of(R"({"board": {"gpio": {"status_led": {"chip": "gpiochip0", "line": 4096}}}})").c_str());
  STRCMP_EQUAL("test.json: board.gpio.status_led.chip: expected the chip's label, name or path",
               error_of(R"({"board": {"gpio": {"status_led": {"line": 4}}}})").c_str());
  STRCMP_EQUAL("test.json: board.gpio.power_led: unknown key",
               error_of(R"({"board": {"gpio": {"power_led": {"chip": "gpiochip0", "line": 4}}}})").c_str());
  STRCMP_EQUAL("test.json: board.long_press_command: expected the program's absolute path first, then its arguments",
               error_of(R"({"board": {"long_press_command": ["poweroff"]}})").c_str());
}
