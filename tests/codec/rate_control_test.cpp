#include "codec/rate_control.hpp"

#include <CppUTest/TestHarness.h>

#include <algorithm>
#include <stdexcept>

using namespace agentcast;

namespace {

constexpr double kRate = 1'500'000;  // the platform's 1500 kbit/s
constexpr double kSize = 3'000'000;  // and its 3000 kbit buffer
constexpr std::int64_t kMs = 1'000'000;

}  // namespace

TEST_GROUP(LeakyBucket){};

TEST(LeakyBucket, StartsEmptyAndHoldsWhatIsPoured) {
  codec::LeakyBucket bucket(kRate, kSize);
  DOUBLES_EQUAL(kSize, bucket.room_at(0), 0);
  CHECK(bucket.pour(0, 1'000'000));
  DOUBLES_EQUAL(1'000'000, bucket.fullness_at(0), 0);
  DOUBLES_EQUAL(2'000'000, bucket.room_at(0), 0);
}

TEST(LeakyBucket, DrainsAtItsRateBetweenPictures) {
  codec::LeakyBucket bucket(kRate, kSize);
  CHECK(bucket.pour(1000 * kMs, 3'000'000));
  DOUBLES_EQUAL(1'500'000, bucket.fullness_at(2000 * kMs), 1);
  DOUBLES_EQUAL(0, bucket.fullness_at(3000 * kMs), 0);
  DOUBLES_EQUAL(0, bucket.fullness_at(60'000 * kMs), 0);  // empty, never below
}

TEST(LeakyBucket, APictureLargerThanTheRoomOverflowsIt) {
  codec::LeakyBucket bucket(kRate, kSize);
  CHECK(bucket.pour(0, 2'000'000));
  const double room = bucket.room_at(100 * kMs);  // 150 kbit drained
  DOUBLES_EQUAL(1'150'000, room, 1);
  CHECK(bucket.pour(100 * kMs, room));  // exactly full is within the limit
  CHECK_FALSE(bucket.pour(100 * kMs, 1));
}

TEST(LeakyBucket, ThirtyFramesASecondAtTheRateNeverFillIt) {
  codec::LeakyBucket bucket(kRate, kSize);
  for (int frame = 0; frame < 30 * 60; ++frame) {
    CHECK(bucket.pour(frame * 1'000'000'000LL / 30, kRate / 30));
  }
  CHECK(bucket.fullness_at(60'000 * kMs) <= kRate / 30);
}

TEST(LeakyBucket, ATimestampBeforeTheLastFindsTheBucketAsItWasLeft) {
  codec::LeakyBucket bucket(kRate, kSize);
  CHECK(bucket.pour(1000 * kMs, 1'000'000));
  DOUBLES_EQUAL(1'000'000, bucket.fullness_at(500 * kMs), 0);
}

TEST(LeakyBucket, NeedsARateAndASize) {
  CHECK_THROWS(std::invalid_argument, codec::LeakyBucket(0, kSize));
  CHECK_THROWS(std::invalid_argument, codec::LeakyBucket(kRate, -1));
}

TEST_GROUP(SlidingWindow){};

TEST(SlidingWindow, CountsThePicturesOfTheLastSpan) {
  codec::SlidingWindow window(2000 * kMs, kSize);
  CHECK(window.add(0, 1'000'000));
  CHECK(window.add(1000 * kMs, 1'000'000));
  DOUBLES_EQUAL(2'000'000, window.bits_at(1999 * kMs), 0);
  DOUBLES_EQUAL(1'000'000, window.bits_at(2000 * kMs), 0);  // the first is 2 s old: out
  DOUBLES_EQUAL(0, window.bits_at(3000 * kMs), 0);
  DOUBLES_EQUAL(kSize - 1'000'000, window.room_at(2500 * kMs), 0);
}

TEST(SlidingWindow, IsStricterThanTheBucket) {
  // 3000 kbit at once after an idle start fits the bucket, and a second 3000 kbit 2 s later
  // too (the bucket drained); but 1500 kbit more 1 s after the first does not fit the window
  // while the bucket, drained by 1500 kbit, takes it.
  codec::LeakyBucket bucket(kRate, kSize);
  codec::SlidingWindow window(2000 * kMs, kSize);
  CHECK(bucket.pour(0, 2'000'000));
  CHECK(window.add(0, 2'000'000));
  CHECK(bucket.pour(1000 * kMs, 2'000'000));
  CHECK_FALSE(window.add(1000 * kMs, 2'000'000));
}

TEST_GROUP(RateControl){};

namespace {

constexpr unsigned kFrameMs = 34;
constexpr std::int64_t kFrameNs = 33'333'333;
// What the box keeps below the room (SPS/PPS, skipped pictures, x264 missing its target).
constexpr double kHeadroom = 24'000;

// x264 as measured: a picture takes what it needs at its quality, held to the smaller of its
// own buffer and the one before (its buffer is refilled by the last picture's).
struct FakeX264 {
  double last_buffer = 0.9 * kSize;
  double code(const codec::EncoderLimits& limits, double natural_bits) {
    const double allowed = std::min(limits.buffer_bits(), last_buffer);
    last_buffer = limits.buffer_bits();
    return std::min(natural_bits, allowed);
  }
};

double room(const codec::RateControl& control, std::int64_t pts) { return control.bucket().room_at(pts); }

// x264 coded a picture of `bits` under `limits`, and it left at the limits' time: what the box
// tells its rate control. False when it overflowed the bucket or the window.
bool coded(codec::RateControl& control, const codec::EncoderLimits& limits, double bits, bool keyframe = false) {
  const auto bytes = static_cast<std::size_t>(bits / 8);
  const bool within = control.delivered(limits.pts_ns, bytes);
  control.encoded(limits, keyframe, bytes);
  return within;
}

}  // namespace

TEST(RateControl, HoldsTheFirstPictureToTheRoomWhileNothingIsKnown) {
  codec::RateControl control(kRate, kSize, kFrameMs);
  const auto limits = control.limits_for(0, true);
  CHECK(limits.capped);
  LONGS_EQUAL(kFrameMs, limits.buffer_ms);
  CHECK(limits.buffer_bits() <= 0.9 * (kSize - kHeadroom));
  CHECK(limits.buffer_bits() >= 0.85 * kSize);
}

TEST(RateControl, APictureExpectedToFitLeavesX264sBufferOpenForTheNextOne) {
  codec::RateControl control(kRate, kSize, kFrameMs);
  FakeX264 x264;
  const auto first = control.limits_for(0, true);
  const double keyframe = x264.code(first, 400'000);
  CHECK(coded(control, first, keyframe, true));
  // A clock tick of 8 kbit, known from one before.
  const auto tick = control.limits_for(1000 * kMs, false);
  CHECK(tick.capped);  // nothing is known about other pictures yet
  coded(control, tick, x264.code(tick, 8'000));
  // The next tick is expected to fit; the last buffer already held it within the room, so its
  // own is left open for whatever comes next (here the whole bucket).
  const auto next = control.limits_for(1500 * kMs, false);
  CHECK_FALSE(next.capped);
  CHECK(std::min(next.buffer_bits(), control.encoder_allows_bits()) <= room(control, 1500 * kMs));
}

TEST(RateControl, NoPictureCanOverflowTheBucketOrTheWindowWhateverItsSize) {
  // Pictures of every kind, their sizes unforeseeable, some far larger than the bucket: x264
  // holds each to min(its buffer, the last buffer), and that is always within the room.
  codec::RateControl control(kRate, kSize, kFrameMs);
  codec::SlidingWindow window(2000 * kMs - kFrameNs / 2, kSize);
  FakeX264 x264;
  std::uint32_t state = 12345;
  auto random = [&] {
    state = state * 1664525U + 1013904223U;
    return static_cast<double>(state >> 8) / static_cast<double>(1U << 24);
  };
  int held_back = 0;
  for (int frame = 0; frame < 30 * 120; ++frame) {
    const std::int64_t pts = frame * kFrameNs;
    const bool keyframe = frame % 60 == 0;
    if (!keyframe && random() < 0.6) {  // a repeat: a skipped picture of 38 bytes
      if (frame % 60 == 59) {
        if (const auto refill = control.limits_for_repeat(pts, pts + kFrameNs)) {
          const double bits = x264.code(*refill, 500);
          CHECK(coded(control, *refill, bits));
          CHECK(window.add(pts, bits));
          continue;
        }
      }
      CHECK(control.delivered(pts, 38));
      CHECK(window.add(pts, 38 * 8));
      continue;
    }
    const double natural = random() < 0.1 ? 6'000'000 * random() : 300'000 * random();
    const auto limits = control.limits_for(pts, keyframe);
    const double bits = x264.code(limits, natural);
    held_back += bits < natural ? 1 : 0;
    CHECK_TEXT(coded(control, limits, bits, keyframe), ("frame " + std::to_string(frame)).c_str());
    CHECK_TEXT(window.add(pts, bits), ("frame " + std::to_string(frame)).c_str());
  }
  CHECK(held_back > 10);  // the limits did hold pictures back
}

TEST(RateControl, PicturesBetweenKeyframesLeaveTheNextKeyframeItsShareOfTheWindow) {
  codec::RateControl control(kRate, kSize, kFrameMs);
  FakeX264 x264;
  const auto first = control.limits_for(0, true);
  const double keyframe = x264.code(first, 1'500'000);
  coded(control, first, keyframe, true);
  // Pictures of 300 kbit every 100 ms, or what x264 is allowed: after 1476 kbit (the window
  // less the headroom and the keyframe's 1500), the rest of the window is the next keyframe's.
  double between = 0;
  for (std::int64_t at = 100 * kMs; at < 2000 * kMs; at += 100 * kMs) {
    const auto limits = control.limits_for(at, false);
    const double bits = x264.code(limits, 300'000);
    coded(control, limits, bits);
    between += bits;
  }
  // Halving what is left, the pictures never quite reach it; x264 goes no lower than 8 kbit.
  CHECK_TEXT(between <= 1'476'000 + 19 * 8'000, std::to_string(between).c_str());
  CHECK_TEXT(between >= 1'300'000, std::to_string(between).c_str());
}

TEST(RateControl, JustBeforeAKeyframeAPictureMayTakeAllThatIsLeftNotHalf) {
  codec::RateControl control(kRate, kSize, kFrameMs);
  const auto first = control.limits_for(0, true);
  coded(control, first, 1'000'000, true);
  // Nothing is known of other pictures: a picture might not fit and is held to its share.
  const auto midway = control.limits_for(1000 * kMs, false);
  const auto last = control.limits_for(1000 * kMs, false, true);
  CHECK(midway.capped && last.capped);
  // Half of 1976 kbit left (3000 less the headroom and the 1000-kbit keyframe) midway; all of it
  // just before the keyframe, as far as the room (90 % of 1976) goes.
  DOUBLES_EQUAL(988'000, midway.buffer_bits(), 34'000);  // kbit/s steps of 34 ms
  DOUBLES_EQUAL(0.9 * 1'976'000, last.buffer_bits(), 34'000);
}

TEST(RateControl, TheFrameBeforeAKeyframeOpensX264sBufferWhenTheLastPictureWasHeldToLittle) {
  codec::RateControl control(kRate, kSize, kFrameMs);
  FakeX264 x264;
  const auto first = control.limits_for(0, true);
  coded(control, first, 1'000'000, true);
  // A picture that might not fit gets little, and x264's buffer stays that small: the keyframe
  // after it would be held to it.
  const auto small = control.limits_for(1000 * kMs, false);
  CHECK(small.capped);
  const double bits = x264.code(small, 100'000);
  coded(control, small, bits);
  const std::int64_t keyframe_at = 2000 * kMs;
  const auto refill = control.limits_for_repeat(keyframe_at - kFrameNs, keyframe_at);
  CHECK(refill.has_value());
  CHECK(refill->buffer_bits() >= control.limits_for(keyframe_at, true).buffer_bits());
  // Once x264's buffer is open, nothing more is needed.
  coded(control, *refill, 320);
  CHECK_FALSE(control.limits_for_repeat(keyframe_at - kFrameNs, keyframe_at).has_value());
}

TEST(RateControl, TheRefillAfterAPictureHeldBackStaysWithinTheRoom) {
  codec::RateControl control(kRate, kSize, kFrameMs);
  const auto first = control.limits_for(0, true);
  coded(control, first, 2'000'000, true);
  // x264 coded this one into all of its buffer: it was held back, and its repeat refines it.
  const auto held = control.limits_for(1900 * kMs, false);
  coded(control, held, held.buffer_bits());
  const std::int64_t at = 2000 * kMs - kFrameNs;
  const auto refill = control.limits_for_repeat(at, 2000 * kMs);
  if (refill) CHECK(std::min(refill->buffer_bits(), control.encoder_allows_bits()) <= room(control, at));
}

TEST(RateControl, AKeyframesSizeIsForgottenSlowlyAndRaisedWhenItWasHeldBack) {
  codec::RateControl control(kRate, kSize, kFrameMs);
  const auto first = control.limits_for(0, true);
  coded(control, first, 1'600'000, true);  // well within its buffer
  // A keyframe of 1600 kbit is expected: the pictures between keyframes leave it its share.
  auto limits = control.limits_for(4000 * kMs, true);
  coded(control, limits, 8'000, true);  // a tiny one (a blank screen): the estimate falls by a fifth only
  const auto small = control.limits_for(4500 * kMs, false);
  // The window less the headroom and 0.8 x 1600 kbit, halved: about 850 kbit for a picture
  // that might not fit.
  DOUBLES_EQUAL(0.5 * (kSize - kHeadroom - 0.8 * 1'600'000), small.buffer_bits(), 20'000);
}

TEST(RateControl, NeedsTheFrameTime) { CHECK_THROWS(std::invalid_argument, codec::RateControl(kRate, kSize, 0)); }
