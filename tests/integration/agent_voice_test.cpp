// The agent on stream, with the real pipeline, nginx-rtmp and the Open-LLM-VTuber emulator
// (strict like the real proxy: one turn at a time, blocked until frontend-playback-complete):
// viewer chat goes to the agent one turn at a time, its WAV replies (24 kHz and 16 kHz mono, and
// a sentence without voice) are heard in the recording for as long as they last, and each turn
// is acknowledged only after its voice went out.
#include "support/ffprobe.hpp"
#include "support/olv_emulator.hpp"
#include "support/retake_box.hpp"

#include <CppUTest/TestHarness.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <set>
#include <thread>

using namespace agentcast::testing;
using namespace std::chrono_literals;

namespace {

struct Segment {
  double start_s;
  double end_s;
};

// The stretches of the recording's audio that are not silent (10 ms windows, short dips inside
// a stretch bridged), from its track decoded to 8 kHz mono.
std::vector<Segment> sounding(const std::string& recording, const TempDir& dir) {
  const std::string raw = dir.file("audio.s16");
  std::string output;
  const int code = run_command(
      {"ffmpeg", "-v", "error", "-y", "-i", recording, "-map", "0:a", "-ac", "1", "-ar", "8000", "-f", "s16le", raw},
      &output, 60000);
  CHECK_TEXT(code == 0, output.c_str());
  const std::string bytes = dir.read("audio.s16");
  const std::size_t window = 80;
  std::vector<Segment> segments;
  int quiet_run = 0;
  for (std::size_t at = 0; at + window * 2 <= bytes.size(); at += window * 2) {
    double energy = 0;
    for (std::size_t i = 0; i < window; ++i) {
      std::int16_t sample = 0;
      std::memcpy(&sample, bytes.data() + at + i * 2, 2);
      energy += static_cast<double>(sample) * sample;
    }
    const bool loud = std::sqrt(energy / window) > 1000;
    const double t = static_cast<double>(at) / 2 / 8000;
    if (loud) {
      if (!segments.empty() && quiet_run <= 3 && segments.back().end_s >= t - 0.05) {
        segments.back().end_s = t + 0.01;
      } else {
        segments.push_back({t, t + 0.01});
      }
      quiet_run = 0;
    } else {
      ++quiet_run;
    }
  }
  return segments;
}

// When the agent panel's picture changed (the recording's timeline, seconds): its region of
// each frame (1280x720 stream), scaled down and grey, compared with the frame before; a change
// is a few dozen pixels that differ clearly (the encoder's refinements of a still picture
// differ only a little).
std::vector<double> panel_changes(const std::string& recording, const TempDir& dir) {
  constexpr int kWidth = 214;
  constexpr int kHeight = 42;
  const std::string raw = dir.file("panel.gray");
  std::string output;
  const int code =
      run_command({"ffmpeg", "-v", "error", "-y", "-i", recording, "-map", "0:v", "-vf",
                   "crop=854:170:16:486,scale=214:42,format=gray", "-fps_mode", "passthrough", "-f", "rawvideo", raw},
                  &output, 60000);
  CHECK_TEXT(code == 0, output.c_str());
  const std::string bytes = dir.read("panel.gray");
  auto times = video_packets(recording);
  std::sort(times.begin(), times.end(), [](const Packet& a, const Packet& b) { return a.pts < b.pts; });
  const std::size_t frame = std::size_t{kWidth} * kHeight;
  std::vector<double> changes;
  for (std::size_t i = 1; i < times.size() && (i + 1) * frame <= bytes.size(); ++i) {
    int differing = 0;
    for (std::size_t p = 0; p < frame; ++p) {
      const int delta =
          static_cast<unsigned char>(bytes[i * frame + p]) - static_cast<unsigned char>(bytes[(i - 1) * frame + p]);
      if (std::abs(delta) > 48) ++differing;
    }
    if (differing >= 20) changes.push_back(times[i].pts);
  }
  return changes;
}

const nlohmann::json* agent_of(const nlohmann::json& status) {
  const auto found = status.find("agent");
  return found == status.end() || found->is_null() ? nullptr : &*found;
}

}  // namespace

