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

TEST(LeakyBucket, QualityIsTheBestUntilHalfIsUsedAndTheWorstWhenFull) {
  LONGS_EQUAL(18, codec::quality_for(0.0, 18, 36));
  LONGS_EQUAL(18, codec::quality_for(0.5, 18, 36));
  LONGS_EQUAL(27, codec::quality_for(0.75, 18, 36));
  LONGS_EQUAL(36, codec::quality_for(1.0, 18, 36));
  LONGS_EQUAL(36, codec::quality_for(1.5, 18, 36));
  int previous = 18;
  for (int percent = 0; percent <= 100; ++percent) {
    const int quality = codec::quality_for(percent / 100.0, 18, 36);
    CHECK(quality >= previous);  // never better as it fills
    previous = quality;
  }
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

TEST(RateControl, CapsTheFirstPictureToTheRoomWhileNothingIsKnown) {
  codec::RateControl control(kRate, kSize, 10, 34);
  const auto limits = control.limits_for(0, true);
  CHECK(limits.capped);
  LONGS_EQUAL(10, limits.quality);
  LONGS_EQUAL(10, limits.expected_qp);
  LONGS_EQUAL(34, limits.buffer_ms);
  // x264's buffer: max_rate * buffer_ms / 1000 kbit, never above the room (3000 kbit).
  CHECK(static_cast<double>(limits.max_rate_kbps) * limits.buffer_ms <= kSize);
  CHECK(static_cast<double>(limits.max_rate_kbps) * limits.buffer_ms >= 0.8 * kSize);
}

TEST(RateControl, LeavesTheEncoderUncappedWhileTheRoomHoldsTwiceWhatSuchAPictureTook) {
  codec::RateControl control(kRate, kSize, 10, 34);
  const auto first = control.limits_for(0, true);
  CHECK(control.delivered(0, 50'000));  // 400 kbit
  control.encoded(first, true, 50'000, 10);
  const auto roomy = control.limits_for(1000 * kMs, false);
  CHECK_FALSE(roomy.capped);
  // After a 2500 kbit picture the 2 s window has 100 kbit left, half of it kept for the next
  // keyframe: a picture like that one would not fit twice even at the worst quality.
  CHECK(control.delivered(1000 * kMs, 312'500));
  control.encoded(roomy, false, 312'500, 10);
  const auto tight = control.limits_for(1033 * kMs, false);
  CHECK(tight.capped);
  LONGS_EQUAL(40, tight.quality);
  const double room = std::min(control.bucket().room_at(1033 * kMs), kSize - 2'900'000);
  CHECK(static_cast<double>(tight.max_rate_kbps) * tight.buffer_ms <= room);
}

TEST(RateControl, NeverCapsAPictureAboveTheRoomLeft) {
  codec::RateControl control(kRate, kSize, 10, 34);
  std::int64_t pts = 0;
  for (int picture = 0; picture < 300; ++picture, pts += 33'333'333) {
    const bool keyframe = picture % 60 == 0;
    const auto limits = control.limits_for(pts, keyframe);
    const double room = control.bucket().room_at(pts);
    if (limits.capped) CHECK(static_cast<double>(limits.max_rate_kbps) * limits.buffer_ms <= std::max(room, 8000.0));
    // Pictures of varying size, as large as the encoder was allowed when capped.
    const double allowed = limits.capped ? static_cast<double>(limits.max_rate_kbps) * limits.buffer_ms : room / 4;
    const auto bytes = static_cast<std::size_t>(allowed / 8 * ((picture % 7) + 1) / 7);
    control.delivered(pts, bytes);
    control.encoded(limits, keyframe, bytes, 10);
    CHECK(control.bucket().fullness_at(pts) <= kSize);
  }
}

TEST(RateControl, QualityCoarsensAsTheRoomShrinks) {
  codec::RateControl control(kRate, kSize, 10, 34);
  LONGS_EQUAL(10, control.limits_for(0, true).quality);
  control.delivered(0, 2'000'000 / 8);  // two thirds
  const int two_thirds = control.limits_for(0, true).quality;
  CHECK(two_thirds > 10 && two_thirds < 40);
  LONGS_EQUAL(10, control.limits_for(4000 * kMs, true).quality);  // drained, and out of the window
}

TEST(RateControl, ForeseesAKeyframesQpAsX264RunningAverage) {
  codec::RateControl control(kRate, kSize, 10, 34);
  const auto first = control.limits_for(0, true);
  control.encoded(first, true, 1000, 10);
  LONGS_EQUAL(10, first.expected_qp);  // x264 starts from the quantizer it was opened with
  // Pictures at QP 30 for a while: x264's next keyframe comes at about their QP, not the best.
  codec::EncoderLimits coarse = control.limits_for(33 * kMs, false);
  coarse.expected_qp = 30;
  for (int i = 0; i < 40; ++i) control.encoded(coarse, false, 1000, 30);
  const int keyframe_qp = control.limits_for(1000 * kMs, true).expected_qp;
  CHECK_TEXT(keyframe_qp >= 28 && keyframe_qp <= 30, std::to_string(keyframe_qp).c_str());
  // A keyframe right after a keyframe is coded at the quality asked for.
  control.encoded(control.limits_for(1000 * kMs, true), true, 1000, 10);
  LONGS_EQUAL(10, control.limits_for(2000 * kMs, true).expected_qp);
}

TEST(RateControl, PicturesBetweenKeyframesLeaveTheNextKeyframeItsShareOfTheWindow) {
  codec::RateControl control(kRate, kSize, 10, 34);
  const auto first = control.limits_for(0, true);
  control.delivered(0, 1'500'000 / 8);
  control.encoded(first, true, 1'500'000 / 8, 10);
  // Pictures of 300 kbit every 100 ms, or what the cap allows: after 1500 kbit, the rest of
  // the window is the next keyframe's.
  double between = 0;
  for (std::int64_t at = 100 * kMs; at < 2000 * kMs; at += 100 * kMs) {
    const auto limits = control.limits_for(at, false);
    const double cap = static_cast<double>(limits.max_rate_kbps) * limits.buffer_ms;
    const double bits = limits.capped ? std::min(300'000.0, cap) : 300'000.0;
    control.delivered(at, static_cast<std::size_t>(bits / 8));
    control.encoded(limits, false, static_cast<std::size_t>(bits / 8), limits.expected_qp);
    between += bits;
  }
  // 1500 kbit, and the smallest cap (8 kbit: x264 can go no lower) for the pictures after.
  CHECK_TEXT(between <= 1'500'000 + 15 * 8'000, std::to_string(between).c_str());
  // The first keyframe has left the next one's window: it finds most of the other half.
  const auto next = control.limits_for(2000 * kMs, true);
  if (next.capped) CHECK(static_cast<double>(next.max_rate_kbps) * next.buffer_ms >= 1'200'000);
}
