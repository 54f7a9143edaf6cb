// Douyin chat beside retake.tv's, with the real pipeline and the Douyin push emulator (real
// PushFrame/Response protobuf from Google's runtime, gzip, strict about signatures, cookies,
// heartbeats and acks; it pushes un-acked frames again): every kind of event reaches the
// screen once, from every source at the same time; a socket that only answers heartbeats is
// reconnected and resumes without losing a message; a refused handshake is a named state
// that is not hammered; a server that goes away is reconnected; hostile frames cost nothing
// but a line in status.
#include "config/config.hpp"
#include "scene/scene_renderer.hpp"
#include "scene/screen_state.hpp"
#include "support/douyin_emulator.hpp"
#include "support/ffprobe.hpp"
#include "support/retake_box.hpp"

#include <CppUTest/TestHarness.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>

using namespace agentcast::testing;
using namespace std::chrono_literals;

namespace {

const nlohmann::json* douyin(const nlohmann::json& status) { return chat_source(status, "douyin"); }

std::uint64_t douyin_events(const nlohmann::json& status) {
  const auto* source = douyin(status);
  return source == nullptr ? 0 : (*source)["events"]["total"].get<std::uint64_t>();
}

bool douyin_state_is(const nlohmann::json& status, const std::string& state) {
  const auto* source = douyin(status);
  return source != nullptr && (*source)["state"] == state;
}

long times_shown(const std::vector<std::string>& shown, const std::string& id) {
  return std::count(shown.begin(), shown.end(), id);
}

// The chat panel of a 1280x720 scene (firmware/scene/scene_renderer.cpp's geometry).
constexpr int kPanelLeft = 886;
constexpr int kPanelRight = 1264;
constexpr int kPanelTop = 76;
constexpr int kPanelBottom = 656;

int grey(int r, int g, int b) { return (r * 3 + g * 6 + b) / 10; }

// The share of the chat panel's pixels (in 1/100000) where a decoded picture (RGB, 1280x720) and
// the box's own renderer drawing `lines` differ clearly: near 0 when the picture shows them.
int panel_difference(const std::string& decoded, const std::vector<agentcast::scene::ChatLine>& lines) {
  agentcast::scene::ScreenState screen;
  for (const auto& line : lines) screen.append_chat_line(line);
  agentcast::scene::SceneRenderer renderer(1280, 720, agentcast::config::Config{}.scene.font);
  static_cast<void>(renderer.render(screen, "00:00:00"));
  cairo_surface_t* surface = renderer.surface();
  const int stride = cairo_image_surface_get_stride(surface);
  const unsigned char* data = cairo_image_surface_get_data(surface);
  int differing = 0;
  int total = 0;
  for (int y = kPanelTop; y < kPanelBottom; ++y) {
    const auto* row = reinterpret_cast<const std::uint32_t*>(data + static_cast<std::ptrdiff_t>(y) * stride);
    for (int x = kPanelLeft; x < kPanelRight; ++x) {
      const std::uint32_t px = row[x];
      const auto* rgb =
          reinterpret_cast<const unsigned char*>(decoded.data()) + (static_cast<std::size_t>(y) * 1280 + x) * 3;
      const int drawn =
          grey(static_cast<int>((px >> 16) & 0xff), static_cast<int>((px >> 8) & 0xff), static_cast<int>(px & 0xff));
      differing += std::abs(drawn - grey(rgb[0], rgb[1], rgb[2])) > 64 ? 1 : 0;
      ++total;
    }
  }
  return differing * 100000 / total;
}

std::vector<agentcast::scene::ChatLine> douyin_lines(const std::vector<std::string>& texts) {
  std::vector<agentcast::scene::ChatLine> lines;
  lines.reserve(texts.size());
  for (const auto& text : texts) lines.push_back({"viewer", text, "DY"});
  return lines;
}

}  // namespace

