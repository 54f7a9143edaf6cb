#include "scene/scene_renderer.hpp"

#include "codec/colour.hpp"

#include <algorithm>
#include <cmath>

namespace agentcast::scene {
namespace {

constexpr std::uint32_t kBackground = 0x0f1419;
constexpr std::uint32_t kBar = 0x1b2230;
constexpr std::uint32_t kTerminal = 0x111111;  // a soft black, as terminals draw it
constexpr std::uint32_t kTerminalText = 0xd0d7de;
constexpr std::uint32_t kChatText = 0xe6edf3;
constexpr std::uint32_t kMuted = 0x8b949e;
constexpr std::uint32_t kAccent = 0x58a6ff;
constexpr std::uint32_t kLive = 0xf85149;

void set_color(cairo_t* cr, std::uint32_t rgb) {
  cairo_set_source_rgb(cr, ((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0, (rgb & 0xff) / 255.0);
}

void fill_rect(cairo_t* cr, double x, double y, double w, double h, std::uint32_t rgb) {
  set_color(cr, rgb);
  cairo_rectangle(cr, x, y, w, h);
  cairo_fill(cr);
}

PangoFontDescription* scaled_font(std::string_view description, double scale) {
  PangoFontDescription* font = pango_font_description_from_string(std::string(description).c_str());
  const int size = pango_font_description_get_size(font);
  if (size > 0 && pango_font_description_get_size_is_absolute(font)) {
    pango_font_description_set_absolute_size(font, size * scale);
  } else if (size > 0) {
    pango_font_description_set_size(font, static_cast<int>(size * scale));
  }
  return font;
}

std::string format_uptime(std::int64_t seconds) {
  char text[32];
  g_snprintf(text, sizeof text, "%02lld:%02lld:%02lld", static_cast<long long>(seconds / 3600),
             static_cast<long long>((seconds / 60) % 60), static_cast<long long>(seconds % 60));
  return text;
}

// The frame on screen, one in the thumbnail branch's queue, one or two in the encoder's.
constexpr std::size_t kRecycledFrames = 4;

}  // namespace

SceneRenderer::SceneRenderer(int width, int height, std::string_view monospace_font)
    : width_(width),
      height_(height),
      scale_(height / 720.0),
      surface_(cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height)),
      cr_(cairo_create(surface_.get())),
      layout_(pango_cairo_create_layout(cr_.get())),
      mono_font_(scaled_font(monospace_font, scale_)),
      title_font_(scaled_font("Sans Bold 22", scale_)),
      ui_font_(scaled_font("Sans 14", scale_)) {
  gst_video_info_set_format(&i420_info_, GST_VIDEO_FORMAT_I420, width, height);
  gst_video_colorimetry_from_string(&i420_info_.colorimetry, "bt709");
}

GstBufferPtr SceneRenderer::render(const scene::ScreenState& state, std::string_view clock_text) {
  const Rows rows = draw_changes(state, clock_text);
  drawn_ = Drawn{&state, state.versions(), std::string(clock_text)};
  GstBufferPtr frame = convert_to_i420(rows);
  if (!frame) drawn_.reset();  // nothing to build on: draw everything next time
  return frame;
}

void SceneRenderer::Rows::add(double from, double to, int height) {
  const int top = std::clamp(static_cast<int>(std::floor(from)), 0, height);
  const int bottom = std::clamp(static_cast<int>(std::ceil(to)), 0, height);
  if (bottom <= top) return;
  first = end > first ? std::min(first, top) : top;
  end = std::max(end, bottom);
}

// Each part draws over its own area; the margins between them never change. The agent panel
// changes the log panel's height, and the title bar is cheap: either redraws all.
SceneRenderer::Rows SceneRenderer::draw_changes(const scene::ScreenState& state, std::string_view clock_text) {
  Rows rows;
  const ScreenVersions& now = state.versions();
  if (!drawn_ || drawn_->state != &state || last_frame() == nullptr || now.agent != drawn_->versions.agent ||
      now.title != drawn_->versions.title) {
    draw(state, clock_text);
    rows.add(0, height_, height_);
    return rows;
  }
  const double body_top = 60 * scale_ + 16 * scale_;
  const double strip_top = height_ - 48 * scale_;
  if (now.log != drawn_->versions.log) {
    draw_log_panel(state);
    rows.add(body_top, strip_top, height_);
  }
  if (now.chat != drawn_->versions.chat) {
    draw_chat_panel(state);
    rows.add(body_top, strip_top, height_);
  }
  if (now.status != drawn_->versions.status || clock_text != drawn_->clock_text) {
    draw_status_strip(state, clock_text);
    rows.add(strip_top, height_, height_);
  }
  cairo_surface_flush(surface_.get());
  return rows;
}

void SceneRenderer::draw(const scene::ScreenState& state, std::string_view clock_text) {
  fill_rect(cr_.get(), 0, 0, width_, height_, kBackground);
  draw_title(state);
  draw_log_panel(state);
  draw_agent_panel(state);
  draw_chat_panel(state);
  draw_status_strip(state, clock_text);
  cairo_surface_flush(surface_.get());
}

PangoLayout* SceneRenderer::layout_with(const PangoFontDescription* font, std::string_view text, int width_px) {
  pango_layout_set_font_description(layout_.get(), font);
  pango_layout_set_text(layout_.get(), text.data(), static_cast<int>(text.size()));
  pango_layout_set_width(layout_.get(), width_px > 0 ? width_px * PANGO_SCALE : -1);
  pango_layout_set_wrap(layout_.get(), PANGO_WRAP_WORD_CHAR);
  pango_layout_set_ellipsize(layout_.get(), PANGO_ELLIPSIZE_NONE);
  return layout_.get();
}

void SceneRenderer::draw_text(PangoLayout* layout, double x, double y, std::uint32_t rgb) {
  set_color(cr_.get(), rgb);
  cairo_move_to(cr_.get(), x, y);
  pango_cairo_show_layout(cr_.get(), layout);
}

void SceneRenderer::draw_title(const scene::ScreenState& state) {
  const double bar = 60 * scale_;
  fill_rect(cr_.get(), 0, 0, width_, bar, kBar);
  const std::string& title = state.title().empty() ? std::string("agentcast") : state.title();
  PangoLayout* layout = layout_with(title_font_.get(), title, static_cast<int>(width_ - 40 * scale_));
  pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END);
  int text_h = 0;
  pango_layout_get_pixel_size(layout, nullptr, &text_h);
  draw_text(layout, 20 * scale_, (bar - text_h) / 2, 0xffffff);
}

// The agent panel takes the bottom of the left column when there is an agent to show.
double SceneRenderer::agent_panel_height(const scene::ScreenState& state) const {
  return state.agent().shown() ? std::round(170 * scale_) : 0;
}

void SceneRenderer::draw_agent_panel(const scene::ScreenState& state) {
  const double height = agent_panel_height(state);
  if (height <= 0) return;
  const auto& agent = state.agent();
  const double margin = 16 * scale_;
  const double bottom = height_ - 48 * scale_ - margin;
  const double top = bottom - height;
  const double right = std::round(width_ * 0.68);
  fill_rect(cr_.get(), margin, top, right - margin, height, kBar);
  const double pad = 12 * scale_;
  const int text_w = static_cast<int>(right - margin - 2 * pad);
  PangoLayout* header = layout_with(ui_font_.get(), agent.name.empty() ? std::string("AGENT") : agent.name, text_w);
  pango_layout_set_ellipsize(header, PANGO_ELLIPSIZE_END);
  draw_text(header, margin + pad, top + pad, kAccent);
  int header_h = 0;
  pango_layout_get_pixel_size(header, nullptr, &header_h);
  // Newest at the bottom: the current sentence (or "thinking…"), earlier replies above it.
  const double list_top = top + pad + header_h + pad / 2;
  cairo_save(cr_.get());
  cairo_rectangle(cr_.get(), margin + pad, list_top, text_w, bottom - pad - list_top);
  cairo_clip(cr_.get());
  double y = bottom - pad;
  const std::string now = agent.thinking ? std::string("thinking\u2026") : agent.current;
  auto draw_up = [&](const std::string& text, std::uint32_t colour) {
    PangoLayout* layout = layout_with(ui_font_.get(), text, text_w);
    int h = 0;
    pango_layout_get_pixel_size(layout, nullptr, &h);
    y -= h;
    draw_text(layout, margin + pad, y, colour);
    y -= 4 * scale_;
  };
  if (!now.empty()) draw_up(now, agent.thinking ? kMuted : kChatText);
  for (auto it = agent.recent.rbegin(); it != agent.recent.rend() && y > list_top; ++it) draw_up(*it, kMuted);
  cairo_restore(cr_.get());
}

void SceneRenderer::draw_log_panel(const scene::ScreenState& state) {
  const double margin = 16 * scale_;
  const double top = 60 * scale_ + margin;
  const double agent_h = agent_panel_height(state);
  const double bottom = height_ - 48 * scale_ - margin - (agent_h > 0 ? agent_h + margin : 0);
  const double right = std::round(width_ * 0.68);
  fill_rect(cr_.get(), margin, top, right - margin, bottom - top, kTerminal);

  // Like `tail -f` in a terminal: newest line at the bottom, older ones scroll off the top.
  // Only as many lines as could fit are laid out; the clip cuts the first one if it wraps.
  const double pad = 10 * scale_;
  const double inner_h = bottom - top - 2 * pad;
  const int line_h = std::max(1, pango_font_description_get_size(mono_font_.get()) / PANGO_SCALE);
  const auto& lines = state.log_lines();
  const std::size_t fit = std::min(lines.size(), static_cast<std::size_t>(inner_h / line_h) + 1);
  std::string text;
  for (auto it = lines.end() - static_cast<std::ptrdiff_t>(fit); it != lines.end(); ++it) {
    if (!text.empty()) text += '\n';
    text += *it;
  }
  PangoLayout* layout = layout_with(mono_font_.get(), text, static_cast<int>(right - margin - 2 * pad));
  int text_h = 0;
  pango_layout_get_pixel_size(layout, nullptr, &text_h);
  cairo_save(cr_.get());
  cairo_rectangle(cr_.get(), margin + pad, top + pad, right - margin - 2 * pad, inner_h);
  cairo_clip(cr_.get());
  draw_text(layout, margin + pad, top + pad + std::min(0.0, inner_h - text_h), kTerminalText);
  cairo_restore(cr_.get());
}

void SceneRenderer::draw_chat_panel(const scene::ScreenState& state) {
  const double margin = 16 * scale_;
  const double left = std::round(width_ * 0.68) + margin;
  const double top = 60 * scale_ + margin;
  const double bottom = height_ - 48 * scale_ - margin;
  const double panel_w = width_ - margin - left;
  fill_rect(cr_.get(), left, top, panel_w, bottom - top, kBar);

  const double pad = 12 * scale_;
  PangoLayout* header = layout_with(ui_font_.get(), "CHAT", -1);
  draw_text(header, left + pad, top + pad, kAccent);
  int header_h = 0;
  pango_layout_get_pixel_size(header, nullptr, &header_h);

  const double list_top = top + pad + header_h + pad;
  const double list_h = bottom - pad - list_top;
  const int text_w = static_cast<int>(panel_w - 2 * pad);
  const auto& chat = state.chat_lines();
  if (chat.empty()) {
    draw_text(layout_with(ui_font_.get(), "Chat appears here once a chat source is connected.", text_w), left + pad,
              list_top, kMuted);
    return;
  }
  // Newest at the bottom; walk back until the panel is full.
  cairo_save(cr_.get());
  cairo_rectangle(cr_.get(), left + pad, list_top, text_w, list_h);
  cairo_clip(cr_.get());
  double y = list_top + list_h;
  for (auto it = chat.rbegin(); it != chat.rend() && y > list_top; ++it) {
    const std::string mark = it->mark.empty() ? std::string() : "[" + it->mark + "] ";
    PangoLayout* layout = layout_with(ui_font_.get(), mark + it->author + ": " + it->text, text_w);
    int h = 0;
    pango_layout_get_pixel_size(layout, nullptr, &h);
    y -= h + 4 * scale_;
    draw_text(layout, left + pad, y, kChatText);
  }
  cairo_restore(cr_.get());
}

void SceneRenderer::draw_status_strip(const scene::ScreenState& state, std::string_view clock_text) {
  const double strip = 48 * scale_;
  const double top = height_ - strip;
  fill_rect(cr_.get(), 0, top, width_, strip, kBar);
  const auto& status = state.status();
  const double pad = 20 * scale_;

  std::string left = (status.live ? "\u25CF LIVE" : "\u25CB " + status.label);
  if (status.viewers) left += "   viewers " + std::to_string(*status.viewers);
  if (status.uptime_s) left += "   uptime " + format_uptime(*status.uptime_s);
  if (!status.notice.empty()) left += "   \u2014 " + status.notice;
  PangoLayout* layout = layout_with(ui_font_.get(), left, static_cast<int>(width_ * 0.7));
  pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END);  // one line, whatever the notice says
  int h = 0;
  pango_layout_get_pixel_size(layout, nullptr, &h);
  draw_text(layout, pad, top + (strip - h) / 2, status.live ? kLive : kMuted);

