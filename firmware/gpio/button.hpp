#pragma once
// A push button read through edges that bounce. A level counts once it has held for the
// debounce window (shorter glitches are ignored); a press released before long_press_ms is a
// short press, told on release; one held that long is a long press, told when the time is
// reached (its release then tells nothing). Everything on the main loop's timers.
#include "live/clock.hpp"

#include <cstdint>
#include <functional>
#include <memory>

namespace agentcast::gpio {

class Button {
 public:
  struct Options {
    std::int64_t debounce_ms = 30;
    std::int64_t long_press_ms = 5000;
  };
  struct Handlers {
    std::function<void()> short_press;
    std::function<void()> long_press;
  };

  Button(live::Clock& clock, Options options, Handlers handlers);
  Button(const Button&) = delete;
  Button& operator=(const Button&) = delete;

  // An edge as the line reports it (true: pressed).
  void edge(bool pressed);
  bool pressed() const { return stable_; }

 private:
  void settle();

  live::Clock& clock_;
  Options options_;
  Handlers handlers_;
  bool raw_ = false;     // the last level the line reported
  bool stable_ = false;  // the last level that held for the debounce window
  std::unique_ptr<live::Alarm> settling_;
  std::unique_ptr<live::Alarm> long_press_;
  bool long_told_ = false;
};

}  // namespace agentcast::gpio
