// A button against a fake line and a fake clock: bounces shorter than the debounce window are
// ignored, a short press is told on release, a long press (5 s) once when it is reached and
// not again on release.
#include "gpio/button.hpp"
#include "support/fake_clock.hpp"
#include "support/fake_gpio.hpp"

#include <CppUTest/TestHarness.h>

using namespace agentcast::gpio;
using agentcast::testing::FakeClock;
using agentcast::testing::FakeInputLine;

TEST_GROUP(Button) {
  FakeClock clock;
  FakeInputLine line;
  int shorts = 0;
  int longs = 0;
  std::unique_ptr<Button> button;

  void setup() override {
    button = std::make_unique<Button>(
        clock, Button::Options{.debounce_ms = 30, .long_press_ms = 5000},
        Button::Handlers{.short_press = [this] { ++shorts; }, .long_press = [this] { ++longs; }});
    line.watch([this](bool pressed) { button->edge(pressed); });
  }
  // A contact that chatters for 12 ms before it settles on `pressed`.
  void bounce_into(bool pressed) {
    for (int i = 0; i < 3; ++i) {
      line.report(pressed);
      clock.advance(2);
      line.report(!pressed);
      clock.advance(2);
    }
    line.report(pressed);
  }
};

TEST(Button, AShortPressThroughBouncesIsOnePressToldOnRelease) {
  bounce_into(true);
  clock.advance(300);
  CHECK(button->pressed());
  LONGS_EQUAL(0, shorts);  // not before the release: it may still become a long press
  bounce_into(false);
  clock.advance(100);
  LONGS_EQUAL(1, shorts);
  LONGS_EQUAL(0, longs);
}

TEST(Button, AGlitchShorterThanTheWindowIsNoPress) {
  line.report(true);
  clock.advance(20);
  line.report(false);
  clock.advance(1000);
  CHECK_FALSE(button->pressed());
  LONGS_EQUAL(0, shorts);
  LONGS_EQUAL(0, longs);
}

TEST(Button, AHeldButtonIsOneLongPressAtFiveSecondsAndItsReleaseTellsNothing) {
  bounce_into(true);
  clock.advance(4900);
  LONGS_EQUAL(0, longs);
  clock.advance(200);
  LONGS_EQUAL(1, longs);
  clock.advance(10000);  // held on: still one
  LONGS_EQUAL(1, longs);
  bounce_into(false);
  clock.advance(100);
  LONGS_EQUAL(0, shorts);
  LONGS_EQUAL(1, longs);
}

TEST(Button, PressesOneAfterAnotherAreEachTold) {
  for (int i = 0; i < 3; ++i) {
    bounce_into(true);
    clock.advance(150);
    bounce_into(false);
    clock.advance(150);
  }
  LONGS_EQUAL(3, shorts);
}
