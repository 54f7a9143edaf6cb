#include "codec/h264/encode_on_change.hpp"

#include "codec/h264/bitstream.hpp"
#include "codec/h264/skipped_picture.hpp"
#include "codec/rate_control.hpp"
#include "codec/repeat_meta.hpp"
#include "common/fault_barrier.hpp"
#include "common/log.hpp"
#include "common/user_data.hpp"

#include <gst/video/video.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace agentcast::codec::h264 {
namespace {

using Nal = std::span<const std::uint8_t>;

// The NAL units of one access unit in stream-format=avc.
std::vector<Nal> split_access_unit(std::span<const std::uint8_t> data, int length_size) {
  std::vector<Nal> units;
  std::size_t at = 0;
  while (at < data.size()) {
    if (at + static_cast<std::size_t>(length_size) > data.size()) throw h264::SyntaxError("truncated NAL length");
    std::size_t length = 0;
    for (int i = 0; i < length_size; ++i) length = (length << 8) | data[at++];
    if (length == 0 || at + length > data.size()) throw h264::SyntaxError("NAL unit longer than the buffer");
    units.push_back(data.subspan(at, length));
    at += length;
  }
  return units;
}

bool is_slice(Nal nal) {
  const int type = h264::nal_type(nal[0]);
  return type == static_cast<int>(h264::NalType::slice) || type == static_cast<int>(h264::NalType::idr_slice);
}

void append_unit(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> nal, int length_size) {
  for (int shift = 8 * (length_size - 1); shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>((nal.size() >> shift) & 0xff));
  }
  out.insert(out.end(), nal.begin(), nal.end());
}

GstBuffer* buffer_with(const std::vector<std::uint8_t>& bytes) {
  GstBuffer* buffer = gst_buffer_new_allocate(nullptr, bytes.size(), nullptr);
  gst_buffer_fill(buffer, 0, bytes.data(), bytes.size());
  return buffer;
}

// What x264 produced for one frame.
struct EncodedPicture {
  bool idr = false;
  bool reference = false;
  std::uint32_t frame_num = 0;
  int qp = 0;
};

EncodedPicture look_at(const std::vector<Nal>& units, const h264::StreamParameters& stream) {
  EncodedPicture picture;
  bool first = true;
  for (const Nal nal : units) {
    if (!is_slice(nal)) continue;
    if (!std::exchange(first, false)) continue;
    picture.idr = h264::nal_type(nal[0]) == static_cast<int>(h264::NalType::idr_slice);
    picture.reference = h264::nal_ref_idc(nal[0]) != 0;
    const auto header = h264::read_slice_header(nal, stream);
    picture.frame_num = header.frame_num;
    picture.qp = header.qp;
  }
  if (first) throw h264::SyntaxError("an access unit without a slice");
  return picture;
}

}  // namespace

struct EncodeOnChange::State {
  GstObjectPtr<GstPad> output;  // the encoder's source pad, where skipped pictures go out
  std::int64_t keyframe_frames = 0;

  // Rate control on real time: the bucket from the encoder's settings, made when the frame
  // rate is known (the first frame's caps).
  double rate_bps = 0;
  double bucket_bits = 0;
  std::optional<RateControl> rate;
  std::optional<EncoderLimits> applied;
  bool over_limit_logged = false;
  bool encoded_any = false;  // x264 put out a picture (the first is a keyframe)

  // From the encoder's caps.
  std::optional<h264::StreamParameters> stream;
  // The skipped picture for each frame_num, written on first use: only frame_num differs.
  std::vector<std::vector<std::uint8_t>> skipped_access_units;
  GstClockTime frame_duration = GST_CLOCK_TIME_NONE;
  bool refused_logged = false;

