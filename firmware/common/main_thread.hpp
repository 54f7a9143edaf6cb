#pragma once
// Hands work from a GStreamer streaming thread to the main loop, where all state lives.
#include <functional>

namespace agentcast {

// Runs `work` on the default main context (thread-safe; never runs it inline).
void post_to_main_loop(std::function<void()> work);

}  // namespace agentcast
