#include "scene/scene_presenter.hpp"

#include "common/glib_handles.hpp"

#include <algorithm>

namespace agentcast::scene {
namespace {

std::string clock_text_now() {
  const GDateTimePtr now(g_date_time_new_now_local());
  const GCharPtr text(g_date_time_format(now.get(), "%H:%M:%S"));
  return text ? std::string(text.get()) : std::string();
}

}  // namespace

ScenePresenter::ScenePresenter(scene::ScreenState& state, SceneRenderer& renderer, VideoFeed& feed, int fps)
    : state_(state), renderer_(renderer), feed_(feed), frame_interval_us_(G_USEC_PER_SEC / fps) {
  state_.on_change([this] { invalidate(); });
}

void ScenePresenter::start() {
  render_now();
  schedule_clock_tick();
}

void ScenePresenter::invalidate() {
  if (render_timer_.active()) return;  // a redraw is already coming and will include this change
  const gint64 due = last_render_us_ + frame_interval_us_;
  const gint64 wait_ms = std::max<gint64>(0, (due - g_get_monotonic_time()) / 1000);
  render_timer_.once(static_cast<guint>(wait_ms), [this] { render_now(); });
}

void ScenePresenter::render_now() {
  render_timer_.stop();
  last_render_us_ = g_get_monotonic_time();
  if (GstBufferPtr frame = renderer_.render(state_, clock_text_now())) {
    feed_.show(std::move(frame));
    ++renders_;
  }
}

void ScenePresenter::schedule_clock_tick() {
  // Wake just after the next wall-clock second so the displayed time changes on the second.
  const gint64 now_us = g_get_real_time();
  const guint wait_ms = static_cast<guint>((G_USEC_PER_SEC - now_us % G_USEC_PER_SEC) / 1000 + 5);
  clock_timer_.once(wait_ms, [this] {
    invalidate();
    schedule_clock_tick();
  });
}

}  // namespace agentcast::scene
