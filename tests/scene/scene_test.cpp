#include "scene/scene_presenter.hpp"
#include "scene/scene_renderer.hpp"

#include "support/loop_runner.hpp"

#include <CppUTest/TestHarness.h>

#include <string>
#include <vector>

using namespace agentcast;

namespace {

// Pixels in a rectangle of the RGB picture noticeably brighter than the terminal background.
int lit_pixels(cairo_surface_t* surface, int x0, int y0, int x1, int y1) {
  const int stride = cairo_image_surface_get_stride(surface);
  const unsigned char* data = cairo_image_surface_get_data(surface);
  int lit = 0;
  for (int y = y0; y < y1; ++y) {
    const auto* row = reinterpret_cast<const std::uint32_t*>(data + static_cast<std::ptrdiff_t>(y) * stride);
    for (int x = x0; x < x1; ++x) {
      const std::uint32_t px = row[x];
      if (((px >> 16) & 0xff) + ((px >> 8) & 0xff) + (px & 0xff) > 300) ++lit;
    }
  }
  return lit;
}

// The terminal panel of a 1280x720 scene.
int lit_in_log_panel(scene::SceneRenderer& renderer) { return lit_pixels(renderer.surface(), 30, 90, 860, 650); }

}  // namespace

TEST_GROUP(SceneRenderer) { scene::SceneRenderer renderer{1280, 720, "Monospace 14"}; };

TEST(SceneRenderer, ProducesAnI420FrameOfTheVideoSize) {
  scene::ScreenState screen;
  GstBufferPtr frame = renderer.render(screen, "12:00:00");
  CHECK(frame != nullptr);
  LONGS_EQUAL(1280 * 720 * 3 / 2, gst_buffer_get_size(frame.get()));
}

namespace {

const guint8* first_byte(GstBuffer* buffer) {
  GstMapInfo map;
  gst_buffer_map(buffer, &map, GST_MAP_READ);
  const guint8* data = map.data;
  gst_buffer_unmap(buffer, &map);
  return data;
}

std::string bytes_of(GstBuffer* buffer) {
  GstMapInfo map;
  gst_buffer_map(buffer, &map, GST_MAP_READ);
  std::string bytes(reinterpret_cast<const char*>(map.data), map.size);
  gst_buffer_unmap(buffer, &map);
  return bytes;
}

}  // namespace

TEST(SceneRenderer, AFrameNoOneHoldsIsReusedForTheNextRedraw) {
  scene::ScreenState screen;
  const guint8* first = nullptr;
  {
    GstBufferPtr frame = renderer.render(screen, "12:00:00");
    first = first_byte(frame.get());
  }
  GstBufferPtr again = renderer.render(screen, "12:00:01");
  CHECK(first == first_byte(again.get()));
}

TEST(SceneRenderer, AFrameStillQueuedDownstreamIsNeverOverwritten) {
  scene::ScreenState screen;
  GstBufferPtr shown = renderer.render(screen, "12:00:00");
  // What the video feed pushes: a new header sharing the picture, waiting in a queue.
  GstBufferPtr queued(gst_buffer_copy(shown.get()));
  const std::string before = bytes_of(queued.get());
  shown.reset();  // the feed moved on to the next picture
  screen.append_log_line("a line that changes the picture");
  for (int i = 0; i < 6; ++i) {
    GstBufferPtr next = renderer.render(screen, "12:00:0" + std::to_string(i));
    CHECK(first_byte(next.get()) != first_byte(queued.get()));
  }
  CHECK(before == bytes_of(queued.get()));
}

namespace {

// The picture a renderer that never drew before makes of `screen`: all of it drawn at once.
std::string drawn_from_scratch(const scene::ScreenState& screen, std::string_view clock) {
  scene::SceneRenderer fresh{1280, 720, "Monospace 14"};
  GstBufferPtr frame = fresh.render(screen, clock);
  LONGS_EQUAL(720, fresh.rows_converted());
  return bytes_of(frame.get());
}

}  // namespace

TEST(SceneRenderer, AClockTickRedrawsOnlyTheStatusStripAndMakesTheSamePicture) {
  scene::ScreenState screen;
  screen.append_log_line("agent: waiting");
  GstBufferPtr shown = renderer.render(screen, "12:00:00");  // held by the feed: the next is another frame
  GstBufferPtr next = renderer.render(screen, "12:00:01");
  CHECK(renderer.rows_converted() <= 50);  // the 48-row strip (on pairs of rows)
  CHECK(drawn_from_scratch(screen, "12:00:01") == bytes_of(next.get()));
  shown.reset();
  next.reset();  // nothing holds the last frame: the tick is drawn into it
  GstBufferPtr again = renderer.render(screen, "12:00:02");
  CHECK(renderer.rows_converted() <= 50);
  CHECK(drawn_from_scratch(screen, "12:00:02") == bytes_of(again.get()));
}

