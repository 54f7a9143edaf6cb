#include "codec/rate_control.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace agentcast::codec {
namespace {

constexpr double kNanosecondsPerSecond = 1e9;
constexpr std::int64_t kNanosecondsPerMillisecond = 1'000'000;
constexpr double kFullQualityUpTo = 0.5;
constexpr double kWorstQualityFrom = 1.0;
// The worst quality asked for (QP 36 from the best, 6); x264's VBV does the rest.
constexpr int kQualitySpan = 30;
constexpr int kWorstCrf = 51;
// x264's single-frame VBV is a target its row-by-row control can miss by a little, h264parse
// puts the SPS and PPS (a few dozen bytes) before each keyframe, and the skipped pictures of
// the next 2 s take up to 60 x 38 bytes: the cap is this much below the room.
constexpr double kCapShare = 0.9;
constexpr double kPictureCapShare = 0.5;
constexpr double kCapHeadroomBits = 24000;
// Below this x264 cannot go anyway (QP 51): a smaller cap only makes it warn.
constexpr unsigned kSmallestCapKbit = 8;
// The cap engages when the room is less than this many times the expected picture; and a
// picture is made coarse enough to fit this many times.
constexpr double kSafety = 3.0;
// A keyframe of a screen against the largest other picture of it (the whole screen changed):
// measured 1.4 on the box's own screen.
constexpr double kKeyframeOverPicture = 1.5;
// With less room than this, every picture is capped: a picture unlike the ones before could
// not be taken back.
constexpr double kAlwaysCapBelow = 0.2;
// The pictures between keyframes leave a tenth of the window besides the next keyframe's
// share: keyframes vary with the screen.
constexpr double kBetweenShare = 0.9;
// A keyframe's estimate is forgotten at most this fast.
constexpr double kKeyframeMemory = 0.8;
// The largest other picture lately is remembered at half its size 2 s later: a screen that
// changed as a whole a while ago says little about a clock that ticks.
constexpr double kPictureHalfLifeNs = 2e9;
// x264's running QP (accum_p_qp): its start weight and its decay per picture.
constexpr double kInitialWeight = 0.01;
constexpr double kRecentQpDecay = 0.95;
// Wide open: a single-frame buffer far above any picture of ours. Single-frame even then: in
// that mode x264 plans to use the whole buffer, so its rows stay at the quality asked for; with
// a buffer over several frames it codes a keyframe's rows coarser (measured: 55 instead of
// 65 dB at the same size).
constexpr unsigned kWideBufferKbit = 32000;

// Bits at QP `from` as bits at QP `to` (H.264: twice the bits every 6 QP finer; fewer than
// that near lossless, so this overestimates there).
double scaled(double bits, int from, int to) { return bits * std::exp2(static_cast<double>(from - to) / 6.0); }

}  // namespace

LeakyBucket::LeakyBucket(double rate_bps, double size_bits) : rate_bps_(rate_bps), size_bits_(size_bits) {
  if (!(rate_bps > 0) || !(size_bits > 0)) throw std::invalid_argument("a leaky bucket needs a rate and a size");
}

double LeakyBucket::fullness_at(std::int64_t pts_ns) const {
  if (!started_) return 0;
  // A picture timestamped before the last one (it never happens with one encoder in order)
  // finds the bucket as the last one left it.
  const double elapsed = static_cast<double>(std::max<std::int64_t>(0, pts_ns - last_pts_ns_)) / kNanosecondsPerSecond;
  return std::max(0.0, fullness_bits_ - rate_bps_ * elapsed);
}

bool LeakyBucket::pour(std::int64_t pts_ns, double bits) {
  fullness_bits_ = fullness_at(pts_ns) + std::max(0.0, bits);
  last_pts_ns_ = started_ ? std::max(pts_ns, last_pts_ns_) : pts_ns;
  started_ = true;
  return fullness_bits_ <= size_bits_;
}

