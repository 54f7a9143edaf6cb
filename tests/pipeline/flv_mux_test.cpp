#include "pipeline/flv_mux.hpp"

#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>
#include <gst/app/gstappsink.h>

#include <algorithm>
#include <fstream>
#include <mutex>
#include <string>
#include <vector>

using namespace agentcast;
using agentcast::pipeline::FlvMux;
using agentcast::pipeline::FlvTag;

namespace {

using Bytes = std::vector<std::uint8_t>;

GstBufferPtr buffer_of(const Bytes& bytes) { return GstBufferPtr(gst_buffer_new_memdup(bytes.data(), bytes.size())); }

Bytes bytes_of(GstBuffer* buffer) {
  Bytes bytes(gst_buffer_get_size(buffer));
  gst_buffer_extract(buffer, 0, bytes.data(), bytes.size());
  return bytes;
}

const Bytes kAvcConfig{0x01, 0x4d, 0x40, 0x1f, 0xff, 0xe1, 0x00, 0x04, 0x67,
                       0x4d, 0x40, 0x1f, 0x01, 0x00, 0x02, 0x68, 0xee};
const Bytes kAacConfig{0x12, 0x10};

GstCapsPtr video_caps() {
  GstBufferPtr config = buffer_of(kAvcConfig);
  return GstCapsPtr(gst_caps_new_simple("video/x-h264", "stream-format", G_TYPE_STRING, "avc", "alignment",
                                        G_TYPE_STRING, "au", "width", G_TYPE_INT, 1280, "height", G_TYPE_INT, 720,
                                        "framerate", GST_TYPE_FRACTION, 30, 1, "codec_data", GST_TYPE_BUFFER,
                                        config.get(), nullptr));
}

GstCapsPtr audio_caps() {
  GstBufferPtr config = buffer_of(kAacConfig);
  return GstCapsPtr(gst_caps_new_simple("audio/mpeg", "mpegversion", G_TYPE_INT, 4, "stream-format", G_TYPE_STRING,
                                        "raw", "rate", G_TYPE_INT, 44100, "channels", G_TYPE_INT, 2, "codec_data",
                                        GST_TYPE_BUFFER, config.get(), nullptr));
}

// A frame at `ms` of a stream whose segment starts at `segment_start_ms` (x264enc moves its
// output 1000 hours on: the tag's time is the running time, not the timestamp).
GstSamplePtr sample(GstCaps* caps, int ms, const Bytes& payload, bool delta, int segment_start_ms = 0) {
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  segment.start = static_cast<GstClockTime>(segment_start_ms) * GST_MSECOND;
  segment.time = segment.start;
  GstBufferPtr buffer = buffer_of(payload);
  GST_BUFFER_PTS(buffer.get()) = GST_BUFFER_DTS(buffer.get()) =
      static_cast<GstClockTime>(segment_start_ms + ms) * GST_MSECOND;
  if (delta) GST_BUFFER_FLAG_SET(buffer.get(), GST_BUFFER_FLAG_DELTA_UNIT);
  return GstSamplePtr(gst_sample_new(buffer.get(), caps, &segment, nullptr));
}

struct Streams {
  GstCapsPtr video = video_caps();
  GstCapsPtr audio = audio_caps();
  FlvMux mux;
  std::vector<FlvMux::Tag> video_at(int ms, bool key = false) {
    return mux.add_video(sample(video.get(), ms, {0, 0, 0, 1, 0x65}, !key, 3'600'000).get());
  }
  std::vector<FlvMux::Tag> audio_at(int ms) {
    return mux.add_audio(sample(audio.get(), ms, {0x21, 0x10}, false).get());
  }
};

std::vector<std::string> describe(const std::vector<FlvMux::Tag>& tags) {
  std::vector<std::string> names;
  names.reserve(tags.size());
  for (const auto& tag : tags) {
    names.push_back((tag.info.kind == FlvTag::Kind::video ? "v" : "a") + std::to_string(tag.info.timestamp_ms));
  }
  return names;
}

}  // namespace

TEST_GROUP(FlvMux){};

TEST(FlvMux, AudioWaitsForTheVideoTagOfItsTimeAndLeavesBeforeIt) {
  Streams streams;
  CHECK(streams.audio_at(0).empty());
  CHECK(streams.audio_at(23).empty());
  CHECK(streams.audio_at(46).empty());
  CHECK(describe(streams.video_at(33, true)) == std::vector<std::string>({"a0", "a23", "v33"}));
  CHECK(describe(streams.video_at(66)) == std::vector<std::string>({"a46", "v66"}));
  CHECK(describe(streams.video_at(100)).size() == 1);
}

TEST(FlvMux, NothingLeavesBeforeBothStreamsConfigsAreKnown) {
  Streams streams;
  CHECK(streams.video_at(0, true).empty());
  CHECK(streams.mux.caps() == nullptr);
  CHECK(streams.video_at(33).empty());
  // The audio's config arrives with its first frame: everything waiting leaves, in order.
  CHECK(describe(streams.audio_at(10)) == std::vector<std::string>({"v0", "a10", "v33"}));
  CHECK(streams.mux.caps() != nullptr);
  CHECK(describe(streams.video_at(66)) == std::vector<std::string>({"v66"}));
}