TEST(SceneRenderer, ALogLineRedrawsThePanelsButNotTheTitleBar) {
  scene::ScreenState screen;
  screen.set_title("agent");
  GstBufferPtr shown = renderer.render(screen, "12:00:00");
  screen.append_log_line("agent: a new line");
  GstBufferPtr next = renderer.render(screen, "12:00:00");
  CHECK(renderer.rows_converted() < 720 - 60);
  CHECK(drawn_from_scratch(screen, "12:00:00") == bytes_of(next.get()));
}

TEST(SceneRenderer, TheAgentPanelChangesTheLayoutAndRedrawsEverything) {
  scene::ScreenState screen;
  GstBufferPtr shown = renderer.render(screen, "12:00:00");
  screen.set_agent("Mika", true, "");
  GstBufferPtr next = renderer.render(screen, "12:00:00");
  LONGS_EQUAL(720, renderer.rows_converted());
  CHECK(drawn_from_scratch(screen, "12:00:00") == bytes_of(next.get()));
}

TEST(SceneRenderer, LogLinesAppearInTheTerminalPanel) {
  scene::ScreenState screen;
  renderer.render(screen, "12:00:00");
  LONGS_EQUAL(0, lit_in_log_panel(renderer));
  screen.append_log_line("agent: thinking about the next move");
  renderer.render(screen, "12:00:00");
  CHECK(lit_in_log_panel(renderer) > 200);
}

TEST(SceneRenderer, TheAgentPanelShowsWhoSpeaksWhatAndThinkingAtTheBottomLeft) {
  // The agent panel: the bottom 170 px of the left column, above the status strip.
  auto lit_in_agent_panel = [&] { return lit_pixels(renderer.surface(), 30, 500, 860, 650); };
  scene::ScreenState screen;
  renderer.render(screen, "12:00:00");
  LONGS_EQUAL(0, lit_in_agent_panel());  // no agent: the log panel reaches down there, empty
  screen.set_agent("Mao", true, "");
  renderer.render(screen, "12:00:00");
  const int thinking = lit_in_agent_panel();
  CHECK(thinking > 50);
  screen.set_agent("Mao", false, "Hello there, nice to see you all on stream tonight!");
  renderer.render(screen, "12:00:00");
  CHECK(lit_in_agent_panel() > thinking + 200);
}

TEST_GROUP(ScreenState){};

TEST(ScreenState, ANewAgentSentenceMovesThePreviousOneToRecent) {
  scene::ScreenState screen;
  int changes = 0;
  screen.on_change([&] { ++changes; });
  screen.set_agent("Mao", true, "");
  screen.set_agent("Mao", false, "one");
  screen.set_agent("Mao", false, "one");  // no change, no redraw
  LONGS_EQUAL(2, changes);
  for (const char* sentence : {"two", "three", "four", "five"}) screen.set_agent("Mao", false, sentence);
  STRCMP_EQUAL("five", screen.agent().current.c_str());
  LONGS_EQUAL(3, screen.agent().recent.size());
  STRCMP_EQUAL("two", screen.agent().recent.front().c_str());
  STRCMP_EQUAL("four", screen.agent().recent.back().c_str());
}

TEST(SceneRenderer, TheNewestLineStaysVisibleWhenOldOnesScrollOff) {
  scene::ScreenState screen;
  for (int i = 0; i < 150; ++i) screen.append_log_line("filler line " + std::to_string(i));
  renderer.render(screen, "12:00:00");
  // The bottom text row of the panel holds the last line.
  CHECK(lit_pixels(renderer.surface(), 30, 610, 860, 650) > 50);
  // Many more lines than fit: the panel is full from top to bottom, nothing spills below it.
  CHECK(lit_pixels(renderer.surface(), 30, 95, 860, 130) > 50);
  LONGS_EQUAL(0, lit_pixels(renderer.surface(), 30, 657, 860, 670));
}

TEST(SceneRenderer, MarkupInUntrustedTextIsDrawnLiterally) {
  scene::ScreenState plain;
  plain.append_log_line("abc");
  renderer.render(plain, "12:00:00");
  const int plain_lit = lit_in_log_panel(renderer);
  scene::ScreenState markup;
  markup.append_log_line("<b>abc</b>");
  renderer.render(markup, "12:00:00");
  // Interpreted markup would draw just "abc" in bold; drawn literally it has 10 glyphs.
  CHECK_TEXT(lit_in_log_panel(renderer) > 2 * plain_lit, "markup was interpreted");
}

