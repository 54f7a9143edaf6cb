#pragma once
// The main job: one GLib main loop that owns the scene, the pipeline and its supervision,
// the log follower, thumbnails and signal handling. Nothing here blocks the loop.
#include "app/publish_target.hpp"
#include "app/retry_backoff.hpp"
#include "common/handles.hpp"
#include "common/timer.hpp"
#include "config/config.hpp"
#include "pipeline/pipeline_plan.hpp"
#include "pipeline/stream_pipeline.hpp"
#include "pipeline/thumbnail_tap.hpp"
#include "scene/log_follower.hpp"
#include "scene/scene_presenter.hpp"
#include "scene/scene_renderer.hpp"
#include "scene/screen_state.hpp"
#include "scene/video_feed.hpp"
#include "status/box_status.hpp"
#include "status/status_file.hpp"
#include "status/throughput_meter.hpp"

#include <memory>
#include <optional>
#include <string>

namespace agentcast::app {

class StreamingApp {
 public:
  // The target hands out the publishing URL (with its key) before every start; URLs are
  // only ever logged redacted.
  StreamingApp(const config::Config& config, pipeline::PipelinePlan plan);
  ~StreamingApp();
  StreamingApp(const StreamingApp&) = delete;
  StreamingApp& operator=(const StreamingApp&) = delete;

  // Must be set before run(); a target may use the screen and the thumbnail tap.
  void set_target(std::unique_ptr<PublishTarget> target);
  scene::ScreenState& screen() { return screen_; }
  pipeline::ThumbnailTap& thumbnails() { return thumbnails_; }
  status::BoxStatus& status() { return status_; }

  // Runs until SIGTERM/SIGINT; returns the process exit code.
  int run();

 private:
  void start_pipeline();
  void build_pipeline(const std::string& location);
  void teardown_pipeline();
  void on_playing();
  void on_failed(const std::string& why);
  void on_finished();
  void every_second();
  void watch_progress();
  void publish_status();
  void schedule_restart(double delay_s = -1);
  void finish_target();
  void begin_shutdown(const std::string& reason);
  void quit();
  void write_thumbnail();
  void set_status_label(const char* label, bool live);

  const config::Config& config_;
  pipeline::PipelinePlan plan_;
  std::string location_;
  std::string redacted_location_;

  GMainLoopPtr loop_;
  scene::ScreenState screen_;
  scene::SceneRenderer renderer_;
  scene::VideoFeed feed_;
  scene::ScenePresenter presenter_;
  pipeline::ThumbnailTap thumbnails_;
  scene::LogFollower log_follower_;
  std::unique_ptr<pipeline::StreamPipeline> pipeline_;
  std::unique_ptr<PublishTarget> target_;
  RetryBackoff backoff_;
  status::BoxStatus status_;
  status::StatusFile status_file_;
  status::ThroughputMeter frames_in_;
  status::ThroughputMeter frames_out_;
  status::ThroughputMeter bytes_out_;

  int exit_code_ = 0;  // kExitOk, or kExitFailure after an internal error
  bool stopping_ = false;
  bool acquiring_ = false;
  bool streaming_ = false;
  std::uint64_t last_bytes_ = 0;
  gint64 last_progress_us_ = 0;
  gint64 streaming_since_us_ = 0;
  int restarts_ = 0;
  std::uint64_t frames_skipped_before_ = 0;  // by pipelines already gone

  Timer progress_timer_;
  Timer restart_timer_;
  Timer shutdown_timer_;
  SourceId sigterm_;
  SourceId sigint_;
  SourceId sigusr1_;
  SourceId sighup_;
};

}  // namespace agentcast::app
