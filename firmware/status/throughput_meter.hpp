#pragma once
// Rates over the last few seconds from a cumulative counter (frames, bytes) sampled once a
// second: steady enough to read, fresh enough to show a stall.
#include <cstddef>
#include <deque>
#include <utility>

namespace agentcast::status {

class ThroughputMeter {
 public:
  explicit ThroughputMeter(std::size_t window_samples = 5) : window_(window_samples + 1) {}

  void add(double time_s, double total) {
    if (!samples_.empty() && total < samples_.back().second) samples_.clear();  // the counter restarted
    samples_.emplace_back(time_s, total);
    while (samples_.size() > window_) samples_.pop_front();
  }
  void clear() { samples_.clear(); }

  // Per second over the window; 0 until two samples exist.
  double rate() const {
    if (samples_.size() < 2) return 0;
    const double span = samples_.back().first - samples_.front().first;
    return span > 0 ? (samples_.back().second - samples_.front().second) / span : 0;
  }

 private:
  std::size_t window_;
  std::deque<std::pair<double, double>> samples_;
};

}  // namespace agentcast::status
