#pragma once
// systemd's watchdog, fed only while the box is healthy: the keep-alive is sent from an alarm
// on the main loop (a wedged loop sends nothing) and only when frames kept coming out of the
// encoder since the last check (a frozen pipeline sends nothing). systemd restarts the box
// when keep-alives stop for WatchdogSec.
#include "live/clock.hpp"
#include "service/service_manager.hpp"

#include <cstdint>
#include <functional>
#include <memory>

namespace agentcast::service {

class ServiceWatchdog {
 public:
  // `frames` counts the frames encoded so far (it may start again from 0 after a rebuild).
  ServiceWatchdog(ServiceManager& manager, live::Clock& clock, std::function<std::uint64_t()> frames);

  // Starts the keep-alives when the manager asks for them.
  void start();
  // The pipeline runs: from now on a keep-alive needs new frames. Before, the loop turning is
  // enough (systemd's start timeout covers a pipeline that never comes up).
  void pipeline_running() { expect_frames_ = true; }
  // Going down: the pipeline stops on purpose, the loop turning is enough again.
  void stopping() { expect_frames_ = false; }

  std::uint64_t pings() const { return pings_; }
  std::uint64_t withheld() const { return withheld_; }

 private:
  void check();

  ServiceManager& manager_;
  live::Clock& clock_;
  std::function<std::uint64_t()> frames_;
  std::unique_ptr<live::Alarm> next_;
  std::int64_t period_ms_ = 0;
  std::uint64_t last_frames_ = 0;
  bool expect_frames_ = false;
  bool warned_ = false;
  std::uint64_t pings_ = 0;
  std::uint64_t withheld_ = 0;
};

}  // namespace agentcast::service
