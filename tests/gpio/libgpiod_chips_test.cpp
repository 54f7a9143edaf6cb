// The libgpiod backend where it can be tried without hardware: a chip that is not there is
// refused with its reason, for LEDs and buttons alike, and nothing throws. (Lines that exist are
// exercised on a board; the fake chip covers what the box does with them.)
#include "gpio/gpio_chips.hpp"

#include <CppUTest/TestHarness.h>

#include <string>

using namespace agentcast;

TEST_GROUP(LibgpiodChips){};

TEST(LibgpiodChips, AChipThatIsNotThereIsRefusedWithItsReason) {
  const auto chips = gpio::libgpiod_chips();
  std::string problem;
  CHECK(chips->output(board::GpioLine{"agentcast-no-such-chip", 17, false}, problem) == nullptr);
  CHECK_TEXT(problem.starts_with("no GPIO chip \"agentcast-no-such-chip\""), problem.c_str());
  problem.clear();
  CHECK(chips->input(board::GpioLine{"/dev/agentcast-no-such-gpiochip", 22, true}, problem) == nullptr);
  CHECK_TEXT(problem.starts_with("no GPIO chip \"/dev/agentcast-no-such-gpiochip\""), problem.c_str());
}
