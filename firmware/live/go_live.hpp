#pragma once
// The go-live state machine: the ONE writer of the phase and of what the status strip says.
// Everything else sends it events (the platform adapter: key fetched, session started, the
// platform's stream status, failures; the pipeline supervisor: publishing, failures; the app:
// start, stop requested, stopped) and subscribes to its changes (screen, status file, the
// adapters themselves; later LEDs and systemd). It decides what happens after a failure, with
// the retry policies, and schedules the next attempt on the injected clock.
//
// Forward only: within one attempt the phase only moves on (checking-verification →
// [awaiting-verification →] fetching-key → starting-session → connecting → confirming-live →
// live), an attempt ends in one of the waiting phases, and the
// next attempt is a new, higher-numbered one that begins with a fresh key. stopping and stopped
// are final. Events of an attempt that already ended are dropped. off-air ends an attempt at
// the owner's word and waits for it again (no retry is scheduled); on air again is a new attempt.
#include "live/clock.hpp"
#include "live/phase.hpp"
#include "live/retry_policy.hpp"

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace agentcast::live {

// Which part of going (and staying) live an event is about.
enum class Step { verification, key, session, publish, confirm, heartbeat, chat, thumbnail };

namespace event {
struct Start {};  // configuration and credentials are loaded: begin the first attempt
// The platform's verification-status (skill 2.1): only a verified agent may fetch a key.
struct Verification {
  bool verified = false;
};
struct KeyFetched {};      // a fresh publishing URL is at hand (held by the target, never here)
struct SessionStarted {};  // the platform knows the stream is coming
struct Publishing {};      // the server acknowledged the first bytes
// The platform's own view (stream/status): confirms the stream live, or reports it offline.
struct PlatformStatus {
  bool is_live = false;
  std::int64_t viewers = 0;
  std::int64_t uptime_s = 0;
};
struct Failed {
  Step step;
  Failure failure;
  std::string reason;  // already safe to show and log
};
struct StopRequested {
  std::string reason;
};
struct Stopped {};  // the output is closed and the platform told: nothing is left to do
// The owner takes the box off air (the stream ends, the process stays) and back on air (a new
// attempt, with a fresh key).
struct GoOffAir {
  std::string reason;
};
struct GoOnAir {};
}  // namespace event

using Event = std::variant<event::Start, event::Verification, event::KeyFetched, event::SessionStarted,
                           event::Publishing, event::PlatformStatus, event::Failed, event::StopRequested,
                           event::Stopped, event::GoOffAir, event::GoOnAir>;

struct PlatformFacts {
  bool is_live = false;
  std::int64_t viewers = 0;
  std::int64_t uptime_s = 0;
};

// What subscribers see. Holds nothing secret: the key stays with the target that fetched it.
struct LiveState {
  Phase phase = Phase::starting;
  std::uint64_t attempt = 0;  // go-live attempts begun; 0 before the first
  std::string label = "STARTING";
  std::string problem;                    // why the last attempt ended (or waits); cleared when live
  std::string notice;                     // what the owner must do, for the screen; empty when nothing
  std::optional<double> retry_in_s;       // while waiting: the delay chosen
  std::optional<PlatformFacts> platform;  // the last stream/status answer of this attempt
  int restarts() const { return attempt > 1 ? static_cast<int>(attempt - 1) : 0; }
  bool on_air() const { return phase == Phase::live; }
};

class GoLive {
 public:
  struct Options {
    bool checks_verification = false;  // retake 2.1: verification-status before every attempt
    bool fetches_key = false;          // retake: /agent/rtmp and stream/start before every attempt
    bool confirms_live = false;        // retake: wait for stream/status is_live before "live"
    std::int64_t confirm_timeout_ms = 30000;
    std::int64_t healthy_after_ms = 30000;  // live this long: the next failure backs off afresh
  };
  // `now` is the new state, `before` the previous one (the same phase when only facts changed).
  using Subscriber = std::function<void(const LiveState& now, const LiveState& before)>;
  static constexpr std::uint64_t kCurrentAttempt = 0;

  GoLive(Options options, Clock& clock, const std::function<double()>& unit_random);
  GoLive(const GoLive&) = delete;
  GoLive& operator=(const GoLive&) = delete;

  // Subscribers are called in the order they subscribed, after every change.
  void subscribe(Subscriber subscriber);
  // Events posted while subscribers run are handled after them, in order. `attempt` ties an
  // answer to the attempt that asked (kCurrentAttempt: whatever attempt is under way).
  void post(Event event, std::uint64_t attempt = kCurrentAttempt);

  const LiveState& state() const { return state_; }

 private:
  // What a failure in the current phase leads to; counts the retry under its policy.
  RetryDecision decide(Step step, Failure failure);
  void exclusively(const std::function<void()>& work);
  void handle(const Event& event);
  void on(const event::Start&);
  void on(const event::Verification& verification);
  void on(const event::KeyFetched&);
  void on(const event::SessionStarted&);
  void on(const event::Publishing&);
  void on(const event::PlatformStatus& status);
  void on(const event::Failed& failed);
  void on(const event::StopRequested& stop);
  void on(const event::Stopped&);
  void on(const event::GoOffAir& off);
  void on(const event::GoOnAir&);

  void begin_attempt();
  void end_attempt(const RetryDecision& decision, const std::string& reason);
  // Moves to `next` if that is forward; false (and logged) otherwise.
  bool enter(Phase next);
  void publish(const LiveState& before);
  std::string label_for(Phase phase) const;

  Options options_;
  Clock& clock_;
  LiveState state_;
  std::vector<Subscriber> subscribers_;
  std::deque<std::pair<Event, std::uint64_t>> queue_;
  bool dispatching_ = false;
  std::uint64_t phase_attempt_ = 0;  // the attempt the current phase belongs to
  // Why the previous attempt waited; its label stays up until the next attempt gets past it.
  Phase waited_in_ = Phase::starting;
  Retries go_live_retries_;
  Retries publish_retries_;
  Retries credentials_retries_;
  Retries refused_retries_;
  Retries verification_retries_;
  std::unique_ptr<Alarm> next_attempt_;
  std::unique_ptr<Alarm> confirm_deadline_;
  std::unique_ptr<Alarm> healthy_;
};

}  // namespace agentcast::live
