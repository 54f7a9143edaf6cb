#include "common/main_thread.hpp"

#include "common/fault_barrier.hpp"
#include "common/user_data.hpp"

#include <glib.h>

#include <memory>

namespace agentcast {
namespace {

gboolean run_once(gpointer data) {
  fault::contain("work handed to the main loop", *static_cast<std::function<void()>*>(data));
  return G_SOURCE_REMOVE;
}

}  // namespace

void post_to_main_loop(std::function<void()> work) {
  GSource* source = g_idle_source_new();
  g_source_set_priority(source, G_PRIORITY_DEFAULT);
  // Ownership of the closure passes to the source, which frees it when it is done.
  g_source_set_callback(source, run_once, to_user_data(std::move(work)), destroy_user_data<std::function<void()>>);
  g_source_attach(source, nullptr);
  g_source_unref(source);
}

}  // namespace agentcast
