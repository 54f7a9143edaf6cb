#pragma once
// Board descriptions (board/*.json): how to recognise a board, which H.264 encoders it has in
// order of preference, and which GPIO lines of its header drive the LEDs and read the buttons.
#include "common/data_files.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace agentcast::board {

// A line of the board's GPIO header: its chip as libgpiod opens it (a label such as
// "pinctrl-bcm2711", a name such as "gpiochip0", or a path) and its offset on that chip.
struct GpioLine {
  std::string chip;
  unsigned offset = 0;
  bool active_low = false;  // lit / pressed when the line is low (a button to ground)

  bool operator==(const GpioLine&) const = default;
};

struct BoardGpio {
  std::optional<GpioLine> status_led;
  std::optional<GpioLine> live_led;
  std::optional<GpioLine> action_button;
  std::optional<GpioLine> aux_button;

  bool empty() const { return !status_led && !live_led && !action_button && !aux_button; }
  bool operator==(const BoardGpio&) const = default;
};

// A "gpio" object (board files and the config's board.gpio alike); BoardError messages start
// with `where` ("board/rpi4.json: gpio", "agentcast.json: board.gpio").
BoardGpio parse_gpio(const nlohmann::json& value, const std::string& where);

// `base` with every line `over` names put in its place.
BoardGpio with_overrides(BoardGpio base, const BoardGpio& over);

// "status LED pinctrl-bcm2711 line 17, ..." or "none", for probe.
std::string describe_gpio(const BoardGpio& gpio);

struct BoardDescription {
  std::string name;
  std::string description;
  std::string notes;
  std::vector<std::string> device_tree_models;  // any substring match of the device-tree model
  std::vector<std::string> architectures;       // all conditions present must hold
  std::vector<std::string> required_paths;
  std::vector<std::string> encoders;
  BoardGpio gpio;

  bool is_fallback() const { return device_tree_models.empty() && architectures.empty() && required_paths.empty(); }
};

class BoardError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

BoardDescription parse_description(std::string_view json_text, std::string_view origin);

// Every description under board/ (built-in, or overridden next to the config file).
std::vector<BoardDescription> load_all(const DataFiles& files);

const BoardDescription* find_by_name(std::span<const BoardDescription> boards, std::string_view name);

// What detection looks at, gathered once so that detection itself is a pure function.
struct MachineFacts {
  std::string device_tree_model;  // empty when the machine has no device tree
  std::string architecture;       // uname -m
  std::function<bool(const std::string&)> path_exists;
};

MachineFacts read_machine_facts();

struct Detection {
  const BoardDescription* board = nullptr;
  std::string reason;
};

// Device-tree matches win, then boards whose other conditions hold, then the fallback.
Detection detect(std::span<const BoardDescription> boards, const MachineFacts& facts);

}  // namespace agentcast::board
