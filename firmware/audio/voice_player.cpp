#include "audio/voice_player.hpp"

#include "audio/pcm_convert.hpp"
#include "common/off_loop.hpp"
#include "common/user_data.hpp"

#include <gst/app/gstappsrc.h>

#include <algorithm>
#include <cstring>
#include <optional>

namespace agentcast::audio {
namespace {

// How far ahead of the clock a reply is placed when nothing is queued: enough for the mixer
// (its latency is one source buffer, ~23 ms) to see it before its time.
constexpr GstClockTime kLead = 150 * GST_MSECOND;
constexpr std::int64_t kPollMs = 20;
constexpr std::int64_t kFramesPerBuffer = 2048;

using Position = std::shared_ptr<std::atomic<std::uint64_t>>;

// On the mixer's streaming thread: only an atomic store.
GstPadProbeReturn on_mixed(GstPad* /*pad*/, GstPadProbeInfo* info, gpointer data) {
  GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  if (buffer != nullptr && GST_BUFFER_PTS_IS_VALID(buffer) && GST_BUFFER_DURATION_IS_VALID(buffer)) {
    user_data<Position>(data)->store(GST_BUFFER_PTS(buffer) + GST_BUFFER_DURATION(buffer), std::memory_order_relaxed);
  }
  return GST_PAD_PROBE_OK;
}

// On voice_src's streaming thread: buffers of a cut epoch never reach the mixer.
GstPadProbeReturn on_voice(GstPad* /*pad*/, GstPadProbeInfo* info, gpointer data) {
  GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  if (buffer != nullptr && GST_BUFFER_OFFSET(buffer) < user_data<Position>(data)->load(std::memory_order_relaxed)) {
    return GST_PAD_PROBE_DROP;
  }
  return GST_PAD_PROBE_OK;
}

}  // namespace

VoicePlayer::VoicePlayer(live::Clock& clock, int rate, int channels)
    : clock_(clock), rate_(rate), channels_(channels) {}

// What a conversion off the loop hands back.
struct VoicePlayer::Converted {
  std::optional<Pcm> pcm;
  std::string problem;
  std::uint64_t epoch = 0;  // cut() since: the result is dropped
};

VoicePlayer::~VoicePlayer() {
  alive_.reset();
  detach();
}

void VoicePlayer::attach(GstElement* voice_src, GstElement* mixer, GstClock* clock, GstClockTime base_time) {
  detach();
  if (voice_src == nullptr || mixer == nullptr || clock == nullptr) return;
  src_.reset(GST_ELEMENT(gst_object_ref(voice_src)));
  mixer_.reset(GST_ELEMENT(gst_object_ref(mixer)));
  pipeline_clock_.reset(GST_CLOCK(gst_object_ref(clock)));
  base_time_ = base_time;
  mixed_until_ = std::make_shared<std::atomic<std::uint64_t>>(0);
  const GstObjectPtr<GstPad> pad(gst_element_get_static_pad(mixer, "src"));
  if (pad) {
    probe_ = gst_pad_add_probe(pad.get(), GST_PAD_PROBE_TYPE_BUFFER, &on_mixed, to_user_data<Position>(mixed_until_),
                               &destroy_user_data<Position>);
  }
  const GstObjectPtr<GstPad> voice_pad(gst_element_get_static_pad(voice_src, "src"));
  if (voice_pad) {
    cut_probe_ = gst_pad_add_probe(voice_pad.get(), GST_PAD_PROBE_TYPE_BUFFER, &on_voice,
                                   to_user_data<Position>(keep_from_epoch_), &destroy_user_data<Position>);
  }
  queued_until_ = 0;
}

void VoicePlayer::detach() {
  if (mixer_ && probe_ != 0) {
    const GstObjectPtr<GstPad> pad(gst_element_get_static_pad(mixer_.get(), "src"));
    if (pad) gst_pad_remove_probe(pad.get(), probe_);
  }
  probe_ = 0;
  if (src_ && cut_probe_ != 0) {
    const GstObjectPtr<GstPad> pad(gst_element_get_static_pad(src_.get(), "src"));
    if (pad) gst_pad_remove_probe(pad.get(), cut_probe_);
  }
  cut_probe_ = 0;
  src_.reset();
  mixer_.reset();
  pipeline_clock_.reset();
  poll_.reset();
  clips_.clear();
  // What was queued is lost with the pipeline: nobody waits for it forever.
  auto waiters = std::move(waiters_);
  waiters_.clear();
  for (auto& waiter : waiters) waiter.second();
}

void VoicePlayer::play_wav(std::string wav, Callbacks callbacks) {
  pending_.push_back({std::move(wav), std::move(callbacks)});
  convert_next();
}

void VoicePlayer::convert_next() {
  if (converting_ || pending_.empty()) return;
  converting_ = true;
  auto pending = std::make_shared<Pending>(std::move(pending_.front()));
  pending_.pop_front();
  auto result = std::make_shared<Converted>();
  result->epoch = epoch_;
  const int rate = rate_;
  const int channels = channels_;
  run_off_loop(
      // Off the loop: only the file and the result, nothing the main loop owns.
      [pending, result, rate, channels] {
        auto pcm = parse_wav(pending->wav, result->problem);
        if (pcm) result->pcm = convert(*pcm, rate, channels, result->problem);
        pending->wav.clear();
      },
      [alive = std::weak_ptr<int>(alive_), this, pending, result] {
        if (alive.expired()) return;
        converting_ = false;
        converted(*result, pending->callbacks);
      });
}

void VoicePlayer::converted(const Converted& result, const Callbacks& callbacks) {
  if (result.epoch != epoch_) {  // cut while it was being converted
    convert_next();
    return;
  }
  std::string problem = result.problem;
  std::int64_t starts_in_ms = 0;
  if (result.pcm && push(*result.pcm, problem, &starts_in_ms)) {
    if (callbacks.started) callbacks.started(starts_in_ms);
  } else if (callbacks.refused) {
    callbacks.refused(problem);
  }
  if (pending_.empty() && !converting_) {
    auto waiting = std::move(after_pending_);
    after_pending_.clear();
    for (auto& done : waiting) when_played(std::move(done));
  }
  convert_next();
}

bool VoicePlayer::play(const Pcm& pcm, std::string& problem, std::int64_t* starts_in_ms) {
  auto in_format = convert(pcm, rate_, channels_, problem);
  return in_format && push(*in_format, problem, starts_in_ms);
}

// `converted` is in the stream's format.
bool VoicePlayer::push(const Pcm& pcm, std::string& problem, std::int64_t* starts_in_ms) {
  if (!src_) {
    problem = "the stream's audio is not running";
    return false;
  }
  const Pcm* voice = &pcm;
  if (voice->samples.empty()) return true;
  const GstClockTime now = gst_clock_get_time(pipeline_clock_.get()) - base_time_;
  GstClockTime at = std::max(queued_until_, now + kLead);
  if (starts_in_ms != nullptr) *starts_in_ms = static_cast<std::int64_t>((at - now) / GST_MSECOND);
  const auto frames = voice->frames();
  for (std::int64_t first = 0; first < frames; first += kFramesPerBuffer) {
    const std::int64_t count = std::min(kFramesPerBuffer, frames - first);
    const gsize bytes = static_cast<gsize>(count) * static_cast<gsize>(channels_) * sizeof(std::int16_t);
    GstBuffer* buffer = gst_buffer_new_allocate(nullptr, bytes, nullptr);
    gst_buffer_fill(buffer, 0, voice->samples.data() + first * channels_, bytes);
    const GstClockTime start = at + gst_util_uint64_scale(static_cast<guint64>(first), GST_SECOND, rate_);
    const GstClockTime end = at + gst_util_uint64_scale(static_cast<guint64>(first + count), GST_SECOND, rate_);
    GST_BUFFER_PTS(buffer) = start;
    GST_BUFFER_OFFSET(buffer) = epoch_;
    GST_BUFFER_DURATION(buffer) = end - start;
    if (gst_app_src_push_buffer(GST_APP_SRC(src_.get()), buffer) != GST_FLOW_OK) {
      problem = "the stream's audio input refused the voice";
      return false;
    }
  }
  at += gst_util_uint64_scale(static_cast<guint64>(frames), GST_SECOND, rate_);
  queued_until_ = at;
  clips_.push_back({at, voice->duration_ms()});
  if (!poll_) poll_ = clock_.after(kPollMs, [this] { check_position(); });
  return true;
}

void VoicePlayer::when_played(std::function<void()> done) {
  if (converting_ || !pending_.empty()) {
    after_pending_.push_back(std::move(done));
    return;
  }
  if (clips_.empty()) {
    done();
    return;
  }
  waiters_.emplace_back(queued_until_, std::move(done));
}

void VoicePlayer::cut() {
  ++epoch_;
  keep_from_epoch_->store(epoch_, std::memory_order_relaxed);
  pending_.clear();
  clips_.clear();
  queued_until_ = 0;
  poll_.reset();
  auto waiters = std::move(waiters_);
  waiters_.clear();
  auto after = std::move(after_pending_);
  after_pending_.clear();
  for (auto& waiter : waiters) waiter.second();
  for (auto& done : after) done();
}

void VoicePlayer::check_position() {
  poll_.reset();
  settle(mixed_until_ ? mixed_until_->load(std::memory_order_relaxed) : 0);
  if (!clips_.empty()) poll_ = clock_.after(kPollMs, [this] { check_position(); });
}

void VoicePlayer::settle(GstClockTime position) {
  while (!clips_.empty() && clips_.front().end <= position) {
    played_ms_ += clips_.front().duration_ms;
    clips_.pop_front();
  }
  std::vector<std::function<void()>> ready;
  std::erase_if(waiters_, [&](auto& waiter) {
    if (waiter.first > position) return false;
    ready.push_back(std::move(waiter.second));
    return true;
  });
  for (auto& done : ready) done();
}

}  // namespace agentcast::audio
