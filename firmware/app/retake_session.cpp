#include "app/retake_session.hpp"

#include "common/log.hpp"
#include "common/untrusted_text.hpp"

#include <thread>

namespace agentcast::app {
namespace {

constexpr int kCommentsPageLimit = 50;
constexpr guint kConfirmIntervalMs = 2000;
constexpr int kConfirmAttempts = 15;  // 30 s, then the whole sequence starts over
constexpr guint kHeartbeatMs = 30000;
constexpr double kCredentialsRetryS = 60;

guint ms(double seconds) { return static_cast<guint>(seconds * 1000); }

}  // namespace

RetakeSession::RetakeSession(const config::Config& config, platform::Credentials credentials,
                             platform::HttpClient& http, state::ScreenState& screen, media::ThumbnailTap& thumbnails)
    : config_(config),
      credentials_(std::move(credentials)),
      client_(http, config.platform.api_base, config.platform.skill_url),
      screen_(screen),
      thumbnails_(thumbnails),
      cursor_(kCommentsPageLimit, credentials_.user_db_id),
      cadence_(config.chat.poll_active_s, config.chat.poll_quiet_s) {
  client_.set_access_token(credentials_.access_token);
}

void RetakeSession::acquire(const Acquired& done) {
  const auto generation = ++generation_;
  client_.fetch_rtmp([this, generation, done](const platform::ApiResult<platform::RtmpEndpoint>& rtmp) {
    if (generation != generation_) return;
    if (!rtmp.ok()) {
      if (rtmp.error.kind == platform::ApiError::Kind::unauthorized) {
        credentials_rejected(rtmp.error.message);
        done(std::nullopt, kCredentialsRetryS);
      } else {
        log::warning("go-live: ", rtmp.error.message);
        done(std::nullopt, 0);
      }
      return;
    }
    const std::string location = rtmp.value->publish_url();
    client_.start_stream([this, generation, done, location](const platform::ApiResult<platform::StreamStart>& start) {
      if (generation != generation_) return;
      if (!start.ok()) {
        log::warning("go-live: ", start.error.message);
        done(std::nullopt, start.error.kind == platform::ApiError::Kind::unauthorized ? kCredentialsRetryS : 0);
        return;
      }
      session_started_ = true;
      store_token(*start.value);
      log::info("go-live: fresh key fetched and session started");
      done(location, 0);
    });
  });
}

void RetakeSession::on_publishing() {
  confirm_attempts_ = 0;
  confirm_live();
}

void RetakeSession::confirm_live() {
  const auto generation = generation_;
  client_.stream_status([this, generation](const platform::ApiResult<platform::StreamStatus>& status) {
    if (generation != generation_ || live_) return;
    if (status.ok() && status.value->is_live) {
      show_status(*status.value);
      went_live();
      return;
    }
    if (!status.ok()) log::warning("go-live: ", status.error.message);
    if (++confirm_attempts_ >= kConfirmAttempts) {
      request_restart("the platform did not report the stream live within 30 s");
      return;
    }
    confirm_timer_.once(kConfirmIntervalMs, [this] { confirm_live(); });
  });
}

void RetakeSession::went_live() {
  live_ = true;
  log::notice("live on retake.tv");
  upload_thumbnail("first");
  poll_chat(std::nullopt);
  thumbnail_timer_.every(ms(config_.thumbnail.interval_s), [this] { upload_thumbnail("periodic"); });
  heartbeat_timer_.every(kHeartbeatMs, [this] { heartbeat(); });
}

void RetakeSession::upload_thumbnail(const char* why) {
  const auto generation = generation_;
  thumbnails_.request(
      [this, generation, why](const std::optional<media::Thumbnail>& thumbnail, const std::string& error) {
        if (generation != generation_) return;
        if (!thumbnail) {
          log::warning("thumbnail: ", error);
          return;
        }
        client_.update_thumbnail(thumbnail->jpeg, [why](const platform::ApiResult<platform::ThumbnailResult>& result) {
          if (result.ok()) {
            log::info("thumbnail uploaded (", why, ")");
          } else {
            log::warning("thumbnail: ", result.error.message);
          }
        });
      });
}

void RetakeSession::poll_chat(const std::optional<std::string>& before_id) {
  const auto generation = generation_;
  client_.comments(
      credentials_.user_db_id, kCommentsPageLimit, before_id,
      [this, generation](const platform::ApiResult<std::vector<platform::ChatComment>>& page) {
        if (generation != generation_) return;
        const double now_s = static_cast<double>(g_get_monotonic_time()) / G_USEC_PER_SEC;
        if (!page.ok()) {
          if (page.error.kind == platform::ApiError::Kind::unauthorized) {
            credentials_rejected(page.error.message);
            return;
          }
          if (page.error.kind == platform::ApiError::Kind::conflict) {
            // No active session on the platform's side: announce it again, then go on.
            client_.start_stream([](const platform::ApiResult<platform::StreamStart>&) {});
          } else {
            log::warning("chat: ", page.error.message);
          }
          schedule_chat_poll(cadence_.next_delay_s(now_s));
          return;
        }
        const auto step = cursor_.accept(*page.value);
        if (step.page_back_before) {
          poll_chat(step.page_back_before);
          return;
        }
        for (const auto& comment : step.fresh) {
          screen_.append_chat_line({sanitize_line(comment.author_name, 40), sanitize_line(comment.text, 300)});
          ++chat_shown_;
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
  client_.stream_status([this, generation](const platform::ApiResult<platform::StreamStatus>& status) {
    if (generation != generation_) return;
    if (!status.ok()) {
      if (status.error.kind == platform::ApiError::Kind::unauthorized) credentials_rejected(status.error.message);
      log::warning("heartbeat: ", status.error.message);
      return;
    }
    show_status(*status.value);
    if (!status.value->is_live) request_restart("the platform reports the stream offline");
  });
}

void RetakeSession::show_status(const platform::StreamStatus& status) {
  state::StreamStatus shown = screen_.status();
  shown.live = status.is_live;
  shown.label = status.is_live ? "LIVE" : "OFFLINE";
  shown.viewers = static_cast<int>(status.viewers);
  shown.uptime_s = status.uptime_seconds;
  screen_.set_status(shown);
}

void RetakeSession::credentials_rejected(const std::string& message) {
  log::error("retake.tv rejected the access token (", message, "): check ", config_.platform.credentials,
             " or register again; retrying once a minute");
  stop_timers();
  state::StreamStatus shown = screen_.status();
  shown.live = false;
  shown.label = "CREDENTIALS REJECTED";
  screen_.set_status(shown);
  request_restart("credentials rejected");
}

void RetakeSession::store_token(const platform::StreamStart& start) {
  if (start.token_address.empty() || start.token_address == credentials_.token_address) return;
  credentials_.token_address = start.token_address;
  credentials_.token_ticker = start.token_ticker;
  // The file write (with fsyncs) happens off the main loop.
  std::thread([path = config_.platform.credentials, credentials = credentials_] {
    try {
      platform::save_credentials(path, credentials);
    } catch (const platform::CredentialsError& error) {
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
}

void RetakeSession::finish(const std::function<void()>& done) {
  ++generation_;
  stop_timers();
  if (!session_started_) {
    done();
    return;
  }
  client_.stop_stream([done](const platform::ApiResult<platform::StopResult>& result) {
    if (result.ok()) {
      log::notice("stream stopped on retake.tv: ", result.value->duration_seconds, " s, ", result.value->viewers,
                  " viewers");
    } else {
      log::warning("stream/stop: ", result.error.message);
    }
    done();
  });
}

void RetakeSession::check_skill_version() {
  client_.skill_version([](const platform::ApiResult<std::string>& version) {
    if (!version.ok()) {
      log::info("skill.json check skipped: ", version.error.message);
      return;
    }
    if (platform::is_newer_version(*version.value, platform::kSkillVersion)) {
      log::warning("retake.tv skill version ", sanitize_for_log(*version.value, 32), " is newer than the ",
                   platform::kSkillVersion, " this firmware speaks");
    }
  });
}

}  // namespace agentcast::app