TEST(FlvMux, AudioGoesOnAloneWhenVideoStops) {
  Streams streams;
  streams.audio_at(0);
  CHECK(!streams.video_at(0, true).empty());
  std::vector<std::string> alone;
  for (int ms = 23; ms < 1000; ms += 23) {
    for (auto& name : describe(streams.audio_at(ms))) alone.push_back(name);
  }
  CHECK(!alone.empty());
  CHECK(alone.front() == "a23");
  // What is left waits no longer than kAudioAloneMs behind the newest.
  CHECK(describe(streams.mux.finish()).size() * 23 <= FlvMux::kAudioAloneMs + 23);
}

TEST(FlvMux, FinishingLetsOutWhatStillWaits) {
  Streams streams;
  streams.audio_at(0);
  CHECK(describe(streams.video_at(0, true)) == std::vector<std::string>({"a0", "v0"}));
  streams.audio_at(23);
  streams.audio_at(46);
  CHECK(describe(streams.mux.finish()) == std::vector<std::string>({"a23", "a46"}));
  CHECK(streams.mux.finish().empty());
}

TEST(FlvMux, TheStreamHeaderIsTheFileHeaderMetadataAndBothConfigs) {
  Streams streams;
  streams.video_at(0, true);
  streams.audio_at(0);
  GstCaps* caps = streams.mux.caps();
  CHECK(caps != nullptr);
  STRCMP_EQUAL("video/x-flv", gst_structure_get_name(gst_caps_get_structure(caps, 0)));
  const GValue* header = gst_structure_get_value(gst_caps_get_structure(caps, 0), "streamheader");
  CHECK(header != nullptr && GST_VALUE_HOLDS_ARRAY(header));
  LONGS_EQUAL(4, gst_value_array_get_size(header));
  std::vector<Bytes> parts;
  for (guint i = 0; i < 4; ++i) {
    GstBuffer* part = gst_value_get_buffer(gst_value_array_get_value(header, i));
    CHECK(GST_BUFFER_FLAG_IS_SET(part, GST_BUFFER_FLAG_HEADER));
    parts.push_back(bytes_of(part));
  }
  CHECK(parts[0] == Bytes({'F', 'L', 'V', 1, 5, 0, 0, 0, 9, 0, 0, 0, 0}));
  const std::string metadata(parts[1].begin(), parts[1].end());
  LONGS_EQUAL(18, parts[1][0]);
  CHECK(metadata.find("onMetaData") != std::string::npos);
  CHECK(metadata.find("videocodecid") != std::string::npos);
  const auto config_video = pipeline::parse_flv_tag(parts[2].data(), parts[2].size());
  CHECK(config_video && config_video->kind == FlvTag::Kind::video && config_video->codec_config);
  CHECK(Bytes(parts[2].begin() + 16, parts[2].end() - 4) == kAvcConfig);
  const auto config_audio = pipeline::parse_flv_tag(parts[3].data(), parts[3].size());
  CHECK(config_audio && config_audio->kind == FlvTag::Kind::audio && config_audio->codec_config);
  CHECK(Bytes(parts[3].begin() + 13, parts[3].end() - 4) == kAacConfig);
}

TEST(FlvMux, AVideoTagSharesTheFramesBytesAndSaysWhatItIs) {
  Streams streams;
  streams.audio_at(0);
  GstSamplePtr frame = sample(streams.video.get(), 1234, {0, 0, 0, 2, 0x41, 0x9a}, true, 3'600'000);
  const auto tags = streams.mux.add_video(frame.get());
  LONGS_EQUAL(2, tags.size());
  const FlvMux::Tag& tag = tags.back();
  CHECK(tag.info.kind == FlvTag::Kind::video);
  CHECK_FALSE(tag.info.keyframe);
  LONGS_EQUAL(1234, tag.info.timestamp_ms);  // running time, not the 1000-hour timestamp
  CHECK(GST_BUFFER_FLAG_IS_SET(tag.buffer.get(), GST_BUFFER_FLAG_DELTA_UNIT));
  const Bytes bytes = bytes_of(tag.buffer.get());
  // type 9, 11 payload bytes, time 1234 (0x0004D2), stream 0; inter AVC NALU, composition 0.
  CHECK(Bytes(bytes.begin(), bytes.begin() + 16) ==
        Bytes({9, 0, 0, 11, 0x00, 0x04, 0xD2, 0, 0, 0, 0, 0x27, 1, 0, 0, 0}));
  CHECK(Bytes(bytes.begin() + 16, bytes.end() - 4) == Bytes({0, 0, 0, 2, 0x41, 0x9a}));
  CHECK(Bytes(bytes.end() - 4, bytes.end()) == Bytes({0, 0, 0, 22}));  // the previous-tag size
  // The frame's memory itself, not a copy.
  CHECK(gst_buffer_peek_memory(tag.buffer.get(), 1) == gst_buffer_peek_memory(gst_sample_get_buffer(frame.get()), 0));
  const auto parsed = pipeline::parse_flv_tag(tag.buffer.get());
  CHECK(parsed && parsed->timestamp_ms == 1234 && !parsed->keyframe);
}