  // Each frame inside the encoder: its timestamp and the limits it was given.
  struct Waiting {
    GstClockTime pts;
    std::optional<EncoderLimits> limits;
  };
  std::deque<Waiting> in_encoder;
  // What the encoder adds to input timestamps (x264enc moves its output segment 1000 hours on,
  // leaving room for DTS before PTS); skipped pictures must be on the same time line.
  GstClockTimeDiff output_offset = 0;
  std::uint32_t frame_num = 0;                // of the last reference picture sent
  std::optional<std::int64_t> keyframe_slot;  // frame slot of the last keyframe sent
  bool renumbered = false;                    // pictures were skipped since that keyframe
  bool keyframe_forced = false;
  bool injecting = false;
  std::atomic<std::uint64_t> skipped{0};

  std::int64_t slot_of(GstClockTime pts) const {
    return static_cast<std::int64_t>((pts + frame_duration / 2) / frame_duration);
  }

  void configure(GstCaps* caps);
  void refuse(const std::string& why);
  bool ready_to_control(GstPad* pad, GstClockTime pts);
  void apply(GstPad* pad, const EncoderLimits& limits);
  void pour(GstClockTime pts, std::size_t bytes);
  GstPadProbeReturn take_input(GstPad* pad, GstPadProbeInfo* info);
  GstPadProbeReturn skip(GstPadProbeInfo* info, GstBuffer* frame);
  GstPadProbeReturn take_output(GstPadProbeInfo* info);
  GstBuffer* renumbered_copy(GstBuffer* original, const std::vector<Nal>& units) const;
};

void EncodeOnChange::State::refuse(const std::string& why) {
  stream.reset();
  if (!std::exchange(refused_logged, true)) log::info("skipped pictures for repeated frames is off: ", why);
}

void EncodeOnChange::State::configure(GstCaps* caps) {
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  const gchar* format = gst_structure_get_string(s, "stream-format");
  const gchar* alignment = gst_structure_get_string(s, "alignment");
  gint fps_n = 0;
  gint fps_d = 0;
  const GValue* codec_data = gst_structure_get_value(s, "codec_data");
  if (format == nullptr || std::string_view(format) != "avc" || alignment == nullptr ||
      std::string_view(alignment) != "au" || codec_data == nullptr || !GST_VALUE_HOLDS_BUFFER(codec_data)) {
    refuse("the encoder does not put out stream-format=avc,alignment=au");
    return;
  }
  if (!gst_structure_get_fraction(s, "framerate", &fps_n, &fps_d) || fps_n <= 0 || fps_d <= 0) {
    refuse("no fixed frame rate");
    return;
  }
  GstMapInfo map;
  GstBuffer* record = gst_value_get_buffer(codec_data);
  if (!gst_buffer_map(record, &map, GST_MAP_READ)) {
    refuse("unreadable codec_data");
    return;
  }
  std::string why;
  stream = h264::read_avc_config(std::span<const std::uint8_t>(map.data, map.size), why);
  gst_buffer_unmap(record, &map);
  if (!stream) {
    refuse(why);
    return;
  }
  frame_duration = gst_util_uint64_scale_int(GST_SECOND, fps_d, fps_n);
  skipped_access_units.assign(stream->max_frame_num(), {});
  log::debug("skipped pictures for repeated frames: ready (", stream->macroblocks, " macroblocks, ",
             stream->cabac ? "CABAC" : "CAVLC", ")");
}

// Makes the rate control once the frame rate is known (the first frame's caps); false before.
bool EncodeOnChange::State::ready_to_control(GstPad* pad, GstClockTime pts) {
  if (!GST_CLOCK_TIME_IS_VALID(pts)) return false;
  if (rate) return true;
  GstCapsPtr caps(gst_pad_get_current_caps(pad));
  gint fps_n = 0;
  gint fps_d = 0;
  if (!caps || !gst_structure_get_fraction(gst_caps_get_structure(caps.get(), 0), "framerate", &fps_n, &fps_d) ||
      fps_n <= 0 || fps_d <= 0) {
    return false;
  }
  const auto frame_ms = static_cast<unsigned>((1000 * static_cast<std::int64_t>(fps_d) + fps_n - 1) / fps_n);
  rate.emplace(rate_bps, bucket_bits, frame_ms);
  return true;
}

