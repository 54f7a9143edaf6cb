#include "service/service_watchdog.hpp"

#include "common/log.hpp"

#include <algorithm>

namespace agentcast::service {

ServiceWatchdog::ServiceWatchdog(ServiceManager& manager, live::Clock& clock, std::function<std::uint64_t()> frames)
    : manager_(manager), clock_(clock), frames_(std::move(frames)) {}

void ServiceWatchdog::start() {
  const std::int64_t timeout_ms = manager_.watchdog_timeout_ms();
  if (timeout_ms <= 0) return;
  // Twice per timeout, as sd_watchdog_enabled(3) advises: one late turn of the loop is not a
  // restart, a frozen pipeline over a whole timeout is.
  period_ms_ = std::max<std::int64_t>(timeout_ms / 2, 1);
  last_frames_ = frames_();
  manager_.watchdog_ping();
  ++pings_;
  next_ = clock_.after(period_ms_, [this] { check(); });
}

void ServiceWatchdog::check() {
  const std::uint64_t frames = frames_();
  // Any change counts: a rebuilt pipeline counts from 0 again.
  const bool flowing = frames != last_frames_;
  last_frames_ = frames;
  if (flowing || !expect_frames_) {
    manager_.watchdog_ping();
    ++pings_;
    warned_ = false;
  } else {
    ++withheld_;
    if (!warned_) log::warning("systemd: no frame encoded for ", period_ms_, " ms; watchdog keep-alive withheld");
    warned_ = true;
  }
  next_ = clock_.after(period_ms_, [this] { check(); });
}

}  // namespace agentcast::service
