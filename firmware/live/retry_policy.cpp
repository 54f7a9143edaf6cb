#include "live/retry_policy.hpp"

#include <algorithm>
#include <cmath>

namespace agentcast::live {

Retries::Retries(const RetryPolicy& policy, std::function<double()> unit_random)
    : policy_(policy), unit_random_(std::move(unit_random)) {}

double Retries::next_delay_s() {
  // Doubling stops at the cap, so a long outage cannot overflow the exponent.
  double base = policy_.first_s;
  for (int i = 0; i < attempts_ && base < policy_.max_s; ++i) base *= 2;
  base = std::min(base, policy_.max_s);
  ++attempts_;
  const double random = std::clamp(unit_random_(), 0.0, 1.0);
  return base * (1.0 - policy_.jitter + 2.0 * policy_.jitter * random);
}

}  // namespace agentcast::live
