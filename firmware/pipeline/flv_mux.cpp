#include "pipeline/flv_mux.hpp"

#include "common/log.hpp"

#include <array>
#include <bit>
#include <optional>
#include <string_view>
#include <utility>

namespace agentcast::pipeline {
namespace {

constexpr std::uint8_t kAudioTag = 8;
constexpr std::uint8_t kVideoTag = 9;
constexpr std::uint8_t kScriptTag = 18;
constexpr std::uint8_t kVideoKeyframeAvc = 0x17;  // frame type 1 (key), codec 7 (AVC)
constexpr std::uint8_t kVideoInterAvc = 0x27;     // frame type 2 (inter), codec 7
// Sound format 10 (AAC); the rate, size and channel bits are always these for AAC.
constexpr std::uint8_t kAudioAac = 0xAF;
constexpr std::uint8_t kSequenceHeader = 0;  // AVCPacketType and AACPacketType
constexpr std::uint8_t kFrame = 1;
constexpr double kVideoCodecAvc = 7;
constexpr double kAudioCodecAac = 10;
constexpr std::uint32_t kMaxTagPayload = 0xFFFFFF;

using Bytes = std::vector<std::uint8_t>;

void put_u16(Bytes& out, std::uint32_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8U));
  out.push_back(static_cast<std::uint8_t>(value));
}

void put_u24(Bytes& out, std::uint32_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 16U));
  put_u16(out, value);
}

void put_u32(Bytes& out, std::uint32_t value) {
  put_u16(out, value >> 16U);
  put_u16(out, value);
}

// The 11-byte tag header: type, payload size, timestamp (24 bits and an extension byte),
// stream id 0.
void put_tag_header(Bytes& out, std::uint8_t type, std::size_t payload_size, std::uint64_t time_ms) {
  const std::size_t start = out.size();
  out.push_back(type);
  put_u24(out, static_cast<std::uint32_t>(payload_size));
  out.resize(start + kFlvTagHeaderSize);                                       // the timestamp, then stream id 0
  put_flv_timestamp(out.data() + start, static_cast<std::uint32_t>(time_ms));  // wraps after 49.7 days
}

// AMF0, as the onMetaData script tag needs it: a string, and an ECMA array of numbers,
// booleans and strings.
void put_amf_string(Bytes& out, std::string_view text) {
  put_u16(out, static_cast<std::uint32_t>(text.size()));
  out.insert(out.end(), text.begin(), text.end());
}

void put_amf_number(Bytes& out, std::string_view key, double value) {
  put_amf_string(out, key);
  out.push_back(0x00);
  const auto bits = std::bit_cast<std::uint64_t>(value);
  put_u32(out, static_cast<std::uint32_t>(bits >> 32U));
  put_u32(out, static_cast<std::uint32_t>(bits));
}

void put_amf_boolean(Bytes& out, std::string_view key, bool value) {
  put_amf_string(out, key);
  out.push_back(0x01);
  out.push_back(value ? 1 : 0);
}

void put_amf_text(Bytes& out, std::string_view key, std::string_view value) {
  put_amf_string(out, key);
  out.push_back(0x02);
  put_amf_string(out, value);
}

GstBufferPtr buffer_of(const Bytes& bytes) { return GstBufferPtr(gst_buffer_new_memdup(bytes.data(), bytes.size())); }

// A whole tag: `head` (tag header and the codec's bytes), then `payload` (shared), then the
// previous-tag size.
GstBufferPtr tag_of(const Bytes& head, GstBuffer* payload) {
  const gsize payload_size = payload != nullptr ? gst_buffer_get_size(payload) : 0;
  GstBuffer* tag = gst_buffer_new_memdup(head.data(), head.size());
  if (payload_size > 0) tag = gst_buffer_append(tag, gst_buffer_copy_region(payload, GST_BUFFER_COPY_MEMORY, 0, -1));
  Bytes trailer;
  put_u32(trailer, static_cast<std::uint32_t>(head.size() + payload_size));
  return GstBufferPtr(gst_buffer_append(tag, gst_buffer_new_memdup(trailer.data(), trailer.size())));
}

// A codec config tag of the stream header: `prefix` then the caps' codec_data.
GstBufferPtr config_tag(std::uint8_t type, const Bytes& prefix, GstBuffer* codec_data) {
  Bytes head;
  put_tag_header(head, type, prefix.size() + gst_buffer_get_size(codec_data), 0);
  head.insert(head.end(), prefix.begin(), prefix.end());
  return tag_of(head, codec_data);
}

std::optional<std::uint64_t> running_ms(const GstSegment* segment, GstClockTime time) {
  if (segment == nullptr || !GST_CLOCK_TIME_IS_VALID(time)) return std::nullopt;
  const guint64 running = gst_segment_to_running_time(segment, GST_FORMAT_TIME, time);
  if (!GST_CLOCK_TIME_IS_VALID(running)) return std::nullopt;
  return (running + GST_MSECOND / 2) / GST_MSECOND;
}

