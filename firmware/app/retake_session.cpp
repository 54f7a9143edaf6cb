#include "app/retake_session.hpp"

#include "common/log.hpp"
#include "common/untrusted_text.hpp"

#include <algorithm>
#include <thread>

namespace agentcast::app {
namespace {

constexpr int kCommentsPageLimit = 50;
constexpr guint kConfirmIntervalMs = 2000;
constexpr int kConfirmAttempts = 15;  // 30 s, then the whole sequence starts over
constexpr guint kHeartbeatMs = 30000;
constexpr double kCredentialsRetryS = 60;
// About half the log panel: when this many lines arrived since the last thumbnail, the
// picture has changed a lot.
constexpr std::uint64_t kBigChangeLines = 15;
constexpr guint kChangeCheckMs = 1000;

using Kind = retake::ApiError::Kind;

// Worth retrying soon: the platform or the network had a bad moment.
bool is_transient(const retake::ApiError& error) {
  return error.kind == Kind::transport || error.kind == Kind::server || error.kind == Kind::invalid_response ||
         error.kind == Kind::other;
}

guint ms(double seconds) { return static_cast<guint>(seconds * 1000); }

}  // namespace

RetakeSession::RetakeSession(const config::Config& config, retake::Credentials credentials, net::HttpClient& http,
                             scene::ScreenState& screen, pipeline::ThumbnailTap& thumbnails, status::BoxStatus& status)
    : config_(config),
      credentials_(std::move(credentials)),
      client_(http, config.platform.api_base, config.platform.skill_url),
      screen_(screen),
      thumbnails_(thumbnails),
      status_(status),
      cursor_(kCommentsPageLimit, credentials_.user_db_id),
      cadence_(config.chat.poll_active_s, config.chat.poll_quiet_s),
      go_live_backoff_(1, 60, 0.3),
      chat_backoff_(2, 60, 0.3),
      thumbnail_backoff_(5, 60, 0.3) {
  client_.set_access_token(credentials_.access_token);
}

void RetakeSession::acquire(const Acquired& done) {
  const auto generation = ++generation_;
  status_.enter(status::Phase::fetching_key, status::unix_now_ms());
  client_.fetch_rtmp([this, generation, done](const retake::ApiResult<retake::RtmpEndpoint>& rtmp) {
    if (generation != generation_) return;
    if (!rtmp.ok()) {
      record_error("go-live", rtmp.error);
      done(std::nullopt, acquire_retry_delay(rtmp.error));
      return;
    }
    const std::string location = rtmp.value->publish_url();
    status_.enter(status::Phase::starting_session, status::unix_now_ms());
    client_.start_stream([this, generation, done, location](const retake::ApiResult<retake::StreamStart>& start) {
      if (generation != generation_) return;
      if (!start.ok()) {
        record_error("go-live", start.error);
        done(std::nullopt, acquire_retry_delay(start.error));
        return;
      }
      session_started_ = true;
      store_token(*start.value);
      log::info("go-live: fresh key fetched and session started");
      done(location, 0);
    });
  });
}

double RetakeSession::acquire_retry_delay(const retake::ApiError& error) {
  if (error.kind == Kind::unauthorized) {
    credentials_rejected(error.message);
    return kCredentialsRetryS;
  }
  if (is_transient(error)) return go_live_backoff_.next_delay(g_random_double());
  return 0;  // the caller's own restart backoff
}

void RetakeSession::record_error(const char* what, const retake::ApiError& error) {
  log::warning(what, ": ", error.message);
  status_.api_error(std::string(what) + ": " + error.message, status::unix_now_ms());
}

void RetakeSession::on_publishing() {
  confirm_attempts_ = 0;
  status_.enter(status::Phase::confirming_live, status::unix_now_ms());
  confirm_live();
}

void RetakeSession::confirm_live() {
  const auto generation = generation_;
  client_.stream_status([this, generation](const retake::ApiResult<retake::StreamStatus>& status) {
    if (generation != generation_ || live_) return;
    if (status.ok() && status.value->is_live) {
      show_status(*status.value);
      went_live();
      return;
    }
    if (!status.ok()) record_error("go-live", status.error);
    if (++confirm_attempts_ >= kConfirmAttempts) {
      request_restart("the platform did not report the stream live within 30 s");
      return;
    }
    confirm_timer_.once(kConfirmIntervalMs, [this] { confirm_live(); });
  });
}

void RetakeSession::went_live() {
  live_ = true;
  go_live_backoff_.reset();
  status_.enter(status::Phase::live, status::unix_now_ms());
  log::notice("live on retake.tv");
  upload_thumbnail("first");
  poll_chat(std::nullopt);
  thumbnail_timer_.every(ms(config_.thumbnail.interval_s), [this] { upload_thumbnail("periodic"); });
  change_timer_.every(kChangeCheckMs, [this] { upload_if_picture_changed(); });
  heartbeat_timer_.every(kHeartbeatMs, [this] { heartbeat(); });
}

void RetakeSession::upload_if_picture_changed() {
  const bool changed_a_lot = screen_.lines_added() - lines_at_last_thumbnail_ >= kBigChangeLines;
  const bool gap_passed =
      g_get_monotonic_time() - last_thumbnail_us_ >= static_cast<gint64>(config_.thumbnail.min_gap_s * G_USEC_PER_SEC);
  if (changed_a_lot && gap_passed) upload_thumbnail("picture changed");
}

void RetakeSession::upload_thumbnail(const char* why) {
  const auto generation = generation_;
  thumbnail_retry_timer_.stop();
  lines_at_last_thumbnail_ = screen_.lines_added();
  last_thumbnail_us_ = g_get_monotonic_time();
  thumbnails_.request([this, generation, why](const std::optional<pipeline::Thumbnail>& thumbnail,
                                              const std::string& error) {
    if (generation != generation_) return;
    if (!thumbnail) {
      log::warning("thumbnail: ", error);
      return;
    }
    const double encode_ms = thumbnail->elapsed_ms;
    client_.update_thumbnail(
        thumbnail->jpeg, [this, generation, why, encode_ms](const retake::ApiResult<retake::ThumbnailResult>& result) {
          if (generation != generation_) return;
          if (result.ok()) {
            thumbnail_backoff_.reset();
            status_.last_thumbnail_unix_ms = status::unix_now_ms();
            status_.last_thumbnail_encode_ms = encode_ms;
            log::info("thumbnail uploaded (", why, ")");
            return;
          }
          record_error("thumbnail", result.error);
          if (result.error.kind == Kind::unauthorized) {
            credentials_rejected(result.error.message);
          } else if (is_transient(result.error)) {
            const double delay = thumbnail_backoff_.next_delay(g_random_double());
            thumbnail_retry_timer_.once(ms(delay), [this] { upload_thumbnail("retry"); });
          }
        });
  });
}

void RetakeSession::poll_chat(const std::optional<std::string>& before_id) {
  const auto generation = generation_;
  client_.comments(
      credentials_.user_db_id, kCommentsPageLimit, before_id,
      [this, generation](const retake::ApiResult<std::vector<retake::ChatComment>>& page) {
        if (generation != generation_) return;
        const double now_s = static_cast<double>(g_get_monotonic_time()) / G_USEC_PER_SEC;
        ++status_.chat_polls;
        if (!page.ok()) {
          ++status_.chat_poll_errors;
          record_error("chat", page.error);
          if (page.error.kind == Kind::unauthorized) {
            credentials_rejected(page.error.message);
            return;
          }
          double delay = cadence_.next_delay_s(now_s);
          if (page.error.kind == Kind::conflict) {
            // No active session on the platform's side: announce it again, then go on.
            client_.start_stream([](const retake::ApiResult<retake::StreamStart>&) {});
          } else if (is_transient(page.error)) {
            delay = std::max(delay, chat_backoff_.next_delay(g_random_double()));
          }
          schedule_chat_poll(delay);
          return;
        }
        chat_backoff_.reset();
        const auto step = cursor_.accept(*page.value);
        if (step.page_back_before) {
          poll_chat(step.page_back_before);
          return;
        }
        for (const auto& comment : step.fresh) {
          screen_.append_chat_line({sanitize_line(comment.author_name, 40), sanitize_line(comment.text, 300)});
          ++status_.chat_shown;
          log::debug("chat: shown comment ", sanitize_for_log(comment.id, 64));
        }
        if (!step.fresh.empty()) cadence_.comments_arrived(now_s);
        schedule_chat_poll(cadence_.next_delay_s(now_s));
      });
}

void RetakeSession::schedule_chat_poll(double delay_s) {
  chat_timer_.once(ms(delay_s), [this] { poll_chat(std::nullopt); });
}

void RetakeSession::heartbeat() {
  const auto generation = generation_;
  client_.stream_status([this, generation](const retake::ApiResult<retake::StreamStatus>& status) {
    if (generation != generation_) return;
    if (!status.ok()) {
      // A failed heartbeat is retried by the next one, 30 s later.
      record_error("heartbeat", status.error);
      if (status.error.kind == Kind::unauthorized) credentials_rejected(status.error.message);
      return;
    }
    show_status(*status.value);
    if (!status.value->is_live) request_restart("the platform reports the stream offline");
  });
}

void RetakeSession::show_status(const retake::StreamStatus& status) {
  scene::StreamStatus shown = screen_.status();
  shown.live = status.is_live;
  shown.label = status.is_live ? "LIVE" : "OFFLINE";
  shown.viewers = static_cast<int>(status.viewers);
  shown.uptime_s = status.uptime_seconds;
  screen_.set_status(shown);
  status_.platform_live = status.is_live;
  status_.viewers = static_cast<int>(status.viewers);
  status_.platform_uptime_s = status.uptime_seconds;
}

void RetakeSession::credentials_rejected(const std::string& message) {
  log::error("retake.tv rejected the access token (", message, "): check ", config_.platform.credentials,
             " or register again; retrying once a minute");
  stop_timers();
  status_.enter(status::Phase::credentials_rejected, status::unix_now_ms());
  scene::StreamStatus shown = screen_.status();
  shown.live = false;
  shown.label = "CREDENTIALS REJECTED";
  screen_.set_status(shown);
  request_restart("credentials rejected");
}

void RetakeSession::store_token(const retake::StreamStart& start) {
  if (start.token_address.empty() || start.token_address == credentials_.token_address) return;
  credentials_.token_address = start.token_address;
  credentials_.token_ticker = start.token_ticker;
  // The file write (with fsyncs) happens off the main loop.
  std::thread([path = config_.platform.credentials, credentials = credentials_] {
    try {
      retake::save_credentials(path, credentials);
    } catch (const retake::CredentialsError& error) {
      log::warning("could not store the token address: ", error.what());
    }
  }).detach();
}

void RetakeSession::on_interrupted() {
  ++generation_;
  live_ = false;
  stop_timers();
}

void RetakeSession::stop_timers() {
  confirm_timer_.stop();
  chat_timer_.stop();
  heartbeat_timer_.stop();
  thumbnail_timer_.stop();
  thumbnail_retry_timer_.stop();
  change_timer_.stop();
}

void RetakeSession::finish(const std::function<void()>& done) {
  ++generation_;
  stop_timers();
  if (!session_started_) {
    done();
    return;
  }
  client_.stop_stream([this, done](const retake::ApiResult<retake::StopResult>& result) {
    if (result.ok()) {
      log::notice("stream stopped on retake.tv: ", result.value->duration_seconds, " s, ", result.value->viewers,
                  " viewers");
    } else {
      record_error("stream/stop", result.error);
    }
    done();
  });
}

void RetakeSession::check_skill_version() {
  client_.skill_version([this](const retake::ApiResult<std::string>& version) {
    if (!version.ok()) {
      log::info("skill.json check skipped: ", version.error.message);
      return;
    }
    if (retake::is_newer_version(*version.value, retake::kSkillVersion)) {
      status_.skill_warning = "retake.tv skill version " + sanitize_for_log(*version.value, 32) +
                              " is newer than the " + std::string(retake::kSkillVersion) + " this firmware speaks";
      log::warning(status_.skill_warning);
    }
  });
}

}  // namespace agentcast::app
