#pragma once
// Delays between restarts of the stream: exponential with jitter, capped, reset once a stream
// has run well for a while. Pure arithmetic; the caller supplies the randomness.
#include <algorithm>

namespace agentcast::app {

class RetryBackoff {
 public:
  RetryBackoff(double initial_s, double max_s, double jitter_fraction)
      : initial_s_(initial_s), max_s_(max_s), jitter_(jitter_fraction) {}

  // `unit_random` in [0, 1). Returns the delay before the next attempt, in seconds.
  double next_delay(double unit_random) {
    double base = initial_s_;
    for (int i = 0; i < attempts_ && base < max_s_; ++i) base *= 2;
    base = std::min(base, max_s_);
    ++attempts_;
    return base * (1.0 - jitter_ + 2.0 * jitter_ * unit_random);
  }

  void reset() { attempts_ = 0; }
  int attempts() const { return attempts_; }

 private:
  double initial_s_;
  double max_s_;
  double jitter_;
  int attempts_ = 0;
};

}  // namespace agentcast::app
