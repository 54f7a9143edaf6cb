#pragma once
// Plays the LED pattern of a state on the two LED lines, on timers of the main loop (never by
// sleeping); a line is written only when its level changes. Showing the state already shown
// changes nothing, so a blink never stutters on a repeated notice.
#include "gpio/gpio_lines.hpp"
#include "gpio/led_pattern.hpp"
#include "live/clock.hpp"

#include <cstddef>
#include <memory>
#include <optional>

namespace agentcast::gpio {

class LedPlayer {
 public:
  // Either line may be missing (nullptr): the board has no such LED, or it could not be had.
  LedPlayer(live::Clock& clock, OutputLine* status, OutputLine* live);
  LedPlayer(const LedPlayer&) = delete;
  LedPlayer& operator=(const LedPlayer&) = delete;

  void show(LedState state);
  std::optional<LedState> shown() const { return shown_; }

 private:
  struct Track {
    OutputLine* line = nullptr;
    Blink blink;
    std::size_t step = 0;
    std::optional<bool> level;  // what the line was last set to
    std::unique_ptr<live::Alarm> next;
  };
  void play(Track& track, const Blink& blink);
  void enter_step(Track& track);

  live::Clock& clock_;
  Track status_;
  Track live_;
  std::optional<LedState> shown_;
};

}  // namespace agentcast::gpio
