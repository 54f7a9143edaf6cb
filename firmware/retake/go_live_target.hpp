#pragma once
// retake.tv's part of going live, in the platform's mandatory order, driven by the go-live
// state machine's phases: checking-verification → /agent/verification-status (and again
// every minute while awaiting-verification); fetching-key → /agent/rtmp (a fresh key every attempt, never
// reused); starting-session → /agent/stream/start; confirming-live → /agent/stream/status
// every 2 s; live → stream/status every 30 s as heartbeat; and /agent/stream/stop at the end.
// It turns answers into events and typed failures; it decides nothing about retries.
#include "config/config.hpp"
#include "live/go_live.hpp"
#include "live/publish_target.hpp"
#include "retake/credentials.hpp"
#include "retake/retake_client.hpp"
#include "status/box_status.hpp"

#include <memory>
#include <string>

namespace agentcast::retake {

// How the go-live state machine should take a failed call.
live::Failure failure_of(const ApiError& error);

// Every failed platform call ends here: logged and shown in `status` as "<what>: <error>", and
// sent to the go-live state machine, which alone decides whether it ends the attempt (a 401
// anywhere does; a failed chat poll or thumbnail does not). Returns how the failure counts,
// for the caller's own retry cadence.
live::Failure report_failed_call(live::GoLive& machine, status::BoxStatus& status, std::uint64_t attempt,
                                 live::Step step, const std::string& what, const ApiError& error);

class GoLiveTarget : public live::PublishTarget {
 public:
  GoLiveTarget(const config::Config& config, Credentials& credentials, StreamApi& client, live::GoLive& machine,
               live::Clock& clock, status::BoxStatus& status);

  std::string location() const override { return location_; }
  void finish(const std::function<void()>& done) override;
  // Checks skill.json once; a newer version is a warning, a failure changes nothing.
  void check_skill_version();

 private:
  void on_change(const live::LiveState& now, const live::LiveState& before);
  void check_verification(std::uint64_t attempt);
  void recheck_verification_later(const live::LiveState& state);
  void fetch_key(std::uint64_t attempt);
  void start_session(std::uint64_t attempt);
  void ask_status(std::uint64_t attempt, live::Step step);
  void failed(std::uint64_t attempt, live::Step step, const char* what, const ApiError& error);
  void store_token(const StreamStart& start);

  const config::Config& config_;
  Credentials& credentials_;
  StreamApi& client_;
  live::GoLive& machine_;
  live::Clock& clock_;
  status::BoxStatus& status_;
  std::string location_;
  bool session_started_ = false;
  std::unique_ptr<live::Alarm> next_call_;  // the next status poll or verification check
};

}  // namespace agentcast::retake