TEST_GROUP_BASE(DouyinChat, RetakeBoxTest) {
  std::unique_ptr<DouyinEmulator> douyin_server;
  void setup() override {
    RetakeBoxTest::setup();
    douyin_server = std::make_unique<DouyinEmulator>(dir);
  }
  void teardown() override {
    douyin_server.reset();
    RetakeBoxTest::teardown();
  }
  // The Douyin entry with the owner's signer, or (signed = true) the ready signed URL and cookie.
  std::string douyin_entry(bool signed_url) {
    nlohmann::json entry = {{"kind", "douyin"}, {"room_id", douyin_server->room_id()}, {"heartbeat_s", 1}};
    if (signed_url) {
      const auto signature = douyin_server->sign();
      entry["url"] = signature["url"];
      entry["cookie"] = signature["cookie"];
    } else {
      entry["signer_url"] = douyin_server->signer_url();
    }
    return entry.dump();
  }
  // Two seconds more of stream after the status `since` showed, so the recording ends on it.
  void let_the_stream_show(const nlohmann::json& since) {
    const auto at = since["updated_unix_ms"].get<std::int64_t>();
    CHECK(wait_until([&](const nlohmann::json& s) { return s["updated_unix_ms"] >= at + 2000; }, 10s).held);
  }
  // A picture from the end of what the server recorded, as RGB.
  std::string last_picture() {
    const auto keys = emulator->control("state")["keys_issued"];
    const std::string recording = server->recording(keys.back().get<std::string>());
    wait_for_stable_file(recording);
    return decode_rgb(recording, 0.5,
                      "scale=in_range=tv:in_color_matrix=bt709:out_range=pc:flags=accurate_rnd+full_chroma_int+"
                      "bitexact,format=rgb24");
  }
  // The picture shows `lines` on the chat panel, as the box's renderer draws them (and not
  // these lines in reverse order, nor an empty panel).
  void check_panel_shows(const std::vector<agentcast::scene::ChatLine>& lines) {
    const std::string decoded = last_picture();
    LONGS_EQUAL(1280 * 720 * 3, decoded.size());
    const int same = panel_difference(decoded, lines);
    const int reversed = panel_difference(decoded, {lines.rbegin(), lines.rend()});
    const int none = panel_difference(decoded, {});
    const std::string numbers = std::to_string(same) + " " + std::to_string(reversed) + " " + std::to_string(none);
    CHECK_TEXT(same < 50, numbers.c_str());
    CHECK_TEXT(reversed > same + 300 && none > same + 300, numbers.c_str());
  }
  StatusWait wait_for_connected(std::chrono::milliseconds timeout) {
    return wait_until([](const nlohmann::json& s) { return douyin_state_is(s, "connected"); }, timeout);
  }
};

