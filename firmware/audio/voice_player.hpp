#pragma once
// The agent's voice into the stream's audio track: each reply's PCM is converted to the stream's
// format and queued in the audio feed (audio_feed.hpp) with the running time it is to be heard
// at (after whatever is still queued, never in the past); the feed writes it into the track
// it makes on the clock, silence elsewhere. Nothing stops or renegotiates. "Played" means the
// feed has sent the last sample on its time, not that it was queued.
//
// Built to take speech in pieces too: play() may be called with any length of PCM, and each
// piece follows the last (a streamed TTS source can feed it chunk by chunk).
#include "audio/audio_feed.hpp"
#include "audio/wav.hpp"
#include "common/handles.hpp"
#include "live/clock.hpp"

#include <gst/gst.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace agentcast::audio {

class VoicePlayer {
 public:
  VoicePlayer(live::Clock& clock, int rate, int channels);
  ~VoicePlayer();
  VoicePlayer(const VoicePlayer&) = delete;
  VoicePlayer& operator=(const VoicePlayer&) = delete;

  // The production pipeline is PLAYING with voice_src (stream.txt): the track starts, silent
  // until a reply comes. detach() before the pipeline goes away.
  void attach(GstElement* voice_src, GstClock* clock, GstClockTime base_time);
  void detach();
  bool attached() const { return feed_.running(); }
  std::uint64_t buffers_sent() const { return feed_.buffers_pushed(); }

  // A complete WAV file to be heard after everything handed in before it. It is parsed and
  // converted to the stream's format off the main loop (a long reply is seconds of resampling
  // on a small board), one file at a time, in order. Then, on the main loop, `started` says how
  // long from now its first sample is mixed, or `refused` why it is not played.
  struct Callbacks {
    std::function<void(std::int64_t starts_in_ms)> started;
    std::function<void(const std::string& problem)> refused;
  };
  void play_wav(std::string wav, Callbacks callbacks);
  // Queues PCM already in hand (any rate, mono or stereo; converted here, on the loop: for short
  // pieces, such as chunks of a streamed TTS). False with `problem` set when there is no
  // pipeline or it cannot be converted.
  bool play(const Pcm& pcm, std::string& problem, std::int64_t* starts_in_ms = nullptr);
  // `done` runs on the main loop once everything handed in so far has gone out (or was
  // refused), at once when nothing is queued; also when the pipeline goes away (the voice is
  // lost then).
  void when_played(std::function<void()> done);

  // Silences what is queued at once (an interrupted turn): queued voice is dropped from the
  // feed, files not converted yet are forgotten, waiters are told. What comes next plays at once.
  void cut();

  std::int64_t played_ms() const { return played_ms_; }  // voice that has gone out

 private:
  struct Clip {
    GstClockTime end;
    std::int64_t duration_ms;
  };
  struct Pending {
    std::string wav;
    Callbacks callbacks;
  };
  struct Converted;
  void convert_next();
  void converted(const Converted& result, const Callbacks& callbacks);
  bool push(const Pcm& pcm, std::string& problem, std::int64_t* starts_in_ms);
  void check_position();
  void settle(GstClockTime position);

  live::Clock& clock_;
  int rate_;
  int channels_;
  AudioFeed feed_;
  std::uint64_t epoch_ = 0;        // cut() since a conversion began: its result is dropped
  GstClockTime queued_until_ = 0;  // running time at which the queued voice ends
  std::deque<Clip> clips_;
  std::vector<std::pair<GstClockTime, std::function<void()>>> waiters_;
  std::deque<Pending> pending_;  // WAV files not converted yet, in order
  bool converting_ = false;
  std::vector<std::function<void()>> after_pending_;       // when_played() while files were pending
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // conversions answer only while it lives
  std::unique_ptr<live::Alarm> poll_;
  std::int64_t played_ms_ = 0;
};

}  // namespace agentcast::audio
