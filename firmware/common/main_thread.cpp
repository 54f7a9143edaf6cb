#include "common/main_thread.hpp"

#include "common/fault_barrier.hpp"

#include <glib.h>

#include <memory>

namespace agentcast {
namespace {

gboolean run_once(gpointer data) {
  fault::contain("work handed to the main loop", *static_cast<std::function<void()>*>(data));
  return G_SOURCE_REMOVE;
}

void destroy(gpointer data) { delete static_cast<std::function<void()>*>(data); }

}  // namespace

void post_to_main_loop(std::function<void()> work) {
  GSource* source = g_idle_source_new();
  g_source_set_priority(source, G_PRIORITY_DEFAULT);
  // Ownership of the closure passes to the source, which frees it through destroy().
  g_source_set_callback(source, run_once, std::make_unique<std::function<void()>>(std::move(work)).release(), destroy);
  g_source_attach(source, nullptr);
  g_source_unref(source);
}

}  // namespace agentcast
