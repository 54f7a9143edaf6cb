#include "board/board_description.hpp"

#include "common/data_files.hpp"

#include <CppUTest/TestHarness.h>

#include <algorithm>
#include <set>
#include <string>

using namespace agentcast;
using board::BoardDescription;
using board::MachineFacts;

namespace {

MachineFacts facts(std::string model, std::string arch, const std::set<std::string>& paths = {}) {
  return {std::move(model), std::move(arch), [paths](const std::string& p) { return paths.contains(p); }};
}

std::string detected(const std::vector<BoardDescription>& boards, const MachineFacts& machine) {
  const auto detection = board::detect(boards, machine);
  return detection.board ? detection.board->name : "(none)";
}

bool has_hardware_h264(const BoardDescription& b) {
  return std::any_of(b.encoders.begin(), b.encoders.end(), [](const std::string& e) {
    return e == "v4l2h264enc" || e == "nvv4l2h264enc" || e == "vah264enc" || e == "vaapih264enc";
  });
}

}  // namespace

TEST_GROUP(BoardDescription) { std::vector<BoardDescription> boards = board::load_all(DataFiles()); };

TEST(BoardDescription, TheSupportedBoardsAreDescribed) {
  for (const char* name : {"rpi4", "rpi5", "jetson-nano", "jetson-orin-nano", "x86-vaapi", "generic"}) {
    CHECK_TEXT(board::find_by_name(boards, name) != nullptr, name);
  }
}

TEST(BoardDescription, BoardsWithoutHardwareEncoderPreferX264) {
  for (const char* name : {"rpi5", "jetson-orin-nano", "generic"}) {
    const auto* b = board::find_by_name(boards, name);
    CHECK_TEXT(!has_hardware_h264(*b), name);
    STRCMP_EQUAL("x264enc", b->encoders.front().c_str());
  }
}

TEST(BoardDescription, BoardsWithHardwareEncoderPreferIt) {
  STRCMP_EQUAL("v4l2h264enc", board::find_by_name(boards, "rpi4")->encoders.front().c_str());
  STRCMP_EQUAL("nvv4l2h264enc", board::find_by_name(boards, "jetson-nano")->encoders.front().c_str());
  STRCMP_EQUAL("vah264enc", board::find_by_name(boards, "x86-vaapi")->encoders.front().c_str());
  // Every list ends in a software encoder, so a board with a broken driver still streams.
  for (const auto& b : boards)
    CHECK_TEXT(b.encoders.back() == "openh264enc" || b.encoders.back() == "x264enc", b.name.c_str());
}

TEST(BoardDescription, DetectsFromTheDeviceTreeModel) {
  STRCMP_EQUAL("rpi4", detected(boards, facts("Raspberry Pi 4 Model B Rev 1.4", "aarch64")).c_str());
  STRCMP_EQUAL("rpi4", detected(boards, facts("Raspberry Pi 400 Rev 1.0", "aarch64")).c_str());
  STRCMP_EQUAL("rpi5", detected(boards, facts("Raspberry Pi 5 Model B Rev 1.0", "aarch64")).c_str());
  STRCMP_EQUAL("jetson-nano", detected(boards, facts("NVIDIA Jetson Nano Developer Kit", "aarch64")).c_str());
  STRCMP_EQUAL("jetson-orin-nano", detected(boards, facts("NVIDIA Jetson Orin Nano Developer Kit", "aarch64")).c_str());
}

TEST(BoardDescription, DetectsX86WithARenderNode) {
  STRCMP_EQUAL("x86-vaapi", detected(boards, facts("", "x86_64", {"/dev/dri/renderD128"})).c_str());
  STRCMP_EQUAL("generic", detected(boards, facts("", "x86_64")).c_str());
  STRCMP_EQUAL("generic", detected(boards, facts("", "aarch64", {"/dev/dri/renderD128"})).c_str());
}

TEST(BoardDescription, UnknownDeviceTreeFallsBackToGeneric) {
  const auto detection = board::detect(boards, facts("Pine64 RockPro64", "aarch64"));
  STRCMP_EQUAL("generic", detection.board->name.c_str());
  CHECK(detection.reason.find("Pine64 RockPro64") != std::string::npos);
}

