#include "common/log.hpp"
#include "service/service_manager.hpp"

#include <systemd/sd-daemon.h>

#include <cstring>

namespace agentcast::service {
namespace {

class SystemdManager final : public ServiceManager {
 public:
  SystemdManager() {
    std::uint64_t usec = 0;
    // unset_environment = 0: the variables stay for `status` and a re-exec; sd_watchdog_enabled
    // already checks WATCHDOG_PID against this process.
    if (sd_watchdog_enabled(0, &usec) > 0) watchdog_timeout_ms_ = static_cast<std::int64_t>(usec / 1000);
  }

  void ready() override { send("READY=1"); }
  void status(const std::string& text) override { send("STATUS=" + text); }
  void reloading() override { send("RELOADING=1"); }
  void stopping() override { send("STOPPING=1"); }
  void watchdog_ping() override { send("WATCHDOG=1"); }
  std::int64_t watchdog_timeout_ms() const override { return watchdog_timeout_ms_; }

 private:
  // One datagram to the manager's socket; a manager that went away is worth one warning, not
  // one per keep-alive.
  void send(const std::string& assignment) {
    const int result = sd_notify(0, assignment.c_str());
    if (result < 0 && !warned_) {
      warned_ = true;
      log::warning("systemd: cannot notify the service manager: ", std::strerror(-result));
    }
  }

  std::int64_t watchdog_timeout_ms_ = 0;
  bool warned_ = false;
};

}  // namespace

std::unique_ptr<ServiceManager> systemd_manager() { return std::make_unique<SystemdManager>(); }

}  // namespace agentcast::service
