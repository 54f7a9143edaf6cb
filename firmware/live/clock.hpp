#pragma once
// Time as the control core sees it: a monotonic "now" and one-shot alarms. The box runs on
// MainLoopClock (GLib timeouts on the main loop); unit tests drive a fake one by hand, so
// state machines, retry policies and cadences are tested without sockets or sleeps.
#include <cstdint>
#include <functional>
#include <memory>

namespace agentcast::live {

// A pending alarm; destroying it cancels the alarm, so no callback outlives its owner.
class Alarm {
 public:
  virtual ~Alarm() = default;
};

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::int64_t now_ms() const = 0;
  // Runs `work` once, `delay_ms` from now, unless the returned Alarm is destroyed first.
  [[nodiscard]] virtual std::unique_ptr<Alarm> after(std::int64_t delay_ms, std::function<void()> work) = 0;
};

class MainLoopClock : public Clock {
 public:
  std::int64_t now_ms() const override;
  [[nodiscard]] std::unique_ptr<Alarm> after(std::int64_t delay_ms, std::function<void()> work) override;
};

}  // namespace agentcast::live
