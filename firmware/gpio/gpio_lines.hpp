#pragma once
// The board's GPIO as the box uses it: output lines for the LEDs, input lines for the buttons.
// The hardware (libgpiod) stays behind these two interfaces, so another backend (libgpiod v2)
// or a test's fake chip fits the same place. Levels are logical: true means the LED is lit or
// the button is pressed, whatever the line's wiring (an active-low line is the backend's
// business).
#include <functional>

namespace agentcast::gpio {

class OutputLine {
 public:
  virtual ~OutputLine() = default;
  virtual void set(bool lit) = 0;
};

class InputLine {
 public:
  using Edge = std::function<void(bool pressed)>;
  virtual ~InputLine() = default;
  // `edge` runs on the main loop for every change the line reports, bounces included.
  virtual void watch(Edge edge) = 0;
};

}  // namespace agentcast::gpio