// Sets the VBV of the picture x264 is about to encode: properties of x264enc that it applies
// (x264_encoder_reconfig) at the start of the next frame it encodes, this one.
void EncodeOnChange::State::apply(GstPad* pad, const EncoderLimits& limits) {
  const bool same = applied && applied->max_rate_kbps == limits.max_rate_kbps && applied->buffer_ms == limits.buffer_ms;
  if (!same) {
    g_object_set(GST_PAD_PARENT(pad), "bitrate", limits.max_rate_kbps, "vbv-buf-capacity", limits.buffer_ms, nullptr);
  }
  applied = limits;
}

void EncodeOnChange::State::pour(GstClockTime pts, std::size_t bytes) {
  if (!rate || !GST_CLOCK_TIME_IS_VALID(pts)) return;
  if (!rate->delivered(static_cast<std::int64_t>(pts), bytes) && !std::exchange(over_limit_logged, true)) {
    log::warning("a picture of ", bytes, " bytes went over the stream's rate limit");
  }
}

GstPadProbeReturn EncodeOnChange::State::take_input(GstPad* pad, GstPadProbeInfo* info) {
  GstBuffer* frame = GST_PAD_PROBE_INFO_BUFFER(info);
  const GstClockTime pts = GST_BUFFER_PTS(frame);
  const bool controlled = ready_to_control(pad, pts);
  // Frames since the last keyframe, once there was one in a stream the bypass can work on.
  const std::optional<std::int64_t> since_keyframe =
      stream && keyframe_slot && controlled ? std::optional(slot_of(pts) - *keyframe_slot) : std::nullopt;
  const bool on_grid = since_keyframe && *since_keyframe >= keyframe_frames;
  // The next frame's timestamp when it is to be a keyframe.
  const std::optional<std::int64_t> next_keyframe = since_keyframe && *since_keyframe + 1 == keyframe_frames
                                                        ? std::optional(static_cast<std::int64_t>(pts + frame_duration))
                                                        : std::nullopt;
  std::optional<EncoderLimits> limits;
  if (on_grid) {
    // x264 counts only the frames it saw; when it missed some, it would place this keyframe late.
    if (renumbered && !std::exchange(keyframe_forced, true)) {
      gst_pad_send_event(pad, gst_video_event_new_downstream_force_key_unit(GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE,
                                                                            GST_CLOCK_TIME_NONE, FALSE, 0));
    }
  } else if (stream && codec::is_repeat(frame) && in_encoder.empty() && controlled &&
             static_cast<GstClockTimeDiff>(pts) + output_offset >= 0) {
    // A repeat goes through x264 after all to refine a picture it may have coded coarse, or,
    // before a keyframe, to open x264's buffer for it (codec/rate_control.hpp).
    limits = rate->limits_for_repeat(static_cast<std::int64_t>(pts), next_keyframe);
    if (!limits) return skip(info, frame);
  }
  if (controlled) {
    const bool keyframe_due = on_grid || (!encoded_any && in_encoder.empty());
    if (!limits) {
      limits = next_keyframe && !keyframe_due
                   ? rate->limits_before_keyframe(static_cast<std::int64_t>(pts), *next_keyframe)
                   : rate->limits_for(static_cast<std::int64_t>(pts), keyframe_due);
    }
    apply(pad, *limits);
  }
  in_encoder.push_back({pts, limits});
  return GST_PAD_PROBE_OK;
}

