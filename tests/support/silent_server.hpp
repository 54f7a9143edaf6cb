#pragma once
// A TCP server on loopback that accepts every connection and then never reads or answers:
// the "accepts TCP, never answers" server a publisher must give up on by itself.
#include <atomic>
#include <thread>
#include <vector>

namespace agentcast::testing {

class SilentServer {
 public:
  SilentServer();
  ~SilentServer();
  SilentServer(const SilentServer&) = delete;
  SilentServer& operator=(const SilentServer&) = delete;

  int port() const { return port_; }
  int connections() const { return accepted_.load(); }

 private:
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> running_{true};
  std::atomic<int> accepted_{0};
  std::vector<int> held_;  // accepted sockets, closed at the end (only the thread touches it)
  std::thread thread_;
};

}  // namespace agentcast::testing
