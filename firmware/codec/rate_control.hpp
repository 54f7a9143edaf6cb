#pragma once
// Rate control on real time, for an encoder that sees only the pictures that changed.
//
// The platform's limit is a leaky bucket on the stream's timestamps ("-maxrate 1500k -bufsize
// 3000k": a bucket of 3000 kbit that drains at 1500 kbit/s); the box keeps the stricter form
// of it too, at most 3000 kbit in any 2 s. An encoder's own rate control counts every picture
// it sees as one frame time, so with only the changes it would give a change the bits of 1/30 s
// instead of the time it stands for. The box keeps the account instead.
//
// What x264 (through x264enc, tune=zerolatency, one thread) lets the box steer, measured with
// Debian's x264 0.164 (the encoder tests, tests/codec/h264/, check what follows from it):
//  - its quality is the one it was opened with. x264enc's `quantizer` may be changed while
//    playing, but x264 codes every P picture at the CRF it started with all the same. A
//    keyframe starts at x264's running average of the QPs the pictures were coded at, divided
//    by ipratio, and x264 walks its rows from there (pipelines/video/x264enc.txt pins both);
//  - its VBV may be changed before every picture (`bitrate`, `vbv-buf-capacity`; a
//    single-frame buffer here), and x264 keeps a picture within it by coding its rows
//    coarser, never finer than its quality. It foresees a keyframe's size from few keyframes,
//    and may code one coarser than needed even well within its buffer;
//  - its buffer is refilled after each picture by one frame time at that picture's rate,
//    which with a single-frame buffer is that picture's whole buffer: x264 holds a picture to
//    the smaller of its own buffer and the last picture's.
// So the box decides one thing per picture, the buffer, and every picture's limit (its buffer
// or the last one, whichever is smaller) is within the room left in the bucket and the window:
//  - a keyframe gets most of the room;
//  - between two keyframes the pictures share the window less what the next keyframe is
//    expected to take (the keyframe before drops out of the window when the next one comes);
//    one that might not fit gets half of what they have left, so that the ones after it
//    still find some (all of it just before the keyframe);
//  - one expected to fit gets what the room leaves besides it, since its buffer is the next
//    picture's limit too; the one just before a keyframe gets the keyframe's buffer where
//    that is safe, or a keyframe after a clock tick would come out coarse.
// And two repeats may go through x264 instead of being skipped pictures: the one after a
// picture x264 may have coded coarse (a keyframe, or a picture coded into most of its limit)
// refines it, and the one just before a keyframe opens x264's buffer for it. A repeat of a
// picture coded at its quality codes to almost nothing.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

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

// What x264enc is told before a picture: its VBV, as `bitrate` (kbit/s) and
// `vbv-buf-capacity` (ms at that rate), one frame time long.
struct EncoderLimits {
  unsigned max_rate_kbps = 0;
  unsigned buffer_ms = 0;
  bool capped = false;  // the picture might not fit: the buffer holds it back
  std::int64_t pts_ns = 0;

  // The largest picture x264 is allowed, in bits (kbit/s x ms).
  double buffer_bits() const { return static_cast<double>(max_rate_kbps) * buffer_ms; }
};

class RateControl {
 public:
  // The bucket (`rate_bps`, `size_bits`) and the frame time in whole milliseconds rounded up
  // (a single-frame VBV must hold one frame at its max rate).
  RateControl(double rate_bps, double size_bits, unsigned frame_ms);

  // Before a picture goes into the encoder at `pts_ns`; `keyframe` when it is to be one,
  // `last_before_keyframe` when the next frame is.
  EncoderLimits limits_for(std::int64_t pts_ns, bool keyframe, bool last_before_keyframe = false) const;
  // Before a picture at `pts_ns` when the next frame, at `keyframe_pts_ns`, is a keyframe: its
  // buffer is also the keyframe's limit, so it is at least the keyframe's where that is safe.
  EncoderLimits limits_before_keyframe(std::int64_t pts_ns, std::int64_t keyframe_pts_ns) const;
  // For a frame at `pts_ns` that repeats the last picture: limits when it is to go through
  // x264 after all, nothing when it is to be skipped. It goes through x264
  //  - to refine the last picture, when x264 may have coded it coarser than its quality (a
  //    keyframe, or a picture coded into most of what it was allowed) and there is room;
  //  - as the frame before a keyframe at `keyframe_pts_ns`, to open x264's buffer for it when
  //    the last picture's buffer, which would be the keyframe's limit, is smaller than what the
  //    keyframe is expected to need.
  std::optional<EncoderLimits> limits_for_repeat(std::int64_t pts_ns,
                                                 std::optional<std::int64_t> keyframe_pts_ns) const;
  // A picture left at `pts_ns`, the encoder's or a skipped one; false when it went over.
  bool delivered(std::int64_t pts_ns, std::size_t bytes);
  // x264 coded a picture of `bytes` under `limits`: what the next ones will take, and what its
  // buffer holds for the next one.
  void encoded(const EncoderLimits& limits, bool keyframe, std::size_t bytes);

  // The largest picture x264's own buffer lets through next (the last picture's buffer).
  double encoder_allows_bits() const { return encoder_allows_bits_; }
  const LeakyBucket& bucket() const { return bucket_; }

 private:
  double room_for_picture(std::int64_t pts_ns) const;
  double keyframe_estimate() const;
  double picture_estimate(std::int64_t pts_ns) const;
  std::optional<EncoderLimits> refill_before_keyframe(std::int64_t pts_ns, std::int64_t keyframe_pts_ns) const;
  EncoderLimits buffer(std::int64_t pts_ns, double bits, bool capped) const;

  LeakyBucket bucket_;
  SlidingWindow window_;
  unsigned frame_ms_;
  // Sizes at the encoder's quality, learned from pictures that were not held back by a cap;
  // zero while none is known.
  double keyframe_bits_ = 0;
  double picture_bits_ = 0;  // the largest other picture lately, halving every 2 s since
  std::int64_t picture_pts_ns_ = 0;
  double since_keyframe_bits_ = 0;     // delivered after the last keyframe
  double largest_since_keyframe_ = 0;  // the largest other picture since then
  double encoder_allows_bits_;
  bool refine_next_ = false;  // x264's last picture may be coarser than its quality
};

}  // namespace agentcast::codec
