#include "support/notify_socket.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <sstream>
#include <stdexcept>

namespace agentcast::testing {

NotifySocket::NotifySocket(std::string path) : path_(std::move(path)) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path_.size() >= sizeof(address.sun_path)) throw std::runtime_error("notify socket path too long: " + path_);
  std::memcpy(address.sun_path, path_.c_str(), path_.size() + 1);
  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0 || ::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    throw std::runtime_error("cannot bind the notify socket " + path_ + ": " + std::strerror(errno));
  }
}

NotifySocket::~NotifySocket() {
  if (fd_ >= 0) ::close(fd_);
  ::unlink(path_.c_str());
}

std::optional<std::string> NotifySocket::next(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (pending_.empty()) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) return std::nullopt;
    pollfd readable{fd_, POLLIN, 0};
    if (::poll(&readable, 1, static_cast<int>(left)) <= 0) continue;
    std::array<char, 4096> datagram{};
    const ssize_t length = ::recv(fd_, datagram.data(), datagram.size(), 0);
    if (length <= 0) continue;
    std::istringstream lines(std::string(datagram.data(), static_cast<std::size_t>(length)));
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty()) pending_.push_back(line);
    }
  }
  std::string first = pending_.front();
  pending_.erase(pending_.begin());
  return first;
}

bool NotifySocket::wait_for(const std::string& wanted, std::chrono::milliseconds timeout,
                            std::vector<std::string>* seen) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    const auto assignment = next(std::max(left, std::chrono::milliseconds(1)));
    if (!assignment) return false;
    if (seen != nullptr) seen->push_back(*assignment);
    if (*assignment == wanted) return true;
  }
  return false;
}

std::vector<std::string> NotifySocket::collect(std::chrono::milliseconds window) {
  std::vector<std::string> seen;
  const auto deadline = std::chrono::steady_clock::now() + window;
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    if (auto assignment = next(left)) seen.push_back(std::move(*assignment));
  }
  return seen;
}

}  // namespace agentcast::testing
