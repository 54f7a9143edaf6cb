// The LEDs and buttons as one part, on a fake chip: every line in use, a missing chip (nothing
// is had, one warning, the box goes on), a busy line (left out, the others work), a board
// without lines.
#include "gpio/front_panel.hpp"
#include "support/fake_clock.hpp"
#include "support/fake_gpio.hpp"

#include <CppUTest/TestHarness.h>

using namespace agentcast;
using namespace agentcast::gpio;
using agentcast::testing::FakeChips;
using agentcast::testing::FakeClock;

namespace {

board::BoardGpio rpi4_lines() {
  return {.status_led = board::GpioLine{"pinctrl-bcm2711", 17, false},
          .live_led = board::GpioLine{"pinctrl-bcm2711", 27, false},
          .action_button = board::GpioLine{"pinctrl-bcm2711", 22, true},
          .aux_button = board::GpioLine{"pinctrl-bcm2711", 23, true}};
}

}  // namespace

TEST_GROUP(FrontPanel) {
  FakeClock clock;
  FakeChips chips{clock};
  int action_short = 0;
  int action_long = 0;
  int aux = 0;

  std::unique_ptr<FrontPanel> build(const board::BoardGpio& lines) {
    return std::make_unique<FrontPanel>(lines, chips, clock,
                                        FrontPanel::Handlers{.action_short = [this] { ++action_short; },
                                                             .action_long = [this] { ++action_long; },
                                                             .aux = [this] { ++aux; }});
  }
  void press(unsigned offset, std::int64_t hold_ms) {
    chips.inputs.at(offset)->report(true);
    clock.advance(hold_ms);
    chips.inputs.at(offset)->report(false);
    clock.advance(100);
  }
};

TEST(FrontPanel, TheLedsShowTheStateAndTheButtonsReachTheirHandlers) {
  const auto panel = build(rpi4_lines());
  CHECK(panel->problems().empty());
  panel->show(LedState::live);
  CHECK(chips.outputs.at(17)->writes.back().second);
  CHECK(chips.outputs.at(27)->writes.back().second);
  press(22, 200);
  LONGS_EQUAL(1, action_short);
  press(22, 6000);
  LONGS_EQUAL(1, action_long);
  LONGS_EQUAL(1, action_short);
  press(23, 200);
  LONGS_EQUAL(1, aux);
}

TEST(FrontPanel, AMissingChipLeavesEverythingOutAndTheBoxGoesOn) {
  chips.missing_chips.insert("pinctrl-bcm2711");
  const auto panel = build(rpi4_lines());
  LONGS_EQUAL(4, panel->problems().size());
  STRCMP_EQUAL("status LED: no GPIO chip \"pinctrl-bcm2711\" (No such file or directory)",
               panel->problems().front().c_str());
  panel->show(LedState::connecting);  // nothing to drive, nothing breaks
  clock.advance(2000);
  CHECK(chips.outputs.empty());
}

TEST(FrontPanel, ABusyLineIsLeftOutAndTheOthersWork) {
  chips.busy_lines[27] = "gpio-leds";
  const auto panel = build(rpi4_lines());
  LONGS_EQUAL(1, panel->problems().size());
  STRCMP_EQUAL("live LED: pinctrl-bcm2711 line 27 is busy (used by gpio-leds)", panel->problems().front().c_str());
  panel->show(LedState::live);
  CHECK(chips.outputs.at(17)->writes.back().second);
  CHECK_FALSE(chips.outputs.contains(27));
  press(22, 200);
  LONGS_EQUAL(1, action_short);
}

TEST(FrontPanel, ABoardWithoutLinesHasNothingToOpenAndNothingToComplainOf) {
  const auto panel = build(board::BoardGpio{});
  CHECK(panel->problems().empty());
  panel->show(LedState::fatal);
  clock.advance(1000);
  CHECK(chips.outputs.empty() && chips.inputs.empty());
}
