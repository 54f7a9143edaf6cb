#include "support/loop_runner.hpp"

#include <glib.h>

namespace agentcast::testing {

bool run_loop_until(const std::function<bool()>& done, int timeout_ms) {
  const gint64 deadline = g_get_monotonic_time() + static_cast<gint64>(timeout_ms) * 1000;
  // A periodic wake-up so the predicate is re-checked even when nothing else is scheduled.
  const guint tick = g_timeout_add(
      5, [](gpointer) -> gboolean { return G_SOURCE_CONTINUE; }, nullptr);
  while (!done() && g_get_monotonic_time() < deadline) g_main_context_iteration(nullptr, TRUE);
  g_source_remove(tick);
  return done();
}

void run_loop_for(int ms) {
  const gint64 deadline = g_get_monotonic_time() + static_cast<gint64>(ms) * 1000;
  run_loop_until([deadline] { return g_get_monotonic_time() >= deadline; }, ms + 1000);
}

}  // namespace agentcast::testing
