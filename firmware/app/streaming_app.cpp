#include "app/streaming_app.hpp"

#include "app/cli.hpp"
#include "common/fault_barrier.hpp"
#include "common/log.hpp"
#include "common/redact.hpp"
#include "common/untrusted_text.hpp"
#include "common/urls.hpp"

#include <glib-unix.h>

#include <unistd.h>
#include <chrono>
#include <csignal>
#include <thread>

namespace agentcast::app {
namespace {

constexpr guint kProgressCheckMs = 1000;
// No byte reached the server for this long: the connection is wedged (rtmp2sink can stall
// without posting an error), so restart it.
constexpr gint64 kStallTimeoutUs = gint64{10} * G_USEC_PER_SEC;
// A stream that ran this long counts as healthy: the next failure starts the backoff afresh.
constexpr gint64 kHealthyAfterUs = gint64{30} * G_USEC_PER_SEC;
// EOS must reach the server within this; the contract allows 5 s for the whole exit, and the
// platform's stream/stop (at most 2.5 s) comes after it.
constexpr guint kEosTimeoutMs = 2000;
constexpr auto kHardExitAfter = std::chrono::milliseconds(4700);

}  // namespace

StreamingApp::StreamingApp(const config::Config& config, pipeline::PipelinePlan plan)
    : config_(config),
      plan_(std::move(plan)),
      loop_(g_main_loop_new(nullptr, FALSE)),
      renderer_(config.video.width, config.video.height, config.scene.font),
      feed_(config.video.fps),
      presenter_(screen_, renderer_, feed_, config.video.fps),
      log_follower_(config.scene.log_file, [this](std::string line) { screen_.append_log_line(std::move(line)); }),
      backoff_(0.5, 2.0, 0.2),
      status_file_(status::status_file_for_writing(config.status.file)) {
  screen_.set_title(config.scene.title);
  status_.pid = static_cast<int>(getpid());
  status_.version = AGENTCAST_VERSION;
  status_.platform_kind = config.platform.kind;
  status_.enter(status::Phase::starting, status::unix_now_ms());
}

StreamingApp::~StreamingApp() { teardown_pipeline(); }

void StreamingApp::set_target(std::unique_ptr<PublishTarget> target) {
  target_ = std::move(target);
  target_->on_restart_request([this](const std::string& why) { on_failed(why); });
}

int StreamingApp::run() {
  // A bug that throws where C called us ends the stream as SIGTERM would, then exits 1.
  const fault::LastResortScope last_resort([this](const std::string& what) {
    exit_code_ = kExitFailure;
    begin_shutdown(what);
  });
  auto on_stop_signal = [](gpointer self) -> gboolean {
    fault::contain("the stop signal",
                   [&] { static_cast<StreamingApp*>(self)->begin_shutdown("stop signal received"); });
    return G_SOURCE_CONTINUE;
  };
  sigterm_ = SourceId(g_unix_signal_add(SIGTERM, on_stop_signal, this));
  sigint_ = SourceId(g_unix_signal_add(SIGINT, on_stop_signal, this));
  sigusr1_ = SourceId(g_unix_signal_add(
      SIGUSR1,
      [](gpointer self) -> gboolean {
        fault::contain("SIGUSR1", [&] { static_cast<StreamingApp*>(self)->write_thumbnail(); });
        return G_SOURCE_CONTINUE;
      },
      this));
  // SIGHUP's default action ends the process without EOS or stream/stop; a box that is told
  // to reload must keep streaming (reloading settings is the appliance work's, not yet here).
  sighup_ = SourceId(g_unix_signal_add(
      SIGHUP,
      [](gpointer) -> gboolean {
        log::notice("SIGHUP received: nothing to reload in this version; streaming on");
        return G_SOURCE_CONTINUE;
      },
      nullptr));

  log::notice("agentcast ", AGENTCAST_VERSION, " on board ", plan_.board_name, ", encoder ",
              plan_.video_encoder.element, ", ", config_.video.width, "x", config_.video.height, "@", config_.video.fps,
              " ", config_.video.bitrate_kbps, " kbit/s");
  presenter_.start();
  log_follower_.start();
  start_pipeline();
  progress_timer_.every(kProgressCheckMs, [this] { every_second(); });
  publish_status();

  g_main_loop_run(loop_.get());

  teardown_pipeline();
  log::notice("stopped: ", feed_.frames_pushed(), " frames sent, ", feed_.frames_dropped(), " dropped, ",
              frames_skipped_before_, " still frames past the encoder, ", presenter_.renders(), " scene renders, ",
              restarts_, " restarts");
  return exit_code_;
}

void StreamingApp::start_pipeline() {
  restart_timer_.stop();
  set_status_label("CONNECTING", false);
  acquiring_ = true;
  target_->acquire([this](std::optional<std::string> location, double retry_after_s) {
    acquiring_ = false;
    if (stopping_) {
      finish_target();
      return;
    }
    if (!location) {
      set_status_label("RECONNECTING", false);
      schedule_restart(retry_after_s > 0 ? retry_after_s : -1);
      return;
    }
    build_pipeline(*location);
  });
}

void StreamingApp::build_pipeline(const std::string& location) {
  location_ = location;
  redacted_location_ = redact_stream_url(location_);
  if (const auto url = parse_url(location_)) {
    status_.server_host = url->port > 0 ? url->host + ":" + std::to_string(url->port) : url->host;
  }
  status_.enter(status::Phase::connecting, status::unix_now_ms());
  try {
    pipeline_ = std::make_unique<pipeline::StreamPipeline>(plan_.description, location_,
                                                           pipeline::StreamPipeline::Events{
                                                               [this] { on_playing(); },
                                                               [this](const std::string& why) { on_failed(why); },
                                                               [this] { on_finished(); },
                                                           });
  } catch (const pipeline::PipelineError& error) {
    on_failed(error.what());
    return;
  }
  thumbnails_.attach(pipeline_->element("thumbnail_encoder"), pipeline_->element("thumbnail_sink"));
  last_bytes_ = 0;
  last_progress_us_ = g_get_monotonic_time();
  streaming_ = false;
  pipeline_->play();
}

void StreamingApp::teardown_pipeline() {
  feed_.stop();
  thumbnails_.detach();
  if (pipeline_) frames_skipped_before_ += pipeline_->frames_skipped();
  pipeline_.reset();
  streaming_ = false;
}

void StreamingApp::on_playing() {
  GstElement* appsrc = pipeline_->element("scene_src");
  const auto clock = pipeline_->clock();
  if (appsrc == nullptr || !clock) {
    on_failed("the pipeline has no scene_src element or no clock");
    return;
  }
  feed_.start(appsrc, clock.get(), pipeline_->base_time());
}

void StreamingApp::on_failed(const std::string& why) {
  if (stopping_) {
    log::warning("while stopping: ", why);
    finish_target();
    return;
  }
  log::error("stream failed: ", why);
  target_->on_interrupted();
  teardown_pipeline();
  set_status_label("RECONNECTING", false);
  schedule_restart();
}

void StreamingApp::on_finished() {
  if (stopping_) {
    log::info("end of stream reached the server");
    finish_target();
    return;
  }
  on_failed("the pipeline ended unexpectedly");
}

void StreamingApp::every_second() {
  watch_progress();
  publish_status();
}

void StreamingApp::publish_status() {
  const double now_s = static_cast<double>(g_get_monotonic_time()) / G_USEC_PER_SEC;
  frames_in_.add(now_s, static_cast<double>(feed_.frames_pushed()));
  if (pipeline_) {
    frames_out_.add(now_s, static_cast<double>(pipeline_->frames_encoded()));
    bytes_out_.add(now_s, static_cast<double>(last_bytes_));
  } else {
    frames_out_.clear();
    bytes_out_.clear();
  }
  status_.fps_in = frames_in_.rate();
  status_.fps_out = frames_out_.rate();
  status_.bitrate_kbps = bytes_out_.rate() * 8 / 1000;
  status_.frames_dropped = feed_.frames_dropped();
  status_.frames_skipped = frames_skipped_before_ + (pipeline_ ? pipeline_->frames_skipped() : 0);
  status_.restarts = restarts_;
  status_.log_file_problem = log_follower_.problem().empty()
                                 ? std::string()
                                 : sanitize_for_log(config_.scene.log_file, 200) + " " + log_follower_.problem();
  status_.updated_unix_ms = status::unix_now_ms();
  status_file_.publish(status_);
}

void StreamingApp::watch_progress() {
  if (!pipeline_ || stopping_) return;
  const gint64 now = g_get_monotonic_time();
  const auto bytes = pipeline_->bytes_sent();
  if (bytes && *bytes > last_bytes_) {
    last_bytes_ = *bytes;
    last_progress_us_ = now;
    if (!streaming_) {
      streaming_ = true;
      streaming_since_us_ = now;
      log::notice("streaming to ", redacted_location_);
      set_status_label("LIVE", true);
      status_.enter(status::Phase::live, status::unix_now_ms());
      target_->on_publishing();  // a platform may still have to confirm it
    }
  }
  if (streaming_ && now - streaming_since_us_ > kHealthyAfterUs) backoff_.reset();
  if (now - last_progress_us_ > kStallTimeoutUs) {
    on_failed(streaming_ ? "no data reached the server for 10 s (connection stalled)"
                         : "could not start publishing within 10 s");
  }
}

void StreamingApp::schedule_restart(double delay_s) {
  const double delay = delay_s >= 0 ? delay_s : backoff_.next_delay(g_random_double());
  ++restarts_;
  if (status_.phase != status::Phase::credentials_rejected) {
    status_.enter(status::Phase::reconnecting, status::unix_now_ms());
  }
  log::info("restarting the stream in ", static_cast<int>(delay * 1000), " ms (attempt ", backoff_.attempts(), ")");
  restart_timer_.once(static_cast<guint>(delay * 1000), [this] { start_pipeline(); });
}

void StreamingApp::begin_shutdown(const std::string& reason) {
  if (stopping_) {
    log::warning(reason, " while stopping: stopping now");
    quit();
    return;
  }
  stopping_ = true;
  status_.enter(status::Phase::stopping, status::unix_now_ms());
  publish_status();
  log::notice(reason, ": ending the stream");
  // Last resort if a teardown step hangs (a dead socket can block a state change): the
  // contract promises exit within 5 s.
  std::thread([code = exit_code_] {
    std::this_thread::sleep_for(kHardExitAfter);
    log::error("shutdown did not finish in time; exiting");
    _exit(code);
  }).detach();
  restart_timer_.stop();
  if (acquiring_) return;  // the answer arrives soon and finishes the target then
  if (!pipeline_ || !streaming_) {
    teardown_pipeline();
    finish_target();
    return;
  }
  feed_.stop();
  pipeline_->finish();
  shutdown_timer_.once(kEosTimeoutMs, [this] {
    log::warning("end of stream did not reach the server within ", kEosTimeoutMs, " ms");
    finish_target();
  });
}

// After EOS (or instead of it): close the connection, then let the target say goodbye to
// the platform, then leave the loop.
void StreamingApp::finish_target() {
  shutdown_timer_.stop();
  teardown_pipeline();
  target_->finish([this] { quit(); });
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

void StreamingApp::set_status_label(const char* label, bool live) {
  scene::StreamStatus status = screen_.status();
  status.label = label;
  status.live = live;
  screen_.set_status(std::move(status));
}

}  // namespace agentcast::app