GstPadProbeReturn EncodeOnChange::State::skip(GstPadProbeInfo* info, GstBuffer* frame) {
  frame_num = (frame_num + 1) % stream->max_frame_num();
  std::vector<std::uint8_t>& access_unit = skipped_access_units.at(frame_num);
  if (access_unit.empty()) append_unit(access_unit, h264::skipped_picture(*stream, frame_num), stream->nal_length_size);
  GstBuffer* picture = buffer_with(access_unit);
  const auto pts = static_cast<GstClockTime>(static_cast<GstClockTimeDiff>(GST_BUFFER_PTS(frame)) + output_offset);
  GST_BUFFER_PTS(picture) = pts;
  GST_BUFFER_DTS(picture) = pts;  // no reordering: decoding order is display order
  GST_BUFFER_DURATION(picture) = GST_BUFFER_DURATION(frame);
  GST_BUFFER_FLAG_SET(picture, GST_BUFFER_FLAG_DELTA_UNIT);
  pour(GST_BUFFER_PTS(frame), access_unit.size());
  GstBufferPtr(frame).reset();  // the probe passes `picture` on in its place
  renumbered = true;
  skipped.fetch_add(1, std::memory_order_relaxed);
  injecting = true;
  GST_PAD_PROBE_INFO_FLOW_RETURN(info) = gst_pad_push(output.get(), picture);
  injecting = false;
  return GST_PAD_PROBE_HANDLED;
}

GstPadProbeReturn EncodeOnChange::State::take_output(GstPadProbeInfo* info) {
  if ((GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) != 0) {
    GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
    if (GST_EVENT_TYPE(event) == GST_EVENT_CAPS) {
      GstCaps* caps = nullptr;
      gst_event_parse_caps(event, &caps);
      configure(caps);
    }
    return GST_PAD_PROBE_OK;
  }
  if (injecting) return GST_PAD_PROBE_OK;
  GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  GstClockTime input_pts = GST_CLOCK_TIME_NONE;
  std::optional<EncoderLimits> limits;
  if (!in_encoder.empty()) {
    input_pts = in_encoder.front().pts;
    limits = in_encoder.front().limits;
    in_encoder.pop_front();
    if (GST_CLOCK_TIME_IS_VALID(input_pts) && GST_BUFFER_PTS_IS_VALID(buffer)) {
      output_offset = GST_CLOCK_DIFF(input_pts, GST_BUFFER_PTS(buffer));
    }
  }
  pour(input_pts, gst_buffer_get_size(buffer));
  encoded_any = true;
  if (!stream) return GST_PAD_PROBE_OK;

  GstMapInfo map;
  if (!gst_buffer_map(buffer, &map, GST_MAP_READ)) return GST_PAD_PROBE_OK;
  try {
    const auto units = split_access_unit(std::span<const std::uint8_t>(map.data, map.size), stream->nal_length_size);
    const EncodedPicture picture = look_at(units, *stream);
    if (rate && limits) {
      const double allowed = std::min(limits->buffer_bits(), rate->encoder_allows_bits());
      rate->encoded(*limits, picture.idr, map.size);
      log::debug("encoded ", picture.idr ? "keyframe" : "picture", " at ", input_pts / GST_MSECOND, " ms: QP ",
                 picture.qp, ", ", map.size, " bytes, ", limits->capped ? "capped at " : "within ",
                 static_cast<long>(allowed / 1000), " kbit");
    }
    std::uint32_t wanted = picture.frame_num;
    if (picture.idr) {
      frame_num = 0;
      keyframe_slot = GST_CLOCK_TIME_IS_VALID(input_pts) ? std::optional(slot_of(input_pts)) : std::nullopt;
      renumbered = false;
      keyframe_forced = false;
    } else if (picture.reference) {
      frame_num = (frame_num + 1) % stream->max_frame_num();
      wanted = frame_num;
    } else {
      wanted = (frame_num + 1) % stream->max_frame_num();
    }
    GstBuffer* renamed = wanted != picture.frame_num ? renumbered_copy(buffer, units) : nullptr;
    gst_buffer_unmap(buffer, &map);
    if (renamed != nullptr) {
      GstBufferPtr(buffer).reset();  // replaced by its renumbered copy
      GST_PAD_PROBE_INFO_DATA(info) = renamed;
    }
  } catch (const h264::SyntaxError& error) {
    gst_buffer_unmap(buffer, &map);
    refuse(std::string("unreadable encoder output: ") + error.what());
  }
  return GST_PAD_PROBE_OK;
}

