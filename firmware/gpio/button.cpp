#include "gpio/button.hpp"

#include <utility>

namespace agentcast::gpio {

Button::Button(live::Clock& clock, Options options, Handlers handlers)
    : clock_(clock), options_(options), handlers_(std::move(handlers)) {}

void Button::edge(bool pressed) {
  raw_ = pressed;
  // Every edge restarts the window: the level must hold that long without a bounce.
  settling_ = clock_.after(options_.debounce_ms, [this] { settle(); });
}

void Button::settle() {
  settling_.reset();
  if (raw_ == stable_) return;  // a glitch that came back before the window closed
  stable_ = raw_;
  if (stable_) {
    long_told_ = false;
    long_press_ = clock_.after(options_.long_press_ms - options_.debounce_ms, [this] {
      long_press_.reset();
      long_told_ = true;
      if (handlers_.long_press) handlers_.long_press();
    });
    return;
  }
  long_press_.reset();
  if (!long_told_ && handlers_.short_press) handlers_.short_press();
}

}  // namespace agentcast::gpio
