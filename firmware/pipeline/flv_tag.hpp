#pragma once
// What the relay needs to know of one FLV tag, as FlvMux writes them (one tag per buffer:
// the 11-byte tag header, the payload, the 4-byte previous-tag size), and a copy of a tag
// with another timestamp. FLV timestamps are milliseconds, 32 bits (24 + an extension byte).
#include "common/handles.hpp"

#include <gst/gst.h>

#include <cstddef>
#include <cstdint>
#include <optional>

namespace agentcast::pipeline {

constexpr std::size_t kFlvTagHeaderSize = 11;

struct FlvTag {
  enum class Kind { audio, video, script };
  Kind kind = Kind::script;
  std::uint32_t timestamp_ms = 0;
  bool keyframe = false;      // a video tag a decoder can start at
  bool codec_config = false;  // the AVC or AAC sequence header, not a frame
};

// Nullopt when the bytes are not a whole tag of a known kind (the "FLV" file header included).
std::optional<FlvTag> parse_flv_tag(const std::uint8_t* data, std::size_t size);
std::optional<FlvTag> parse_flv_tag(GstBuffer* buffer);

// Writes `timestamp_ms` into a tag header (bytes 4 to 7: 24 bits, then the extension byte).
void put_flv_timestamp(std::uint8_t* header, std::uint32_t timestamp_ms);

// A new buffer: a fresh tag header carrying `timestamp_ms`, the rest shared with `tag`. Its
// buffer timestamps say the same time; flags are kept.
GstBufferPtr with_flv_timestamp(GstBuffer* tag, std::uint32_t timestamp_ms);

}  // namespace agentcast::pipeline
