#include "pipeline/flv_tag.hpp"

#include <CppUTest/TestHarness.h>

#include <cstdint>
#include <vector>

using namespace agentcast;
using agentcast::pipeline::FlvTag;

namespace {

// One FLV tag as flvmux writes it: header, payload, previous-tag size.
std::vector<std::uint8_t> tag_bytes(std::uint8_t type, std::uint32_t timestamp_ms,
                                    const std::vector<std::uint8_t>& payload) {
  const auto size = static_cast<std::uint32_t>(payload.size());
  std::vector<std::uint8_t> bytes;
  bytes.reserve(pipeline::kFlvTagHeaderSize + payload.size() + 4);
  bytes.push_back(type);
  for (const unsigned shift : {16U, 8U, 0U}) bytes.push_back(static_cast<std::uint8_t>(size >> shift));
  for (const unsigned shift : {16U, 8U, 0U}) bytes.push_back(static_cast<std::uint8_t>(timestamp_ms >> shift));
  bytes.push_back(static_cast<std::uint8_t>(timestamp_ms >> 24U));
  bytes.resize(pipeline::kFlvTagHeaderSize, 0);  // stream id
  for (const std::uint8_t byte : payload) bytes.push_back(byte);
  const auto total = static_cast<std::uint32_t>(bytes.size());
  for (const unsigned shift : {24U, 16U, 8U, 0U}) bytes.push_back(static_cast<std::uint8_t>(total >> shift));
  return bytes;
}

FlvTag parsed(const std::vector<std::uint8_t>& bytes) {
  const auto tag = pipeline::parse_flv_tag(bytes.data(), bytes.size());
  CHECK(tag.has_value());
  return tag.value_or(FlvTag{});
}

GstBufferPtr buffer_of(const std::vector<std::uint8_t>& bytes) {
  return GstBufferPtr(gst_buffer_new_memdup(bytes.data(), bytes.size()));
}

}  // namespace

TEST_GROUP(FlvTag){};

TEST(FlvTag, TellsVideoKeyframesFromOtherPicturesAndFromTheCodecConfig) {
  const FlvTag keyframe = parsed(tag_bytes(9, 2000, {0x17, 0x01, 0, 0, 0, 0xAA}));
  CHECK(keyframe.kind == FlvTag::Kind::video);
  CHECK(keyframe.keyframe);
  CHECK_FALSE(keyframe.codec_config);
  LONGS_EQUAL(2000, keyframe.timestamp_ms);

  const FlvTag inter = parsed(tag_bytes(9, 2033, {0x27, 0x01, 0, 0, 0, 0xBB}));
  CHECK_FALSE(inter.keyframe);
  CHECK_FALSE(inter.codec_config);

  const FlvTag config = parsed(tag_bytes(9, 0, {0x17, 0x00, 0, 0, 0, 0x01}));
  CHECK(config.codec_config);
}

TEST(FlvTag, TellsAacFramesFromTheAacConfig) {
  const FlvTag frame = parsed(tag_bytes(8, 23, {0xAF, 0x01, 0x21}));
  CHECK(frame.kind == FlvTag::Kind::audio);
  CHECK_FALSE(frame.codec_config);
  CHECK(parsed(tag_bytes(8, 0, {0xAF, 0x00, 0x12, 0x10})).codec_config);
  CHECK(parsed(tag_bytes(18, 0, {0x02, 0x00})).kind == FlvTag::Kind::script);
}

TEST(FlvTag, ReadsTheExtendedTimestampByte) {
  // 49 days in: the 24-bit field has wrapped into the extension byte.
  LONGS_EQUAL(0x12345678U, parsed(tag_bytes(9, 0x12345678U, {0x27, 0x01})).timestamp_ms);
}

TEST(FlvTag, RefusesWhatIsNotAWholeTag) {
  const auto whole = tag_bytes(9, 40, {0x27, 0x01, 0, 0, 0, 0xBB});
  CHECK_FALSE(pipeline::parse_flv_tag(whole.data(), 10).has_value());  // shorter than a header
  CHECK_FALSE(pipeline::parse_flv_tag(whole.data(), 13).has_value());  // payload cut short
  const std::vector<std::uint8_t> file_header{'F', 'L', 'V', 1, 5, 0, 0, 0, 9, 0, 0, 0, 0};
  CHECK_FALSE(pipeline::parse_flv_tag(file_header.data(), file_header.size()).has_value());
  CHECK_FALSE(pipeline::parse_flv_tag(nullptr, 0).has_value());
  const auto unknown = tag_bytes(7, 0, {0x00});
  CHECK_FALSE(pipeline::parse_flv_tag(unknown.data(), unknown.size()).has_value());
}

TEST(FlvTag, ABufferIsReadFromItsFirstBytesAndItsSize) {
  const auto bytes = tag_bytes(9, 1000, std::vector<std::uint8_t>(5000, 0x17));
  const GstBufferPtr buffer = buffer_of(bytes);
  const auto tag = pipeline::parse_flv_tag(buffer.get());
  CHECK(tag.has_value());
  CHECK(tag->keyframe);
  const GstBufferPtr cut(gst_buffer_copy_region(buffer.get(), GST_BUFFER_COPY_ALL, 0, 4000));
  CHECK_FALSE(pipeline::parse_flv_tag(cut.get()).has_value());
}

TEST(FlvTag, ARebasedTagCarriesTheNewTimeAndSharesThePayload) {
  const auto bytes = tag_bytes(9, 0x01020304U, {0x27, 0x01, 0, 0, 0, 0xBB});
  const GstBufferPtr original = buffer_of(bytes);
  GST_BUFFER_FLAG_SET(original.get(), GST_BUFFER_FLAG_DELTA_UNIT);
  const GstBufferPtr rebased = pipeline::with_flv_timestamp(original.get(), 0x0A0B0C0DU);

  LONGS_EQUAL(bytes.size(), gst_buffer_get_size(rebased.get()));
  std::vector<std::uint8_t> out(bytes.size());
  gst_buffer_extract(rebased.get(), 0, out.data(), out.size());
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i >= 4 && i <= 7) continue;  // the timestamp
    BYTES_EQUAL(bytes[i], out[i]);
  }
  BYTES_EQUAL(0x0B, out[4]);
  BYTES_EQUAL(0x0C, out[5]);
  BYTES_EQUAL(0x0D, out[6]);
  BYTES_EQUAL(0x0A, out[7]);
  LONGS_EQUAL(0x0A0B0C0DU, pipeline::parse_flv_tag(out.data(), out.size())->timestamp_ms);
  // The original is untouched (other connections read it too) and the payload is not copied.
  LONGS_EQUAL(0x01020304U, pipeline::parse_flv_tag(bytes.data(), bytes.size())->timestamp_ms);
  std::vector<std::uint8_t> still(bytes.size());
  gst_buffer_extract(original.get(), 0, still.data(), still.size());
  CHECK(still == bytes);
  CHECK(gst_buffer_n_memory(rebased.get()) == 2);
  CHECK(gst_buffer_peek_memory(rebased.get(), 1)->parent == gst_buffer_peek_memory(original.get(), 0));
  CHECK(GST_BUFFER_FLAG_IS_SET(rebased.get(), GST_BUFFER_FLAG_DELTA_UNIT));
  CHECK(GST_BUFFER_PTS(rebased.get()) == static_cast<GstClockTime>(0x0A0B0C0DU) * GST_MSECOND);
}
