#pragma once
// Opens the board's lines: the one place that knows the GPIO hardware. Each call gives a line
// or says why not (no such chip, no such line, the line busy and who holds it); nothing throws,
// because a box without its LEDs must still stream.
#include "board/board_description.hpp"
#include "gpio/gpio_lines.hpp"

#include <memory>
#include <string>

namespace agentcast::gpio {

class GpioChips {
 public:
  virtual ~GpioChips() = default;
  // An LED: driven dark at first, and dark again when the line is given back.
  virtual std::unique_ptr<OutputLine> output(const board::GpioLine& line, std::string& problem) = 0;
  // A button: its edges reported on the main loop.
  virtual std::unique_ptr<InputLine> input(const board::GpioLine& line, std::string& problem) = 0;
};

// The character device through libgpiod 1.6 (Debian 12, Raspberry Pi OS bookworm).
std::unique_ptr<GpioChips> libgpiod_chips();

}  // namespace agentcast::gpio
