#pragma once
// Decides when the picture is redrawn: after a change of the screen state (at most once per
// frame interval, however many changes arrive) and when the clock's second turns. Between
// redraws the video feed keeps sending the last frame.
#include "common/handles.hpp"
#include "common/timer.hpp"
#include "scene/scene_renderer.hpp"
#include "scene/screen_state.hpp"
#include "scene/video_feed.hpp"

#include <cstdint>
#include <string>

namespace agentcast::scene {

class ScenePresenter {
 public:
  ScenePresenter(scene::ScreenState& state, SceneRenderer& renderer, VideoFeed& feed, int fps);
  ScenePresenter(const ScenePresenter&) = delete;
  ScenePresenter& operator=(const ScenePresenter&) = delete;

  // Draws the first frame now (the pipeline needs one before it starts) and starts the clock.
  void start();

  std::uint64_t renders() const { return renders_; }

 private:
  void invalidate();
  void render_now();
  void schedule_clock_tick();

  scene::ScreenState& state_;
  SceneRenderer& renderer_;
  VideoFeed& feed_;
  gint64 frame_interval_us_;
  gint64 last_render_us_ = 0;
  std::uint64_t renders_ = 0;
  Timer render_timer_;
  Timer clock_timer_;
};

}  // namespace agentcast::scene