TEST_GROUP_BASE(AgentVoice, RetakeBoxTest) {
  std::unique_ptr<OlvEmulator> olv;
  void setup() override {
    RetakeBoxTest::setup();
    olv = std::make_unique<OlvEmulator>(dir);
  }
  void teardown() override {
    olv.reset();
    RetakeBoxTest::teardown();
  }
  // The server's recording of the last stream key, complete.
  std::string last_recording() {
    const auto keys = emulator->control("state")["keys_issued"];
    std::string recording = server->recording(keys.back().get<std::string>());
    wait_for_stable_file(recording);
    return recording;
  }
  // The stretches of voice in what the server recorded; `described` lists them for messages.
  std::vector<Segment> recorded_voice(std::string & described) {
    const std::string recording = last_recording();
    auto segments = sounding(recording, dir);
    for (const auto& segment : segments) {
      described += std::to_string(segment.start_s) + "-" + std::to_string(segment.end_s) + " ";
    }
    return segments;
  }
  // `agent_extra`, `chat_extra`: more keys of those sections, each with its leading comma.
  void configure(const std::string& agent_extra = "", const std::string& chat_extra = "") {
    write_config(R"({"interval_s": 600})", chat_extra,
                 R"(, "agent": {"kind": "olv", "url": ")" + olv->url() + "\"" + agent_extra + "}");
  }
};

TEST(AgentVoice, RepliesAreSpokenInTheStreamOneTurnAtATimeAndAcknowledgedAfterTheyWentOut) {
  olv->control("script", {{"sentences",
                           {{{"text", "Hello there!"}, {"rate", 24000}, {"ms", 800}, {"hz", 440}},
                            {{"text", "(a sentence without voice)"}, {"audio", nullptr}},
                            {{"text", "Nice to see you."}, {"rate", 16000}, {"ms", 600}, {"hz", 330}}}},
                          {"gap_ms", 300}});
  configure("", R"(, "blocked_words": ["cheap"])");
  auto box = start_box();
  wait_until_live(30s);
  const auto ready = wait_until(
      [](const nlohmann::json& s) { return agent_of(s) != nullptr && (*agent_of(s))["state"] == "idle"; }, 20s);
  CHECK_TEXT(ready.held, (ready.describe() + dir.read("agentcast.log")).c_str());

  // The word filter comes before the agent: this one never reaches it (two inputs, below).
  emulator->control("comments", {{"count", 1}, {"text", "buy Cheap followers"}});
  emulator->control("comments", {{"count", 2}, {"text", "hi agent"}});
  const auto done =
      wait_until([](const nlohmann::json& s) { return agent_of(s) != nullptr && (*agent_of(s))["turns"] >= 2; }, 40s);
  CHECK_TEXT(done.held, (done.describe() + dir.read("olv-emulator.log")).c_str());
  const auto& agent = *agent_of(*done.last);
  CHECK_TEXT(agent["audio_ms_played"] >= 2700 && agent["refused_audio"] == 0 && agent["timeouts"] == 0,
             done.describe().c_str());
  CHECK_TEXT(!agent["last_turn_latency_ms"].is_null(), done.describe().c_str());
  CHECK_TEXT((*done.last)["chat_blocked"] == 1, done.describe().c_str());  // it did come, and was held back
  // Spoken without a single restart: neither the connection nor the pipeline.
  CHECK_TEXT((*done.last)["restarts"] == 0 && (*done.last)["pipeline_rebuilds"] == 0, done.describe().c_str());
  // Two more seconds of stream, so the recording holds the end of the second reply and after.
  const auto shown_at = (*done.last)["updated_unix_ms"].get<std::int64_t>();
  CHECK(wait_until([&](const nlohmann::json& s) { return s["updated_unix_ms"] >= shown_at + 2000; }, 10s).held);
  stop_box_gracefully(*box);

  const auto state = olv->control("state");
  LONGS_EQUAL(2, state["inputs"].size());
  CHECK_TEXT(state["inputs"][0]["text"].get<std::string>().starts_with("viewer: hi agent"), state.dump().c_str());
  LONGS_EQUAL(2, state["turns"].size());
  for (const auto& turn : state["turns"]) {
    // The server waited for the box; the box answered only once 1.4 s of voice could have gone out.
    CHECK_TEXT(!turn["playback_complete_at"].is_null(), state.dump().c_str());
    const double voiced = turn["playback_complete_at"].get<double>() - turn["audio_sent"][0]["at"].get<double>();
    CHECK_TEXT(voiced >= 1.35, std::to_string(voiced).c_str());
  }
  // The second chat went to the agent only after the first turn ended.
  CHECK_TEXT(state["inputs"][1]["at"].get<double>() >= state["turns"][0]["ended"].get<double>(), state.dump().c_str());

  // The recording: silence, 1.4 s of voice, silence, 1.4 s of voice, silence.
  std::string described;
  const auto segments = recorded_voice(described);
  LONGS_EQUAL_TEXT(2, segments.size(), described.c_str());
  for (const auto& segment : segments) {
    CHECK_TEXT(std::abs(segment.end_s - segment.start_s - 1.4) <= 0.1, described.c_str());
  }
  CHECK_TEXT(segments[0].start_s > 0.5 && segments[1].start_s > segments[0].end_s + 0.2, described.c_str());

  // The track has no gap and runs beside the video from its first frame: AAC frames of 1024
  // samples at 44.1 kHz are 23 or 24 ms apart in FLV's milliseconds.
  const std::string recording = last_recording();
  const auto video = video_packets(recording);
  const auto audio = audio_packets(recording);
  const double audio_gap = largest_frame_gap(audio);
  CHECK_TEXT(audio_gap < 0.030, ("largest gap in the audio: " + std::to_string(audio_gap) + " s").c_str());
  const double start_offset = audio.front().pts - video.front().pts;
  CHECK_TEXT(std::abs(start_offset) <= 0.040,
             ("audio starts " + std::to_string(start_offset) + " s after the video").c_str());

  // Picture and sound in sync: each sentence appears on the panel when its voice is heard (a
  // change of the panel within 40 ms of each voice's start), not when it arrived (the second
  // and third arrive while the first is heard: no change then).
  const auto changes = panel_changes(recording, dir);
  std::string changed;
  for (const double at : changes) changed += std::to_string(at) + " ";
  for (const auto& segment : segments) {
    const double voice_at = segment.start_s + audio.front().pts;
    const bool shown_with_it =
        std::any_of(changes.begin(), changes.end(), [&](double at) { return std::abs(at - voice_at) <= 0.040; });
    CHECK_TEXT(shown_with_it, ("voice at " + std::to_string(voice_at) + " s, panel changes at " + changed).c_str());
    const bool changed_while_heard = std::any_of(
        changes.begin(), changes.end(), [&](double at) { return at > voice_at + 0.040 && at < voice_at + 0.750; });
    CHECK_TEXT(!changed_while_heard,
               ("voice at " + std::to_string(voice_at) + " s, panel changes at " + changed).c_str());
  }
}

