#include "app/streaming_app.hpp"

#include "app/cli.hpp"
#include "common/fault_barrier.hpp"
#include "common/glib_handles.hpp"
#include "common/log.hpp"
#include "common/off_loop.hpp"
#include "common/redact.hpp"
#include "common/untrusted_text.hpp"
#include "common/urls.hpp"
#include "common/user_data.hpp"

#include <gio/gio.h>

#include <unistd.h>
#include <algorithm>
#include <csignal>
#include <utility>

namespace agentcast::app {
namespace {

constexpr guint kStatusIntervalMs = 1000;
// The contract promises exit within 5 s of SIGTERM: EOS (≤ 2 s), stream/stop, pipelines down.
constexpr guint kShutdownDeadlineMs = 4500;

double unit_random() { return g_random_double(); }

}  // namespace

StreamingApp::StreamingApp(const config::Config& config, pipeline::PipelinePlan plan,
                           pipeline::Supervisor::Replan replan, std::optional<retake::Account> account,
                           net::HttpClient& http, ConfigReader reread_config)
    : config_(config),
      running_(config),
      reread_config_(std::move(reread_config)),
      loop_(g_main_loop_new(nullptr, FALSE)),
      machine_({.checks_verification = account.has_value(),
                .fetches_key = account.has_value(),
                .confirms_live = account.has_value()},
               clock_, unit_random),
      chat_merger_({.blocked_words = config.chat.blocked_words, .max_events_per_s = config.chat.max_events_per_s},
                   clock_, screen_),
      renderer_(config.video.width, config.video.height, config.scene.font),
      feed_(config.video.fps),
      voice_(clock_, config.audio.rate, config.audio.channels),
      presenter_(screen_, renderer_, feed_, config.video.fps),
      log_follower_(config.scene.log_file, [this](std::string line) { screen_.append_log_line(std::move(line)); }),
      status_file_(status::status_file_for_writing(config.status.file)),
      account_(std::move(account)),
      service_manager_(service::systemd_manager()) {
  screen_.set_title(config.scene.title);
  status_.pid = static_cast<int>(getpid());
  status_.version = AGENTCAST_VERSION;
  status_.platform_kind = config.platform.kind;
  status_.phase_since_unix_ms = status::unix_now_ms();
  video_encoder_ = plan.video_encoder.element;

  // Subscribers, in order: what everyone sees first, then what acts on the change.
  machine_.subscribe([this](const live::LiveState& now, const live::LiveState&) { show_on_screen(now); });
  machine_.subscribe([this](const live::LiveState& now, const live::LiveState& before) { record_state(now, before); });
  if (account_) {
    retake::Credentials& credentials = account_->stored;
    retake_client_ = std::make_unique<retake::RetakeClient>(http, config.platform.api_base, config.platform.skill_url);
    retake_client_->set_access_token(account_->token.value);
    auto target =
        std::make_unique<retake::GoLiveTarget>(config, credentials, *retake_client_, machine_, clock_, status_);
    retake_target_ = target.get();
    target_ = std::move(target);
    uploader_ = std::make_unique<retake::ThumbnailUploader>(config, *retake_client_, machine_, clock_, unit_random,
                                                            thumbnails_, screen_, status_);
    opening_ =
        std::make_unique<retake::OpeningMessage>(config, credentials, *retake_client_, machine_, clock_, status_);
    uploader_->on_first_done([this](std::uint64_t attempt) { opening_->first_thumbnail_done(attempt); });
  } else {
    target_ = std::make_unique<live::FixedTarget>(config.output.url);
  }
  create_agent();
  create_notifier(http);
  if (agent_ && account_ && config.agent.reply_to_chat) {
    agent_replies_ = std::make_unique<retake::AgentReplies>(account_->stored, *retake_client_, machine_, clock_);
    agent_->on_reply([this](const std::string& text) { agent_replies_->reply(text); });
  }
  create_chat_sources(account_ ? &account_->stored : nullptr, http);
  create_front_panel(plan.board_gpio);
  service_watchdog_ = std::make_unique<service::ServiceWatchdog>(
      *service_manager_, clock_, [this] { return supervisor_->snapshot().frames_encoded; });
  machine_.subscribe(
      [this](const live::LiveState& now, const live::LiveState& before) { tell_service_manager(now, before); });
  machine_.subscribe(
      [this](const live::LiveState& now, const live::LiveState& before) { drive_pipeline(now, before); });

  supervisor_ = std::make_unique<pipeline::Supervisor>(
      std::move(plan), std::move(replan), thumbnails_,
      pipeline::Supervisor::Events{
          .scene_ready =
              [this](GstElement* appsrc, GstClock* clock, GstClockTime base_time) {
                feed_.start(appsrc, clock, base_time);
                pipeline_runs();
              },
          .scene_gone =
              [this] {
                feed_.stop();
                voice_.detach();
              },
          .voice_ready = [this](GstElement* voice_src, GstClock* clock,
                                GstClockTime base_time) { voice_.attach(voice_src, clock, base_time); },
          .publishing =
              [this] {
                log::notice("streaming to ", redact_stream_url(target_->location()));
                machine_.post(live::event::Publishing{}, output_attempt_);
              },
          .output_failed =
              [this](const std::string& why, bool refused) {
                log::error("stream failed: ", why);
                machine_.post(live::event::Failed{live::Step::publish,
                                                  refused ? live::Failure::refused : live::Failure::transient, why},
                              output_attempt_);
              },
          .closed = [this] { target_->finish([this] { machine_.post(live::event::Stopped{}); }); },
      });
}

StreamingApp::~StreamingApp() = default;

void StreamingApp::create_notifier(net::HttpClient& http) {
  std::unique_ptr<notify::Delivery> delivery;
  if (!config_.notify.webhook.empty()) {
    delivery = notify::webhook_delivery(config_.notify.webhook, http);
  } else if (!config_.notify.command.empty()) {
    delivery = notify::command_delivery(config_.notify.command, clock_);
  } else {
    return;
  }
  notify::OwnerNotifier::Options options;
  options.big_tip = config_.notify.big_tip;
  options.heartbeat_h = config_.notify.heartbeat_h;
  options.trouble_after_s = config_.notify.trouble_after_s;
  if (account_) {
    options.agent_name = account_->stored.agent_name;
    const GCharPtr name(g_uri_escape_string(options.agent_name.c_str(), nullptr, FALSE));
    options.watch_url = "https://retake.tv/" + std::string(name ? name.get() : "");
  }
  const std::int64_t started_ms = clock_.now_ms();
  notifier_ = std::make_unique<notify::OwnerNotifier>(
      std::move(options), machine_, clock_, std::move(delivery), [this, started_ms] {
        nlohmann::json snapshot = {{"uptime_s", (clock_.now_ms() - started_ms) / 1000},
                                   {"restarts", status_.restarts},
                                   {"chat_shown", status_.chat_shown},
                                   {"fps_out", status_.fps_out}};
        snapshot["viewers"] = status_.viewers ? nlohmann::json(*status_.viewers) : nlohmann::json(nullptr);
        if (agent_) snapshot["agent_turns"] = agent_->stats().turns;
        return snapshot;
      });
}

void StreamingApp::create_agent() {
  if (config_.agent.kind != "olv") return;
  agent::OlvBridge::Options options;
  options.url = config_.agent.url;
  options.forward.clear();
  for (const auto& kind : config_.agent.forward) {
    for (auto candidate :
         {chat::EventKind::chat, chat::EventKind::gift, chat::EventKind::follow, chat::EventKind::enter,
          chat::EventKind::like, chat::EventKind::share, chat::EventKind::trade}) {
      if (chat::kind_name(candidate) == kind) options.forward.insert(candidate);
    }
  }
  options.max_queue = static_cast<std::size_t>(config_.agent.max_queue);
  options.turn_timeout_s = config_.agent.turn_timeout_s;
  agent_ = std::make_unique<agent::OlvBridge>(
      std::move(options), clock_, unit_random, voice_,
      [this](const agent::AgentView& view) { screen_.set_agent(view.name, view.thinking, view.current); });
}

// The retake kinds need the account (the config allows them only in retake mode).
// Every source publishes into the merger, the one writer of the chat panel.
void StreamingApp::create_chat_sources(const retake::Credentials* credentials, net::HttpClient& http) {
  // What passed the word filter (and was not seen before) also goes to the agent.
  auto publish = [this](const chat::ChatEvent& event) {
    const auto outcome = chat_merger_.accept(event);
    if (outcome == chat::ChatMerger::Outcome::blocked || outcome == chat::ChatMerger::Outcome::duplicate) return;
    if (agent_) agent_->offer(event);
    if (notifier_) notifier_->offer(event);
  };
  for (const auto& source : config_.chat.sources) {
    if (source.kind == "retake-rest" && credentials != nullptr) {
      chat_ = std::make_unique<retake::ChatPoller>(config_, *credentials, *retake_client_, machine_, clock_,
                                                   unit_random, publish, status_);
      chat_sources_.push_back(chat_.get());
    } else if (source.kind == "retake-socketio" && credentials != nullptr) {
      retake_socket_ = std::make_unique<retake::SocketIoChat>(
          retake::SocketIoChat::Options{.url = source.url, .user_db_id = credentials->user_db_id}, clock_, unit_random,
          publish, [this](bool healthy) {
            if (chat_) chat_->set_realtime_healthy(healthy);
          });
      chat_sources_.push_back(retake_socket_.get());
    } else if (source.kind == "douyin") {
      douyin::DouyinChat::Options options;
      options.room_id = source.room_id;
      options.url = source.url;
      options.signer_url = source.signer_url;
      options.cookie = source.cookie;
      options.heartbeat_s = source.heartbeat_s;
      options.silence_s = config_.chat.douyin_silence_s;
      douyin_.push_back(std::make_unique<douyin::DouyinChat>(std::move(options), clock_, unit_random, http, publish));
      chat_sources_.push_back(douyin_.back().get());
    }
  }
}

int StreamingApp::run() {
  // A bug that throws where C called us ends the stream as SIGTERM would, then exits 1.
  const fault::LastResortScope last_resort([this](const std::string& what) {
    exit_code_ = kExitFailure;
    fatal_ = true;
    show_on_leds();
    stop(what);
  });
  install_signal_handlers();
  log::notice("agentcast ", AGENTCAST_VERSION, ", encoder ", video_encoder_, ", ", config_.video.width, "x",
              config_.video.height, "@", config_.video.fps, " ", config_.video.bitrate_kbps, " kbit/s");
  presenter_.start();
  log_follower_.start();
  supervisor_->start();
  if (retake_target_ != nullptr) retake_target_->check_skill_version();
  if (retake_socket_) retake_socket_->start();
  for (const auto& source : douyin_) source->start();
  if (agent_) agent_->start();
  if (notifier_) notifier_->start();
  service_watchdog_->start();
  status_timer_.every(kStatusIntervalMs, [this] { publish_status(); });
  machine_.post(live::event::Start{});
  publish_status();

  g_main_loop_run(loop_.get());

  const auto pipeline = supervisor_->snapshot();
  log::notice("stopped: ", feed_.frames_pushed(), " frames sent, ", feed_.frames_dropped(), " dropped, ",
              pipeline.frames_skipped, " repeated frames past the encoder, ", presenter_.renders(), " scene renders, ",
              machine_.state().restarts(), " restarts");
  if (long_press_stopped_) run_long_press_command();
  return exit_code_;
}

// The LEDs and buttons, when the board (or board.gpio) names lines. The LEDs are one more
// subscriber of the go-live state; the buttons only post what the owner asked for.
void StreamingApp::create_front_panel(const board::BoardGpio& lines) {
  if (lines.empty()) return;
  gpio_chips_ = gpio::libgpiod_chips();
  front_panel_ = std::make_unique<gpio::FrontPanel>(
      lines, *gpio_chips_, clock_,
      gpio::FrontPanel::Handlers{
          .action_short =
              [this] {
                if (machine_.state().phase == live::Phase::off_air) {
                  machine_.post(live::event::GoOnAir{});
                } else {
                  machine_.post(live::event::GoOffAir{"the action button was pressed"});
                }
              },
          .action_long =
              [this] {
                log::notice("the action button was held: stopping");
                long_press_stopped_ = !config_.board.long_press_command.empty();
                stop("the action button was held");
              },
          .aux =
              [this] {
                if (agent_) agent_->interrupt();
              },
      });
  machine_.subscribe([this](const live::LiveState&, const live::LiveState&) { show_on_leds(); });
}

void StreamingApp::show_on_leds() {
  if (front_panel_) front_panel_->show(gpio::led_state_for(machine_.state().phase, degraded(), fatal_));
}

// On air but not whole: an API call failed within the last minute, or a chat source is down
// (as of the last status refresh, once a second).
bool StreamingApp::degraded() const {
  constexpr std::int64_t kRecentMs = 60'000;
  const bool api_failing =
      status_.last_api_error_unix_ms.has_value() && status::unix_now_ms() - *status_.last_api_error_unix_ms < kRecentMs;
  const bool chat_failing = std::any_of(
      status_.chat_sources.begin(), status_.chat_sources.end(),
      [](const chat::SourceStats& source) { return source.state == "reconnecting" || source.state == "refused"; });
  return api_failing || chat_failing;
}

// After the stream has stopped, on the way out: the owner's command (the image: poweroff). No
// shell: the configuration gives the argument vector. Waited for (at most 10 s, the loop has
// ended) because systemd ends every process of the unit once the box has exited.
void StreamingApp::run_long_press_command() const {
  constexpr guint kCommandWaitMs = 10'000;
  std::vector<const gchar*> argv;
  argv.reserve(config_.board.long_press_command.size() + 1);
  for (const auto& arg : config_.board.long_press_command) argv.push_back(arg.c_str());
  argv.push_back(nullptr);
  GError* raw = nullptr;
  const GObjectPtr<GSubprocess> process(g_subprocess_newv(argv.data(), G_SUBPROCESS_FLAGS_NONE, &raw));
  const GErrorPtr error(raw);
  if (!process) {
    log::error("board.long_press_command could not start: ", error ? error->message : "unknown error");
    return;
  }
  log::notice("board.long_press_command started");
  const GMainLoopPtr wait(g_main_loop_new(nullptr, FALSE));
  // The wait owns its loop reference and the flag: it may end after this function when the
  // deadline wins (and GSubprocess must not be asked for an exit status before it exited).
  struct Waiting {
    GMainLoopPtr loop;
    std::shared_ptr<bool> exited;
  };
  const auto exited = std::make_shared<bool>(false);
  g_subprocess_wait_async(
      process.get(), nullptr,
      [](GObject*, GAsyncResult*, gpointer data) {
        const auto waiting = take_user_data<Waiting>(data);
        *waiting->exited = true;
        g_main_loop_quit(waiting->loop.get());
      },
      to_user_data(Waiting{GMainLoopPtr(g_main_loop_ref(wait.get())), exited}));
  const SourceId deadline(g_timeout_add(
      kCommandWaitMs,
      [](gpointer loop) -> gboolean {
        g_main_loop_quit(static_cast<GMainLoop*>(loop));
        return G_SOURCE_CONTINUE;  // removed by `deadline`
      },
      wait.get()));
  g_main_loop_run(wait.get());
  if (!*exited) {
    log::warning("board.long_press_command still runs after ", kCommandWaitMs / 1000, " s; leaving it");
  } else if (!g_subprocess_get_successful(process.get())) {
    log::warning("board.long_press_command failed (exit status ", g_subprocess_get_status(process.get()), ")");
  }
}

// systemd: READY=1 once the production pipeline plays (the first time; a rebuild is not a
// new start), from then on the watchdog wants frames.
void StreamingApp::pipeline_runs() {
  service_watchdog_->pipeline_running();
  if (ready_sent_) return;
  ready_sent_ = true;
  service_manager_->ready();
}

// STATUS= is the phase as `status` names it, with the problem when there is one.
void StreamingApp::tell_service_manager(const live::LiveState& now, const live::LiveState& before) {
  std::string text(live::phase_name(now.phase));
  if (!now.problem.empty()) text += ": " + now.problem;
  if (text != service_status_) {
    service_status_ = text;
    service_manager_->status(text);
  }
  if (now.phase == live::Phase::stopping && before.phase != live::Phase::stopping) {
    service_watchdog_->stopping();
    service_manager_->stopping();
  }
}

// SIGHUP: the configuration file is read again off the loop; what can change without dropping
// the stream is applied (log.level, scene.title, thumbnail.interval_s, chat.blocked_words), the
// sections that changed otherwise are named in `status` as needing a restart. A file that does
// not parse changes nothing.
void StreamingApp::reload() {
  if (reloading_) {
    reload_again_ = true;  // the file may have changed again since it was read: read it once more
    return;
  }
  reloading_ = true;
  log::notice("SIGHUP: reading the configuration again");
  service_manager_->reloading();
  struct Outcome {
    std::optional<config::Config> config;
    std::string problem;
  };
  auto outcome = std::make_shared<Outcome>();
  run_off_loop(
      [reread = reread_config_, outcome] {
        try {
          outcome->config = reread();
        } catch (const config::ConfigError& error) {
          outcome->problem = error.what();
        } catch (const std::exception& error) {
          outcome->problem = std::string("cannot read the configuration: ") + error.what();
        }
      },
      [this, alive = std::weak_ptr<int>(alive_), outcome] {
        if (alive.expired()) return;
        reloading_ = false;
        status_.reloaded_unix_ms = status::unix_now_ms();
        if (outcome->config) {
          apply_reload(*outcome->config);
        } else {
          status_.reload_problem = outcome->problem;
          log::error("SIGHUP: ", outcome->problem, "; the running settings are kept");
        }
        if (ready_sent_) service_manager_->ready();  // before the pipeline ran, READY is still to come
        publish_status();
        if (std::exchange(reload_again_, false)) reload();
      });
}

void StreamingApp::apply_reload(const config::Config& next) {
  if (const auto level = log::level_from_name(next.log.level)) log::set_threshold(*level);
  screen_.set_title(next.scene.title);
  if (uploader_ && next.thumbnail.interval_s != running_.thumbnail.interval_s) {
    uploader_->set_interval_s(next.thumbnail.interval_s);
  }
  chat_merger_.set_blocked_words(next.chat.blocked_words);
  running_.log = next.log;
  running_.scene.title = next.scene.title;
  running_.thumbnail.interval_s = next.thumbnail.interval_s;
  running_.chat.blocked_words = next.chat.blocked_words;
  // What differs beyond that needs a new process (the pipeline, the platform, the sources).
  status_.reload_problem.clear();
  status_.reload_needs_restart = config::changed_sections(running_, next);
  std::string pending;
  for (const auto& section : status_.reload_needs_restart) pending += (pending.empty() ? "" : ", ") + section;
  log::notice("SIGHUP: configuration applied",
              pending.empty() ? std::string() : "; changed but needing a restart: " + pending);
}

void StreamingApp::install_signal_handlers() {
  signals_ = std::make_unique<SignalWatch>(std::initializer_list<int>{SIGTERM, SIGINT, SIGUSR1, SIGUSR2, SIGHUP},
                                           [this](int signal) { on_signal(signal); });
  if (!signals_->active()) log::error("signals: ", signals_->problem(), "; SIGTERM ends the box without a clean stop");
}

void StreamingApp::on_signal(int signal) {
  switch (signal) {
    case SIGTERM:
    case SIGINT:
      stop("stop signal received");
      break;
    case SIGUSR1:
      write_thumbnail();
      break;
    case SIGUSR2:
      // `agentcast agent interrupt`; without an agent it is ignored (its default would end the box).
      if (agent_) agent_->interrupt();
      break;
    case SIGHUP:
      // `systemctl reload agentcast`: the configuration again, without dropping the stream.
      reload();
      break;
    default:
      break;
  }
}

void StreamingApp::stop(const std::string& reason) {
  const auto phase = machine_.state().phase;
  if (phase == live::Phase::stopping || phase == live::Phase::stopped) {
    log::warning(reason, " while stopping: stopping now");
    quit();
    return;
  }
  machine_.post(live::event::StopRequested{reason});
}

void StreamingApp::show_on_screen(const live::LiveState& now) {
  scene::StreamStatus shown;
  shown.label = now.label;
  shown.live = now.on_air();
  shown.notice = now.notice;
  if (now.platform && now.on_air()) {
    shown.viewers = static_cast<int>(now.platform->viewers);
    shown.uptime_s = now.platform->uptime_s;
  }
  if (!(shown == screen_.status())) screen_.set_status(std::move(shown));
}

void StreamingApp::record_state(const live::LiveState& now, const live::LiveState& before) {
  if (now.phase != before.phase || now.attempt != before.attempt) {
    status_.phase_since_unix_ms = status::unix_now_ms();
  }
  status_.phase = now.phase;
  status_.label = now.label;
  status_.problem = now.problem;
  status_.retry_in_s = now.retry_in_s;
  status_.restarts = now.restarts();
  if (now.phase == before.phase) return;
  if (now.phase == live::Phase::credentials_rejected) {
    log::error("retake.tv rejected the access token (", now.problem, "): check ", account_->token.origin,
               " or register again; trying again once a minute");
  } else if (now.phase == live::Phase::platform_error) {
    log::error("retake.tv refused to start the stream (", now.problem, "); trying again once a minute");
  }
  publish_status();  // `status` sees a change at once
}

// The pipeline follows the phase: a connection while an attempt publishes, none while waiting,
// everything down when stopping; the loop ends when the machine has stopped.
void StreamingApp::drive_pipeline(const live::LiveState& now, const live::LiveState& before) {
  if (now.phase == before.phase && now.attempt == before.attempt) return;
  switch (now.phase) {
    case live::Phase::connecting: {
      const std::string location = target_->location();
      if (const auto url = parse_url(location)) {
        status_.server_host = url->port > 0 ? url->host + ":" + std::to_string(url->port) : url->host;
      }
      output_attempt_ = now.attempt;
      supervisor_->connect(location);
      break;
    }
    case live::Phase::reconnecting:
    case live::Phase::credentials_rejected:
    case live::Phase::platform_error:
      supervisor_->disconnect();
      break;
    case live::Phase::off_air:
      // The platform is told the stream ended; the picture keeps running for the next go.
      supervisor_->disconnect();
      target_->finish([] {});
      break;
    case live::Phase::stopping:
      shutdown_deadline_.once(kShutdownDeadlineMs, [this] {
        log::error("shutdown did not finish within ", kShutdownDeadlineMs, " ms; exiting");
        quit();
      });
      supervisor_->close();
      break;
    case live::Phase::stopped:
      quit();
      break;
    default:
      break;
  }
}

void StreamingApp::publish_status() {
  const double now_s = static_cast<double>(g_get_monotonic_time()) / G_USEC_PER_SEC;
  const auto pipeline = supervisor_->snapshot();
  frames_in_.add(now_s, static_cast<double>(feed_.frames_pushed()));
  frames_out_.add(now_s, static_cast<double>(pipeline.frames_encoded));
  if (pipeline.publishing) {
    bytes_out_.add(now_s, static_cast<double>(pipeline.bytes_sent));
  } else {
    bytes_out_.clear();
  }
  status_.fps_in = frames_in_.rate();
  status_.fps_out = frames_out_.rate();
  status_.bitrate_kbps = bytes_out_.rate() * 8 / 1000;
  status_.frames_dropped = feed_.frames_dropped();
  status_.chat_shown = chat_merger_.counters().shown;
  status_.chat_blocked = chat_merger_.counters().blocked;
  status_.chat_held_back = chat_merger_.counters().over_rate;
  status_.chat_sources.clear();
  for (const auto* source : chat_sources_) status_.chat_sources.push_back(source->stats());
  if (agent_) status_.agent = agent_->stats();
  if (notifier_) status_.notify = notifier_->stats();
  status_.frames_skipped = pipeline.frames_skipped;
  status_.video_encoder = pipeline.video_encoder;
  status_.audio_source = pipeline.audio_source;
  status_.fallbacks = pipeline.fallbacks;
  if (front_panel_) status_.gpio_left_out = front_panel_->problems();
  status_.pipeline_rebuilds = pipeline.production_restarts;
  status_.log_file_problem = log_follower_.problem().empty()
                                 ? std::string()
                                 : sanitize_for_log(config_.scene.log_file, 200) + " " + log_follower_.problem();
  status_.updated_unix_ms = status::unix_now_ms();
  status_file_.publish(status_);
  show_on_leds();  // "degraded" follows the API and the chat sources, which change without a new phase
}

void StreamingApp::quit() { g_main_loop_quit(loop_.get()); }

void StreamingApp::write_thumbnail() {
  const std::string path = config_.thumbnail.path;
  thumbnails_.request([this, path](const std::optional<pipeline::Thumbnail>& thumbnail, const std::string& why) {
    if (!thumbnail) {
      log::warning("thumbnail: ", why);
      return;
    }
    status_.last_thumbnail_unix_ms = status::unix_now_ms();
    status_.last_thumbnail_encode_ms = thumbnail->elapsed_ms;
    GObjectPtr<GFile> file(g_file_new_for_path(path.c_str()));
    GBytesPtr bytes(g_bytes_new(thumbnail->jpeg.data(), thumbnail->jpeg.size()));
    log::debug("thumbnail: writing ", thumbnail->jpeg.size(), " bytes");
    // Written next to the target and renamed over it, asynchronously: a reader never sees half
    // a JPEG and the loop never waits on the disk.
    g_file_replace_contents_bytes_async(
        file.get(), bytes.get(), nullptr, FALSE, G_FILE_CREATE_REPLACE_DESTINATION, nullptr,
        [](GObject* source, GAsyncResult* result, gpointer) {
          GError* raw_error = nullptr;
          GCharPtr where(g_file_get_path(G_FILE(source)));
          if (g_file_replace_contents_finish(G_FILE(source), result, nullptr, &raw_error)) {
            log::info("thumbnail written to ", where.get());
          } else {
            GErrorPtr error(raw_error);
            log::warning("thumbnail: cannot write ", where.get(), ": ", error->message);
          }
        },
        nullptr);
  });
}

}  // namespace agentcast::app