  layout = layout_with(ui_font_.get(), clock_text, -1);
  int w = 0;
  pango_layout_get_pixel_size(layout, &w, &h);
  draw_text(layout, width_ - pad - w, top + (strip - h) / 2, 0xffffff);
}

namespace {

// A frame no one else references: not the feed (buffer refcount), not a copy waiting in a
// queue or in the encoder (those share the memory).
bool is_free(GstBuffer* frame) {
  GstMemory* memory = gst_buffer_peek_memory(frame, 0);
  return GST_MINI_OBJECT_REFCOUNT_VALUE(frame) == 1 && gst_mini_object_is_writable(GST_MINI_OBJECT_CAST(memory));
}

}  // namespace

GstBuffer* SceneRenderer::last_frame() const { return last_index_ ? frames_[*last_index_].get() : last_one_off_.get(); }

// The last frame when it is free (only what changed is converted into it), another free one
// of the ring otherwise, or none when all are in use.
std::optional<std::size_t> SceneRenderer::free_frame() {
  if (last_index_ && is_free(frames_[*last_index_].get())) return last_index_;
  for (std::size_t index = 0; index < frames_.size(); ++index) {
    if (is_free(frames_[index].get())) return index;
  }
  if (frames_.size() >= kRecycledFrames) return std::nullopt;
  frames_.emplace_back(gst_buffer_new_allocate(nullptr, i420_info_.size, nullptr));
  return frames_.size() - 1;
}