SlidingWindow::SlidingWindow(std::int64_t span_ns, double limit_bits) : span_ns_(span_ns), limit_bits_(limit_bits) {
  if (span_ns <= 0 || !(limit_bits > 0)) throw std::invalid_argument("a sliding window needs a span and a limit");
}

double SlidingWindow::bits_at(std::int64_t pts_ns) const {
  double bits = bits_;
  for (const Picture& picture : pictures_) {
    if (picture.pts_ns > pts_ns - span_ns_) break;
    bits -= picture.bits;
  }
  return std::max(0.0, bits);
}

bool SlidingWindow::add(std::int64_t pts_ns, double bits) {
  while (!pictures_.empty() && pictures_.front().pts_ns <= pts_ns - span_ns_) {
    bits_ -= pictures_.front().bits;
    pictures_.pop_front();
  }
  if (pictures_.empty()) bits_ = 0;  // no rounding left behind
  pictures_.push_back({pts_ns, std::max(0.0, bits)});
  bits_ += pictures_.back().bits;
  return bits_ <= limit_bits_;
}

int quality_for(double fullness_fraction, int best, int worst) {
  const double position =
      std::clamp((fullness_fraction - kFullQualityUpTo) / (kWorstQualityFrom - kFullQualityUpTo), 0.0, 1.0);
  return best + static_cast<int>(std::lround(position * (worst - best)));
}

RateControl::RateControl(double rate_bps, double size_bits, int best_quality, unsigned frame_ms)
    : bucket_(rate_bps, size_bits),
      window_(static_cast<std::int64_t>(size_bits / rate_bps * kNanosecondsPerSecond) -
                  static_cast<std::int64_t>(frame_ms) * kNanosecondsPerMillisecond / 2,
              size_bits),
      best_quality_(best_quality),
      worst_quality_(std::min(kWorstCrf, best_quality + kQualitySpan)),
      frame_ms_(frame_ms),
      recent_qp_sum_(kInitialWeight * best_quality),
      recent_qp_weight_(kInitialWeight) {
  if (frame_ms == 0) throw std::invalid_argument("rate control needs the frame time");
}

int RateControl::keyframe_qp(int quality) const {
  if (last_was_keyframe_) return quality;
  return static_cast<int>(std::lround(recent_qp_sum_ / recent_qp_weight_));
}

double RateControl::picture_bits_at_qp0(std::int64_t pts_ns) const {
  const double age = static_cast<double>(std::max<std::int64_t>(0, pts_ns - picture_pts_ns_));
  return picture_bits_at_qp0_ * std::exp2(-age / kPictureHalfLifeNs);
}