TEST(DouyinChat, EveryKindFromEverySourceReachesTheScreenOnce) {
  write_config(R"({"interval_s": 600})", R"(, "sources": [{"kind": "retake-rest"},
      {"kind": "retake-socketio", "url": ")" +
                                             emulator->socketio_url() + R"("}, )" + douyin_entry(true) + "]");
  auto box = start_box();
  wait_until_live(30s);
  const auto connected = wait_for_connected(20s);
  CHECK_TEXT(connected.held, (connected.describe() + dir.read("agentcast.log")).c_str());

  const auto ids = douyin_server->push(nlohmann::json::array({
      {{"kind", "chat"}, {"user", "小明"}, {"text", "你好 <b>主播</b>"}},
      {{"kind", "gift"}, {"user", "giver"}, {"gift", "Rose"}, {"count", 3}},
      {{"kind", "like"}, {"user", "liker"}, {"count", 5}},
      {{"kind", "enter"}, {"user", "newcomer"}},
      {{"kind", "follow"}, {"user", "fan"}},
      {{"kind", "share"}, {"user", "sharer"}},
      {{"kind", "emoji"}, {"user", "smiler"}},
      {{"kind", "room_stats"}, {"total", 321}},
  }));
  emulator->control("comments", {{"count", 3}, {"text", "from retake"}});
  const auto delivered = wait_until(
      [](const nlohmann::json& s) {
        const auto* events = douyin(s) == nullptr ? nullptr : &(*douyin(s))["events"];
        return events != nullptr && (*events)["total"] >= 7 && (*events)["chat"] >= 1 && (*events)["gift"] >= 1 &&
               (*events)["like"] >= 1 && (*events)["enter"] >= 1 && (*events)["follow"] >= 1 &&
               (*events)["share"] >= 1 && s["chat_shown"] >= 9;
      },
      20s);
  CHECK_TEXT(delivered.held, delivered.describe().c_str());

  // The push server goes away without a closing handshake and comes back: the box reconnects
  // and the next message arrives once.
  douyin_server->control("kill");
  const auto back = wait_until(
      [](const nlohmann::json& s) { return douyin_state_is(s, "connected") && (*douyin(s))["reconnects"] >= 1; }, 20s);
  CHECK_TEXT(back.held, back.describe().c_str());
  const auto after = douyin_server->push(nlohmann::json::array({{{"kind", "chat"}, {"text", "back again"}}}));
  const auto all_shown = wait_until([](const nlohmann::json& s) { return s["chat_shown"] >= 10; }, 10s);
  CHECK(all_shown.held);
  let_the_stream_show(*all_shown.last);
  stop_box_gracefully(*box);

  // Six Douyin lines (the emoji is a type the box does not read, room statistics are counted,
  // not drawn) and three retake.tv comments, each exactly once across three sources.
  const auto shown = shown_comment_ids(dir.read("agentcast.log"));
  for (std::size_t i = 0; i < 6; ++i) LONGS_EQUAL_TEXT(1, times_shown(shown, ids[i]), ids[i].c_str());
  LONGS_EQUAL(0, times_shown(shown, ids[7]));
  LONGS_EQUAL(1, times_shown(shown, after[0]));
  LONGS_EQUAL(10, shown.size());

  // The recording's last picture shows the ten lines in the order the merger showed them.
  std::map<std::string, agentcast::scene::ChatLine> drawn = {
      {ids[0], {"小明", "你好 <b>主播</b>", "DY"}}, {ids[1], {"giver", "sent Rose \u00d73", "DY"}},
      {ids[2], {"liker", "liked \u00d75", "DY"}},   {ids[3], {"newcomer", "joined", "DY"}},
      {ids[4], {"fan", "followed", "DY"}},          {ids[5], {"sharer", "shared the stream", "DY"}},
      {after[0], {"viewer", "back again", "DY"}},
  };
  for (const auto& comment : emulator->control("chat")) {
    drawn[comment["chat_event_id"].get<std::string>()] = {comment["sender_username"].get<std::string>(),
                                                          comment["text"].get<std::string>(), "RT"};
  }
  std::vector<agentcast::scene::ChatLine> lines;
  lines.reserve(shown.size());
  for (const auto& id : shown) lines.push_back(drawn.at(id));
  check_panel_shows(lines);
  const auto state = douyin_server->control("state");
  CHECK_TEXT(state["acks"] >= 1 && state["bad_acks"] == 0 && state["heartbeats"] >= 1, state.dump().c_str());
  CHECK_TEXT(state["handshakes"][0]["user_agent"].get<std::string>().starts_with("Mozilla/5.0"), state.dump().c_str());
  check_no_secret_logged();
  const std::string log = dir.read("agentcast.log");
  CHECK_TEXT(log.find("signature=") == std::string::npos, "the signed URL's query reached the log");
  CHECK_TEXT(log.find("ttwid") == std::string::npos, "the cookie reached the log");
}

