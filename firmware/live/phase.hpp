#pragma once
// The phases of going live, in the order a good start passes through them. Only the GoLive
// state machine (live/go_live.hpp) moves from one to the next.
#include <optional>
#include <string_view>

namespace agentcast::live {

enum class Phase {
  starting,
  checking_verification,  // retake: /agent/verification-status, step 0 of every attempt (skill 2.1)
  awaiting_verification,  // retake: not verified through Twitter/X; re-checked every minute
  fetching_key,           // retake: /agent/rtmp
  starting_session,       // retake: /agent/stream/start
  connecting,             // the output runs, the server has not acknowledged a byte yet
  confirming_live,        // retake: the server takes the stream, stream/status is not is_live yet
  live,                   // on air
  reconnecting,           // an attempt failed; waiting before the whole sequence again
  credentials_rejected,   // retake: 401; shown, tried again once a minute
  platform_error,         // retake: the platform refused a go-live request (400, 404); once a minute
  off_air,                // the owner took the box off air (the action button): the picture runs, nothing is sent
  stopping,               // EOS and stream/stop
  stopped,
};

// The names `status` and the status file use ("confirming-live", "platform-error", ...).
std::string_view phase_name(Phase phase);
std::optional<Phase> phase_from_name(std::string_view name);

// An attempt is under way (from the key fetch to live).
bool is_attempting(Phase phase);

}  // namespace agentcast::live
