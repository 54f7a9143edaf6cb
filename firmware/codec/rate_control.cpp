#include "codec/rate_control.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace agentcast::codec {
namespace {

constexpr double kNanosecondsPerSecond = 1e9;
constexpr std::int64_t kNanosecondsPerMillisecond = 1'000'000;
// x264's single-frame VBV is a target its row-by-row control can miss by a little, h264parse
// puts the SPS and PPS (a few dozen bytes) before each keyframe, and the skipped pictures of
// the next 2 s take up to 60 x 38 bytes: every buffer is this much below the room.
constexpr double kHeadroomBits = 24000;
// A picture may take most of the room; one between keyframes that might not fit, half of what
// the pictures between keyframes have left, so that the ones after it still find some.
constexpr double kRoomShare = 0.9;
constexpr double kPictureShare = 0.5;
// Below this x264 cannot go anyway (QP 51): a smaller buffer only makes it warn.
constexpr double kSmallestBufferBits = 8000;
// A picture is expected to fit when one like the largest lately fits this many times.
constexpr double kSafety = 2.0;
// A keyframe of a screen against the largest other picture of it (the whole screen changed):
// measured 1.4 on the box's own screen.
constexpr double kKeyframeOverPicture = 1.5;
// The pictures between keyframes get at least a third of the window, however large keyframes
// get.
constexpr double kBetweenAtLeast = 1.0 / 3;
// A keyframe's size is forgotten at most this fast (x264 may code one coarser than its
// quality after capped pictures: its QP follows theirs).
constexpr double kKeyframeMemory = 0.8;
// A picture x264 coded into more than this share of its buffer may have been held back by it.
constexpr double kHeldBack = 0.9;
// A repeat refines the last picture only with at least this share of the bucket to do it in.
constexpr double kRefineAtLeast = 0.1;
// x264 starts with its buffer this full (its vbv-init).
constexpr double kInitialFill = 0.9;
// The largest other picture lately is remembered at half its size 2 s later: a screen that
// changed as a whole a while ago says little about a clock that ticks.
constexpr double kPictureHalfLifeNs = 2e9;

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

RateControl::RateControl(double rate_bps, double size_bits, unsigned frame_ms)
    : bucket_(rate_bps, size_bits),
      window_(static_cast<std::int64_t>(size_bits / rate_bps * kNanosecondsPerSecond) -
                  static_cast<std::int64_t>(frame_ms) * kNanosecondsPerMillisecond / 2,
              size_bits),
      frame_ms_(frame_ms),
      encoder_allows_bits_(size_bits * kInitialFill) {
  if (frame_ms == 0) throw std::invalid_argument("rate control needs the frame time");
}

double RateControl::picture_estimate(std::int64_t pts_ns) const {
  const double age = static_cast<double>(std::max<std::int64_t>(0, pts_ns - picture_pts_ns_));
  return picture_bits_ * std::exp2(-age / kPictureHalfLifeNs);
}

EncoderLimits RateControl::buffer(std::int64_t pts_ns, double bits, bool capped) const {
  // A single-frame buffer: max_rate * frame_ms / 1000 kbit, at least one frame at max_rate.
  const auto kbit = static_cast<unsigned>(std::max(kSmallestBufferBits, bits) / 1000);
  return {std::max(1U, kbit * 1000 / frame_ms_), frame_ms_, capped, pts_ns};
}

double RateControl::room_for_picture(std::int64_t pts_ns) const {
  return (std::min(bucket_.room_at(pts_ns), window_.room_at(pts_ns)) - kHeadroomBits) * kRoomShare;
}

double RateControl::keyframe_estimate() const {
  return std::max(keyframe_bits_, largest_since_keyframe_ * kKeyframeOverPicture);
}

EncoderLimits RateControl::limits_for(std::int64_t pts_ns, bool keyframe, bool last_before_keyframe) const {
  const double size = bucket_.size_bits();
  const double hard = room_for_picture(pts_ns);
  double share = hard;
  double expected = keyframe_estimate();
  if (!keyframe) {
    // The next keyframe's window (2 s back from it) holds every picture after the last
    // keyframe and not that one: together they get the window less what the next keyframe
    // will take; one that might not fit gets half of what they have left (all of it just
    // before the keyframe: none comes after it).
    const double between = std::max(size * kBetweenAtLeast, size - kHeadroomBits - expected);
    share = std::min(hard, (between - since_keyframe_bits_) * (last_before_keyframe ? 1.0 : kPictureShare));
    expected = picture_estimate(pts_ns);
  }
  if (expected == 0 || expected * kSafety > share) return buffer(pts_ns, share, true);
  // Expected to fit. x264 holds this picture to the smaller of its buffer and the last one, and
  // the next picture to this one's: the buffer is what the room leaves besides this picture,
  // for whatever comes next, and within the room itself when the last buffer does not already
  // hold this picture to it. x264 codes a picture no finer than its quality, however large the
  // buffer.
  const double for_next = std::max(share, hard - expected * kSafety);
  return buffer(pts_ns, encoder_allows_bits_ <= hard ? for_next : std::min(for_next, hard), false);
}

EncoderLimits RateControl::limits_before_keyframe(std::int64_t pts_ns, std::int64_t keyframe_pts_ns) const {
  EncoderLimits limits = limits_for(pts_ns, false, true);
  const EncoderLimits keyframe = limits_for(keyframe_pts_ns, true);
  if (limits.buffer_bits() >= keyframe.buffer_bits()) return limits;
  // This picture's buffer is the keyframe's limit. It may be the keyframe's whole buffer when
  // the last one already holds this picture within the room, and the room otherwise: this
  // picture may then take more than the pictures between keyframes were to leave it, never
  // more than the bucket and the window hold.
  const double hard = room_for_picture(pts_ns);
  if (encoder_allows_bits_ > hard) return buffer(pts_ns, std::max(limits.buffer_bits(), hard), limits.capped);
  EncoderLimits opened = keyframe;
  opened.pts_ns = pts_ns;
  opened.capped = limits.capped;
  return opened;
}

std::optional<EncoderLimits> RateControl::limits_for_repeat(std::int64_t pts_ns,
                                                            std::optional<std::int64_t> keyframe_pts_ns) const {
  if (keyframe_pts_ns) {
    if (auto refill = refill_before_keyframe(pts_ns, *keyframe_pts_ns)) return refill;
  }
  if (!refine_next_) return std::nullopt;
  // x264 may have coded the last picture coarser than its quality: the repeat refines it where
  // it did (and codes to almost nothing where it did not), when there is room for it.
  const EncoderLimits limits = limits_for(pts_ns, false);
  if (std::min(limits.buffer_bits(), encoder_allows_bits_) < bucket_.size_bits() * kRefineAtLeast) return std::nullopt;
  return limits;
}

std::optional<EncoderLimits> RateControl::refill_before_keyframe(std::int64_t pts_ns,
                                                                 std::int64_t keyframe_pts_ns) const {
  EncoderLimits opened = limits_for(keyframe_pts_ns, true);
  const double keyframe = opened.buffer_bits();
  const double estimate = keyframe_estimate();
  const double wanted = estimate > 0 ? std::min(keyframe, estimate * kSafety) : keyframe;
  if (encoder_allows_bits_ >= wanted) return std::nullopt;
  // The repeat of a picture x264 coded at its quality codes to almost nothing, whatever its
  // buffer; after one it may have coded coarse, it refines it, within the room like any picture.
  if (!refine_next_) {
    opened.pts_ns = pts_ns;
    opened.capped = false;
    return opened;
  }
  return limits_before_keyframe(pts_ns, keyframe_pts_ns);
}

bool RateControl::delivered(std::int64_t pts_ns, std::size_t bytes) {
  const double bits = static_cast<double>(bytes) * 8;
  const bool within_bucket = bucket_.pour(pts_ns, bits);
  const bool within_window = window_.add(pts_ns, bits);
  since_keyframe_bits_ += bits;
  return within_bucket && within_window;
}

void RateControl::encoded(const EncoderLimits& limits, bool keyframe, std::size_t bytes) {
  const double bits = static_cast<double>(bytes) * 8;
  // Coded into most of what it was allowed, the picture may have been held back: it would have
  // taken at least that much.
  const bool held_back = bits > std::min(limits.buffer_bits(), encoder_allows_bits_) * kHeldBack;
  // A keyframe may be coarser than the quality even well within its buffer: x264 foresees its
  // size row by row from few keyframes, and codes the rows coarser while it expects too much.
  refine_next_ = held_back || keyframe;
  if (keyframe) {
    keyframe_bits_ = held_back ? std::max(bits, keyframe_bits_) : std::max(bits, keyframe_bits_ * kKeyframeMemory);
    since_keyframe_bits_ = 0;
    largest_since_keyframe_ = 0;
  } else {
    picture_bits_ = std::max(bits, picture_estimate(limits.pts_ns));
    picture_pts_ns_ = limits.pts_ns;
    largest_since_keyframe_ = std::max(largest_since_keyframe_, bits);
  }
  encoder_allows_bits_ = limits.buffer_bits();
}

}  // namespace agentcast::codec
