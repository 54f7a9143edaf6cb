#include "codec/h264/bitstream.hpp"
#include "codec/h264/skipped_picture.hpp"

#include "common/handles.hpp"

#include <CppUTest/TestHarness.h>
#include <gst/app/gstappsink.h>

#include <string>
#include <vector>

using namespace agentcast;
using codec::h264::BitReader;
using codec::h264::BitWriter;

namespace {

using Bytes = std::vector<std::uint8_t>;

// The codec_data x264enc negotiates for one 320x240 frame with `settings` (and `profile`).
Bytes codec_data_from_x264(const std::string& settings, const std::string& profile = "main") {
  const std::string description =
      "videotestsrc num-buffers=1 ! video/x-raw,format=I420,width=320,height=240,framerate=30/1 ! x264enc " + settings +
      " ! video/x-h264,stream-format=avc,alignment=au,profile=" + profile + " ! appsink name=sink sync=false";
  GstElementPtr pipeline(gst_parse_launch(description.c_str(), nullptr));
  CHECK(pipeline != nullptr);
  GstElementPtr sink(gst_bin_get_by_name(GST_BIN(pipeline.get()), "sink"));
  gst_element_set_state(pipeline.get(), GST_STATE_PLAYING);
  GstSamplePtr sample(gst_app_sink_try_pull_sample(GST_APP_SINK(sink.get()), 20 * GST_SECOND));
  CHECK(sample != nullptr);
  const GstStructure* caps = gst_caps_get_structure(gst_sample_get_caps(sample.get()), 0);
  GstBuffer* record = gst_value_get_buffer(gst_structure_get_value(caps, "codec_data"));
  Bytes bytes(gst_buffer_get_size(record));
  gst_buffer_extract(record, 0, bytes.data(), bytes.size());
  gst_element_set_state(pipeline.get(), GST_STATE_NULL);
  return bytes;
}

const char* const kZeroLatency = "speed-preset=veryfast tune=zerolatency bframes=0 key-int-max=60";

}  // namespace

TEST_GROUP(H264Bitstream){};

TEST(H264Bitstream, ExpGolombCodesReadBackAsWritten) {
  const std::vector<std::uint32_t> unsigned_values{0, 1, 2, 3, 7, 8, 255, 3600, 65535, 1U << 20};
  const std::vector<std::int32_t> signed_values{0, 1, -1, 2, -2, 26, -26, 1000, -1000};
  BitWriter out;
  for (const auto value : unsigned_values) out.ue(value);
  for (const auto value : signed_values) out.se(value);
  out.bits(0x5, 3);
  out.trailing_bits();
  const Bytes rbsp = out.take();
  BitReader in(rbsp);
  for (const auto value : unsigned_values) UNSIGNED_LONGS_EQUAL(value, in.ue());
  for (const auto value : signed_values) LONGS_EQUAL(value, in.se());
  UNSIGNED_LONGS_EQUAL(0x5, in.bits(3));
  CHECK(in.flag());  // the stop bit
}

TEST(H264Bitstream, KnownExpGolombBitPatterns) {
  BitWriter out;
  out.ue(0);                       // 1
  out.ue(3);                       // 00100
  out.se(-1);                      // 011 (code 2)
  out.se(2);                       // 00100 (code 3)
  const Bytes bytes = out.take();  // 1 00100 011 00100, then 2 zero bits
  BYTES_EQUAL(0x91, bytes.at(0));  // 1001 0001
  BYTES_EQUAL(0x90, bytes.at(1));  // 1001 0000
}

TEST(H264Bitstream, EmulationPreventionIsAddedWhereAStartCodeCouldAppearAndRemovedAgain) {
  const Bytes rbsp{0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x12, 0x00, 0x00};
  const Bytes payload = codec::h264::escape(rbsp);
  const Bytes expected{0x00, 0x00, 0x03, 0x01, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x03, 0x12, 0x00, 0x00, 0x03};
  CHECK(expected == payload);
  CHECK(rbsp == codec::h264::unescape(payload));
}

TEST(H264Bitstream, ReadingPastTheEndIsASyntaxErrorNotACrash) {
  const Bytes rbsp{0x00, 0x00};  // an Exp-Golomb prefix that never ends
  BitReader in(rbsp);
  CHECK_THROWS(codec::h264::SyntaxError, in.ue());
}

TEST(H264Bitstream, ReadsWhatX264PutsInItsZeroLatencyConfiguration) {
  std::string why;
  const auto stream = codec::h264::read_avc_config(codec_data_from_x264(kZeroLatency), why);
  CHECK_TEXT(stream.has_value(), why.c_str());
  UNSIGNED_LONGS_EQUAL(20 * 15, stream->macroblocks);  // 320x240 in 16x16 macroblocks
  CHECK(stream->cabac);                                // veryfast keeps CABAC on
  LONGS_EQUAL(4, stream->nal_length_size);
  CHECK(stream->max_frame_num() >= 16);
}

TEST(H264Bitstream, ReadsACavlcBaselineConfiguration) {
  std::string why;
  const auto stream = codec::h264::read_avc_config(codec_data_from_x264(kZeroLatency, "constrained-baseline"), why);
  CHECK_TEXT(stream.has_value(), why.c_str());
  CHECK_FALSE(stream->cabac);
}

TEST(H264Bitstream, RefusesStreamsWithBFramesAndSaysWhy) {
  std::string why;
  const auto stream =
      codec::h264::read_avc_config(codec_data_from_x264("speed-preset=veryfast bframes=2 key-int-max=60"), why);
  CHECK_FALSE(stream.has_value());
  CHECK_TEXT(why.find("picture order") != std::string::npos, why.c_str());
}

TEST(H264Bitstream, RefusesGarbageCodecData) {
  std::string why;
  CHECK_FALSE(codec::h264::read_avc_config(Bytes{0x01, 0x4d, 0x40, 0x1f, 0xff, 0xe1, 0x00, 0x40}, why).has_value());
  CHECK(why.find("unreadable") != std::string::npos);
  CHECK_FALSE(codec::h264::read_avc_config(Bytes{}, why).has_value());
}

TEST(H264Bitstream, FrameNumIsRewrittenAndNothingElse) {
  std::string why;
  const auto stream = codec::h264::read_avc_config(codec_data_from_x264(kZeroLatency), why);
  CHECK(stream.has_value());
  const Bytes slice = codec::h264::skipped_picture(*stream, 3);
  UNSIGNED_LONGS_EQUAL(3, codec::h264::read_slice_header(slice, *stream).frame_num);
  const Bytes renumbered = codec::h264::with_frame_num(slice, *stream, 11);
  UNSIGNED_LONGS_EQUAL(11, codec::h264::read_slice_header(renumbered, *stream).frame_num);
  CHECK(codec::h264::skipped_picture(*stream, 11) == renumbered);
}

TEST(H264Bitstream, ASkippedPictureCarriesThePictureQpOfItsStream) {
  std::string why;
  auto stream = codec::h264::read_avc_config(codec_data_from_x264(kZeroLatency), why);
  CHECK(stream.has_value());
  for (const int qp : {10, 26, 40}) {
    stream->pic_init_qp = qp;
    LONGS_EQUAL(qp, codec::h264::read_slice_header(codec::h264::skipped_picture(*stream, 1), *stream).qp);
  }
}
