#include "common/fault_barrier.hpp"

#include "common/timer.hpp"
#include "support/loop_runner.hpp"

#include <CppUTest/TestHarness.h>

#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace agentcast;

TEST_GROUP(FaultBarrier) { std::vector<std::string> faults; };

TEST(FaultBarrier, AnExceptionStopsAtTheBarrierAndReachesTheLastResortOnTheMainLoop) {
  const fault::LastResortScope scope([&](const std::string& what) { faults.push_back(what); });
  fault::contain("a test callback", [] { throw std::runtime_error("bad \x1b[31manswer"); });
  CHECK(faults.empty());  // never inline: the handler runs from a clean dispatch
  CHECK(testing::run_loop_until([&] { return !faults.empty(); }, 2000));
  STRCMP_EQUAL("internal error in a test callback: bad answer", faults[0].c_str());
}

TEST(FaultBarrier, ATimerWhoseWorkThrowsDoesNotUnwindThroughGLib) {
  const fault::LastResortScope scope([&](const std::string& what) { faults.push_back(what); });
  Timer timer;
  int runs = 0;
  timer.every(10, [&] {
    ++runs;
    throw std::logic_error("boom");
  });
  CHECK(testing::run_loop_until([&] { return faults.size() >= 2; }, 2000));
  timer.stop();
  testing::run_loop_for(50);  // reports still queued reach this scope's handler, not the default exit
  CHECK(runs >= 2);           // the timer itself survived its callback's exception
  STRCMP_EQUAL("internal error in a timer: boom", faults[0].c_str());
}

TEST(FaultBarrier, AFaultOnAStreamingThreadIsHandledOnTheMainLoop) {
  std::thread::id handled_on;
  const fault::LastResortScope scope([&](const std::string& what) {
    faults.push_back(what);
    handled_on = std::this_thread::get_id();
  });
  std::thread([] { fault::contain("a streaming thread", [] { throw 42; }); }).join();
  CHECK(testing::run_loop_until([&] { return !faults.empty(); }, 2000));
  STRCMP_EQUAL("internal error in a streaming thread: an exception of unknown type", faults[0].c_str());
  CHECK(handled_on == std::this_thread::get_id());
}