TEST(AgentVoice, ABrokenWavIsRefusedWithItsReasonAndTheTurnGoesOn) {
  // "RIFF", "WAVE" and a fmt chunk cut after four bytes.
  olv->control("script", {{"sentences",
                           {{{"text", "broken"}, {"raw_base64", "UklGRiQAAABXQVZFZm10IBAAAAADAAEA"}},
                            {{"text", "fine"}, {"rate", 24000}, {"ms", 500}, {"hz", 440}}}},
                          {"gap_ms", 100}});
  configure();
  auto box = start_box();
  wait_until_live(30s);
  emulator->control("comments", {{"count", 1}, {"text", "say something"}});
  const auto done =
      wait_until([](const nlohmann::json& s) { return agent_of(s) != nullptr && (*agent_of(s))["turns"] >= 1; }, 30s);
  CHECK_TEXT(done.held, done.describe().c_str());
  const auto& agent = *agent_of(*done.last);
  CHECK_TEXT(agent["refused_audio"] == 1 && agent["audio_ms_played"] >= 450, done.describe().c_str());
  CHECK_TEXT(agent["last_error"].get<std::string>().find("the fmt chunk is too short") != std::string::npos,
             done.describe().c_str());
  CHECK_TEXT((*done.last)["fps_in"].get<double>() > 25, done.describe().c_str());
  stop_box_gracefully(*box);
}

