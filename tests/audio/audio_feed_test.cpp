#include "audio/audio_feed.hpp"

#include "support/loop_runner.hpp"

#include <CppUTest/TestHarness.h>
#include <gst/app/gstappsink.h>

#include <mutex>
#include <string>
#include <vector>

using namespace agentcast;

namespace {

constexpr int kRate = 48000;

struct Received {
  std::mutex mutex;
  std::vector<GstClockTime> pts;
  std::vector<GstClockTime> duration;
  std::vector<std::uint64_t> offset;
  std::vector<bool> gap;              // marked as media-neutral (silence the encoder may skip)
  std::vector<std::int16_t> samples;  // everything, in order (mono)
};

GstFlowReturn on_sample(GstAppSink* sink, gpointer data) {
  auto& received = *static_cast<Received*>(data);
  GstSamplePtr sample(gst_app_sink_pull_sample(sink));
  GstBuffer* buffer = gst_sample_get_buffer(sample.get());
  GstMapInfo map;
  std::lock_guard lock(received.mutex);
  received.pts.push_back(GST_BUFFER_PTS(buffer));
  received.duration.push_back(GST_BUFFER_DURATION(buffer));
  received.offset.push_back(GST_BUFFER_OFFSET(buffer));
  received.gap.push_back(GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_GAP));
  if (gst_buffer_map(buffer, &map, GST_MAP_READ)) {
    const auto* samples = reinterpret_cast<const std::int16_t*>(map.data);
    received.samples.insert(received.samples.end(), samples, samples + map.size / sizeof(std::int16_t));
    gst_buffer_unmap(buffer, &map);
  }
  return GST_FLOW_OK;
}

// voice_src as stream.txt has it, into an appsink that records the track.
struct Track {
  GstElementPtr pipeline{
      gst_parse_launch("appsrc name=voice_src is-live=true format=time do-timestamp=false block=false "
                       "caps=audio/x-raw,format=S16LE,layout=interleaved,rate=48000,channels=1 "
                       "! appsink name=sink sync=false async=false",
                       nullptr)};
  GstElementPtr src{gst_bin_get_by_name(GST_BIN(pipeline.get()), "voice_src")};
  Received received;
  GstClockTime base_time = 0;
  GstObjectPtr<GstClock> clock;

  Track() {
    GstAppSinkCallbacks callbacks{};
    callbacks.new_sample = on_sample;
    GstElementPtr sink(gst_bin_get_by_name(GST_BIN(pipeline.get()), "sink"));
    gst_app_sink_set_callbacks(GST_APP_SINK(sink.get()), &callbacks, &received, nullptr);
  }
  ~Track() { gst_element_set_state(pipeline.get(), GST_STATE_NULL); }
  Track(const Track&) = delete;
  Track& operator=(const Track&) = delete;

  void play(audio::AudioFeed& feed) {
    gst_element_set_state(pipeline.get(), GST_STATE_PLAYING);
    gst_element_get_state(pipeline.get(), nullptr, nullptr, GST_SECOND);
    clock.reset(gst_element_get_clock(pipeline.get()));
    base_time = gst_element_get_base_time(pipeline.get());
    feed.start(src.get(), clock.get(), base_time);
  }
  std::size_t buffers() {
    std::lock_guard lock(received.mutex);
    return received.pts.size();
  }
};

std::uint64_t frame_of(GstClockTime time) { return gst_util_uint64_scale_round(time, kRate, GST_SECOND); }

}  // namespace

TEST_GROUP(AudioFeed){};

