#pragma once
// Runs blocking work (a file written with fsyncs) on a worker of GLib's thread pool, so the
// main loop never waits on it; `done` (optional) runs on the main loop afterwards. The work
// must not touch anything the main loop owns.
#include <functional>

namespace agentcast {

void run_off_loop(std::function<void()> work, std::function<void()> done = {});

}  // namespace agentcast
