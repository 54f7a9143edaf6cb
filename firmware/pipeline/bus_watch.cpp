#include "pipeline/bus_watch.hpp"

#include "common/fault_barrier.hpp"
#include "common/user_data.hpp"

#include <string>
#include <utility>

namespace agentcast::pipeline {
namespace {

struct Watch {
  GstElement* pipeline;  // borrowed: the owner removes the watch before the pipeline goes
  std::string where;
  std::function<void(GstMessage*)> handle;
};

gboolean on_message(GstBus* /*bus*/, GstMessage* message, gpointer data) {
  const auto& watch = user_data<Watch>(data);
  fault::contain(watch.where.c_str(), [&] {
    if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_LATENCY) {
      gst_bin_recalculate_latency(GST_BIN(watch.pipeline));
      return;
    }
    // The handler may remove this watch (its owner goes away): run a copy.
    const auto handle = watch.handle;
    handle(message);
  });
  return G_SOURCE_CONTINUE;
}

}  // namespace

SourceId watch_bus(GstElement* pipeline, const char* where, std::function<void(GstMessage*)> handle) {
  GstObjectPtr<GstBus> bus(gst_element_get_bus(pipeline));
  return SourceId(gst_bus_add_watch_full(bus.get(), G_PRIORITY_DEFAULT, on_message,
                                         to_user_data(Watch{pipeline, where, std::move(handle)}),
                                         destroy_user_data<Watch>));
}

}  // namespace agentcast::pipeline