GstBufferPtr codec_data_of(GstCaps* caps) {
  if (caps == nullptr || gst_caps_get_size(caps) == 0) return nullptr;
  const GValue* value = gst_structure_get_value(gst_caps_get_structure(caps, 0), "codec_data");
  if (value == nullptr || !GST_VALUE_HOLDS_BUFFER(value)) return nullptr;
  return GstBufferPtr(gst_buffer_ref(gst_value_get_buffer(value)));
}

bool same_bytes(GstBuffer* a, GstBuffer* b) {
  if (a == nullptr || b == nullptr) return a == b;
  GstMapInfo map;
  if (!gst_buffer_map(a, &map, GST_MAP_READ)) return false;
  const bool same = gst_buffer_get_size(b) == map.size && gst_buffer_memcmp(b, 0, map.data, map.size) == 0;
  gst_buffer_unmap(a, &map);
  return same;
}

int caps_int(GstCaps* caps, const char* field) {
  gint value = 0;
  gst_structure_get_int(gst_caps_get_structure(caps, 0), field, &value);
  return value;
}

FlvMux::Tag stamped(GstBufferPtr buffer, FlvTag info, std::uint64_t time_ms) {
  GST_BUFFER_PTS(buffer.get()) = GST_BUFFER_DTS(buffer.get()) = time_ms * GST_MSECOND;
  info.timestamp_ms = static_cast<std::uint32_t>(time_ms);
  return {std::move(buffer), info};
}

}  // namespace

bool FlvMux::take_config(Config& config, GstCaps* caps) {
  if (caps == nullptr || caps == config.caps.get()) return false;
  config.caps.reset(gst_caps_ref(caps));
  GstBufferPtr codec_data = codec_data_of(caps);
  if (!codec_data || same_bytes(codec_data.get(), config.codec_data.get())) return false;
  config.codec_data = std::move(codec_data);
  return true;
}

void FlvMux::make_header() {
  if (!video_.codec_data || !audio_.codec_data) return;
  GstCaps* video = video_.caps.get();
  GstCaps* audio = audio_.caps.get();
  gint fps_n = 0;
  gint fps_d = 1;
  gst_structure_get_fraction(gst_caps_get_structure(video, 0), "framerate", &fps_n, &fps_d);

  // "FLV", version 1, audio and video, a 9-byte header; then the first previous-tag size, 0.
  const Bytes file_header{'F', 'L', 'V', 1, 0x05, 0, 0, 0, 9, 0, 0, 0, 0};
  Bytes metadata;
  metadata.push_back(0x02);
  put_amf_string(metadata, "onMetaData");
  metadata.push_back(0x08);  // an ECMA array of 10 entries
  put_u32(metadata, 10);
  put_amf_number(metadata, "width", caps_int(video, "width"));
  put_amf_number(metadata, "height", caps_int(video, "height"));
  put_amf_number(metadata, "framerate", fps_d > 0 ? static_cast<double>(fps_n) / fps_d : 0);
  put_amf_number(metadata, "videocodecid", kVideoCodecAvc);
  put_amf_number(metadata, "audiocodecid", kAudioCodecAac);
  put_amf_number(metadata, "audiosamplerate", caps_int(audio, "rate"));
  put_amf_number(metadata, "audiosamplesize", 16);
  put_amf_boolean(metadata, "stereo", caps_int(audio, "channels") == 2);
  put_amf_text(metadata, "encoder", "agentcast");
  put_amf_text(metadata, "metadatacreator", "agentcast");
  metadata.insert(metadata.end(), {0x00, 0x00, 0x09});  // the array's end
  Bytes metadata_head;
  put_tag_header(metadata_head, kScriptTag, metadata.size(), 0);
  metadata_head.insert(metadata_head.end(), metadata.begin(), metadata.end());

  std::array<GstBufferPtr, 4> parts{
      buffer_of(file_header), tag_of(metadata_head, nullptr),
      config_tag(kVideoTag, {kVideoKeyframeAvc, kSequenceHeader, 0, 0, 0}, video_.codec_data.get()),
      config_tag(kAudioTag, {kAudioAac, kSequenceHeader}, audio_.codec_data.get())};
  GValue header = G_VALUE_INIT;
  g_value_init(&header, GST_TYPE_ARRAY);
  for (GstBufferPtr& part : parts) {
    GST_BUFFER_FLAG_SET(part.get(), GST_BUFFER_FLAG_HEADER);
    GValue value = G_VALUE_INIT;
    g_value_init(&value, GST_TYPE_BUFFER);
    gst_value_take_buffer(&value, part.release());
    gst_value_array_append_and_take_value(&header, &value);
  }
  caps_.reset(gst_caps_new_empty_simple("video/x-flv"));
  gst_structure_take_value(gst_caps_get_structure(caps_.get(), 0), "streamheader", &header);
}

