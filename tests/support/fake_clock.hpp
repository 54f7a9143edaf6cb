#pragma once
// A live::Clock that moves only when the test says so: advance() fires the alarms that fall
// due, in time order, each at its own time.
#include "live/clock.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>

namespace agentcast::testing {

class FakeClock : public live::Clock {
 public:
  std::int64_t now_ms() const override { return now_ms_; }
  std::unique_ptr<live::Alarm> after(std::int64_t delay_ms, std::function<void()> work) override;

  // Moves time on by `ms`, firing every alarm due on the way.
  void advance(std::int64_t ms);
  // Alarms still pending, and when the next one is due (-1 without any).
  std::size_t pending() const { return alarms_->size(); }
  std::int64_t next_due_ms() const;

 private:
  using Alarms = std::multimap<std::pair<std::int64_t, std::uint64_t>, std::function<void()>>;
  std::int64_t now_ms_ = 1000000;
  std::uint64_t sequence_ = 0;
  std::shared_ptr<Alarms> alarms_ = std::make_shared<Alarms>();
};

}  // namespace agentcast::testing