GstBuffer* EncodeOnChange::State::renumbered_copy(GstBuffer* original, const std::vector<Nal>& units) const {
  std::vector<std::uint8_t> bytes;
  for (const Nal nal : units) {
    if (is_slice(nal) && h264::nal_ref_idc(nal[0]) != 0) {
      append_unit(bytes, h264::with_frame_num(nal, *stream, frame_num), stream->nal_length_size);
    } else if (is_slice(nal)) {
      append_unit(bytes, h264::with_frame_num(nal, *stream, (frame_num + 1) % stream->max_frame_num()),
                  stream->nal_length_size);
    } else {
      append_unit(bytes, nal, stream->nal_length_size);
    }
  }
  GstBuffer* copy = buffer_with(bytes);
  gst_buffer_copy_into(copy, original, GST_BUFFER_COPY_METADATA, 0, static_cast<gsize>(-1));
  return copy;
}

namespace {

struct EncoderSettings {
  guint keyframe_frames = 0;
  guint bitrate_kbps = 0;
  guint buffer_ms = 0;
};

EncoderSettings read_settings(GstElement* encoder) {
  EncoderSettings settings;
  g_object_get(encoder, "key-int-max", &settings.keyframe_frames, "bitrate", &settings.bitrate_kbps, "vbv-buf-capacity",
               &settings.buffer_ms, nullptr);
  return settings;
}

}  // namespace

EncodeOnChange::EncodeOnChange(GstElement* encoder) {
  const EncoderSettings settings = read_settings(encoder);
  if (settings.bitrate_kbps == 0 || settings.buffer_ms == 0) {
    throw std::invalid_argument("the encoder has no bitrate or VBV buffer to keep");
  }
  state_ = std::make_shared<State>();
  state_->rate_bps = 1000.0 * settings.bitrate_kbps;
  state_->bucket_bits = state_->rate_bps * settings.buffer_ms / 1000;
  state_->keyframe_frames = settings.keyframe_frames;
  const GstObjectPtr<GstPad> input(gst_element_get_static_pad(encoder, "sink"));
  state_->output.reset(gst_element_get_static_pad(encoder, "src"));
  if (!input || !state_->output || settings.keyframe_frames == 0) {
    state_->refuse("the encoder has no fixed keyframe interval");
    return;
  }
  // Each probe keeps the state alive until GStreamer drops it, so a streaming thread that is
  // still inside a callback never sees it freed.
  input_probe_ = PadProbe(input.get(), GST_PAD_PROBE_TYPE_BUFFER, on_input, to_user_data(state_),
                          destroy_user_data<std::shared_ptr<State>>);
  output_probe_ =
      PadProbe(state_->output.get(),
               static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM), on_output,
               to_user_data(state_), destroy_user_data<std::shared_ptr<State>>);
}

std::uint64_t EncodeOnChange::pictures_skipped() const { return state_->skipped.load(std::memory_order_relaxed); }

GstPadProbeReturn EncodeOnChange::on_input(GstPad* pad, GstPadProbeInfo* info, gpointer data) {
  GstPadProbeReturn result = GST_PAD_PROBE_OK;
  fault::contain("encoding on change",
                 [&] { result = (*static_cast<std::shared_ptr<State>*>(data))->take_input(pad, info); });
  return result;
}

GstPadProbeReturn EncodeOnChange::on_output(GstPad* /*pad*/, GstPadProbeInfo* info, gpointer data) {
  GstPadProbeReturn result = GST_PAD_PROBE_OK;
  fault::contain("encoding on change",
                 [&] { result = (*static_cast<std::shared_ptr<State>*>(data))->take_output(info); });
  return result;
}

}  // namespace agentcast::codec::h264
