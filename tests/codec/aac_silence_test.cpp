#include "codec/aac_silence.hpp"

#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

using namespace agentcast;

namespace {

constexpr int kRate = 44100;
constexpr int kFrame = 1024;                                    // samples per channel in an AAC frame
constexpr std::size_t kFrameSamples = std::size_t{2} * kFrame;  // both channels
constexpr GstClockTime kFrameTime = GST_SECOND * kFrame / kRate;

// Which frames have sound: silence, a tone, silence, a short tone, silence.
bool sounding(int frame) { return (frame >= 40 && frame < 60) || (frame >= 100 && frame < 110); }
constexpr int kFrames = 130;

GstBuffer* frame_of(int index) {
  std::vector<std::int16_t> samples(kFrameSamples, 0);
  if (sounding(index)) {
    for (std::size_t i = 0; i < kFrameSamples; i += 2) {
      const double t = static_cast<double>(index * kFrame + static_cast<int>(i / 2)) / kRate;
      samples[i] = samples[i + 1] = static_cast<std::int16_t>(8000 * std::sin(2 * M_PI * 440 * t));
    }
  }
  GstBuffer* buffer = gst_buffer_new_memdup(samples.data(), samples.size() * sizeof(std::int16_t));
  GST_BUFFER_PTS(buffer) = gst_util_uint64_scale(index, GST_SECOND * kFrame, kRate);
  GST_BUFFER_DURATION(buffer) = kFrameTime;
  if (!sounding(index)) GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_GAP);  // as the audio feed marks silence
  return buffer;
}

struct Encoded {
  std::vector<GstClockTime> pts;
  std::vector<std::int16_t> decoded;  // what FFmpeg makes of the ADTS stream, stereo
  std::uint64_t skipped = 0;
};

// The box's AAC branch (pipelines/aac/voaacenc.txt) with or without the silence bypass.
Encoded encode(bool bypass, const testing::TempDir& dir) {
  GError* raw_error = nullptr;
  GstElementPtr pipeline(gst_parse_launch(
      "appsrc name=src format=time caps=audio/x-raw,format=S16LE,layout=interleaved,rate=44100,channels=2 "
      "! audioconvert ! voaacenc name=encoder bitrate=128000 ! aacparse "
      "! audio/mpeg,mpegversion=4,stream-format=adts ! appsink name=sink sync=false",
      &raw_error));
  GErrorPtr error(raw_error);
  CHECK_TEXT(error == nullptr, error ? error->message : "");
  GstElementPtr src(gst_bin_get_by_name(GST_BIN(pipeline.get()), "src"));
  GstElementPtr encoder(gst_bin_get_by_name(GST_BIN(pipeline.get()), "encoder"));
  GstElementPtr sink(gst_bin_get_by_name(GST_BIN(pipeline.get()), "sink"));
  std::unique_ptr<codec::AacSilence> silence;
  if (bypass) silence = std::make_unique<codec::AacSilence>(encoder.get());
  gst_element_set_state(pipeline.get(), GST_STATE_PLAYING);
  for (int i = 0; i < kFrames; ++i) gst_app_src_push_buffer(GST_APP_SRC(src.get()), frame_of(i));
  gst_app_src_end_of_stream(GST_APP_SRC(src.get()));

  Encoded encoded;
  const std::string adts = dir.file(bypass ? "bypass.aac" : "every-frame.aac");
  std::ofstream out(adts, std::ios::binary);
  while (GstSamplePtr sample{gst_app_sink_try_pull_sample(GST_APP_SINK(sink.get()), 5 * GST_SECOND)}) {
    GstBuffer* buffer = gst_sample_get_buffer(sample.get());
    encoded.pts.push_back(GST_BUFFER_PTS(buffer));
    std::vector<char> bytes(gst_buffer_get_size(buffer));
    gst_buffer_extract(buffer, 0, bytes.data(), bytes.size());
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  out.close();
  gst_element_set_state(pipeline.get(), GST_STATE_NULL);
  if (silence) encoded.skipped = silence->frames_skipped();

  const std::string pcm = adts + ".pcm";
  std::string complaints;
  LONGS_EQUAL_TEXT(0,
                   testing::run_command({"ffmpeg", "-nostdin", "-v", "error", "-xerror", "-i", adts, "-f", "s16le",
                                         "-ac", "2", "-ar", "44100", "-y", pcm},
                                        &complaints),
                   complaints.c_str());
  std::ifstream in(pcm, std::ios::binary);
  std::vector<char> raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  encoded.decoded.resize(raw.size() / sizeof(std::int16_t));
  std::memcpy(encoded.decoded.data(), raw.data(), encoded.decoded.size() * sizeof(std::int16_t));
  return encoded;
}

double energy(const std::vector<std::int16_t>& samples, int from_frame, int to_frame) {
  double sum = 0;
  for (std::size_t i = kFrameSamples * static_cast<std::size_t>(from_frame);
       i < kFrameSamples * static_cast<std::size_t>(to_frame) && i < samples.size(); ++i) {
    sum += static_cast<double>(samples[i]) * samples[i];
  }
  return sum;
}

}  // namespace

TEST_GROUP(AacSilence) { testing::TempDir dir; };

TEST(AacSilence, SilenceGoesAroundTheEncoderOnceItSettledAndTheTrackStaysWhole) {
  const Encoded bypass = encode(true, dir);
  // Every frame of silence after the first few of each stretch: 36 + 36 + 16.
  CHECK_TEXT(bypass.skipped >= 36 + 36 + 16, std::to_string(bypass.skipped).c_str());
  // One frame out for every frame in, on one contiguous time line.
  LONGS_EQUAL(kFrames, bypass.pts.size());
  for (int i = 0; i < kFrames; ++i) {
    const auto expected = gst_util_uint64_scale(i, GST_SECOND * kFrame, kRate);
    const auto pts = bypass.pts[static_cast<std::size_t>(i)];
    CHECK_TEXT(pts + GST_MSECOND >= expected && pts <= expected + GST_MSECOND, ("frame " + std::to_string(i)).c_str());
  }
}

TEST(AacSilence, TheSoundDecodesAsItDoesWhenTheEncoderSeesEveryFrame) {
  const Encoded bypass = encode(true, dir);
  const Encoded every_frame = encode(false, dir);
  CHECK(bypass.skipped > 0);
  LONGS_EQUAL(every_frame.decoded.size(), bypass.decoded.size());
  // The silence is silent; the sound, where it is heard (the encoder's delay included), is the
  // same sound: the difference between the two is far below it.
  CHECK(energy(bypass.decoded, 0, 38) == 0);
  CHECK(energy(bypass.decoded, 66, 98) == 0);
  CHECK(energy(bypass.decoded, 116, kFrames) == 0);
  std::vector<std::int16_t> difference(bypass.decoded.size());
  for (std::size_t i = 0; i < difference.size(); ++i) {
    difference[i] = static_cast<std::int16_t>(bypass.decoded[i] - every_frame.decoded[i]);
  }
  const double sound = energy(every_frame.decoded, 0, kFrames);
  CHECK(sound > 0);
  const double snr_db = 10 * std::log10(sound / std::max(1.0, energy(difference, 0, kFrames)));
  CHECK_TEXT(snr_db > 30, std::to_string(snr_db).c_str());
}
