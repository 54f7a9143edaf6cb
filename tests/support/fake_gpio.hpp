#pragma once
// A fake GPIO chip's lines for unit tests: an output line remembers every level it was set to
// and when (on the test's fake clock); an input line lets the test press and release.
#include "gpio/gpio_lines.hpp"
#include "support/fake_clock.hpp"

#include <cstdint>
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

}  // namespace agentcast::testing
