#pragma once
#include <functional>

namespace agentcast::testing {

// Runs the default main context until `done()` holds or `timeout_ms` passes; returns done().
// Bounded in time, so a broken behaviour fails the test instead of hanging it.
bool run_loop_until(const std::function<bool()>& done, int timeout_ms);

// Runs the default main context for `ms` milliseconds.
void run_loop_for(int ms);

}  // namespace agentcast::testing
