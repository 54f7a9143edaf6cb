// systemd's watchdog policy against a fake manager and a fake clock: keep-alives twice per
// timeout while frames flow, none while the encoder is frozen, back when frames come back;
// before the pipeline runs and while stopping the loop turning is enough; nothing at all
// when the unit has no WatchdogSec.
#include "service/service_watchdog.hpp"
#include "support/fake_clock.hpp"

#include <CppUTest/TestHarness.h>

#include <string>
#include <vector>

using namespace agentcast::service;
using agentcast::testing::FakeClock;

namespace {

class RecordingManager : public ServiceManager {
 public:
  explicit RecordingManager(std::int64_t timeout_ms) : timeout_ms_(timeout_ms) {}
  void ready() override { sent.emplace_back("READY=1"); }
  void status(const std::string& text) override { sent.push_back("STATUS=" + text); }
  void reloading() override { sent.emplace_back("RELOADING=1"); }
  void stopping() override { sent.emplace_back("STOPPING=1"); }
  void watchdog_ping() override { ++pings; }
  std::int64_t watchdog_timeout_ms() const override { return timeout_ms_; }

  std::vector<std::string> sent;
  int pings = 0;

 private:
  std::int64_t timeout_ms_;
};

}  // namespace

TEST_GROUP(ServiceWatchdog) {
  FakeClock clock;
  RecordingManager manager{10'000};
  std::uint64_t frames = 0;
  std::unique_ptr<ServiceWatchdog> watchdog;

  void setup() override {
    watchdog = std::make_unique<ServiceWatchdog>(manager, clock, [this] { return frames; });
  }
  // Half a timeout with `per_second` frames a second.
  void run_half_timeout(std::uint64_t per_second) {
    for (int second = 0; second < 5; ++second) {
      frames += per_second;
      clock.advance(1000);
    }
  }
};

TEST(ServiceWatchdog, KeepsAliveTwicePerTimeoutWhileFramesFlow) {
  watchdog->start();
  watchdog->pipeline_running();
  LONGS_EQUAL(1, manager.pings);  // at once: the start may have taken a while
  for (int half = 0; half < 6; ++half) run_half_timeout(30);
  LONGS_EQUAL(7, manager.pings);
  LONGS_EQUAL(0, watchdog->withheld());
}

TEST(ServiceWatchdog, AFrozenPipelineGetsNoKeepAliveAndFramesBringItBack) {
  watchdog->start();
  watchdog->pipeline_running();
  run_half_timeout(30);
  const int before_freeze = manager.pings;
  run_half_timeout(0);
  run_half_timeout(0);
  LONGS_EQUAL(before_freeze, manager.pings);  // a whole timeout without one: systemd restarts
  LONGS_EQUAL(2, watchdog->withheld());
  run_half_timeout(30);
  LONGS_EQUAL(before_freeze + 1, manager.pings);
}

TEST(ServiceWatchdog, ACounterThatStartsAgainAfterARebuildIsFlowing) {
  watchdog->start();
  watchdog->pipeline_running();
  run_half_timeout(30);
  const int pings = manager.pings;
  frames = 3;  // the rebuilt pipeline counts from zero
  clock.advance(5000);
  LONGS_EQUAL(pings + 1, manager.pings);
}

TEST(ServiceWatchdog, BeforeThePipelineRunsTheLoopTurningIsEnough) {
  watchdog->start();
  run_half_timeout(0);
  run_half_timeout(0);
  LONGS_EQUAL(3, manager.pings);
  watchdog->pipeline_running();
  run_half_timeout(0);
  LONGS_EQUAL(3, manager.pings);
}

TEST(ServiceWatchdog, WhileStoppingTheLoopTurningIsEnough) {
  watchdog->start();
  watchdog->pipeline_running();
  run_half_timeout(30);
  const int pings = manager.pings;
  watchdog->stopping();
  run_half_timeout(0);
  LONGS_EQUAL(pings + 1, manager.pings);
}

TEST(ServiceWatchdog, NoWatchdogSecNoKeepAliveAndNoAlarm) {
  RecordingManager unwatched{0};
  ServiceWatchdog idle(unwatched, clock, [this] { return frames; });
  idle.start();
  run_half_timeout(30);
  LONGS_EQUAL(0, unwatched.pings);
  LONGS_EQUAL(0, clock.pending());
}
