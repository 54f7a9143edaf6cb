#include "board/board_description.hpp"

#include "common/json_input.hpp"

#include <glib.h>
#include <sys/utsname.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace agentcast::board {
namespace {

using nlohmann::json;

std::vector<std::string> string_list(const json& object, const char* key, std::string_view origin) {
  if (!object.contains(key)) return {};
  const json& value = object.at(key);
  if (!value.is_array()) throw BoardError(std::string(origin) + ": " + key + ": expected an array of strings");
  std::vector<std::string> out;
  for (const auto& item : value) {
    if (!item.is_string()) throw BoardError(std::string(origin) + ": " + key + ": expected an array of strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

std::string text_field(const json& object, const char* key, std::string_view origin, bool required) {
  if (!object.contains(key)) {
    if (required) throw BoardError(std::string(origin) + ": " + key + ": missing");
    return {};
  }
  if (!object.at(key).is_string()) throw BoardError(std::string(origin) + ": " + key + ": expected a string");
  return object.at(key).get<std::string>();
}

std::string read_small_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream content;
  content << in.rdbuf();
  std::string text = content.str();
  // The device-tree model is NUL-terminated.
  if (const auto nul = text.find('\0'); nul != std::string::npos) text.resize(nul);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

bool conditions_hold(const BoardDescription& board, const MachineFacts& facts) {
  const bool arch_ok = board.architectures.empty() || std::find(board.architectures.begin(), board.architectures.end(),
                                                                facts.architecture) != board.architectures.end();
  const bool paths_ok = std::all_of(board.required_paths.begin(), board.required_paths.end(),
                                    [&](const std::string& path) { return facts.path_exists(path); });
  return arch_ok && paths_ok;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

std::optional<GpioLine> gpio_line(const json& gpio, const char* key, const std::string& where_gpio) {
  if (!gpio.contains(key)) return std::nullopt;
  const json& value = gpio.at(key);
  const std::string where = where_gpio + "." + key;
  if (!value.is_object()) throw BoardError(where + ": expected an object");
  for (const auto& item : value.items()) {
    if (item.key() != "chip" && item.key() != "line" && item.key() != "active_low") {
      throw BoardError(where + "." + item.key() + ": unknown key");
    }
  }
  GpioLine line;
  if (!value.contains("chip") || !value.at("chip").is_string() || value.at("chip").get<std::string>().empty()) {
    throw BoardError(where + ".chip: expected the chip's label, name or path");
  }
  line.chip = value.at("chip").get<std::string>();
  if (!value.contains("line") || !value.at("line").is_number_unsigned() ||
      value.at("line").get<std::uint64_t>() > 1023) {
    throw BoardError(where + ".line: expected the line's offset on its chip, 0 to 1023");
  }
  line.offset = value.at("line").get<unsigned>();
  if (value.contains("active_low")) {
    if (!value.at("active_low").is_boolean()) throw BoardError(where + ".active_low: expected true or false");
    line.active_low = value.at("active_low").get<bool>();
  }
  return line;
}

}  // namespace

BoardGpio with_overrides(BoardGpio base, const BoardGpio& over) {
  if (over.status_led) base.status_led = over.status_led;
  if (over.live_led) base.live_led = over.live_led;
  if (over.action_button) base.action_button = over.action_button;
  if (over.aux_button) base.aux_button = over.aux_button;
  return base;
}

BoardGpio parse_gpio(const nlohmann::json& value, const std::string& where) {
  if (!value.is_object()) throw BoardError(where + ": expected an object");
  for (const auto& item : value.items()) {
    const std::string& key = item.key();
    if (key != "status_led" && key != "live_led" && key != "action_button" && key != "aux_button") {
      throw BoardError(std::string(where).append(".").append(key).append(": unknown key"));
    }
  }
  BoardGpio gpio;
  gpio.status_led = gpio_line(value, "status_led", where);
  gpio.live_led = gpio_line(value, "live_led", where);
  gpio.action_button = gpio_line(value, "action_button", where);
  gpio.aux_button = gpio_line(value, "aux_button", where);
  return gpio;
}

std::string describe_gpio(const BoardGpio& gpio) {
  std::string out;
  const auto add = [&out](const char* what, const std::optional<GpioLine>& line) {
    if (!line) return;
    out += (out.empty() ? "" : ", ") + std::string(what) + " " + line->chip + " line " + std::to_string(line->offset) +
           (line->active_low ? " (active low)" : "");
  };
  add("status LED", gpio.status_led);
  add("live LED", gpio.live_led);
  add("action button", gpio.action_button);
  add("aux button", gpio.aux_button);
  return out.empty() ? std::string("none") : out;
}

BoardDescription parse_description(std::string_view json_text, std::string_view origin) {
  auto parsed = json_input::parse(json_text);
  if (const auto* error = std::get_if<json_input::JsonInputError>(&parsed)) {
    throw BoardError(std::string(origin) + ":" + std::to_string(error->line) + ":" + std::to_string(error->column) +
                     ": invalid JSON: " + error->detail);
  }
  const json document = std::move(std::get<json>(parsed));
  if (!document.is_object()) throw BoardError(std::string(origin) + ": expected an object");
  BoardDescription board;
  board.name = text_field(document, "name", origin, true);
  board.description = text_field(document, "description", origin, false);
  board.notes = text_field(document, "notes", origin, false);
  board.encoders = string_list(document, "encoders", origin);
  if (board.encoders.empty()) throw BoardError(std::string(origin) + ": encoders: expected at least one encoder");
  if (document.contains("detect")) {
    const json& detect = document.at("detect");
    if (!detect.is_object()) throw BoardError(std::string(origin) + ": detect: expected an object");
    board.device_tree_models = string_list(detect, "device_tree_model", origin);
    board.architectures = string_list(detect, "arch", origin);
    board.required_paths = string_list(detect, "paths", origin);
  }
  if (document.contains("gpio")) board.gpio = parse_gpio(document.at("gpio"), std::string(origin) + ": gpio");
  return board;
}

std::vector<BoardDescription> load_all(const DataFiles& files) {
  std::vector<BoardDescription> boards;
  for (const auto& name : files.list("board", ".json")) {
    const auto file = files.read("board/" + name + ".json");
    if (!file) continue;
    boards.push_back(parse_description(file->content, file->origin));
    if (boards.back().name != name) {
      throw BoardError(file->origin + ": name: \"" + boards.back().name + "\" does not match the file name");
    }
  }
  return boards;
}

const BoardDescription* find_by_name(std::span<const BoardDescription> boards, std::string_view name) {
  const auto it = std::find_if(boards.begin(), boards.end(), [&](const auto& board) { return board.name == name; });
  return it == boards.end() ? nullptr : &*it;
}

MachineFacts read_machine_facts() {
  MachineFacts facts;
  facts.device_tree_model = read_small_file("/proc/device-tree/model");
  if (facts.device_tree_model.empty()) facts.device_tree_model = read_small_file("/sys/firmware/devicetree/base/model");
  utsname names{};
  if (uname(&names) == 0) facts.architecture = names.machine;
  facts.path_exists = [](const std::string& path) {
    std::error_code ec;
    return std::filesystem::exists(path, ec);
  };
  return facts;
}

Detection detect(std::span<const BoardDescription> boards, const MachineFacts& facts) {
  if (!facts.device_tree_model.empty()) {
    for (const auto& board : boards) {
      for (const auto& pattern : board.device_tree_models) {
        if (facts.device_tree_model.find(pattern) != std::string::npos && conditions_hold(board, facts)) {
          return {&board, "device-tree model \"" + facts.device_tree_model + "\" contains \"" + pattern + "\""};
        }
      }
    }
  }
  for (const auto& board : boards) {
    if (board.device_tree_models.empty() && !board.is_fallback() && conditions_hold(board, facts)) {
      std::string reason = "architecture " + facts.architecture;
      if (!board.required_paths.empty()) reason += " with " + join(board.required_paths);
      return {&board, reason};
    }
  }
  for (const auto& board : boards) {
    if (board.is_fallback()) {
      std::string reason = "no specific board matched (";
      reason += facts.device_tree_model.empty() ? "no device-tree model"
                                                : "device-tree model \"" + facts.device_tree_model + "\"";
      reason += ", architecture " + facts.architecture + ")";
      return {&board, reason};
    }
  }
  return {nullptr, "no board description matched and none is a fallback"};
}

}  // namespace agentcast::board
