#pragma once
// An agent writing its log: a line appended to `path` every `every`, from a thread of its own,
// until destroyed. Gives the scene (and so the encoder) real work in stream tests and the soak.
// `writes_at(step)`, when given, says at which steps it writes (bursts and silences).
#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

namespace agentcast::testing {

class ScrollingLog {
 public:
  ScrollingLog(std::string path, std::chrono::milliseconds every, std::function<bool(int step)> writes_at = {})
      : thread_([this, path = std::move(path), every, writes_at = std::move(writes_at)] {
          for (int i = 0; !stop_; ++i) {
            if (!writes_at || writes_at(i)) {
              std::ofstream(path, std::ios::app) << "step " << i << ": the agent considers option " << (i * 7919) % 1000
                                                 << " and writes a longer line of reasoning to its log\n";
            }
            std::this_thread::sleep_for(every);
          }
        }) {}
  ~ScrollingLog() {
    stop_ = true;
    thread_.join();
  }
  ScrollingLog(const ScrollingLog&) = delete;
  ScrollingLog& operator=(const ScrollingLog&) = delete;

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace agentcast::testing
