#pragma once
// Draws the screen offscreen with cairo + pango (no X server) and converts it once into the
// I420 frame the encoder branch takes. Untrusted text is set with pango_layout_set_text, so
// it is never parsed as markup.
#include "common/handles.hpp"
#include "state/screen_state.hpp"

#include <cairo.h>
#include <gst/video/video.h>
#include <pango/pangocairo.h>

#include <memory>
#include <string>
#include <string_view>

namespace agentcast::media {

class SceneRenderer {
 public:
  SceneRenderer(int width, int height, std::string_view monospace_font);
  ~SceneRenderer();
  SceneRenderer(const SceneRenderer&) = delete;
  SceneRenderer& operator=(const SceneRenderer&) = delete;

  // The whole picture for `state` with `clock_text` in the status strip, as an I420 buffer.
  GstBufferPtr render(const state::ScreenState& state, std::string_view clock_text);

  // The RGB picture of the last render (tests look at it).
  cairo_surface_t* surface() const { return surface_; }

 private:
  void draw(const state::ScreenState& state, std::string_view clock_text);
  void draw_title(const state::ScreenState& state);
  void draw_log_panel(const state::ScreenState& state);
  void draw_chat_panel(const state::ScreenState& state);
  void draw_status_strip(const state::ScreenState& state, std::string_view clock_text);
  void draw_text(PangoLayout* layout, double x, double y, std::uint32_t rgb);
  PangoLayout* layout_with(const PangoFontDescription* font, std::string_view text, int width_px);
  GstBufferPtr convert_to_i420();

  int width_;
  int height_;
  double scale_;
  cairo_surface_t* surface_ = nullptr;
  cairo_t* cr_ = nullptr;
  PangoLayout* layout_ = nullptr;  // reused for every text run
  PangoFontDescription* mono_font_ = nullptr;
  PangoFontDescription* title_font_ = nullptr;
  PangoFontDescription* ui_font_ = nullptr;
  GstVideoInfo rgb_info_{};
  GstVideoInfo i420_info_{};
  GstVideoConverter* converter_ = nullptr;
};

}  // namespace agentcast::media
