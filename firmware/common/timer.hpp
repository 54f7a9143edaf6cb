#pragma once
// A GLib timeout on the default main context that owns its callback and is removed when the
// Timer is stopped or destroyed, so no callback outlives the object it calls into.
#include "common/fault_barrier.hpp"
#include "common/user_data.hpp"

#include <glib.h>

#include <functional>

namespace agentcast {

class Timer {
 public:
  Timer() = default;
  ~Timer() { stop(); }
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  // Runs `work` once after `ms`; replaces whatever was scheduled. `work` may restart the timer.
  void once(guint ms, std::function<void()> work) { start(ms, std::move(work), false); }
  // Runs `work` every `ms` until stopped.
  void every(guint ms, std::function<void()> work) { start(ms, std::move(work), true); }

  void stop() {
    if (id_ != 0) g_source_remove(id_);
    id_ = 0;
  }
  bool active() const { return id_ != 0; }

 private:
  struct Closure {
    Timer* owner;
    std::function<void()> work;
    bool repeat;
  };

  void start(guint ms, std::function<void()> work, bool repeat) {
    stop();
    // The source owns the closure and frees it through the destroy notify.
    id_ = g_timeout_add_full(G_PRIORITY_DEFAULT, ms, &Timer::fire, to_user_data(Closure{this, std::move(work), repeat}),
                             destroy_user_data<Closure>);
  }

  static gboolean fire(gpointer data) {
    auto* closure = static_cast<Closure*>(data);
    const bool repeat = closure->repeat;
    if (!repeat) closure->owner->id_ = 0;  // before work(), which may schedule again
    fault::contain("a timer", closure->work);
    return repeat ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
  }

  guint id_ = 0;
};

}  // namespace agentcast