std::vector<FlvMux::Tag> FlvMux::add_video(GstSample* sample) {
  if (take_config(video_, gst_sample_get_caps(sample))) make_header();
  GstBuffer* frame = gst_sample_get_buffer(sample);
  if (frame == nullptr) return due(false);
  const GstSegment* segment = gst_sample_get_segment(sample);
  const GstClockTime decode = GST_BUFFER_DTS_IS_VALID(frame) ? GST_BUFFER_DTS(frame) : GST_BUFFER_PTS(frame);
  const auto time_ms = running_ms(segment, decode);
  if (!time_ms || gst_buffer_get_size(frame) + 5 > kMaxTagPayload) return due(false);
  const auto shown_ms = running_ms(segment, GST_BUFFER_PTS(frame));
  // Composition time (presentation less decoding), 24 bits signed; 0 without B-frames.
  const auto composition = static_cast<std::uint32_t>(shown_ms ? static_cast<std::int64_t>(*shown_ms - *time_ms) : 0);
  FlvTag info;
  info.kind = FlvTag::Kind::video;
  info.keyframe = !GST_BUFFER_FLAG_IS_SET(frame, GST_BUFFER_FLAG_DELTA_UNIT);
  Bytes head;
  put_tag_header(head, kVideoTag, 5 + gst_buffer_get_size(frame), *time_ms);
  head.push_back(info.keyframe ? kVideoKeyframeAvc : kVideoInterAvc);
  head.push_back(kFrame);
  put_u24(head, composition & 0xFFFFFFU);
  GstBufferPtr tag = tag_of(head, frame);
  if (!info.keyframe) GST_BUFFER_FLAG_SET(tag.get(), GST_BUFFER_FLAG_DELTA_UNIT);
  video_waiting_.push_back({*time_ms, stamped(std::move(tag), info, *time_ms)});
  return due(true);
}

std::vector<FlvMux::Tag> FlvMux::add_audio(GstSample* sample) {
  if (take_config(audio_, gst_sample_get_caps(sample))) make_header();
  GstBuffer* frame = gst_sample_get_buffer(sample);
  const auto time_ms = running_ms(gst_sample_get_segment(sample), frame ? GST_BUFFER_PTS(frame) : GST_CLOCK_TIME_NONE);
  if (frame == nullptr || !time_ms || gst_buffer_get_size(frame) + 2 > kMaxTagPayload) return due(false);
  FlvTag info;
  info.kind = FlvTag::Kind::audio;
  Bytes head;
  put_tag_header(head, kAudioTag, 2 + gst_buffer_get_size(frame), *time_ms);
  head.push_back(kAudioAac);
  head.push_back(kFrame);
  audio_waiting_.push_back({*time_ms, stamped(tag_of(head, frame), info, *time_ms)});
  return due(false);
}

std::vector<FlvMux::Tag> FlvMux::due(bool video_arrived) {
  std::vector<Tag> out;
  if (!caps_) {
    // Nothing leaves before the stream header; a stream whose config never comes does not
    // hold the other one's tags without bound.
    for (auto* queue : {&video_waiting_, &audio_waiting_}) {
      if (queue->size() <= kMaxWaiting) continue;
      queue->pop_front();
      if (!std::exchange(dropped_logged_, true)) log::warning("FLV mux: a stream's codec config is late; dropping");
    }
    return out;
  }
  while (!video_waiting_.empty()) {
    Waiting& video = video_waiting_.front();
    while (!audio_waiting_.empty() && audio_waiting_.front().time_ms <= video.time_ms) {
      out.push_back(std::move(audio_waiting_.front().tag));
      audio_waiting_.pop_front();
    }
    out.push_back(std::move(video.tag));
    video_waiting_.pop_front();
  }
  // Video has stopped: audio goes on alone.
  while (!video_arrived && !audio_waiting_.empty() &&
         audio_waiting_.back().time_ms - audio_waiting_.front().time_ms >= kAudioAloneMs) {
    out.push_back(std::move(audio_waiting_.front().tag));
    audio_waiting_.pop_front();
  }
  return out;
}

std::vector<FlvMux::Tag> FlvMux::finish() {
  std::vector<Tag> out;
  if (!caps_) return out;
  while (!video_waiting_.empty() || !audio_waiting_.empty()) {
    const bool audio_first = video_waiting_.empty() || (!audio_waiting_.empty() && audio_waiting_.front().time_ms <=
                                                                                       video_waiting_.front().time_ms);
    auto& queue = audio_first ? audio_waiting_ : video_waiting_;
    out.push_back(std::move(queue.front().tag));
    queue.pop_front();
  }
  return out;
}

}  // namespace agentcast::pipeline
