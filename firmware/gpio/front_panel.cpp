#include "gpio/front_panel.hpp"

#include "common/log.hpp"

#include <utility>

namespace agentcast::gpio {
namespace {

template <typename Line, typename Open>
std::unique_ptr<Line> open_line(const std::optional<board::GpioLine>& wanted, const char* what, Open open,
                                std::vector<std::string>& problems) {
  if (!wanted) return nullptr;
  std::string problem;
  auto line = open(*wanted, problem);
  if (!line) problems.push_back(std::string(what) + ": " + problem);
  return line;
}

}  // namespace

FrontPanel::FrontPanel(const board::BoardGpio& lines, GpioChips& chips, live::Clock& clock, Handlers handlers) {
  const auto output = [&chips](const board::GpioLine& line, std::string& problem) {
    return chips.output(line, problem);
  };
  const auto input = [&chips](const board::GpioLine& line, std::string& problem) { return chips.input(line, problem); };
  status_led_ = open_line<OutputLine>(lines.status_led, "status LED", output, problems_);
  live_led_ = open_line<OutputLine>(lines.live_led, "live LED", output, problems_);
  action_line_ = open_line<InputLine>(lines.action_button, "action button", input, problems_);
  aux_line_ = open_line<InputLine>(lines.aux_button, "aux button", input, problems_);
  leds_ = std::make_unique<LedPlayer>(clock, status_led_.get(), live_led_.get());
  if (action_line_) {
    action_ = std::make_unique<Button>(clock, Button::Options{},
                                       Button::Handlers{.short_press = std::move(handlers.action_short),
                                                        .long_press = std::move(handlers.action_long)});
    action_line_->watch([this](bool pressed) { action_->edge(pressed); });
  }
  if (aux_line_) {
    aux_ = std::make_unique<Button>(clock, Button::Options{},
                                    Button::Handlers{.short_press = std::move(handlers.aux), .long_press = {}});
    aux_line_->watch([this](bool pressed) { aux_->edge(pressed); });
  }
  if (!problems_.empty()) {
    std::string told;
    for (const auto& problem : problems_) told += (told.empty() ? "" : "; ") + problem;
    log::warning("gpio: left out: ", told, "; the box runs without them");
  }
}

}  // namespace agentcast::gpio
