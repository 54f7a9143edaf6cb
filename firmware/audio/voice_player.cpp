#include "audio/voice_player.hpp"

#include "audio/pcm_convert.hpp"
#include "common/off_loop.hpp"

#include <algorithm>
#include <cstring>
#include <optional>

namespace agentcast::audio {
namespace {

// How far ahead of the clock a reply is placed when nothing is queued: past the buffer the
// audio feed makes next (it covers the last 23 ms before its time), with room for the main
// loop's own delay.
constexpr GstClockTime kLead = 150 * GST_MSECOND;
constexpr std::int64_t kPollMs = 20;

}  // namespace

VoicePlayer::VoicePlayer(live::Clock& clock, int rate, int channels)
    : clock_(clock), rate_(rate), channels_(channels), feed_(rate, channels) {}

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

void VoicePlayer::attach(GstElement* voice_src, GstClock* clock, GstClockTime base_time) {
  detach();
  if (voice_src == nullptr || clock == nullptr) return;
  feed_.start(voice_src, clock, base_time);
  queued_until_ = 0;
}

void VoicePlayer::detach() {
  feed_.stop();
  poll_.reset();
  clips_.clear();
  queued_until_ = 0;
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
  if (!feed_.running()) {
    problem = "the stream's audio is not running";
    return false;
  }
  if (pcm.samples.empty()) return true;
  const GstClockTime now = feed_.now();
  const GstClockTime at = std::max(queued_until_, now + kLead);
  if (starts_in_ms != nullptr) *starts_in_ms = static_cast<std::int64_t>((at - now) / GST_MSECOND);
  const GstClockTime end = at + gst_util_uint64_scale(static_cast<guint64>(pcm.frames()), GST_SECOND, rate_);
  feed_.queue(pcm.samples, at);
  queued_until_ = end;
  clips_.push_back({end, pcm.duration_ms()});
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
  feed_.clear();
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
  settle(feed_.sent_until());
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