EncoderLimits RateControl::limits_for(std::int64_t pts_ns, bool keyframe, bool keyframe_near) const {
  const double size = bucket_.size_bits();
  double room = std::min(bucket_.room_at(pts_ns), window_.room_at(pts_ns));
  double used = 1.0 - room / size;
  // A keyframe is larger than any other picture of the screen at its QP: it codes what they
  // predict from the picture before.
  const double picture_bits_at_qp0 = this->picture_bits_at_qp0(pts_ns);
  const double keyframe_bits_at_qp0 =
      std::max(keyframe_bits_at_qp0_, largest_since_keyframe_at_qp0_ * kKeyframeOverPicture);
  if (!keyframe && keyframe_bits_at_qp0 > 0) {
    // The next keyframe's window (2 s back from it) holds every picture after this keyframe
    // and not this one: together they get the window less what the next keyframe will take
    // (at least a third of the window, however large keyframes get).
    const int coming_qp = keyframe_qp(quality_for(used, best_quality_, worst_quality_));
    const double between = std::max(size / 3, size * kBetweenShare - scaled(keyframe_bits_at_qp0, 0, coming_qp));
    // Their quality follows how much of that share is used: the window at this moment also
    // holds this keyframe, which they must not be coarsened for.
    used = since_keyframe_bits_ / between;
  }
  int quality = quality_for(used, best_quality_, worst_quality_);
  if (!keyframe && picture_bits_at_qp0 > 0) {
    // Coarse enough that a picture like the largest lately fits the room a few times over.
    while (quality < worst_quality_ && scaled(picture_bits_at_qp0, 0, quality) * kSafety > room) ++quality;
  }
  const int qp = keyframe ? keyframe_qp(quality) : quality;
  // Until another picture is known, a keyframe's size is the bound.
  const double known = keyframe || picture_bits_at_qp0_ == 0 ? keyframe_bits_at_qp0 : picture_bits_at_qp0;
  // A keyframe may take most of the room; another picture half of it, so that the pictures
  // after it (a skipped picture is 38 bytes, x264's smallest a few hundred) still find some.
  double cap_bits = (room - kCapHeadroomBits) * (keyframe ? kCapShare : kPictureCapShare);
  if (keyframe_near && !keyframe) {
    // x264 refills its VBV at the end of a picture at that picture's rate: a capped picture
    // leaves the next one, maybe the keyframe, no more room than its own cap, and the
    // keyframe would stand coarse for seconds. Close before a keyframe, a capped picture may
    // take what the keyframe is expected to need, as far as the room allows.
    const int coming_qp = keyframe_qp(quality);
    cap_bits =
        std::max(cap_bits, std::min((room - kCapHeadroomBits) * kCapShare, scaled(keyframe_bits_at_qp0, 0, coming_qp)));
  }
  if (known > 0 && scaled(known, 0, qp) * kSafety <= cap_bits && room >= size * kAlwaysCapBelow) {
    return {quality, kWideBufferKbit * 1000 / frame_ms_, frame_ms_, false, qp, pts_ns};
  }
  const unsigned cap_kbit = std::max(kSmallestCapKbit, static_cast<unsigned>(std::max(0.0, cap_bits) / 1000));
  // buffer = max_rate * frame_ms / 1000, at most the cap and at least one frame at max_rate
  return {quality, std::max(1U, cap_kbit * 1000 / frame_ms_), frame_ms_, true, qp, pts_ns};
}

bool RateControl::delivered(std::int64_t pts_ns, std::size_t bytes) {
  const double bits = static_cast<double>(bytes) * 8;
  const bool within_bucket = bucket_.pour(pts_ns, bits);
  const bool within_window = window_.add(pts_ns, bits);
  since_keyframe_bits_ += bits;
  return within_bucket && within_window;
}

void RateControl::encoded(const EncoderLimits& limits, bool keyframe, std::size_t bytes, int slice_qp) {
  // Sizes are kept at the QP the picture was asked for: under a cap x264 may have coded it
  // coarser (its slice QP), but scaling its size to the finer QP asked for overestimates it
  // many times on text, whose bits hardly grow towards the finest QPs.
  const double at_qp0 = scaled(static_cast<double>(bytes) * 8, limits.expected_qp, 0);
  // x264's running QP counts what it planned, the coarser QP.
  const int qp = limits.capped ? std::max(limits.expected_qp, slice_qp) : limits.expected_qp;
  if (keyframe) {
    // The estimate can be far off at the coarsest QPs (noise comes out flat grey at QP 51): one
    // keyframe lowers it by a fifth at most.
    keyframe_bits_at_qp0_ = std::max(at_qp0, keyframe_bits_at_qp0_ * kKeyframeMemory);
  } else {
    picture_bits_at_qp0_ = std::max(at_qp0, picture_bits_at_qp0(limits.pts_ns));
    picture_pts_ns_ = limits.pts_ns;
    largest_since_keyframe_at_qp0_ = std::max(largest_since_keyframe_at_qp0_, at_qp0);
  }
  recent_qp_sum_ = recent_qp_sum_ * kRecentQpDecay + qp;
  recent_qp_weight_ = recent_qp_weight_ * kRecentQpDecay + 1;
  last_was_keyframe_ = keyframe;
  if (keyframe) {
    since_keyframe_bits_ = 0;
    largest_since_keyframe_at_qp0_ = 0;
  }
}

}  // namespace agentcast::codec
