#pragma once
// The composition root of the main job: one GLib main loop, the go-live state machine and its
// subscribers (screen, status file, pipeline supervisor, the retake.tv adapters), the scene,
// the log follower and signal handling. Nothing here blocks the loop; nothing here decides
// the phase: events go to the state machine, changes come back from it.
#include "agent/olv_bridge.hpp"
#include "audio/voice_player.hpp"
#include "chat/chat_merger.hpp"
#include "common/handles.hpp"
#include "common/signal_watch.hpp"
#include "common/timer.hpp"
#include "config/config.hpp"
#include "douyin/douyin_chat.hpp"
#include "gpio/front_panel.hpp"
#include "gpio/gpio_chips.hpp"
#include "live/clock.hpp"
#include "live/go_live.hpp"
#include "live/publish_target.hpp"
#include "net/http_client.hpp"
#include "notify/owner_notifier.hpp"
#include "pipeline/pipeline_plan.hpp"
#include "pipeline/supervisor.hpp"
#include "pipeline/thumbnail_tap.hpp"
#include "retake/agent_replies.hpp"
#include "retake/chat_poller.hpp"
#include "retake/credentials.hpp"
#include "retake/go_live_target.hpp"
#include "retake/opening_message.hpp"
#include "retake/retake_client.hpp"
#include "retake/socketio_chat.hpp"
#include "retake/thumbnail_uploader.hpp"
#include "scene/log_follower.hpp"
#include "scene/scene_presenter.hpp"
#include "scene/scene_renderer.hpp"
#include "scene/screen_state.hpp"
#include "scene/video_feed.hpp"
#include "service/service_manager.hpp"
#include "service/service_watchdog.hpp"
#include "status/box_status.hpp"
#include "status/status_file.hpp"
#include "status/throughput_meter.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace agentcast::app {

class StreamingApp {
 public:
  // Reads the configuration file again (SIGHUP); throws config::ConfigError. Called off the
  // main loop.
  using ConfigReader = std::function<config::Config()>;

  // `account` given: retake.tv mode (the API through `http`, which outlives the app);
  // otherwise the fixed output.url. `replan` plans the pipeline again after a part failed.
  StreamingApp(const config::Config& config, pipeline::PipelinePlan plan, pipeline::Supervisor::Replan replan,
               std::optional<retake::Account> account, net::HttpClient& http, ConfigReader reread_config);
  ~StreamingApp();
  StreamingApp(const StreamingApp&) = delete;
  StreamingApp& operator=(const StreamingApp&) = delete;

  // Runs until SIGTERM/SIGINT; returns the process exit code.
  int run();

 private:
  void show_on_screen(const live::LiveState& now);
  void record_state(const live::LiveState& now, const live::LiveState& before);
  void drive_pipeline(const live::LiveState& now, const live::LiveState& before);
  void stop(const std::string& reason);
  void publish_status();
  void quit();
  void write_thumbnail();
  void install_signal_handlers();
  void on_signal(int signal);
  void create_agent();
  void create_notifier(net::HttpClient& http);
  void create_chat_sources(const retake::Credentials* credentials, net::HttpClient& http);
  void create_front_panel(const board::BoardGpio& lines);
  void show_on_leds();
  bool degraded() const;
  void run_long_press_command() const;
  void tell_service_manager(const live::LiveState& now, const live::LiveState& before);
  void reload();
  void apply_reload(const config::Config& next);
  void pipeline_runs();

  const config::Config& config_;  // as started; SIGHUP changes only running_
  config::Config running_;        // config_ with what the last SIGHUP changed without a restart
  ConfigReader reread_config_;
  bool reloading_ = false;
  bool reload_again_ = false;                              // a SIGHUP came while the file was being read
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // expires with the app: off-loop work checks it
  GMainLoopPtr loop_;
  live::MainLoopClock clock_;
  live::GoLive machine_;
  scene::ScreenState screen_;
  chat::ChatMerger chat_merger_;  // the one writer of the chat panel
  scene::SceneRenderer renderer_;
  scene::VideoFeed feed_;
  audio::VoicePlayer voice_;  // the agent's voice into the stream's audio track
  scene::ScenePresenter presenter_;
  pipeline::ThumbnailTap thumbnails_;
  scene::LogFollower log_follower_;
  status::BoxStatus status_;
  status::StatusFile status_file_;
  status::ThroughputMeter frames_in_;
  status::ThroughputMeter frames_out_;
  status::ThroughputMeter bytes_out_;

  std::optional<retake::Account> account_;
  std::unique_ptr<retake::RetakeClient> retake_client_;
  std::unique_ptr<live::PublishTarget> target_;
  std::unique_ptr<retake::ChatPoller> chat_;                 // chat.sources: retake-rest
  std::unique_ptr<retake::SocketIoChat> retake_socket_;      // chat.sources: retake-socketio
  std::vector<std::unique_ptr<douyin::DouyinChat>> douyin_;  // chat.sources: douyin, one per room
  std::vector<const chat::ChatSource*> chat_sources_;        // every source, in config order, for status
  std::unique_ptr<agent::OlvBridge> agent_;                  // agent.kind "olv"
  std::unique_ptr<retake::AgentReplies> agent_replies_;      // agent.reply_to_chat, retake mode
  std::unique_ptr<notify::OwnerNotifier> notifier_;          // notify.webhook or notify.command
  std::unique_ptr<retake::ThumbnailUploader> uploader_;
  std::unique_ptr<retake::OpeningMessage> opening_;
  std::unique_ptr<pipeline::Supervisor> supervisor_;
  retake::GoLiveTarget* retake_target_ = nullptr;  // target_, in retake mode
  std::unique_ptr<gpio::GpioChips> gpio_chips_;    // the board has LED or button lines
  std::unique_ptr<gpio::FrontPanel> front_panel_;
  std::unique_ptr<service::ServiceManager> service_manager_;  // systemd: readiness, status, watchdog
  std::unique_ptr<service::ServiceWatchdog> service_watchdog_;
  std::string service_status_;  // the last STATUS= sent
  bool ready_sent_ = false;
  bool fatal_ = false;               // going down after an internal fault: the LEDs say so
  bool long_press_stopped_ = false;  // the action button was held: board.long_press_command after the stop

  std::string video_encoder_;
  int exit_code_ = 0;                 // kExitOk, or kExitFailure after an internal error
  std::uint64_t output_attempt_ = 0;  // the go-live attempt the current connection belongs to

  Timer status_timer_;
  Timer shutdown_deadline_;
  std::unique_ptr<SignalWatch> signals_;
};

}  // namespace agentcast::app