namespace {

struct Collected {
  std::mutex mutex;
  FlvMux mux;
  std::vector<FlvMux::Tag> tags;
};

GstFlowReturn collect(GstAppSink* sink, Collected& into, bool video) {
  GstSamplePtr sample(gst_app_sink_pull_sample(sink));
  std::lock_guard lock(into.mutex);
  auto tags = video ? into.mux.add_video(sample.get()) : into.mux.add_audio(sample.get());
  for (auto& tag : tags) into.tags.push_back(std::move(tag));
  return GST_FLOW_OK;
}

}  // namespace

TEST(FlvMux, AStreamOfRealFramesIsAnFlvFileFfmpegDecodes) {
  testing::TempDir dir;
  GError* raw_error = nullptr;
  GstElementPtr pipeline(
      gst_parse_launch("videotestsrc is-live=true num-buffers=90 ! video/x-raw,width=320,height=240,framerate=30/1 "
                       "! x264enc tune=zerolatency speed-preset=ultrafast threads=1 key-int-max=30 "
                       "! h264parse ! video/x-h264,stream-format=avc,alignment=au ! appsink name=video_out sync=false "
                       "audiotestsrc is-live=true num-buffers=130 samplesperbuffer=1024 ! "
                       "audio/x-raw,rate=44100,channels=2 ! audioconvert "
                       "! voaacenc ! aacparse ! appsink name=audio_out sync=false",
                       &raw_error));
  GErrorPtr error(raw_error);
  CHECK_TEXT(error == nullptr, error ? error->message : "");
  Collected collected;
  GstAppSinkCallbacks video{};
  video.new_sample = [](GstAppSink* sink, gpointer data) {
    return collect(sink, *static_cast<Collected*>(data), true);
  };
  GstAppSinkCallbacks audio{};
  audio.new_sample = [](GstAppSink* sink, gpointer data) {
    return collect(sink, *static_cast<Collected*>(data), false);
  };
  GstElementPtr video_out(gst_bin_get_by_name(GST_BIN(pipeline.get()), "video_out"));
  GstElementPtr audio_out(gst_bin_get_by_name(GST_BIN(pipeline.get()), "audio_out"));
  gst_app_sink_set_callbacks(GST_APP_SINK(video_out.get()), &video, &collected, nullptr);
  gst_app_sink_set_callbacks(GST_APP_SINK(audio_out.get()), &audio, &collected, nullptr);
  gst_element_set_state(pipeline.get(), GST_STATE_PLAYING);
  GstObjectPtr<GstBus> bus(gst_element_get_bus(pipeline.get()));
  GstMessagePtr done(gst_bus_timed_pop_filtered(bus.get(), 20 * GST_SECOND,
                                                static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR)));
  gst_element_set_state(pipeline.get(), GST_STATE_NULL);
  CHECK(done && GST_MESSAGE_TYPE(done.get()) == GST_MESSAGE_EOS);

  std::lock_guard lock(collected.mutex);
  for (auto& tag : collected.mux.finish()) collected.tags.push_back(std::move(tag));
  const std::string file = dir.file("stream.flv");
  std::ofstream out(file, std::ios::binary);
  const GValue* header = gst_structure_get_value(gst_caps_get_structure(collected.mux.caps(), 0), "streamheader");
  for (guint i = 0; i < gst_value_array_get_size(header); ++i) {
    const Bytes part = bytes_of(gst_value_get_buffer(gst_value_array_get_value(header, i)));
    out.write(reinterpret_cast<const char*>(part.data()), static_cast<std::streamsize>(part.size()));
  }
  // One time line: each stream in order, and audio and video interleaved (a tag trails the
  // newest by no more than audio may run alone).
  std::uint32_t last_video = 0;
  std::uint32_t last_audio = 0;
  std::uint32_t newest = 0;
  for (const auto& tag : collected.tags) {
    std::uint32_t& last = tag.info.kind == FlvTag::Kind::video ? last_video : last_audio;
    CHECK(tag.info.timestamp_ms >= last);
    CHECK(tag.info.timestamp_ms + FlvMux::kAudioAloneMs >= newest);
    last = tag.info.timestamp_ms;
    newest = std::max(newest, last);
    const Bytes bytes = bytes_of(tag.buffer.get());
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  out.close();
  std::string complaints;
  LONGS_EQUAL_TEXT(0,
                   testing::run_command({"ffmpeg", "-nostdin", "-v", "error", "-xerror", "-i", file, "-f", "null", "-"},
                                        &complaints),
                   complaints.c_str());
  STRCMP_EQUAL("", complaints.c_str());
  std::string streams;
  testing::run_command({"ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height,sample_rate",
                        "-count_packets", "-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", file},
                       &streams);
  CHECK_TEXT(streams.find("h264,320,240,90") != std::string::npos, streams.c_str());
  CHECK_TEXT(streams.find("aac,44100,130") != std::string::npos, streams.c_str());
}
