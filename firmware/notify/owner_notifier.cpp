#include "notify/owner_notifier.hpp"

#include "common/log.hpp"

#include <glib.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace agentcast::notify {
namespace {

using nlohmann::json;

constexpr int kTries = 3;
constexpr std::array<std::int64_t, kTries> kRetryDelayMs{0, 2'000, 10'000};
constexpr std::int64_t kTroubleCheckMs = 5'000;

}  // namespace

OwnerNotifier::OwnerNotifier(Options options, live::GoLive& machine, live::Clock& clock,
                             std::unique_ptr<Delivery> delivery, Snapshot snapshot)
    : options_(std::move(options)),
      machine_(machine),
      clock_(clock),
      delivery_(std::move(delivery)),
      snapshot_(std::move(snapshot)) {
  machine_.subscribe([this](const live::LiveState& now, const live::LiveState& before) { on_change(now, before); });
}

OwnerNotifier::~OwnerNotifier() = default;

void OwnerNotifier::start() {
  // Off air from the start counts: a box that never gets on air needs a person too.
  trouble_since_ms_ = clock_.now_ms();
  trouble_alarm_ = clock_.after(kTroubleCheckMs, [this] { check_trouble(); });
  heartbeat_alarm_ = clock_.after(static_cast<std::int64_t>(std::llround(options_.heartbeat_h * 3600 * 1000)),
                                  [this] { heartbeat(); });
}

void OwnerNotifier::on_change(const live::LiveState& now, const live::LiveState& before) {
  if (now.phase == before.phase) return;
  if (now.phase == live::Phase::live) {
    trouble_since_ms_.reset();
    trouble_told_ = false;
    told_.clear();
    send("live", {{"url", options_.watch_url}});
    return;
  }
  if (now.phase == live::Phase::stopping || now.phase == live::Phase::off_air) {
    trouble_since_ms_.reset();  // the owner's own doing, not trouble
    return;
  }
  if (!trouble_since_ms_) trouble_since_ms_ = clock_.now_ms();
  // Retried once a minute, these come back again and again: told once until the box is on air.
  const bool needs_person =
      now.phase == live::Phase::credentials_rejected || now.phase == live::Phase::awaiting_verification;
  if (needs_person && told_.insert(now.phase).second) {
    send("attention",
         {{"state", std::string(live::phase_name(now.phase))}, {"problem", now.problem}, {"notice", now.notice}});
  }
}

void OwnerNotifier::check_trouble() {
  trouble_alarm_ = clock_.after(kTroubleCheckMs, [this] { check_trouble(); });
  if (!trouble_since_ms_ || trouble_told_) return;
  const std::int64_t off_air_ms = clock_.now_ms() - *trouble_since_ms_;
  if (off_air_ms < static_cast<std::int64_t>(options_.trouble_after_s * 1000)) return;
  trouble_told_ = true;
  const auto& state = machine_.state();
  send("attention", {{"state", std::string(live::phase_name(state.phase))},
                     {"problem", state.problem},
                     {"off_air_s", off_air_ms / 1000},
                     {"restarts", state.restarts()}});
}

void OwnerNotifier::heartbeat() {
  heartbeat_alarm_ = clock_.after(static_cast<std::int64_t>(std::llround(options_.heartbeat_h * 3600 * 1000)),
                                  [this] { heartbeat(); });
  json fields = snapshot_ ? snapshot_() : json::object();
  fields["state"] = std::string(live::phase_name(machine_.state().phase));
  send("heartbeat", std::move(fields));
}

void OwnerNotifier::offer(const chat::ChatEvent& event) {
  if (options_.big_tip <= 0 || event.kind != chat::EventKind::gift || event.platform != "retake") return;
  if (static_cast<double>(event.amount) < options_.big_tip) return;
  send("tip", {{"from", event.user_name}, {"amount", event.amount}, {"text", event.text}});
}

void OwnerNotifier::send(const std::string& event, json fields) {
  fields["event"] = event;
  fields["agent_name"] = options_.agent_name;
  fields["at_unix_ms"] = g_get_real_time() / 1000;
  // Untrusted text (a tipper's name) that is not valid UTF-8 is replaced, never thrown over.
  auto body = std::make_shared<std::string>(fields.dump(-1, ' ', false, json::error_handler_t::replace));
  attempt(body, event, kTries);
}

void OwnerNotifier::attempt(const std::shared_ptr<std::string>& body, const std::string& event, int tries_left) {
  delivery_->deliver(*body, [this, body, event, tries_left](const std::string& failure) {
    if (failure.empty()) {
      ++stats_.sent;
      log::info("notify: ", event, " delivered to ", delivery_->where());
      return;
    }
    if (tries_left > 1) {
      const std::int64_t delay_ms =
          kRetryDelayMs.at(static_cast<std::size_t>(kTries) - static_cast<std::size_t>(tries_left) + 1);
      log::info("notify: ", event, " to ", delivery_->where(), ": ", failure, "; trying again in ", delay_ms / 1000,
                " s");
      const std::uint64_t retry = next_retry_++;
      retries_[retry] = clock_.after(delay_ms, [this, body, event, tries_left, retry] {
        retries_.erase(retry);
        attempt(body, event, tries_left - 1);
      });
      return;
    }
    ++stats_.failed;
    stats_.last_error = event + " not delivered: " + failure;
    log::warning("notify: ", event, " to ", delivery_->where(), " not delivered after ", kTries, " tries: ", failure);
  });
}

}  // namespace agentcast::notify
