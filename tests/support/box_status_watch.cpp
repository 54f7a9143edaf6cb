#include "support/box_status_watch.hpp"

#include <fstream>
#include <iterator>
#include <thread>

namespace agentcast::testing {

std::optional<nlohmann::json> read_box_status(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  nlohmann::json status = nlohmann::json::parse(text, nullptr, false);
  if (status.is_discarded()) return std::nullopt;
  return status;
}

StatusWait wait_for_box_status(const std::string& path, const std::function<bool(const nlohmann::json&)>& holds,
                               std::chrono::milliseconds timeout) {
  StatusWait wait;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (auto status = read_box_status(path)) {
      wait.last = std::move(status);
      if (holds(*wait.last)) {
        wait.held = true;
        return wait;
      }
    }
    if (std::chrono::steady_clock::now() >= deadline) return wait;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace agentcast::testing