TEST(DouyinChat, ASocketThatOnlyAnswersHeartbeatsIsReconnectedAndResumesWithoutLoss) {
  write_config(R"({"interval_s": 600})", R"(, "douyin_silence_s": 10, "sources": [)" + douyin_entry(false) + "]");
  auto box = start_box();
  wait_until_live(30s);
  CHECK(wait_for_connected(20s).held);
  auto ids = douyin_server->push(
      nlohmann::json::array({{{"kind", "chat"}, {"text", "before 1"}}, {{"kind", "chat"}, {"text", "before 2"}}}));
  CHECK(wait_until([](const nlohmann::json& s) { return douyin_events(s) >= 2; }, 10s).held);

  douyin_server->control("silence");
  const auto later = douyin_server->push(nlohmann::json::array({{{"kind", "chat"}, {"text", "during 1"}},
                                                                {{"kind", "chat"}, {"text", "during 2"}},
                                                                {{"kind", "chat"}, {"text", "during 3"}}}));
  ids.insert(ids.end(), later.begin(), later.end());
  const auto resumed =
      wait_until([](const nlohmann::json& s) { return douyin_events(s) >= 5 && (*douyin(s))["reconnects"] >= 1; }, 45s);
  CHECK_TEXT(resumed.held, (resumed.describe() + dir.read("agentcast.log")).c_str());
  CHECK_TEXT((*douyin(*resumed.last))["last_error"].get<std::string>().find("only heartbeats") != std::string::npos,
             resumed.describe().c_str());
  let_the_stream_show(*resumed.last);
  stop_box_gracefully(*box);

  const auto shown = shown_comment_ids(dir.read("agentcast.log"));
  for (const auto& id : ids) LONGS_EQUAL_TEXT(1, times_shown(shown, id), id.c_str());
  const auto state = douyin_server->control("state");
  // The reconnect asked the signer again and resumed after the last message it had.
  CHECK_TEXT(state["signs"] >= 2, state.dump().c_str());
  CHECK_TEXT(state["handshakes"][1]["cursor"].get<std::string>().find("_fh-2_") != std::string::npos,
             state.dump().c_str());

  // What reached the server shows the five lines, in order, on the chat panel.
  check_panel_shows(douyin_lines({"before 1", "before 2", "during 1", "during 2", "during 3"}));
}

TEST(DouyinChat, ARefusedHandshakeIsANamedStateAndIsNotHammered) {
  douyin_server->control("refuse", {{"status", 415}});
  write_config(R"({"interval_s": 600})", R"(, "sources": [{"kind": "retake-rest"}, )" + douyin_entry(false) + "]");
  auto box = start_box();
  wait_until_live(30s);
  const auto refused =
      wait_until([](const nlohmann::json& s) { return douyin_state_is(s, "refused (HTTP 415)"); }, 20s);
  CHECK_TEXT(refused.held, refused.describe().c_str());
  // Retake chat goes on meanwhile; five of its polls outlast the normal retry's first delays.
  emulator->control("comments", {{"count", 2}, {"text", "still here"}});
  CHECK(wait_until([](const nlohmann::json& s) { return s["chat_shown"].get<int>() >= 2; }, 10s).held);
  const int polls = emulator->count("/agent/stream/comments");
  CHECK(wait_for_calls("/agent/stream/comments", polls + 5, 30s));
  LONGS_EQUAL(1, douyin_server->control("state")["refused"].get<int>());
  std::string output;
  box_status(output);
  CHECK_TEXT(output.find("douyin: refused (HTTP 415)") != std::string::npos, output.c_str());
  stop_box_gracefully(*box);
}

TEST(DouyinChat, HostileFramesAreCountedAndTheChatGoesOn) {
  write_config(R"({"interval_s": 600})", R"(, "sources": [)" + douyin_entry(false) + "]");
  auto box = start_box();
  wait_until_live(30s);
  CHECK(wait_for_connected(20s).held);
  douyin_server->control("hostile");
  const std::string huge(std::size_t{100} * 1024, 'x');
  const auto ids = douyin_server->push(nlohmann::json::array(
      {{{"kind", "chat"}, {"user", "<span foreground='red'>x</span>"}, {"text", "\u202Eevil\u202C <i>markup</i>\x07"}},
       {{"kind", "chat"}, {"user", "long"}, {"text", huge}}}));
  const auto after = wait_until([](const nlohmann::json& s) { return douyin_events(s) >= 2; }, 20s);
  CHECK_TEXT(after.held, after.describe().c_str());
  const auto& source = *douyin(*after.last);
  CHECK_TEXT(source["state"] == "connected" && source["reconnects"] == 0, after.describe().c_str());
  CHECK_TEXT(source["last_error"].get<std::string>().find("did not decode") != std::string::npos,
             after.describe().c_str());
  CHECK_TEXT((*after.last)["fps_in"].get<double>() > 25, after.describe().c_str());
  stop_box_gracefully(*box);
  const auto shown = shown_comment_ids(dir.read("agentcast.log"));
  for (const auto& id : ids) LONGS_EQUAL_TEXT(1, times_shown(shown, id), id.c_str());
}
