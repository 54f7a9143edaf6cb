#include "retake/go_live_target.hpp"

#include "common/log.hpp"
#include "common/off_loop.hpp"
#include "common/untrusted_text.hpp"

namespace agentcast::retake {
namespace {

constexpr std::int64_t kConfirmIntervalMs = 2000;
constexpr std::int64_t kHeartbeatMs = 30000;

using Kind = ApiError::Kind;
using live::Phase;

}  // namespace

live::Failure failure_of(const ApiError& error) {
  switch (error.kind) {
    case Kind::unauthorized:
      return live::Failure::unauthorized;
    case Kind::bad_request:
    case Kind::not_found:
      return live::Failure::refused;
    case Kind::other:
      // Other 4xx refuse the request as it is; 408 and 429 only ask to come back later.
      return error.status >= 400 && error.status < 500 && error.status != 408 && error.status != 429
                 ? live::Failure::refused
                 : live::Failure::transient;
    case Kind::transport:
    case Kind::server:
    case Kind::invalid_response:
    case Kind::none:
    case Kind::conflict:  // no active session: the whole sequence again announces it
      return live::Failure::transient;
  }
  return live::Failure::transient;
}

live::Failure report_failed_call(live::GoLive& machine, status::BoxStatus& status, std::uint64_t attempt,
                                 live::Step step, const std::string& what, const ApiError& error) {
  log::warning(what, ": ", error.message);
  status.api_error(what + ": " + error.message, status::unix_now_ms());
  const live::Failure failure = failure_of(error);
  machine.post(live::event::Failed{step, failure, error.message}, attempt);
  return failure;
}

GoLiveTarget::GoLiveTarget(const config::Config& config, Credentials& credentials, StreamApi& client,
                           live::GoLive& machine, live::Clock& clock, status::BoxStatus& status)
    : config_(config), credentials_(credentials), client_(client), machine_(machine), clock_(clock), status_(status) {
  machine_.subscribe([this](const live::LiveState& now, const live::LiveState& before) { on_change(now, before); });
}

void GoLiveTarget::on_change(const live::LiveState& now, const live::LiveState& before) {
  if (now.phase == before.phase && now.attempt == before.attempt) return;
  next_call_.reset();
  switch (now.phase) {
    case Phase::checking_verification:
      check_verification(now.attempt);
      break;
    case Phase::awaiting_verification:
      recheck_verification_later(now);
      break;
    case Phase::fetching_key:
      location_.clear();  // a key is never reused
      fetch_key(now.attempt);
      break;
    case Phase::starting_session:
      start_session(now.attempt);
      break;
    case Phase::confirming_live:
      ask_status(now.attempt, live::Step::confirm);
      break;
    case Phase::live:
      next_call_ =
          clock_.after(kHeartbeatMs, [this, attempt = now.attempt] { ask_status(attempt, live::Step::heartbeat); });
      log::notice("live on retake.tv");
      break;
    default:
      break;
  }
}

void GoLiveTarget::failed(std::uint64_t attempt, live::Step step, const char* what, const ApiError& error) {
  report_failed_call(machine_, status_, attempt, step, what, error);
}

// Step 0 of every attempt (skill 2.1): an agent that is not verified fetches no key.
void GoLiveTarget::check_verification(std::uint64_t attempt) {
  client_.verification_status([this, attempt](const ApiResult<bool>& verified) {
    if (!verified.ok()) {
      failed(attempt, live::Step::verification, "verification-status", verified.error);
      return;
    }
    const auto waiting = [this, attempt] {
      const auto& state = machine_.state();
      return state.attempt == attempt && state.phase == Phase::awaiting_verification;
    };
    const bool was_waiting = waiting();  // entering the wait schedules the re-check by itself
    machine_.post(live::event::Verification{*verified.value}, attempt);
    if (was_waiting && waiting()) recheck_verification_later(machine_.state());
  });
}

// While the owner has not verified the agent: asked again after the delay the machine chose.
void GoLiveTarget::recheck_verification_later(const live::LiveState& state) {
  const auto delay_ms =
      static_cast<std::int64_t>(state.retry_in_s.value_or(live::policy::kVerification.first_s) * 1000);
  next_call_ = clock_.after(delay_ms, [this, attempt = state.attempt] { check_verification(attempt); });
}

void GoLiveTarget::fetch_key(std::uint64_t attempt) {
  client_.fetch_rtmp([this, attempt](const ApiResult<RtmpEndpoint>& rtmp) {
    if (!rtmp.ok()) {
      failed(attempt, live::Step::key, "go-live", rtmp.error);
      return;
    }
    if (attempt != machine_.state().attempt) return;
    location_ = rtmp.value->publish_url();
    machine_.post(live::event::KeyFetched{}, attempt);
  });
}

void GoLiveTarget::start_session(std::uint64_t attempt) {
  client_.start_stream([this, attempt](const ApiResult<StreamStart>& start) {
    if (!start.ok()) {
      failed(attempt, live::Step::session, "go-live", start.error);
      return;
    }
    session_started_ = true;
    store_token(*start.value);
    log::info("go-live: fresh key fetched and session started");
    machine_.post(live::event::SessionStarted{}, attempt);
  });
}

// While confirming: every 2 s until is_live (the machine owns the deadline). While live: every
// 30 s as heartbeat; a failed heartbeat is simply retried by the next one.
void GoLiveTarget::ask_status(std::uint64_t attempt, live::Step step) {
  client_.stream_status([this, attempt, step](const ApiResult<StreamStatus>& answer) {
    if (attempt != machine_.state().attempt) return;
    if (answer.ok()) {
      status_.platform_live = answer.value->is_live;
      status_.viewers = static_cast<int>(answer.value->viewers);
      status_.platform_uptime_s = answer.value->uptime_seconds;
      machine_.post(
          live::event::PlatformStatus{answer.value->is_live, answer.value->viewers, answer.value->uptime_seconds},
          attempt);
    } else {
      failed(attempt, step, step == live::Step::heartbeat ? "heartbeat" : "go-live", answer.error);
    }
    const auto phase = machine_.state().phase;
    if (attempt != machine_.state().attempt || (phase != Phase::confirming_live && phase != Phase::live)) return;
    const bool live = phase == Phase::live;
    next_call_ = clock_.after(live ? kHeartbeatMs : kConfirmIntervalMs, [this, attempt, live] {
      ask_status(attempt, live ? live::Step::heartbeat : live::Step::confirm);
    });
  });
}

void GoLiveTarget::store_token(const StreamStart& start) {
  if (start.token_address.empty() || start.token_address == credentials_.token_address) return;
  credentials_.token_address = start.token_address;
  credentials_.token_ticker = start.token_ticker;
  // The file write (with fsyncs) happens off the main loop.
  run_off_loop([path = config_.platform.credentials, credentials = credentials_] {
    try {
      save_credentials(path, credentials);
    } catch (const CredentialsError& error) {
      log::warning("could not store the token address: ", error.what());
    }
  });
}

void GoLiveTarget::finish(const std::function<void()>& done) {
  next_call_.reset();
  if (!session_started_) {
    done();
    return;
  }
  session_started_ = false;  // told once: off air, then stopped, is one stream/stop
  client_.stop_stream([this, done](const ApiResult<StopResult>& result) {
    if (result.ok()) {
      log::notice("stream stopped on retake.tv: ", result.value->duration_seconds, " s, ", result.value->viewers,
                  " viewers");
    } else {
      log::warning("stream/stop: ", result.error.message);
      status_.api_error("stream/stop: " + result.error.message, status::unix_now_ms());
    }
    done();
  });
}

void GoLiveTarget::check_skill_version() {
  client_.skill_version([this](const ApiResult<std::string>& version) {
    if (!version.ok()) {
      log::info("skill.json check skipped: ", version.error.message);
      return;
    }
    if (is_newer_version(*version.value, kSkillVersion)) {
      status_.skill_warning = "retake.tv skill version " + sanitize_for_log(*version.value, 32) +
                              " is newer than the " + std::string(kSkillVersion) + " this firmware speaks";
      log::warning(status_.skill_warning);
    }
  });
}

}  // namespace agentcast::retake