TEST(BoardDescription, MalformedDescriptionsNameTheProblem) {
  try {
    board::parse_description(R"({"name": "x", "encoders": []})", "board/x.json");
    FAIL("expected BoardError");
  } catch (const board::BoardError& error) {
    STRCMP_EQUAL("board/x.json: encoders: expected at least one encoder", error.what());
  }
  try {
    board::parse_description(R"({"name": "x", "encoders": ["x264enc"], "detect": {"arch": "x86_64"}})", "board/x.json");
    FAIL("expected BoardError");
  } catch (const board::BoardError& error) {
    STRCMP_EQUAL("board/x.json: arch: expected an array of strings", error.what());
  }
  try {
    board::parse_description(R"({"name": "x", "encoders": ["x264enc"], "gpio": 1e400})", "board/x.json");
    FAIL("expected BoardError");
  } catch (const board::BoardError& error) {
    STRCMP_EQUAL("board/x.json:1:48: invalid JSON: number overflow parsing '1e400'", error.what());
  }
}

// The LEDs on header pins 11 and 13, the buttons on 15 and 16 (to ground), on every board with
// a header; the x86 mini-PC and the generic fallback have none (the config can give them).
TEST(BoardDescription, BoardsWithAHeaderNameTheirLedAndButtonLines) {
  const auto lines_of = [&](const char* name) { return board::find_by_name(boards, name)->gpio; };
  const auto rpi4 = lines_of("rpi4");
  CHECK(rpi4.status_led == (board::GpioLine{"pinctrl-bcm2711", 17, false}));
  CHECK(rpi4.live_led == (board::GpioLine{"pinctrl-bcm2711", 27, false}));
  CHECK(rpi4.action_button == (board::GpioLine{"pinctrl-bcm2711", 22, true}));
  CHECK(rpi4.aux_button == (board::GpioLine{"pinctrl-bcm2711", 23, true}));
  // The Pi 5's header is on the RP1 chip, whose number changed with the kernel: opened by label.
  STRCMP_EQUAL("pinctrl-rp1", lines_of("rpi5").status_led->chip.c_str());
  LONGS_EQUAL(50, lines_of("jetson-nano").status_led->offset);
  STRCMP_EQUAL("tegra-gpio", lines_of("jetson-nano").aux_button->chip.c_str());
  LONGS_EQUAL(85, lines_of("jetson-orin-nano").action_button->offset);
  STRCMP_EQUAL("tegra234-gpio", lines_of("jetson-orin-nano").live_led->chip.c_str());
  CHECK(lines_of("x86-vaapi").empty());
  CHECK(lines_of("generic").empty());
  STRCMP_EQUAL(
      "status LED pinctrl-bcm2711 line 17, live LED pinctrl-bcm2711 line 27, action button "
      "pinctrl-bcm2711 line 22 (active low), aux button pinctrl-bcm2711 line 23 (active low)",
      board::describe_gpio(rpi4).c_str());
  STRCMP_EQUAL("none", board::describe_gpio(lines_of("generic")).c_str());
}

TEST(BoardDescription, MalformedGpioLinesNameTheKeyAtFault) {
  const auto error_of = [](const std::string& gpio) -> std::string {
    try {
      board::parse_description(R"({"name": "x", "encoders": ["x264enc"], "gpio": )" + gpio + "}", "board/x.json");
    } catch (const board::BoardError& error) {
      return error.what();
    }
    return "(accepted)";
  };
  STRCMP_EQUAL("board/x.json: gpio: expected an object", error_of("[]").c_str());
  STRCMP_EQUAL("board/x.json: gpio.power_led: unknown key", error_of(R"({"power_led": {}})").c_str());
  STRCMP_EQUAL("board/x.json: gpio.status_led.chip: expected the chip's label, name or path",
               error_of(R"({"status_led": {"line": 3}})").c_str());
  STRCMP_EQUAL("board/x.json: gpio.status_led.line: expected the line's offset on its chip, 0 to 1023",
               error_of(R"({"status_led": {"chip": "gpiochip0", "line": -1}})").c_str());
  STRCMP_EQUAL("board/x.json: gpio.aux_button.active_low: expected true or false",
               error_of(R"({"aux_button": {"chip": "gpiochip0", "line": 3, "active_low": "yes"}})").c_str());
  STRCMP_EQUAL("board/x.json: gpio.live_led.pin: unknown key",
               error_of(R"({"live_led": {"chip": "gpiochip0", "line": 3, "pin": 11}})").c_str());
  STRCMP_EQUAL("(accepted)", error_of(R"({"status_led": {"chip": "/dev/gpiochip0", "line": 1023}})").c_str());
}

TEST(BoardDescription, LinesGivenInTheConfigReplaceTheBoardsOneByOne) {
  const auto rpi4 = board::find_by_name(boards, "rpi4")->gpio;
  board::BoardGpio over;
  over.live_led = board::GpioLine{"pinctrl-bcm2711", 5, true};
  const auto merged = board::with_overrides(rpi4, over);
  CHECK(merged.live_led == over.live_led);
  CHECK(merged.status_led == rpi4.status_led);
  CHECK(merged.aux_button == rpi4.aux_button);
}
