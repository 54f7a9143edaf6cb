#include "retake/opening_message.hpp"

#include "common/log.hpp"
#include "retake/go_live_target.hpp"

namespace agentcast::retake {

OpeningMessage::OpeningMessage(const config::Config& config, const Credentials& credentials, StreamApi& client,
                               live::GoLive& machine, live::Clock& clock, status::BoxStatus& status)
    : config_(config), credentials_(credentials), client_(client), machine_(machine), clock_(clock), status_(status) {
  machine_.subscribe([this](const live::LiveState& now, const live::LiveState& before) { on_change(now, before); });
}

void OpeningMessage::on_change(const live::LiveState& now, const live::LiveState& before) {
  const bool was_live = before.phase == live::Phase::live;
  const bool stays_live = was_live && now.phase == live::Phase::live && now.attempt == before.attempt;
  if (now.phase == live::Phase::live && !stays_live) {
    const auto off_limit_ms = static_cast<std::int64_t>(config_.chat.opening_after_off_s * 1000);
    const bool long_off_air = !ever_live_ || (off_air_since_ms_ && clock_.now_ms() - *off_air_since_ms_ > off_limit_ms);
    ever_live_ = true;
    off_air_since_ms_.reset();
    if (long_off_air && !config_.chat.opening_message.empty()) owed_ = true;
  } else if (was_live && now.phase != live::Phase::live) {
    off_air_since_ms_ = clock_.now_ms();
  }
}

void OpeningMessage::first_thumbnail_done(std::uint64_t attempt) {
  const auto& state = machine_.state();
  if (!owed_ || state.attempt != attempt || state.phase != live::Phase::live) return;
  owed_ = false;
  client_.send_chat(config_.chat.opening_message, credentials_.user_db_id,
                    [this, attempt](const ApiResult<Sent>& result) {
                      if (result.ok()) {
                        log::info("chat: opening message sent");
                        return;
                      }
                      // Not repeated blindly: a send that timed out may still have been said.
                      report_failed_call(machine_, status_, attempt, live::Step::chat, "opening message", result.error);
                    });
}

}  // namespace agentcast::retake
