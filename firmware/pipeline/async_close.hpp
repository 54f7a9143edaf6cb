#pragma once
// Takes a pipeline to NULL on a worker of GLib's thread pool: a state change that blocks (a
// dead socket in rtmp2sink, a wedged hardware encoder) never holds up the main loop. `done`
// runs on the main loop once the pipeline is down and released.
#include "common/handles.hpp"

#include <functional>

namespace agentcast::pipeline {

void close_async(GstElementPtr pipeline, std::function<void()> done = {});

}  // namespace agentcast::pipeline
