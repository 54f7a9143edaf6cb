#include "common/signal_watch.hpp"

#include "common/fault_barrier.hpp"
#include "support/loop_runner.hpp"

#include <CppUTest/TestHarness.h>

#include <csignal>
#include <thread>
#include <vector>

using agentcast::SignalWatch;
using agentcast::testing::run_loop_until;

namespace {

void (*current_handler(int signal))(int) {
  struct sigaction now {};
  sigaction(signal, nullptr, &now);
  return now.sa_handler;
}

}  // namespace

TEST_GROUP(SignalWatch){};

TEST(SignalWatch, ASignalReachesTheMainLoopInOrderAndTheOldHandlerComesBack) {
  void (*before)(int) = current_handler(SIGUSR2);
  std::vector<int> received;
  std::thread::id handled_on;
  {
    SignalWatch watch({SIGUSR1, SIGUSR2}, [&](int signal) {
      received.push_back(signal);
      handled_on = std::this_thread::get_id();
    });
    CHECK(watch.active());
    std::raise(SIGUSR2);
    std::raise(SIGUSR1);
    // Raised from another thread too: the handler only writes to the pipe.
    std::thread([] { std::raise(SIGUSR2); }).join();
    CHECK(run_loop_until([&] { return received.size() == 3; }, 2000));
    CHECK(received == std::vector<int>({SIGUSR2, SIGUSR1, SIGUSR2}));
    CHECK(handled_on == std::this_thread::get_id());  // the thread that runs the main loop
  }
  CHECK(current_handler(SIGUSR2) == before);
}

TEST(SignalWatch, OnlyOneWatchAtATime) {
  int first_got = 0;
  SignalWatch first({SIGUSR1}, [&](int) { ++first_got; });
  SignalWatch second({SIGUSR1}, [](int) { FAIL("the second watch must not take the signal"); });
  CHECK(first.active());
  CHECK_FALSE(second.active());
  CHECK(second.problem().find("another") != std::string::npos);
  std::raise(SIGUSR1);
  CHECK(run_loop_until([&] { return first_got == 1; }, 2000));
}

TEST(SignalWatch, AHandlerThatThrowsIsReportedAndLosesNoLaterSignal) {
  int reported = 0;
  const agentcast::fault::LastResortScope last_resort([&](const std::string&) { ++reported; });
  int handled = 0;
  SignalWatch watch({SIGUSR1}, [&](int) {
    if (++handled == 1) throw std::runtime_error("a bug in a handler");
  });
  std::raise(SIGUSR1);
  CHECK(run_loop_until([&] { return handled == 1; }, 2000));
  std::raise(SIGUSR1);
  CHECK(run_loop_until([&] { return handled == 2 && reported == 1; }, 2000));
}
