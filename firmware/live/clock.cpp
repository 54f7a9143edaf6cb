#include "live/clock.hpp"

#include "common/timer.hpp"

#include <glib.h>

#include <algorithm>
#include <limits>

namespace agentcast::live {
namespace {

class TimerAlarm : public Alarm {
 public:
  TimerAlarm(std::int64_t delay_ms, std::function<void()> work) {
    const auto bounded = std::clamp<std::int64_t>(delay_ms, 0, std::numeric_limits<guint>::max());
    timer_.once(static_cast<guint>(bounded), std::move(work));
  }

 private:
  Timer timer_;
};

}  // namespace

std::int64_t MainLoopClock::now_ms() const { return g_get_monotonic_time() / 1000; }

std::unique_ptr<Alarm> MainLoopClock::after(std::int64_t delay_ms, std::function<void()> work) {
  return std::make_unique<TimerAlarm>(delay_ms, std::move(work));
}

}  // namespace agentcast::live
