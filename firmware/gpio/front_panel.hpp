#pragma once
// The box's LEDs and buttons as one part, built from the board's lines: whatever cannot be had
// (a missing chip, a busy line) is told in one warning and left out, and the box streams on
// without it. It shows what it is told (a subscriber of the go-live state decides) and hands
// presses to its handlers; it decides nothing itself.
#include "board/board_description.hpp"
#include "gpio/button.hpp"
#include "gpio/gpio_chips.hpp"
#include "gpio/led_player.hpp"
#include "live/clock.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace agentcast::gpio {

class FrontPanel {
 public:
  struct Handlers {
    std::function<void()> action_short;  // go live / stop gracefully
    std::function<void()> action_long;   // stop gracefully, then board.long_press_command
    std::function<void()> aux;           // interrupt the agent's turn
  };

  FrontPanel(const board::BoardGpio& lines, GpioChips& chips, live::Clock& clock, Handlers handlers);
  FrontPanel(const FrontPanel&) = delete;
  FrontPanel& operator=(const FrontPanel&) = delete;

  void show(LedState state) { leds_->show(state); }
  // One per line that was named but could not be had ("live LED: ... is busy (used by ...)").
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::unique_ptr<OutputLine> status_led_;
  std::unique_ptr<OutputLine> live_led_;
  std::unique_ptr<InputLine> action_line_;
  std::unique_ptr<InputLine> aux_line_;
  std::unique_ptr<LedPlayer> leds_;
  std::unique_ptr<Button> action_;
  std::unique_ptr<Button> aux_;
  std::vector<std::string> problems_;
};

}  // namespace agentcast::gpio