GstBufferPtr SceneRenderer::convert_to_i420(Rows rows) {
  // Every recycled frame still in use (a slow encoder): a one-off frame rather than waiting.
  const std::optional<std::size_t> index = free_frame();
  GstBufferPtr one_off(index ? nullptr : gst_buffer_new_allocate(nullptr, i420_info_.size, nullptr));
  GstBuffer* target = index ? frames_[*index].get() : one_off.get();  // this renderer's only reference
  if (!write_changes(target, rows)) return nullptr;
  last_index_ = index;
  GstBufferPtr frame = one_off ? std::move(one_off) : GstBufferPtr(gst_buffer_ref(target));
  last_one_off_.reset(index ? nullptr : gst_buffer_ref(frame.get()));
  return frame;
}

bool SceneRenderer::write_changes(GstBuffer* target, Rows rows) {
  // Rows outside the changed ones are the last frame's (when it is not this very buffer).
  GstBuffer* last = last_frame();
  if ((rows.first > 0 || rows.end < height_) && last != nullptr && last != target) {
    GstMapInfo map;
    if (!gst_buffer_map(last, &map, GST_MAP_READ)) return false;
    gst_buffer_fill(target, 0, map.data, map.size);
    gst_buffer_unmap(last, &map);
  }
  // Chroma is the mean of 2x2 blocks: the rows start and end on a pair.
  rows.first -= rows.first % 2;
  rows.end = std::min(height_, rows.end + rows.end % 2);
  rows_converted_ = std::max(0, rows.end - rows.first);
  if (rows_converted_ == 0) return true;
  GstVideoFrame out_frame;
  if (!gst_video_frame_map(&out_frame, &i420_info_, target, GST_MAP_WRITE)) return false;
  // BT.709 limited range, as the caps (colorimetry=bt709) and so the H.264 VUI declare.
  const auto plane = [&](int index, int row) {
    return static_cast<std::uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&out_frame, index)) +
           static_cast<std::ptrdiff_t>(row) * GST_VIDEO_FRAME_PLANE_STRIDE(&out_frame, index);
  };
  const auto stride = [&](int index) { return GST_VIDEO_FRAME_PLANE_STRIDE(&out_frame, index); };
  const int stride_rgb = cairo_image_surface_get_stride(surface_.get());
  codec::xrgb_to_i420_bt709(
      cairo_image_surface_get_data(surface_.get()) + static_cast<std::ptrdiff_t>(rows.first) * stride_rgb, stride_rgb,
      width_, rows_converted_,
      {plane(0, rows.first), stride(0), plane(1, rows.first / 2), stride(1), plane(2, rows.first / 2), stride(2)});
  gst_video_frame_unmap(&out_frame);
  return true;
}

}  // namespace agentcast::scene
