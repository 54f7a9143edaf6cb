#pragma once
// Rate control on real time, for an encoder that sees only the pictures that changed.
//
// The platform's limit is a leaky bucket on the stream's timestamps ("-maxrate 1500k -bufsize
// 3000k": a bucket of 3000 kbit that drains at 1500 kbit/s); the box keeps the stricter form
// of it too, at most 3000 kbit in any 2 s. An encoder's own rate control counts every picture
// it sees as one frame time, so with only the changes it would give a change the bits of 1/30 s
// instead of the time it stands for. The box keeps the account instead and tells x264, before
// each picture:
//  - its quality (a CRF, which qcomp=1 and aq-mode=0 make the picture's QP): the best while at
//    most half the room is in use, coarser as it fills, and coarse enough that a picture like
//    the largest lately fits the room three times. The room is the least of the bucket's and
//    the window's; between two keyframes, the pictures share the window less what the next
//    keyframe is expected to take (it drops out of the window the moment the next one comes);
//  - a cap (x264's VBV as a single-frame buffer, of most of the room for a keyframe, half of
//    it for another picture) when the picture might not fit, the room is short, or nothing is
//    known yet. Otherwise x264's VBV stays wide open. The cap is a guard, not the rule, because
//    of how x264 treats it: it plans a keyframe's size from the few it has seen and codes it
//    far coarser than needed when the plan exceeds the buffer (measured 44-50 dB instead of
//    65 dB at the same size), and it refills its buffer at the end of a picture at that
//    picture's rate, so a capped picture leaves the next one no more than its own cap; close
//    before a keyframe a cap is therefore never smaller than the keyframe is expected to take.
// A keyframe's QP is not the quality asked for: x264 (1-pass, ipratio=1) codes it at its running
// average of the pictures' QPs, which this class follows to foresee the keyframe's size.
#include <cstddef>
#include <cstdint>
#include <deque>

namespace agentcast::codec {

class LeakyBucket {
 public:
  // `rate_bps` > 0 drains it, `size_bits` > 0 is what it holds.
  LeakyBucket(double rate_bps, double size_bits);

  // What is in the bucket at `pts_ns` (it drains between pictures), in bits.
  double fullness_at(std::int64_t pts_ns) const;
  // What a picture at `pts_ns` may take without overflowing it, in bits.
  double room_at(std::int64_t pts_ns) const { return size_bits_ - fullness_at(pts_ns); }
  // A picture of `bits` delivered at `pts_ns`; false when it overflowed the bucket (which then
  // holds all of it anyway: what was sent was sent).
  bool pour(std::int64_t pts_ns, double bits);

  double size_bits() const { return size_bits_; }

 private:
  double rate_bps_;
  double size_bits_;
  double fullness_bits_ = 0;
  std::int64_t last_pts_ns_ = 0;
  bool started_ = false;
};

// The same limit as the bits in any stretch of the bucket's span (size / rate: 2 s): at most
// what the rate allows in it. Stricter than the bucket (it implies it) and what a viewer's
// player, averaging over a few seconds, sees. Pictures a whole span apart (keyframes on a 2 s
// grid) are in different stretches; the span is made half a frame shorter, so that timestamps
// a few nanoseconds short of it on a 30 fps grid (60 x 33333333 ns) still count as a span.
class SlidingWindow {
 public:
  SlidingWindow(std::int64_t span_ns, double limit_bits);

  // The bits of the pictures in (pts_ns - span, pts_ns].
  double bits_at(std::int64_t pts_ns) const;
  double room_at(std::int64_t pts_ns) const { return limit_bits_ - bits_at(pts_ns); }
  // A picture of `bits` at `pts_ns`; false when its window went over the limit.
  bool add(std::int64_t pts_ns, double bits);

 private:
  struct Picture {
    std::int64_t pts_ns;
    double bits;
  };
  std::int64_t span_ns_;
  double limit_bits_;
  std::deque<Picture> pictures_;  // oldest first, within the span of the newest
  double bits_ = 0;
};

// The quality for a bucket `fullness_fraction` full: `best` up to half, `worst` when full,
// linear in between.
int quality_for(double fullness_fraction, int best, int worst);

// What x264enc is told before a picture: `quantizer` (the CRF), and its VBV as `bitrate`
// (kbit/s) and `vbv-buf-capacity` (ms at that rate).
struct EncoderLimits {
  int quality = 0;
  unsigned max_rate_kbps = 0;
  unsigned buffer_ms = 0;
  bool capped = false;  // the VBV is the room in the bucket, not wide open
  int expected_qp = 0;  // the QP x264 will code the picture at (a keyframe's follows its history)
  std::int64_t pts_ns = 0;
};

class RateControl {
 public:
  // The bucket (`rate_bps`, `size_bits`), the best quality (the x264enc's quantizer at start),
  // and the frame time in whole milliseconds rounded up (a single-frame VBV must hold one
  // frame at its max rate).
  RateControl(double rate_bps, double size_bits, int best_quality, unsigned frame_ms);

  // Before a picture goes into the encoder at `pts_ns`; `keyframe` when it is to be one,
  // `keyframe_near` when the next keyframe is due soon (within kKeyframeNearNs).
  EncoderLimits limits_for(std::int64_t pts_ns, bool keyframe, bool keyframe_near = false) const;
  static constexpr std::int64_t kKeyframeNearNs = 500'000'000;
  // A picture left at `pts_ns`, the encoder's or a skipped one; false when it went over.
  bool delivered(std::int64_t pts_ns, std::size_t bytes);
  // x264 coded a picture of `bytes` under `limits`, at `slice_qp` (its slice header's QP):
  // what the next ones will take.
  void encoded(const EncoderLimits& limits, bool keyframe, std::size_t bytes, int slice_qp);

  const LeakyBucket& bucket() const { return bucket_; }

 private:
  int keyframe_qp(int quality) const;

  LeakyBucket bucket_;
  SlidingWindow window_;
  int best_quality_;
  int worst_quality_;
  unsigned frame_ms_;
  // x264's own estimate of a keyframe's QP (ratecontrol.c, 1-pass CRF): the recent pictures'
  // QPs, each 0.95 of the weight of the one after; a keyframe right after a keyframe gets the
  // quality asked for.
  double recent_qp_sum_;
  double recent_qp_weight_;
  bool last_was_keyframe_ = true;
  // The bits of the latest keyframe and of the largest recent other picture, at QP 0; zero
  // while none is known.
  double keyframe_bits_at_qp0_ = 0;
  double picture_bits_at_qp0_ = 0;  // as it was at picture_pts_ns_, halving every second since
  std::int64_t picture_pts_ns_ = 0;
  double since_keyframe_bits_ = 0;            // delivered after the last keyframe
  double largest_since_keyframe_at_qp0_ = 0;  // the largest other picture since then

  double picture_bits_at_qp0(std::int64_t pts_ns) const;
};

}  // namespace agentcast::codec
