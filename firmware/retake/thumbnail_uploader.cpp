#include "retake/thumbnail_uploader.hpp"

#include "common/log.hpp"
#include "retake/go_live_target.hpp"

namespace agentcast::retake {
namespace {

// About half the log panel: when this many lines arrived since the last thumbnail, the
// picture has changed a lot.
constexpr std::uint64_t kBigChangeLines = 15;
constexpr std::int64_t kChangeCheckMs = 1000;

}  // namespace

ThumbnailUploader::ThumbnailUploader(const config::Config& config, StreamApi& client, live::GoLive& machine,
                                     live::Clock& clock, std::function<double()> unit_random,
                                     pipeline::ThumbnailTap& thumbnails, const scene::ScreenState& screen,
                                     status::BoxStatus& status)
    : config_(config),
      client_(client),
      machine_(machine),
      clock_(clock),
      thumbnails_(thumbnails),
      screen_(screen),
      status_(status),
      retries_(live::policy::kThumbnails, std::move(unit_random)),
      interval_s_(config.thumbnail.interval_s) {
  machine_.subscribe([this](const live::LiveState& now, const live::LiveState& before) { on_change(now, before); });
}

void ThumbnailUploader::on_change(const live::LiveState& now, const live::LiveState& before) {
  const bool was_live = before.phase == live::Phase::live && before.attempt == now.attempt;
  if (now.phase == live::Phase::live && !was_live) {
    upload(now.attempt, "first");
    schedule_periodic(now.attempt);
    check_change(now.attempt);
  } else if (now.phase != live::Phase::live) {
    periodic_.reset();
    retry_.reset();
    change_check_.reset();
  }
}

void ThumbnailUploader::set_interval_s(double interval_s) {
  interval_s_ = interval_s;
  if (periodic_) schedule_periodic(machine_.state().attempt);
}

void ThumbnailUploader::schedule_periodic(std::uint64_t attempt) {
  periodic_ = clock_.after(static_cast<std::int64_t>(interval_s_ * 1000), [this, attempt] {
    upload(attempt, "periodic");
    schedule_periodic(attempt);
  });
}

void ThumbnailUploader::check_change(std::uint64_t attempt) {
  const bool changed_a_lot = screen_.lines_added() - lines_at_last_ >= kBigChangeLines;
  const bool gap_passed =
      clock_.now_ms() - last_upload_ms_ >= static_cast<std::int64_t>(config_.thumbnail.min_gap_s * 1000);
  if (changed_a_lot && gap_passed) upload(attempt, "picture changed");
  change_check_ = clock_.after(kChangeCheckMs, [this, attempt] { check_change(attempt); });
}

void ThumbnailUploader::upload(std::uint64_t attempt, const char* why) {
  retry_.reset();
  lines_at_last_ = screen_.lines_added();
  last_upload_ms_ = clock_.now_ms();
  const auto current = [this, attempt] {
    return machine_.state().attempt == attempt && machine_.state().phase == live::Phase::live;
  };
  const bool first = std::string_view(why) == "first";
  thumbnails_.request([this, attempt, why, first, current](const std::optional<pipeline::Thumbnail>& thumbnail,
                                                           const std::string& error) {
    if (!current()) return;
    if (!thumbnail) {
      log::warning("thumbnail: ", error);
      first_done(attempt, first);
      return;
    }
    const double encode_ms = thumbnail->elapsed_ms;
    client_.update_thumbnail(
        thumbnail->jpeg, [this, attempt, why, first, encode_ms, current](const ApiResult<ThumbnailResult>& result) {
          if (!current()) return;
          first_done(attempt, first);
          if (result.ok()) {
            retries_.reset();
            status_.last_thumbnail_unix_ms = status::unix_now_ms();
            status_.last_thumbnail_encode_ms = encode_ms;
            log::info("thumbnail uploaded (", why, ")");
            return;
          }
          const auto failure =
              report_failed_call(machine_, status_, attempt, live::Step::thumbnail, "thumbnail", result.error);
          if (failure == live::Failure::transient) {
            retry_ = clock_.after(static_cast<std::int64_t>(retries_.next_delay_s() * 1000),
                                  [this, attempt] { upload(attempt, "retry"); });
          }
        });
  });
}

void ThumbnailUploader::first_done(std::uint64_t attempt, bool first) const {
  if (first && first_done_) first_done_(attempt);
}

}  // namespace agentcast::retake
