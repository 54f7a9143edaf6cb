#include "live/go_live.hpp"

#include "common/log.hpp"

#include <tuple>
#include <utility>

namespace agentcast::live {
namespace {

// Position within one attempt; the waiting phases end it.
int rank(Phase phase) {
  switch (phase) {
    case Phase::starting:
      return 0;
    case Phase::checking_verification:
      return 1;
    case Phase::awaiting_verification:
      return 2;
    case Phase::fetching_key:
      return 3;
    case Phase::starting_session:
      return 4;
    case Phase::connecting:
      return 5;
    case Phase::confirming_live:
      return 6;
    case Phase::live:
      return 7;
    case Phase::reconnecting:
    case Phase::credentials_rejected:
    case Phase::platform_error:
      return 8;
    case Phase::off_air:
      return 9;
    case Phase::stopping:
      return 10;
    case Phase::stopped:
      return 11;
  }
  return 0;
}

bool is_final(Phase phase) { return phase == Phase::stopping || phase == Phase::stopped; }

bool is_go_live_call(Step step) { return step == Step::verification || step == Step::key || step == Step::session; }

// What the owner reads in `status` and on the screen while the agent is not verified.
constexpr const char* kNotVerified =
    "the agent is not verified on retake.tv: run `agentcast verify` over SSH, post the message it prints on "
    "Twitter/X, then run `agentcast verify --tweet-url URL`";
constexpr const char* kVerifyNotice = "owner: run `agentcast verify` over SSH";

}  // namespace

GoLive::GoLive(Options options, Clock& clock, const std::function<double()>& unit_random)
    : options_(options),
      clock_(clock),
      go_live_retries_(policy::kGoLive, unit_random),
      publish_retries_(policy::kPublish, unit_random),
      credentials_retries_(policy::kCredentials, unit_random),
      refused_retries_(policy::kRefused, unit_random),
      verification_retries_(policy::kVerification, unit_random) {}

void GoLive::subscribe(Subscriber subscriber) { subscribers_.push_back(std::move(subscriber)); }

void GoLive::post(Event event, std::uint64_t attempt) {
  queue_.emplace_back(std::move(event), attempt);
  exclusively([] {});
}

// Runs `work`, then every event queued meanwhile, one at a time: a subscriber or alarm that
// posts never re-enters a change that is still being published.
void GoLive::exclusively(const std::function<void()>& work) {
  if (dispatching_) {
    work();
    return;
  }
  dispatching_ = true;
  // A subscriber that throws (a bug, contained where C called us) must not leave the machine
  // deaf: the flag is cleared whichever way this ends.
  struct ClearOnExit {
    bool& flag;
    ~ClearOnExit() { flag = false; }
  } const clear{dispatching_};
  work();
  while (!queue_.empty()) {
    auto [next, of_attempt] = std::move(queue_.front());
    queue_.pop_front();
    if (of_attempt != kCurrentAttempt && of_attempt != state_.attempt) continue;  // a late answer
    handle(next);
  }
}

void GoLive::handle(const Event& event) {
  std::visit([this](const auto& e) { on(e); }, event);
}

void GoLive::on(const event::Start&) {
  if (state_.phase != Phase::starting) return;
  begin_attempt();
}

void GoLive::on(const event::Verification& verification) {
  const Phase phase = state_.phase;
  if (phase != Phase::checking_verification && phase != Phase::awaiting_verification) return;
  const LiveState before = state_;
  if (verification.verified) {
    verification_retries_.reset();
    state_.retry_in_s.reset();
    if (phase == Phase::awaiting_verification) state_.problem.clear();
    if (enter(options_.fetches_key ? Phase::fetching_key : Phase::connecting)) publish(before);
    return;
  }
  if (phase == Phase::awaiting_verification) return;  // still waiting for the owner; nothing changed
  state_.problem = kNotVerified;
  state_.notice = kVerifyNotice;
  state_.retry_in_s = verification_retries_.next_delay_s();
  if (!enter(Phase::awaiting_verification)) return;
  log::warning(kNotVerified, "; asking the platform again every ", static_cast<int>(*state_.retry_in_s), " s");
  publish(before);
}

void GoLive::on(const event::KeyFetched&) {
  if (state_.phase != Phase::fetching_key) return;
  const LiveState before = state_;
  if (enter(Phase::starting_session)) publish(before);
}

void GoLive::on(const event::SessionStarted&) {
  if (state_.phase != Phase::starting_session) return;
  const LiveState before = state_;
  waited_in_ = Phase::starting;  // the platform took both requests: its complaint is over
  if (enter(Phase::connecting)) publish(before);
}

void GoLive::on(const event::Publishing&) {
  if (state_.phase != Phase::connecting) return;
  const LiveState before = state_;
  if (!options_.confirms_live) {
    if (enter(Phase::live)) publish(before);
    return;
  }
  if (!enter(Phase::confirming_live)) return;
  confirm_deadline_ = clock_.after(options_.confirm_timeout_ms, [this] {
    exclusively([this] {
      end_attempt({RetryDecision::Wait::reconnect, go_live_retries_.next_delay_s(), policy::kGoLive.name},
                  "the platform did not report the stream live within " +
                      std::to_string(options_.confirm_timeout_ms / 1000) + " s");
    });
  });
  publish(before);
}

void GoLive::on(const event::PlatformStatus& status) {
  if (state_.phase != Phase::confirming_live && state_.phase != Phase::live) return;
  if (state_.phase == Phase::live && !status.is_live) {
    end_attempt({RetryDecision::Wait::reconnect, go_live_retries_.next_delay_s(), policy::kGoLive.name},
                "the platform reports the stream offline");
    return;
  }
  const LiveState before = state_;
  state_.platform = PlatformFacts{status.is_live, status.viewers, status.uptime_s};
  if (state_.phase == Phase::confirming_live && status.is_live) enter(Phase::live);
  publish(before);
}

RetryDecision GoLive::decide(Step step, Failure failure) {
  using Wait = RetryDecision::Wait;
  if (failure == Failure::unauthorized) {
    return {Wait::credentials, credentials_retries_.next_delay_s(), policy::kCredentials.name};
  }
  if (is_go_live_call(step)) {
    if (failure == Failure::refused) return {Wait::platform, refused_retries_.next_delay_s(), policy::kRefused.name};
    return {Wait::reconnect, go_live_retries_.next_delay_s(), policy::kGoLive.name};
  }
  if (step == Step::publish) return {Wait::reconnect, publish_retries_.next_delay_s(), policy::kPublish.name};
  // A failed confirmation poll, heartbeat, chat poll or thumbnail: retried by its own cadence.
  return {Wait::none, 0, {}};
}

void GoLive::on(const event::Failed& failed) {
  if (!is_attempting(state_.phase)) return;
  const RetryDecision decision = decide(failed.step, failed.failure);
  if (decision.wait == RetryDecision::Wait::none) return;
  end_attempt(decision, failed.reason);
}

void GoLive::on(const event::StopRequested& stop) {
  if (is_final(state_.phase)) return;
  const LiveState before = state_;
  next_attempt_.reset();
  confirm_deadline_.reset();
  healthy_.reset();
  log::notice(stop.reason, ": ending the stream");
  if (enter(Phase::stopping)) publish(before);
}

void GoLive::on(const event::GoOffAir& off) {
  if (is_final(state_.phase) || state_.phase == Phase::off_air) return;
  const LiveState before = state_;
  next_attempt_.reset();
  confirm_deadline_.reset();
  healthy_.reset();
  state_.problem.clear();
  state_.retry_in_s.reset();
  state_.platform.reset();
  waited_in_ = Phase::starting;
  log::notice(off.reason, ": going off air");
  if (enter(Phase::off_air)) publish(before);
}

void GoLive::on(const event::GoOnAir&) {
  if (state_.phase != Phase::off_air) return;
  log::notice("going on air again");
  begin_attempt();
}

void GoLive::on(const event::Stopped&) {
  if (state_.phase != Phase::stopping) return;
  const LiveState before = state_;
  if (enter(Phase::stopped)) publish(before);
}

void GoLive::begin_attempt() {
  const LiveState before = state_;
  ++state_.attempt;
  state_.retry_in_s.reset();
  state_.platform.reset();
  const Phase first = options_.checks_verification ? Phase::checking_verification
                      : options_.fetches_key       ? Phase::fetching_key
                                                   : Phase::connecting;
  if (enter(first)) publish(before);
}

void GoLive::end_attempt(const RetryDecision& decision, const std::string& reason) {
  using Wait = RetryDecision::Wait;
  const LiveState before = state_;
  confirm_deadline_.reset();
  healthy_.reset();
  const Phase waiting = decision.wait == Wait::credentials ? Phase::credentials_rejected
                        : decision.wait == Wait::platform  ? Phase::platform_error
                                                           : Phase::reconnecting;
  state_.problem = reason;
  state_.retry_in_s = decision.after_s;
  state_.platform.reset();
  waited_in_ = waiting;
  if (!enter(waiting)) return;
  log::warning("go-live attempt ", state_.attempt, " ended (", reason, "): ", phase_name(waiting), ", next attempt in ",
               static_cast<int>(decision.after_s * 1000), " ms (", decision.policy, " policy)");
  next_attempt_ = clock_.after(static_cast<std::int64_t>(decision.after_s * 1000),
                               [this] { exclusively([this] { begin_attempt(); }); });
  publish(before);
}

bool GoLive::enter(Phase next) {
  const Phase current = state_.phase;
  const bool forward = is_final(current)
                           ? rank(next) > rank(current)
                           : std::tuple(state_.attempt, rank(next)) > std::tuple(phase_attempt_, rank(current));
  if (!forward) {
    log::error("go-live: refused to move back from ", phase_name(current), " to ", phase_name(next));
    return false;
  }
  state_.phase = next;
  phase_attempt_ = state_.attempt;
  state_.label = label_for(next);
  if (next != Phase::awaiting_verification) state_.notice.clear();
  if (next == Phase::live) {
    state_.problem.clear();
    go_live_retries_.reset();
    credentials_retries_.reset();
    refused_retries_.reset();
    confirm_deadline_.reset();
    // A stream that stayed up this long was healthy: the next failure backs off afresh.
    healthy_ = clock_.after(options_.healthy_after_ms, [this] { publish_retries_.reset(); });
  }
  log::info("go-live: ", phase_name(current), " -> ", phase_name(next), " (attempt ", state_.attempt, ")");
  return true;
}

void GoLive::publish(const LiveState& before) {
  for (const auto& subscriber : subscribers_) subscriber(state_, before);
}

std::string GoLive::label_for(Phase phase) const {
  switch (phase) {
    case Phase::starting:
      return "STARTING";
    case Phase::awaiting_verification:
      return "AWAITING VERIFICATION";
    case Phase::checking_verification:
    case Phase::fetching_key:
    case Phase::starting_session:
    case Phase::connecting:
      // The owner must see why the box is not live until an attempt gets past the platform.
      if (waited_in_ == Phase::credentials_rejected) return "CREDENTIALS REJECTED";
      if (waited_in_ == Phase::platform_error) return "PLATFORM ERROR";
      return "CONNECTING";
    case Phase::confirming_live:
      return "CONFIRMING";
    case Phase::live:
      return "LIVE";
    case Phase::reconnecting:
      return "RECONNECTING";
    case Phase::credentials_rejected:
      return "CREDENTIALS REJECTED";
    case Phase::platform_error:
      return "PLATFORM ERROR";
    case Phase::off_air:
      return "OFF AIR";
    case Phase::stopping:
      return "STOPPING";
    case Phase::stopped:
      return "STOPPED";
  }
  return "";
}

}  // namespace agentcast::live