TEST(AgentVoice, ATenMegabyteReplyIsAcceptedAndPlayed) {
  // 80 s of 48 kHz mono: a 7.7 MB WAV, 10.2 MB of base64 in one WebSocket message.
  olv->control("script", {{"sentences", {{{"text", "a long story"}, {"rate", 48000}, {"ms", 80000}, {"hz", 300}}}},
                          {"gap_ms", 50}});
  configure();
  auto box = start_box();
  wait_until_live(30s);
  emulator->control("comments", {{"count", 1}, {"text", "tell me a story"}});
  const auto speaking = wait_until(
      [](const nlohmann::json& s) {
        return agent_of(s) != nullptr && !(*agent_of(s))["last_turn_latency_ms"].is_null() &&
               (*agent_of(s))["state"] == "finishing";
      },
      40s);
  CHECK_TEXT(speaking.held, (speaking.describe() + dir.read("olv-emulator.log")).c_str());
  const auto& agent = *agent_of(*speaking.last);
  CHECK_TEXT(agent["refused_audio"] == 0 && agent["reconnects"] == 0, speaking.describe().c_str());
  CHECK_TEXT((*speaking.last)["fps_in"].get<double>() > 25, speaking.describe().c_str());
  stop_box_gracefully(*box);
}

TEST(AgentVoice, TheAgentGoingAwayLosesNoQueuedChatAndForwardsNothingTwice) {
  olv->control("script", {{"sentences", {{{"text", "a longer reply"}, {"rate", 24000}, {"ms", 2000}, {"hz", 440}}}},
                          {"gap_ms", 100}});
  configure();
  auto box = start_box();
  wait_until_live(30s);
  emulator->control("comments", {{"count", 3}, {"text", "queued"}});
  // The first turn is under way, the other two wait in the box: then the agent goes away.
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (olv->control("state")["turns"].empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  CHECK(!olv->control("state")["turns"].empty());
  olv->control("kill");
  const auto done = wait_until(
      [](const nlohmann::json& s) {
        return agent_of(s) != nullptr && (*agent_of(s))["reconnects"] >= 1 && (*agent_of(s))["turns"] >= 2;
      },
      40s);
  CHECK_TEXT(done.held, (done.describe() + dir.read("agentcast.log")).c_str());
  stop_box_gracefully(*box);
  const auto inputs = olv->control("state")["inputs"];
  LONGS_EQUAL_TEXT(3, inputs.size(), inputs.dump().c_str());
  std::set<std::string> texts;
  for (const auto& input : inputs) texts.insert(input["text"].get<std::string>());
  LONGS_EQUAL_TEXT(3, texts.size(), inputs.dump().c_str());  // three comments, each forwarded once
}

TEST(AgentVoice, RepliesGoToTheAgentsOwnChatAtMostOncePerTurnAndNeverBackToTheAgent) {
  olv->control("script", {{"sentences",
                           {{{"text", "Hello there!"}, {"rate", 24000}, {"ms", 300}, {"hz", 440}},
                            {{"text", "(quietly)"}, {"audio", nullptr}}}},
                          {"gap_ms", 50}});
  write_config(R"({"interval_s": 600})", "",
               R"(, "agent": {"kind": "olv", "url": ")" + olv->url() + R"(", "reply_to_chat": true})");
  auto box = start_box();
  wait_until_live(30s);
  emulator->control("comments", {{"count", 2}, {"text", "hello agent"}});
  const auto done =
      wait_until([](const nlohmann::json& s) { return agent_of(s) != nullptr && (*agent_of(s))["turns"] >= 2; }, 30s);
  CHECK_TEXT(done.held, done.describe().c_str());
  // Two more polls: the posted reply has been seen by the poller (and must not go to the agent).
  const int polls = emulator->count("/agent/stream/comments");
  CHECK(wait_for_calls("/agent/stream/comments", polls + 2, 20s));
  stop_box_gracefully(*box);

  int replies = 0;
  for (const auto& comment : emulator->control("chat")) {
    const auto text = comment["text"].get<std::string>();
    if (comment["sender_user_id"] != "user_it" || text.starts_with("Hello chat")) continue;  // the opening message
    ++replies;
    STRCMP_EQUAL("Hello there! (quietly)", text.c_str());
  }
  LONGS_EQUAL(1, replies);  // the second turn came within the minimum gap: skipped
  LONGS_EQUAL(2, olv->control("state")["inputs"].size());
}

TEST(AgentVoice, AnInterruptCutsTheVoiceAtOnceAndTheNextChatFollows) {
  // The second sentence arrives while the first is heard and is shown only after it: an
  // interrupt during the first tells the server that only the first was heard.
  olv->control("script", {{"sentences",
                           {{{"text", "A long answer."}, {"rate", 24000}, {"ms", 3000}, {"hz", 440}},
                            {{"text", "Never heard."}, {"audio", nullptr}}}},
                          {"gap_ms", 50}});
  configure();
  auto box = start_box();
  wait_until_live(30s);
  emulator->control("comments", {{"count", 2}, {"text", "question"}});
  const auto speaking = wait_until(
      [](const nlohmann::json& s) {
        return agent_of(s) != nullptr && !(*agent_of(s))["last_turn_latency_ms"].is_null();
      },
      20s);
  CHECK_TEXT(speaking.held, speaking.describe().c_str());
  std::string output;
  LONGS_EQUAL_TEXT(0, agentcast({"agent", "interrupt"}, output), output.c_str());
  const auto done = wait_until(
      [](const nlohmann::json& s) {
        return agent_of(s) != nullptr && (*agent_of(s))["interrupts"] >= 1 && (*agent_of(s))["turns"] >= 1;
      },
      30s);
  CHECK_TEXT(done.held, (done.describe() + dir.read("olv-emulator.log")).c_str());
  const auto shown_at = (*done.last)["updated_unix_ms"].get<std::int64_t>();
  CHECK(wait_until([&](const nlohmann::json& s) { return s["updated_unix_ms"] >= shown_at + 2000; }, 10s).held);
  stop_box_gracefully(*box);

  const auto state = olv->control("state");
  LONGS_EQUAL(1, state["interrupts"].size());
  STRCMP_EQUAL("A long answer.", state["interrupts"][0]["text"].get<std::string>().c_str());  // what was heard
  LONGS_EQUAL(2, state["inputs"].size());
  // The cut reply is shorter than its 3 s; the next one is whole.
  std::string described;
  const auto segments = recorded_voice(described);
  LONGS_EQUAL_TEXT(2, segments.size(), described.c_str());
  CHECK_TEXT(segments[0].end_s - segments[0].start_s < 2.5, described.c_str());
  CHECK_TEXT(std::abs(segments[1].end_s - segments[1].start_s - 3.0) <= 0.1, described.c_str());
}

// A language model that never answers: the turn hangs after "Thinking..." and no
// conversation-chain-end comes. After agent.turn_timeout_s the box ends it with interrupt-signal
// (the one message that frees the proxy's queue: an acknowledgement would leave the next chat
// queued behind the hung turn for ever), counts it, and the next chat is answered.
TEST(AgentVoice, ATurnThatNeverEndsIsEndedByTheTimeoutAndTheNextChatIsAnswered) {
  const nlohmann::json sentences = {{{"text", "Back again."}, {"rate", 24000}, {"ms", 500}, {"hz", 440}}};
  olv->control("script", {{"sentences", sentences}, {"stall", true}});
  configure(R"(, "turn_timeout_s": 5)");
  auto box = start_box();
  wait_until_live(30s);
  emulator->control("comments", {{"count", 1}, {"text", "are you there"}});
  const auto timed_out = wait_until(
      [](const nlohmann::json& s) { return agent_of(s) != nullptr && (*agent_of(s))["timeouts"] >= 1; }, 30s);
  CHECK_TEXT(timed_out.held, (timed_out.describe() + dir.read("olv-emulator.log")).c_str());
  LONGS_EQUAL(0, (*agent_of(*timed_out.last))["turns"].get<int>());

  olv->control("script", {{"sentences", sentences}, {"stall", false}});  // the model answers again
  emulator->control("comments", {{"count", 1}, {"text", "hello again"}});
  const auto answered =
      wait_until([](const nlohmann::json& s) { return agent_of(s) != nullptr && (*agent_of(s))["turns"] >= 1; }, 30s);
  CHECK_TEXT(answered.held, (answered.describe() + dir.read("olv-emulator.log")).c_str());
  CHECK_TEXT((*agent_of(*answered.last))["timeouts"] == 1, answered.describe().c_str());
  stop_box_gracefully(*box);

  const auto state = olv->control("state");
  LONGS_EQUAL(2, state["inputs"].size());
  LONGS_EQUAL(1, state["interrupts"].size());  // the timeout's
  LONGS_EQUAL(2, state["turns"].size());
  CHECK_TEXT(state["turns"][0]["abandoned"] == true, state.dump().c_str());
  CHECK_TEXT(!state["turns"][1]["playback_complete_at"].is_null(), state.dump().c_str());
}
