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
  CHECK(control.delivered(0, static_cast<std::size_t>(keyframe / 8)));
  control.encoded(first, true, static_cast<std::size_t>(keyframe / 8));
  // A clock tick of 8 kbit, known from one before.
  const auto tick = control.limits_for(1000 * kMs, false);
  CHECK(tick.capped);  // nothing is known about other pictures yet
  control.delivered(1000 * kMs, x264.code(tick, 8'000) / 8);
  control.encoded(tick, false, static_cast<std::size_t>(x264.code(tick, 8'000) / 8));
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
          CHECK(control.delivered(pts, static_cast<std::size_t>(bits / 8)));
          CHECK(window.add(pts, bits));
          control.encoded(*refill, false, static_cast<std::size_t>(bits / 8));
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
    CHECK_TEXT(control.delivered(pts, static_cast<std::size_t>(bits / 8)), ("frame " + std::to_string(frame)).c_str());
    CHECK_TEXT(window.add(pts, bits), ("frame " + std::to_string(frame)).c_str());
    control.encoded(limits, keyframe, static_cast<std::size_t>(bits / 8));
  }
  CHECK(held_back > 10);  // the limits did hold pictures back
}

TEST(RateControl, PicturesBetweenKeyframesLeaveTheNextKeyframeItsShareOfTheWindow) {
  codec::RateControl control(kRate, kSize, kFrameMs);
  FakeX264 x264;
  const auto first = control.limits_for(0, true);
  const double keyframe = x264.code(first, 1'500'000);
  control.delivered(0, static_cast<std::size_t>(keyframe / 8));
  control.encoded(first, true, static_cast<std::size_t>(keyframe / 8));
  // Pictures of 300 kbit every 100 ms, or what x264 is allowed: after 1476 kbit (the window
  // less the headroom and the keyframe's 1500), the rest of the window is the next keyframe's.
  double between = 0;
  for (std::int64_t at = 100 * kMs; at < 2000 * kMs; at += 100 * kMs) {
    const auto limits = control.limits_for(at, false);
    const double bits = x264.code(limits, 300'000);
    control.delivered(at, static_cast<std::size_t>(bits / 8));
    control.encoded(limits, false, static_cast<std::size_t>(bits / 8));
    between += bits;
  }
  // Halving what is left, the pictures never quite reach it; x264 goes no lower than 8 kbit.
  CHECK_TEXT(between <= 1'476'000 + 19 * 8'000, std::to_string(between).c_str());
  CHECK_TEXT(between >= 1'300'000, std::to_string(between).c_str());
}

TEST(RateControl, JustBeforeAKeyframeAPictureMayTakeAllThatIsLeftNotHalf) {
  codec::RateControl control(kRate, kSize, kFrameMs);
  const auto first = control.limits_for(0, true);
  control.delivered(0, 1'000'000 / 8);
  control.encoded(first, true, 1'000'000 / 8);
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
  control.delivered(0, 1'000'000 / 8);
  control.encoded(first, true, 1'000'000 / 8);
  // A picture that might not fit gets little, and x264's buffer stays that small: the keyframe
  // after it would be held to it.
  const auto small = control.limits_for(1000 * kMs, false);
  CHECK(small.capped);
  const double bits = x264.code(small, 100'000);
  control.delivered(1000 * kMs, static_cast<std::size_t>(bits / 8));
  control.encoded(small, false, static_cast<std::size_t>(bits / 8));
  const std::int64_t keyframe_at = 2000 * kMs;
  const auto refill = control.limits_for_repeat(keyframe_at - kFrameNs, keyframe_at);
  CHECK(refill.has_value());
  CHECK(refill->buffer_bits() >= control.limits_for(keyframe_at, true).buffer_bits());
  // Once x264's buffer is open, nothing more is needed.
  control.delivered(keyframe_at - kFrameNs, 40);
  control.encoded(*refill, false, 40);
  CHECK_FALSE(control.limits_for_repeat(keyframe_at - kFrameNs, keyframe_at).has_value());
}

TEST(RateControl, TheRefillAfterAPictureHeldBackStaysWithinTheRoom) {
  codec::RateControl control(kRate, kSize, kFrameMs);
  const auto first = control.limits_for(0, true);
  control.delivered(0, 2'000'000 / 8);
  control.encoded(first, true, 2'000'000 / 8);
  // x264 coded this one into all of its buffer: it was held back, and its repeat refines it.
  const auto held = control.limits_for(1900 * kMs, false);
  const auto held_bytes = static_cast<std::size_t>(held.buffer_bits() / 8);
  control.delivered(1900 * kMs, held_bytes);
  control.encoded(held, false, held_bytes);
  const std::int64_t at = 2000 * kMs - kFrameNs;
  const auto refill = control.limits_for_repeat(at, 2000 * kMs);
  if (refill) CHECK(std::min(refill->buffer_bits(), control.encoder_allows_bits()) <= room(control, at));
}

TEST(RateControl, AKeyframesSizeIsForgottenSlowlyAndRaisedWhenItWasHeldBack) {
  codec::RateControl control(kRate, kSize, kFrameMs);
  const auto first = control.limits_for(0, true);
  control.delivered(0, 200'000);  // 1600 kbit, well within its buffer
  control.encoded(first, true, 200'000);
  // A keyframe of 1600 kbit is expected: the pictures between keyframes leave it its share.
  auto limits = control.limits_for(4000 * kMs, true);
  control.delivered(4000 * kMs, 1000);
  control.encoded(limits, true, 1000);  // a tiny one (a blank screen): the estimate falls by a fifth only
  const auto small = control.limits_for(4500 * kMs, false);
  // The window less the headroom and 0.8 x 1600 kbit, halved: about 850 kbit for a picture
  // that might not fit.
  DOUBLES_EQUAL(0.5 * (kSize - kHeadroom - 0.8 * 1'600'000), small.buffer_bits(), 20'000);
}

TEST(RateControl, NeedsTheFrameTime) { CHECK_THROWS(std::invalid_argument, codec::RateControl(kRate, kSize, 0)); }
