#pragma once
// What the service manager (systemd) learns from the box: that it is ready, a one-line status,
// that it is reloading or stopping, and keep-alives for its watchdog. Behind an interface so
// the watchdog policy is tested without systemd.
#include <cstdint>
#include <memory>
#include <string>

namespace agentcast::service {

class ServiceManager {
 public:
  virtual ~ServiceManager() = default;
  virtual void ready() = 0;
  virtual void status(const std::string& text) = 0;
  virtual void reloading() = 0;  // READY follows when the reload is done
  virtual void stopping() = 0;
  virtual void watchdog_ping() = 0;
  // How often the manager wants a keep-alive at the latest, in ms; 0 when nobody watches.
  virtual std::int64_t watchdog_timeout_ms() const = 0;
};

// systemd's sd_notify: talks to $NOTIFY_SOCKET, and does nothing without one (a box started
// by hand). The watchdog timeout comes from $WATCHDOG_USEC when it is meant for this process.
std::unique_ptr<ServiceManager> systemd_manager();

}  // namespace agentcast::service