TEST(SceneRenderer, StatusStripShowsLive) {
  scene::ScreenState screen;
  renderer.render(screen, "12:00:00");
  auto red_pixels = [&] {
    const int stride = cairo_image_surface_get_stride(renderer.surface());
    const unsigned char* data = cairo_image_surface_get_data(renderer.surface());
    int red = 0;
    for (int y = 680; y < 715; ++y) {
      const auto* row = reinterpret_cast<const std::uint32_t*>(data + static_cast<std::ptrdiff_t>(y) * stride);
      for (int x = 0; x < 300; ++x) red += ((row[x] >> 16) & 0xff) > 200 && ((row[x] >> 8) & 0xff) < 120;
    }
    return red;
  };
  LONGS_EQUAL(0, red_pixels());
  screen.set_status({"LIVE", true, 12, 65, ""});
  renderer.render(screen, "12:00:00");
  CHECK(red_pixels() > 20);
}

TEST(SceneRenderer, TheOwnersInstructionIsOnTheStripOnOneLine) {
  // The pixels of one band of the picture, to compare two renders.
  const auto band = [&](int y0, int y1) {
    const int stride = cairo_image_surface_get_stride(renderer.surface());
    const unsigned char* data = cairo_image_surface_get_data(renderer.surface());
    return std::vector<unsigned char>(data + static_cast<std::ptrdiff_t>(y0) * stride,
                                      data + static_cast<std::ptrdiff_t>(y1) * stride);
  };
  const auto differing = [](const std::vector<unsigned char>& a, const std::vector<unsigned char>& b) {
    int n = 0;
    for (std::size_t i = 0; i < a.size(); ++i) n += a[i] != b[i];
    return n;
  };
  scene::ScreenState screen;
  screen.set_status({"AWAITING VERIFICATION", false, std::nullopt, std::nullopt, ""});
  renderer.render(screen, "12:00:00");
  const auto strip = band(672, 720);
  const auto above = band(560, 672);
  screen.set_status({"AWAITING VERIFICATION", false, std::nullopt, std::nullopt,
                     "owner: run `agentcast verify` over SSH " + std::string(300, 'x')});
  renderer.render(screen, "12:00:00");
  const int changed = differing(strip, band(672, 720));
  CHECK_TEXT(changed > 1000, std::to_string(changed).c_str());
  // However long, it stays on the strip's one line (ellipsized): nothing above it changed.
  LONGS_EQUAL(0, differing(above, band(560, 672)));
}

TEST_GROUP(ScenePresenter) {
  scene::ScreenState screen;
  scene::SceneRenderer renderer{640, 360, "Monospace 10"};
  scene::VideoFeed feed{30};
};

TEST(ScenePresenter, DrawsTheFirstFrameAtStart) {
  scene::ScenePresenter presenter(screen, renderer, feed, 30);
  presenter.start();
  LONGS_EQUAL(1, presenter.renders());
}

TEST(ScenePresenter, ManyChangesWithinAFrameCostOneRender) {
  scene::ScenePresenter presenter(screen, renderer, feed, 30);
  presenter.start();
  for (int i = 0; i < 50; ++i) screen.append_log_line("burst " + std::to_string(i));
  testing::run_loop_for(120);
  // One render for the burst; the clock may add one if a second turned meanwhile.
  CHECK_TEXT(presenter.renders() >= 2 && presenter.renders() <= 3, std::to_string(presenter.renders()).c_str());
}

TEST(ScenePresenter, NothingChangedMeansNoRenderBesidesTheClock) {
  scene::ScenePresenter presenter(screen, renderer, feed, 30);
  presenter.start();
  testing::run_loop_for(1500);
  // 1.5 s at 30 fps would be 45 frames; only the clock's second may redraw (once or twice).
  CHECK_TEXT(presenter.renders() <= 3, std::to_string(presenter.renders()).c_str());
}

TEST(ScenePresenter, AChangeIsDrawnWithinAFrame) {
  scene::ScenePresenter presenter(screen, renderer, feed, 30);
  presenter.start();
  testing::run_loop_for(50);
  const auto before = presenter.renders();
  screen.append_log_line("new line");
  CHECK(testing::run_loop_until([&] { return presenter.renders() > before; }, 100));
}
