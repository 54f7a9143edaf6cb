#include "support/fake_clock.hpp"

namespace agentcast::testing {
namespace {

class FakeAlarm : public live::Alarm {
 public:
  using Alarms = std::multimap<std::pair<std::int64_t, std::uint64_t>, std::function<void()>>;
  FakeAlarm(std::weak_ptr<Alarms> alarms, std::pair<std::int64_t, std::uint64_t> key)
      : alarms_(std::move(alarms)), key_(key) {}
  ~FakeAlarm() override {
    if (auto alarms = alarms_.lock()) alarms->erase(key_);
  }
  FakeAlarm(const FakeAlarm&) = delete;
  FakeAlarm& operator=(const FakeAlarm&) = delete;

 private:
  std::weak_ptr<Alarms> alarms_;
  std::pair<std::int64_t, std::uint64_t> key_;
};

}  // namespace

std::unique_ptr<live::Alarm> FakeClock::after(std::int64_t delay_ms, std::function<void()> work) {
  const std::pair key{now_ms_ + std::max<std::int64_t>(delay_ms, 0), ++sequence_};
  alarms_->emplace(key, std::move(work));
  return std::make_unique<FakeAlarm>(alarms_, key);
}

void FakeClock::advance(std::int64_t ms) {
  const std::int64_t until = now_ms_ + ms;
  while (!alarms_->empty() && alarms_->begin()->first.first <= until) {
    auto due = alarms_->begin();
    now_ms_ = due->first.first;
    // Taken out before it runs: the work may cancel or set alarms, its own handle included.
    auto work = std::move(due->second);
    alarms_->erase(due);
    work();
  }
  now_ms_ = until;
}

std::int64_t FakeClock::next_due_ms() const { return alarms_->empty() ? -1 : alarms_->begin()->first.first; }

}  // namespace agentcast::testing
