#include "retake/chat_poller.hpp"

#include "common/log.hpp"
#include "retake/go_live_target.hpp"

#include <cmath>

namespace agentcast::retake {
namespace {

constexpr int kCommentsPageLimit = 50;

chat::ChatEvent chat_event_of(const ChatComment& comment) {
  chat::ChatEvent event;
  event.kind = comment.type == "tip" ? chat::EventKind::gift : chat::EventKind::chat;
  event.source = "retake-rest";
  event.platform = "retake";
  event.id = comment.id;
  event.user_id = comment.author_id;
  event.user_name = comment.author_name;
  event.text = comment.text;
  event.at_unix_ms = comment.timestamp_ms;
  if (event.kind == chat::EventKind::gift) event.amount = std::llround(comment.tip_amount.value_or(0));
  return event;
}

}  // namespace

ChatPoller::ChatPoller(const config::Config& config, const Credentials& credentials, StreamApi& client,
                       live::GoLive& machine, live::Clock& clock, std::function<double()> unit_random,
                       std::function<void(const chat::ChatEvent&)> publish, status::BoxStatus& status)
    : credentials_(credentials),
      client_(client),
      machine_(machine),
      clock_(clock),
      publish_(std::move(publish)),
      status_(status),
      cursor_(kCommentsPageLimit, credentials.user_db_id),
      cadence_(config.chat.poll_active_s, config.chat.poll_quiet_s),
      quiet_s_(config.chat.poll_quiet_s),
      retries_(live::policy::kChat, std::move(unit_random)) {
  machine_.subscribe([this](const live::LiveState& now, const live::LiveState& before) { on_change(now, before); });
}

void ChatPoller::on_change(const live::LiveState& now, const live::LiveState& before) {
  const bool was_live = before.phase == live::Phase::live && before.attempt == now.attempt;
  if (now.phase == live::Phase::live && !was_live) {
    retries_.reset();
    backing_off_ = false;
    polling_ = true;
    poll(now.attempt, std::nullopt);  // at once: viewers may already be talking
  } else if (now.phase != live::Phase::live) {
    polling_ = false;
    next_poll_.reset();
  }
}

void ChatPoller::set_realtime_healthy(bool healthy) {
  if (healthy == realtime_healthy_) return;
  realtime_healthy_ = healthy;
  // The socket went away: whatever it did not deliver since is fetched now, not after the
  // quiet interval. (A poll in flight reschedules itself when it completes.)
  if (!healthy && polling_ && !in_flight_ && !backing_off_) schedule(machine_.state().attempt, 0);
}

chat::SourceStats ChatPoller::stats() const {
  chat::SourceStats stats = delivered_;
  stats.kind = "retake-rest";
  stats.state = !polling_           ? "off-air"
                : backing_off_      ? "backing-off"
                : realtime_healthy_ ? "quiet (socket healthy)"
                                    : "polling";
  return stats;
}

double ChatPoller::next_delay_s(double now_s) const {
  return realtime_healthy_ ? quiet_s_ : cadence_.next_delay_s(now_s);
}

void ChatPoller::schedule(std::uint64_t attempt, double delay_s) {
  next_poll_ =
      clock_.after(static_cast<std::int64_t>(delay_s * 1000), [this, attempt] { poll(attempt, std::nullopt); });
}

void ChatPoller::poll(std::uint64_t attempt, const std::optional<std::string>& before_id) {
  in_flight_ = true;
  client_.comments(credentials_.user_db_id, kCommentsPageLimit, before_id,
                   [this, attempt](const ApiResult<std::vector<ChatComment>>& page) {
                     in_flight_ = false;
                     const auto& state = machine_.state();
                     if (state.attempt != attempt || state.phase != live::Phase::live) return;
                     const double now_s = static_cast<double>(clock_.now_ms()) / 1000.0;
                     ++status_.chat_polls;
                     if (!page.ok()) {
                       ++status_.chat_poll_errors;
                       delivered_.last_error = page.error.message;
                       const auto failure =
                           report_failed_call(machine_, status_, attempt, live::Step::chat, "chat", page.error);
                       if (failure == live::Failure::unauthorized) return;
                       if (page.error.kind == ApiError::Kind::conflict) {
                         // No active session on the platform's side: announce it again, then go on.
                         client_.start_stream([](const ApiResult<StreamStart>&) {});
                       }
                       backing_off_ = failure == live::Failure::transient;
                       schedule(attempt, backing_off_ ? retries_.next_delay_s() : next_delay_s(now_s));
                       return;
                     }
                     retries_.reset();
                     backing_off_ = false;
                     const auto step = cursor_.accept(*page.value);
                     if (step.page_back_before) {
                       poll(attempt, step.page_back_before);
                       return;
                     }
                     for (const auto& comment : step.fresh) {
                       const auto event = chat_event_of(comment);
                       delivered_.delivered(event.kind, status::unix_now_ms());
                       publish_(event);
                     }
                     if (!step.fresh.empty()) cadence_.comments_arrived(now_s);
                     schedule(attempt, next_delay_s(now_s));
                   });
}

}  // namespace agentcast::retake
