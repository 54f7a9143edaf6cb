// The LEDs against a fake chip and a fake clock: each state's pattern over time on both lines,
// lines written only on a change, a repeated state that does not restart the blink, a board
// without one of the LEDs.
#include "gpio/led_player.hpp"
#include "support/fake_clock.hpp"
#include "support/fake_gpio.hpp"

#include <CppUTest/TestHarness.h>

#include <array>
#include <string>

using namespace agentcast::gpio;
using agentcast::live::Phase;
using agentcast::testing::FakeClock;
using agentcast::testing::FakeOutputLine;

namespace {

constexpr std::array kAllStates{LedState::booting,      LedState::awaiting_verification,
                                LedState::connecting,   LedState::confirming,
                                LedState::live,         LedState::live_degraded,
                                LedState::reconnecting, LedState::error,
                                LedState::off_air,      LedState::stopping,
                                LedState::fatal};

// What a line shows over 4 s, sampled every 50 ms: "#" lit, "." dark.
std::string drawn(const FakeOutputLine& line, std::int64_t from_ms) {
  std::string out;
  for (std::int64_t t = from_ms; t < from_ms + 4000; t += 50) out += line.level_at(t) ? '#' : '.';
  return out;
}

}  // namespace

TEST_GROUP(LedPlayer) {
  FakeClock clock;
  FakeOutputLine status{clock};
  FakeOutputLine live{clock};

  // Shows `state` and lets 4 s pass; returns the two lines' drawings.
  std::pair<std::string, std::string> play(LedState state) {
    LedPlayer player(clock, &status, &live);
    const std::int64_t start = clock.now_ms();
    player.show(state);
    clock.advance(4000);
    return {drawn(status, start), drawn(live, start)};
  }
};

TEST(LedPlayer, EveryStateHasItsOwnPatternOverTime) {
  const std::string on(80, '#');
  const std::string off(80, '.');
  std::string blink_2hz;
  for (int i = 0; i < 8; ++i) blink_2hz += "#####.....";
  std::string blink_5hz;
  for (int i = 0; i < 20; ++i) blink_5hz += "##..";
  std::string slow;
  for (int i = 0; i < 2; ++i) slow += std::string(20, '#') + std::string(20, '.');
  std::string two_flashes;
  for (int i = 0; i < 2; ++i) two_flashes += "###...###" + std::string(31, '.');
  std::string three_flashes;
  for (int i = 0; i < 2; ++i) three_flashes += "###...###...###" + std::string(25, '.');

  const auto expect = [&](LedState state, const std::string& want_status, const std::string& want_live) {
    const auto [got_status, got_live] = play(state);
    const std::string name(led_state_name(state));
    STRCMP_EQUAL_TEXT(want_status.c_str(), got_status.c_str(), ("status LED, " + name).c_str());
    STRCMP_EQUAL_TEXT(want_live.c_str(), got_live.c_str(), ("live LED, " + name).c_str());
  };
  expect(LedState::booting, on, off);
  expect(LedState::awaiting_verification, two_flashes, off);
  expect(LedState::connecting, blink_2hz, off);
  expect(LedState::confirming, blink_2hz, blink_2hz);
  expect(LedState::live, on, on);
  expect(LedState::live_degraded, slow, on);
  expect(LedState::reconnecting, blink_5hz, off);
  expect(LedState::error, three_flashes, off);
  expect(LedState::off_air, slow, off);
  expect(LedState::stopping, off, blink_2hz);
  expect(LedState::fatal, blink_5hz, blink_5hz);
}

TEST(LedPlayer, NoTwoStatesLookTheSame) {
  for (std::size_t a = 0; a < kAllStates.size(); ++a) {
    for (std::size_t b = a + 1; b < kAllStates.size(); ++b) {
      CHECK_TEXT(
          play(kAllStates[a]) != play(kAllStates[b]),
          (std::string(led_state_name(kAllStates[a])) + " and " + std::string(led_state_name(kAllStates[b]))).c_str());
    }
  }
}

TEST(LedPlayer, ALineIsWrittenOnlyWhenItsLevelChanges) {
  LedPlayer player(clock, &status, &live);
  player.show(LedState::connecting);
  clock.advance(2000);  // 2 Hz: lit at 0, then a change every 250 ms up to 2000; live set dark once
  LONGS_EQUAL(9, status.writes.size());
  LONGS_EQUAL(1, live.writes.size());
  player.show(LedState::live);  // status was dark or lit: at most one more write each
  clock.advance(10000);
  CHECK(status.writes.size() <= 10);
  LONGS_EQUAL(2, live.writes.size());
  LONGS_EQUAL(0, clock.pending());  // steady lights need no timer
}

TEST(LedPlayer, TheSameStateAgainDoesNotRestartTheBlink) {
  LedPlayer player(clock, &status, &live);
  player.show(LedState::awaiting_verification);
  clock.advance(100);
  for (int i = 0; i < 5; ++i) {
    player.show(LedState::awaiting_verification);  // a status notice every 100 ms
    clock.advance(100);
  }
  // The second flash came at 300 ms as it should, not pushed back by the notices.
  CHECK(status.level_at(clock.now_ms() - 250));
  CHECK_FALSE(status.level_at(clock.now_ms() - 350));
}

TEST(LedPlayer, ABoardWithoutALiveLedShowsTheStatusLedAlone) {
  LedPlayer player(clock, &status, nullptr);
  player.show(LedState::confirming);
  clock.advance(1000);
  LONGS_EQUAL(5, status.writes.size());  // 0, 250, 500, 750, 1000 ms
  player.show(LedState::live);
  CHECK(status.writes.back().second);
}

TEST(LedPlayer, TheGoLivePhasesMapToTheDocumentedStates) {
  CHECK(led_state_for(Phase::starting, false, false) == LedState::booting);
  CHECK(led_state_for(Phase::checking_verification, false, false) == LedState::connecting);
  CHECK(led_state_for(Phase::awaiting_verification, false, false) == LedState::awaiting_verification);
  CHECK(led_state_for(Phase::fetching_key, false, false) == LedState::connecting);
  CHECK(led_state_for(Phase::starting_session, false, false) == LedState::connecting);
  CHECK(led_state_for(Phase::connecting, false, false) == LedState::connecting);
  CHECK(led_state_for(Phase::confirming_live, false, false) == LedState::confirming);
  CHECK(led_state_for(Phase::live, false, false) == LedState::live);
  CHECK(led_state_for(Phase::live, true, false) == LedState::live_degraded);
  CHECK(led_state_for(Phase::reconnecting, true, false) == LedState::reconnecting);
  CHECK(led_state_for(Phase::off_air, false, false) == LedState::off_air);
  CHECK(led_state_for(Phase::credentials_rejected, false, false) == LedState::error);
  CHECK(led_state_for(Phase::platform_error, false, false) == LedState::error);
  CHECK(led_state_for(Phase::stopping, false, false) == LedState::stopping);
  CHECK(led_state_for(Phase::live, false, true) == LedState::fatal);
}
