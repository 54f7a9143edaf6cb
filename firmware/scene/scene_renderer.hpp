#pragma once
// Draws the screen offscreen with cairo + pango (no X server) and converts it once into the
// I420 frame the encoder branch takes. Only the parts that changed since the last render are
// drawn and converted again (a clock tick is the status strip: a few percent of the picture);
// the rest of the frame is the last frame's. Untrusted text is set with
// pango_layout_set_text, so it is never parsed as markup.
#include "common/handles.hpp"
#include "scene/screen_state.hpp"

#include <cairo.h>
#include <gst/video/video.h>
#include <pango/pangocairo.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agentcast::scene {

class SceneRenderer {
 public:
  SceneRenderer(int width, int height, std::string_view monospace_font);
  SceneRenderer(const SceneRenderer&) = delete;
  SceneRenderer& operator=(const SceneRenderer&) = delete;

  // The whole picture for `state` with `clock_text` in the status strip, as an I420 buffer.
  GstBufferPtr render(const scene::ScreenState& state, std::string_view clock_text);
  // Rows converted by the last render (all of them the first time).
  int rows_converted() const { return rows_converted_; }

  // The RGB picture of the last render (tests look at it).
  cairo_surface_t* surface() const { return surface_.get(); }

 private:
  // Rows [first, end) of the picture.
  struct Rows {
    int first = 0;
    int end = 0;
    void add(double from, double to, int height);
  };
  Rows draw_changes(const scene::ScreenState& state, std::string_view clock_text);
  void draw(const scene::ScreenState& state, std::string_view clock_text);
  void draw_title(const scene::ScreenState& state);
  void draw_log_panel(const scene::ScreenState& state);
  void draw_agent_panel(const scene::ScreenState& state);
  double agent_panel_height(const scene::ScreenState& state) const;
  void draw_chat_panel(const scene::ScreenState& state);
  void draw_status_strip(const scene::ScreenState& state, std::string_view clock_text);
  void draw_text(PangoLayout* layout, double x, double y, std::uint32_t rgb);
  PangoLayout* layout_with(const PangoFontDescription* font, std::string_view text, int width_px);
  GstBufferPtr convert_to_i420(Rows rows);
  bool write_changes(GstBuffer* target, Rows rows);
  std::optional<std::size_t> free_frame();
  GstBuffer* last_frame() const;

  struct SurfaceDestroy {
    void operator()(cairo_surface_t* surface) const { cairo_surface_destroy(surface); }
  };
  struct CairoDestroy {
    void operator()(cairo_t* cr) const { cairo_destroy(cr); }
  };
  struct FontFree {
    void operator()(PangoFontDescription* font) const { pango_font_description_free(font); }
  };
  using FontPtr = std::unique_ptr<PangoFontDescription, FontFree>;

  int width_;
  int height_;
  double scale_;
  std::unique_ptr<cairo_surface_t, SurfaceDestroy> surface_;
  std::unique_ptr<cairo_t, CairoDestroy> cr_;
  GObjectPtr<PangoLayout> layout_;  // reused for every text run
  // I420 frames recycled once nothing downstream holds them any more: a redraw converts into
  // one of these instead of allocating 1.4 MB.
  std::vector<GstBufferPtr> frames_;
  FontPtr mono_font_;
  FontPtr title_font_;
  FontPtr ui_font_;
  GstVideoInfo i420_info_{};
  // What the last render drew, and the frame it made (the rows it did not convert again).
  struct Drawn {
    const scene::ScreenState* state;  // versions count the changes of one state
    ScreenVersions versions;
    std::string clock_text;
  };
  std::optional<Drawn> drawn_;
  // The last frame: frames_[last_index_], or last_one_off_ when the ring was all in use.
  std::optional<std::size_t> last_index_;
  GstBufferPtr last_one_off_;
  int rows_converted_ = 0;
};

}  // namespace agentcast::scene