TEST(AudioFeed, MakesAContiguousSilentTrackOneAacFrameAtATimeOnTheClock) {
  Track track;
  audio::AudioFeed feed(kRate, 1);
  track.play(feed);
  testing::run_loop_for(1000);
  const GstClockTime sent = feed.sent_until();
  const GstClockTime now = feed.now();
  feed.stop();
  gst_element_set_state(track.pipeline.get(), GST_STATE_NULL);

  Received& received = track.received;
  std::lock_guard lock(received.mutex);
  // One second of 1024-frame buffers at 48 kHz is 46.9: paced by the clock, not faster.
  const auto count = received.pts.size();
  CHECK_TEXT(count >= 44 && count <= 50, std::to_string(count).c_str());
  for (std::size_t i = 0; i < count; ++i) {
    LONGS_EQUAL(1024, received.offset.size() > i + 1 ? received.offset[i + 1] - received.offset[i] : 1024);
    if (i > 0) CHECK_TEXT(received.pts[i] == received.pts[i - 1] + received.duration[i - 1], std::to_string(i).c_str());
  }
  for (const auto sample : received.samples) LONGS_EQUAL(0, sample);
  for (const bool gap : received.gap) CHECK(gap);  // all silence, marked so
  // Never ahead of the clock: what went out was due.
  CHECK(sent <= now + 5 * GST_MSECOND);
  CHECK(sent + 60 * GST_MSECOND >= now);
}

TEST(AudioFeed, QueuedVoiceIsHeardFromItsTimeToTheSample) {
  Track track;
  audio::AudioFeed feed(kRate, 1);
  track.play(feed);
  testing::run_loop_for(100);
  const GstClockTime at = feed.now() + 200 * GST_MSECOND;
  feed.queue(std::vector<std::int16_t>(4800, 1000), at);  // 100 ms
  CHECK(testing::run_loop_until([&] { return feed.sent_until() > at + 200 * GST_MSECOND; }, 3000));
  feed.stop();
  gst_element_set_state(track.pipeline.get(), GST_STATE_NULL);

  Received& received = track.received;
  std::lock_guard lock(received.mutex);
  const std::uint64_t first = received.offset.front();
  std::size_t voiced = 0;
  std::uint64_t first_voiced = 0;
  for (std::size_t i = 0; i < received.samples.size(); ++i) {
    if (received.samples[i] == 0) continue;
    LONGS_EQUAL(1000, received.samples[i]);
    if (voiced++ == 0) first_voiced = first + i;
  }
  LONGS_EQUAL(4800, voiced);
  LONGS_EQUAL(frame_of(at), first_voiced);
  // A buffer is marked as silence exactly when no voice is in it.
  const std::size_t per_buffer = received.samples.size() / received.gap.size();
  for (std::size_t buffer = 0; buffer < received.gap.size(); ++buffer) {
    bool voice = false;
    for (std::size_t i = buffer * per_buffer; i < (buffer + 1) * per_buffer; ++i)
      voice = voice || received.samples[i] != 0;
    CHECK_TEXT(received.gap[buffer] == !voice, ("buffer " + std::to_string(buffer)).c_str());
  }
}

TEST(AudioFeed, ClearSilencesWhatIsQueued) {
  Track track;
  audio::AudioFeed feed(kRate, 1);
  track.play(feed);
  testing::run_loop_for(100);
  const GstClockTime at = feed.now() + 200 * GST_MSECOND;
  feed.queue(std::vector<std::int16_t>(9600, 1000), at);
  feed.clear();
  CHECK(testing::run_loop_until([&] { return feed.sent_until() > at + 300 * GST_MSECOND; }, 3000));
  feed.stop();
  gst_element_set_state(track.pipeline.get(), GST_STATE_NULL);
  std::lock_guard lock(track.received.mutex);
  for (const auto sample : track.received.samples) LONGS_EQUAL(0, sample);
}

TEST(AudioFeed, StopEndsThePushes) {
  Track track;
  audio::AudioFeed feed(kRate, 1);
  track.play(feed);
  testing::run_loop_for(200);
  CHECK(feed.running());
  feed.queue(std::vector<std::int16_t>(4800, 1000), feed.now() + 100 * GST_MSECOND);
  feed.stop();
  CHECK_FALSE(feed.running());
  const auto at_stop = track.buffers();
  CHECK(at_stop > 0);
  testing::run_loop_for(200);
  LONGS_EQUAL(at_stop, track.buffers());
}
