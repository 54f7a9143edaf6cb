#include "pipeline/flv_tag.hpp"

#include <algorithm>
#include <array>

namespace agentcast::pipeline {
namespace {

constexpr std::uint8_t kAudioTag = 8;
constexpr std::uint8_t kVideoTag = 9;
constexpr std::uint8_t kScriptTag = 18;
constexpr std::uint8_t kVideoKeyframe = 1;   // the upper nibble of a video payload's first byte
constexpr std::uint8_t kSequenceHeader = 0;  // AVCPacketType and AACPacketType
constexpr std::uint8_t kSoundFormatAac = 10;
constexpr std::uint8_t kCodecAvc = 7;

std::uint32_t read_u24(const std::uint8_t* bytes) {
  return (static_cast<std::uint32_t>(bytes[0]) << 16U) | (static_cast<std::uint32_t>(bytes[1]) << 8U) | bytes[2];
}

// `head` holds the first `head_size` bytes of a tag `size` bytes long.
std::optional<FlvTag> parse_head(const std::uint8_t* head, std::size_t head_size, std::size_t size) {
  if (head == nullptr || head_size < kFlvTagHeaderSize) return std::nullopt;
  const std::uint8_t type = head[0] & 0x1FU;  // the top bits are the filter flag and reserved
  const std::size_t payload_size = read_u24(head + 1);
  if (size < kFlvTagHeaderSize + payload_size) return std::nullopt;
  const std::size_t known = std::min(payload_size, head_size - kFlvTagHeaderSize);  // payload bytes at hand
  const std::uint8_t* payload = head + kFlvTagHeaderSize;
  FlvTag tag;
  tag.timestamp_ms = read_u24(head + 4) | (static_cast<std::uint32_t>(head[7]) << 24U);
  switch (type) {
    case kAudioTag:
      tag.kind = FlvTag::Kind::audio;
      // AAC (sound format 10) carries a packet type; other formats have no config packet.
      tag.codec_config = known >= 2 && (payload[0] >> 4U) == kSoundFormatAac && payload[1] == kSequenceHeader;
      break;
    case kVideoTag:
      tag.kind = FlvTag::Kind::video;
      tag.keyframe = known >= 1 && (payload[0] >> 4U) == kVideoKeyframe;
      tag.codec_config = known >= 2 && (payload[0] & 0x0FU) == kCodecAvc && payload[1] == kSequenceHeader;
      break;
    case kScriptTag:
      tag.kind = FlvTag::Kind::script;
      break;
    default:
      return std::nullopt;
  }
  return tag;
}

}  // namespace

std::optional<FlvTag> parse_flv_tag(const std::uint8_t* data, std::size_t size) { return parse_head(data, size, size); }

std::optional<FlvTag> parse_flv_tag(GstBuffer* buffer) {
  // The tag header and the first two payload bytes say all the relay needs.
  std::array<std::uint8_t, kFlvTagHeaderSize + 2> head{};
  const gsize copied = gst_buffer_extract(buffer, 0, head.data(), head.size());
  return parse_head(head.data(), copied, gst_buffer_get_size(buffer));
}

void put_flv_timestamp(std::uint8_t* header, std::uint32_t timestamp_ms) {
  header[4] = static_cast<std::uint8_t>(timestamp_ms >> 16U);
  header[5] = static_cast<std::uint8_t>(timestamp_ms >> 8U);
  header[6] = static_cast<std::uint8_t>(timestamp_ms);
  header[7] = static_cast<std::uint8_t>(timestamp_ms >> 24U);
}

GstBufferPtr with_flv_timestamp(GstBuffer* tag, std::uint32_t timestamp_ms) {
  std::array<std::uint8_t, kFlvTagHeaderSize> header{};
  gst_buffer_extract(tag, 0, header.data(), header.size());
  put_flv_timestamp(header.data(), timestamp_ms);
  GstBuffer* rebased = gst_buffer_new_memdup(header.data(), header.size());
  const gsize size = gst_buffer_get_size(tag);
  if (size > kFlvTagHeaderSize) {
    rebased = gst_buffer_append(
        rebased, gst_buffer_copy_region(tag, GST_BUFFER_COPY_MEMORY, kFlvTagHeaderSize, size - kFlvTagHeaderSize));
  }
  gst_buffer_copy_into(rebased, tag, GST_BUFFER_COPY_FLAGS, 0, static_cast<gsize>(-1));
  GST_BUFFER_PTS(rebased) = GST_BUFFER_DTS(rebased) = static_cast<GstClockTime>(timestamp_ms) * GST_MSECOND;
  return GstBufferPtr(rebased);
}

}  // namespace agentcast::pipeline
