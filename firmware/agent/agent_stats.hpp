#pragma once
// What `agentcast status` tells about the agent bridge; the bridge owns and updates it, the
// status reporter only collects.
#include <cstdint>
#include <optional>
#include <string>

namespace agentcast::agent {

struct AgentStats {
  std::string state;
  std::uint64_t turns = 0;  // turns that ended with conversation-chain-end
  std::uint64_t queued = 0;
  std::uint64_t dropped = 0;  // chat dropped from a full queue
  std::int64_t audio_ms_played = 0;
  std::optional<std::int64_t> last_turn_latency_ms;  // forwarding → the first voice in the stream
  std::uint64_t timeouts = 0;
  std::uint64_t interrupts = 0;
  std::uint64_t refused_audio = 0;  // audio messages that were not a playable WAV
  std::uint64_t reconnects = 0;
  std::string last_error;

  bool operator==(const AgentStats&) const = default;
};

}  // namespace agentcast::agent
