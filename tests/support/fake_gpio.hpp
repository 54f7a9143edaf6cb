#pragma once
// A fake GPIO chip's lines for unit tests: an output line remembers every level it was set to
// and when (on the test's fake clock); an input line lets the test press and release. FakeChips
// hands them out like the hardware would, or refuses: a chip that is not there, a busy line.
#include "gpio/gpio_chips.hpp"
#include "gpio/gpio_lines.hpp"
#include "support/fake_clock.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace agentcast::testing {

class FakeOutputLine : public gpio::OutputLine {
 public:
  explicit FakeOutputLine(const FakeClock& clock) : clock_(clock) {}
  void set(bool lit) override { writes.emplace_back(clock_.now_ms(), lit); }
  // The level at `at_ms` (off before the first write).
  bool level_at(std::int64_t at_ms) const {
    bool level = false;
    for (const auto& [when, lit] : writes) {
      if (when <= at_ms) level = lit;
    }
    return level;
  }
  std::vector<std::pair<std::int64_t, bool>> writes;

 private:
  const FakeClock& clock_;
};

class FakeInputLine : public gpio::InputLine {
 public:
  void watch(Edge edge) override { edge_ = std::move(edge); }
  void report(bool pressed) const {
    if (edge_) edge_(pressed);
  }

 private:
  Edge edge_;
};

class FakeChips : public gpio::GpioChips {
 public:
  explicit FakeChips(const FakeClock& clock) : clock_(clock) {}

  std::unique_ptr<gpio::OutputLine> output(const board::GpioLine& line, std::string& problem) override {
    if (!available(line, problem)) return nullptr;
    auto made = std::make_unique<FakeOutputLine>(clock_);
    outputs[line.offset] = made.get();
    return made;
  }
  std::unique_ptr<gpio::InputLine> input(const board::GpioLine& line, std::string& problem) override {
    if (!available(line, problem)) return nullptr;
    auto made = std::make_unique<FakeInputLine>();
    inputs[line.offset] = made.get();
    return made;
  }

  std::set<std::string> missing_chips;
  std::map<unsigned, std::string> busy_lines;  // offset → who holds it
  // The lines handed out, by offset; they belong to whoever asked for them.
  std::map<unsigned, FakeOutputLine*> outputs;
  std::map<unsigned, FakeInputLine*> inputs;

 private:
  bool available(const board::GpioLine& line, std::string& problem) const {
    if (missing_chips.contains(line.chip)) {
      problem = "no GPIO chip \"" + line.chip + "\" (No such file or directory)";
      return false;
    }
    if (const auto busy = busy_lines.find(line.offset); busy != busy_lines.end()) {
      problem = line.chip + " line " + std::to_string(line.offset) + " is busy (used by " + busy->second + ")";
      return false;
    }
    return true;
  }
  const FakeClock& clock_;
};

}  // namespace agentcast::testing
