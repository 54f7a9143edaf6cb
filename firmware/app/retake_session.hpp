#pragma once
// retake.tv mode, in the platform's mandatory order, every time:
//   /agent/rtmp (a fresh key) -> /agent/stream/start -> the pipeline publishes ->
//   /agent/stream/status until is_live -> the first thumbnail at once -> chat polling at once
//   -> thumbnails every thumbnail.interval_s -> stream/status every 30 s as heartbeat;
// and /agent/stream/stop on a graceful end. A key is never reused: every restart goes
// through acquire() and so through /agent/rtmp again.
#include "app/publish_target.hpp"
#include "app/retry_backoff.hpp"
#include "chat/chat_cursor.hpp"
#include "common/timer.hpp"
#include "config/config.hpp"
#include "pipeline/thumbnail_tap.hpp"
#include "retake/credentials.hpp"
#include "retake/retake_client.hpp"
#include "scene/screen_state.hpp"
#include "status/box_status.hpp"

#include <cstdint>

namespace agentcast::app {

class RetakeSession : public PublishTarget {
 public:
  RetakeSession(const config::Config& config, retake::Credentials credentials, net::HttpClient& http,
                scene::ScreenState& screen, pipeline::ThumbnailTap& thumbnails, status::BoxStatus& status);

  void acquire(const Acquired& done) override;
  void on_publishing() override;
  void on_interrupted() override;
  void finish(const std::function<void()>& done) override;

  // Checks skill.json once; a newer version is a warning, a failure changes nothing.
  void check_skill_version();

 private:
  void confirm_live();
  void went_live();
  void upload_thumbnail(const char* why);
  void upload_if_picture_changed();
  void poll_chat(const std::optional<std::string>& before_id);
  void schedule_chat_poll(double delay_s);
  void heartbeat();
  void show_status(const retake::StreamStatus& status);
  void credentials_rejected(const std::string& message);
  void store_token(const retake::StreamStart& start);
  // Every failed call ends up here: logged with `what`, kept for `status`.
  void record_error(const char* what, const retake::ApiError& error);
  double acquire_retry_delay(const retake::ApiError& error);
  void stop_timers();

  const config::Config& config_;
  retake::Credentials credentials_;
  retake::RetakeClient client_;
  scene::ScreenState& screen_;
  pipeline::ThumbnailTap& thumbnails_;
  status::BoxStatus& status_;
  chat::ChatCursor cursor_;
  chat::PollCadence cadence_;
  // 5xx, timeouts and garbage answers: exponential backoff with jitter, video keeps flowing.
  RetryBackoff go_live_backoff_;
  RetryBackoff chat_backoff_;
  RetryBackoff thumbnail_backoff_;

  bool session_started_ = false;
  bool live_ = false;
  std::uint64_t generation_ = 0;  // bumps on interruption: late answers of an old attempt are ignored
  int confirm_attempts_ = 0;
  std::uint64_t lines_at_last_thumbnail_ = 0;
  gint64 last_thumbnail_us_ = 0;
  Timer confirm_timer_;
  Timer chat_timer_;
  Timer heartbeat_timer_;
  Timer thumbnail_timer_;
  Timer thumbnail_retry_timer_;
  Timer change_timer_;
};

}  // namespace agentcast::app
