#include "common/timer.hpp"

#include "support/loop_runner.hpp"

#include <CppUTest/TestHarness.h>

#include <memory>

using agentcast::Timer;
using agentcast::testing::run_loop_for;
using agentcast::testing::run_loop_until;

TEST_GROUP(Timer){};

TEST(Timer, OnceRunsOnceAndIsThenInactive) {
  Timer timer;
  int runs = 0;
  timer.once(10, [&] { ++runs; });
  CHECK(timer.active());
  run_loop_for(100);
  LONGS_EQUAL(1, runs);
  CHECK_FALSE(timer.active());
}

TEST(Timer, EveryRepeatsUntilStopped) {
  Timer timer;
  int runs = 0;
  timer.every(10, [&] { ++runs; });
  CHECK(run_loop_until([&] { return runs >= 3; }, 1000));
  timer.stop();
  const int at_stop = runs;
  run_loop_for(60);
  LONGS_EQUAL(at_stop, runs);
}

TEST(Timer, ACallbackMayScheduleItsOwnTimerAgain) {
  Timer timer;
  int runs = 0;
  std::function<void()> tick = [&] {
    if (++runs < 3) timer.once(5, tick);
  };
  timer.once(5, tick);
  CHECK(run_loop_until([&] { return runs == 3; }, 1000));
  run_loop_for(50);
  LONGS_EQUAL(3, runs);
}

TEST(Timer, DestroyingTheTimerCancelsIt) {
  int runs = 0;
  {
    Timer timer;
    timer.once(10, [&] { ++runs; });
  }
  run_loop_for(60);
  LONGS_EQUAL(0, runs);
}

TEST(Timer, ARepeatingCallbackMayStopItself) {
  Timer timer;
  int runs = 0;
  timer.every(5, [&] {
    if (++runs == 2) timer.stop();
  });
  run_loop_for(100);
  LONGS_EQUAL(2, runs);
}
