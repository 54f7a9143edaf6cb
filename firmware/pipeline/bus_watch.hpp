#pragma once
// The bus watch both pipelines need: messages on the main loop, LATENCY handled here (the
// live pipelines must recompute it), everything else to `handle`, with no exception escaping
// into GLib. The watch goes when the returned SourceId does.
#include "common/handles.hpp"

#include <gst/gst.h>

#include <functional>

namespace agentcast::pipeline {

SourceId watch_bus(GstElement* pipeline, const char* where, std::function<void(GstMessage*)> handle);

}  // namespace agentcast::pipeline
