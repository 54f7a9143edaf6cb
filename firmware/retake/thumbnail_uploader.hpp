#pragma once
// retake.tv thumbnails while live: the first one at once, then every thumbnail.interval_s, and
// early (not closer than thumbnail.min_gap_s) when the picture changed a lot. Failed uploads
// back off with the thumbnail policy; a 401 goes to the go-live state machine.
#include "config/config.hpp"
#include "live/go_live.hpp"
#include "pipeline/thumbnail_tap.hpp"
#include "retake/retake_client.hpp"
#include "scene/screen_state.hpp"
#include "status/box_status.hpp"

#include <memory>

namespace agentcast::retake {

class ThumbnailUploader {
 public:
  ThumbnailUploader(const config::Config& config, StreamApi& client, live::GoLive& machine, live::Clock& clock,
                    std::function<double()> unit_random, pipeline::ThumbnailTap& thumbnails,
                    const scene::ScreenState& screen, status::BoxStatus& status);

  // Called once per go-live when its first thumbnail was uploaded or given up on.
  void on_first_done(std::function<void(std::uint64_t attempt)> listener) { first_done_ = std::move(listener); }
  // thumbnail.interval_s again (SIGHUP): the next periodic upload is this far from now.
  void set_interval_s(double interval_s);

 private:
  void on_change(const live::LiveState& now, const live::LiveState& before);
  void upload(std::uint64_t attempt, const char* why);
  void first_done(std::uint64_t attempt, bool first) const;
  void check_change(std::uint64_t attempt);
  void schedule_periodic(std::uint64_t attempt);

  const config::Config& config_;
  StreamApi& client_;
  live::GoLive& machine_;
  live::Clock& clock_;
  pipeline::ThumbnailTap& thumbnails_;
  const scene::ScreenState& screen_;
  status::BoxStatus& status_;
  live::Retries retries_;
  std::uint64_t lines_at_last_ = 0;
  std::int64_t last_upload_ms_ = 0;
  double interval_s_;
  std::unique_ptr<live::Alarm> periodic_;
  std::unique_ptr<live::Alarm> retry_;
  std::unique_ptr<live::Alarm> change_check_;
  std::function<void(std::uint64_t)> first_done_;
};

}  // namespace agentcast::retake
