#pragma once
// Where retries are decided: one named policy per kind of work, and the typed decision the
// go-live state machine takes after a failure. Pure arithmetic; randomness is injected.
#include <functional>
#include <string_view>

namespace agentcast::live {

// What kind of failure happened, as far as retrying is concerned. The platform adapters
// classify their errors into this; they never decide what happens next.
enum class Failure {
  transient,     // network, timeouts, 5xx, 429, garbage answers, a stalled or broken connection
  refused,       // the platform refused the request (400, 404, other 4xx): the same request fails again
  unauthorized,  // the access token was rejected (401)
};

// Exponential backoff with jitter: first_s, 2*first_s, ... capped at max_s; each delay is
// spread by ±jitter (a fraction) so a fleet of boxes does not retry in step.
struct RetryPolicy {
  std::string_view name;
  double first_s;
  double max_s;
  double jitter;
};

namespace policy {
// The go-live API calls (/agent/rtmp, stream/start) after a transient failure.
inline constexpr RetryPolicy kGoLive{"go-live", 1, 15, 0.3};
// Publishing: the RTMP connection failed or stalled. Short, so a server that is back is used
// again within about 2 s (the whole go-live sequence then takes well under 3 s).
inline constexpr RetryPolicy kPublish{"publish", 0.5, 1.5, 0.2};
// Chat polls: capped low so chat comes back within 10 s of the API being healthy again.
inline constexpr RetryPolicy kChat{"chat", 1, 6, 0.25};
inline constexpr RetryPolicy kThumbnails{"thumbnails", 5, 60, 0.3};
// A push connection (a WebSocket chat source, the agent bridge) that closed or failed: back
// quickly for a blip, no faster than every 30 s against a server that stays away.
inline constexpr RetryPolicy kPushConnection{"push-connection", 1, 30, 0.3};
// A push server that refused the handshake (a blocked device, 403/415) or the session: the
// same request is refused again, so it is asked slowly, not hammered.
inline constexpr RetryPolicy kPushRefused{"push-refused", 300, 300, 0.2};
// A rejected token or a refused go-live request: the same request would fail again at once,
// so at most one attempt a minute (the owner may fix the credentials or the platform recover).
inline constexpr RetryPolicy kCredentials{"credentials", 60, 60, 0};
inline constexpr RetryPolicy kRefused{"platform-error", 60, 60, 0};
// An agent that is not verified yet (skill 2.1): its owner is asked to verify it; the platform
// is asked again once a minute, so the box goes live by itself soon after.
inline constexpr RetryPolicy kVerification{"verification", 60, 60, 0};
}  // namespace policy

// The attempts made under one policy since the last success.
class Retries {
 public:
  // `unit_random` returns values in [0, 1).
  Retries(const RetryPolicy& policy, std::function<double()> unit_random);

  // The delay before the next attempt, in seconds; counts the attempt.
  double next_delay_s();
  void reset() { attempts_ = 0; }
  int attempts() const { return attempts_; }
  const RetryPolicy& policy() const { return policy_; }

 private:
  RetryPolicy policy_;
  std::function<double()> unit_random_;
  int attempts_ = 0;
};

// What the go-live state machine does after a failure.
struct RetryDecision {
  enum class Wait {
    none,         // the failure does not end the attempt (a heartbeat that will be retried)
    reconnect,    // start the whole go-live sequence again after `after_s`
    credentials,  // the token was rejected: show it, try again after `after_s`
    platform,     // the platform refused the request: show it, try again after `after_s`
  };
  Wait wait = Wait::none;
  double after_s = 0;
  std::string_view policy;  // the policy that chose the delay, for the log
};

}  // namespace agentcast::live
