#pragma once
// The service manager's end of sd_notify for tests: a datagram socket the test owns, whose
// path goes into the box's NOTIFY_SOCKET. Every datagram is split into its assignments
// ("READY=1", "STATUS=live", "WATCHDOG=1"), kept in arrival order.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace agentcast::testing {

class NotifySocket {
 public:
  explicit NotifySocket(std::string path);
  ~NotifySocket();
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  const std::string& path() const { return path_; }
  // The next assignment, waiting at most `timeout` for one.
  std::optional<std::string> next(std::chrono::milliseconds timeout);
  // Reads assignments until `wanted` arrives (true) or `timeout` passes (false); every
  // assignment read on the way is appended to `seen` when given.
  bool wait_for(const std::string& wanted, std::chrono::milliseconds timeout, std::vector<std::string>* seen = nullptr);
  // Every assignment that arrives within `window`.
  std::vector<std::string> collect(std::chrono::milliseconds window);

 private:
  std::string path_;
  int fd_ = -1;
  std::vector<std::string> pending_;
};

}  // namespace agentcast::testing
