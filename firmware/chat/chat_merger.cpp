#include "chat/chat_merger.hpp"

#include "common/glib_handles.hpp"
#include "common/log.hpp"
#include "common/untrusted_text.hpp"

#include <glib.h>

#include <algorithm>

namespace agentcast::chat {
namespace {

constexpr std::size_t kMaxAuthorChars = 40;
constexpr std::size_t kMaxTextChars = 300;

// Case-insensitive comparison form of any text (valid UTF-8 or not).
std::string folded(std::string_view text) {
  const std::string valid = sanitize_line(text, 100000);
  const GCharPtr result(g_utf8_casefold(valid.c_str(), static_cast<gssize>(valid.size())));
  return result.get();
}

}  // namespace

ChatMerger::ChatMerger(Options options, live::Clock& clock, scene::ScreenState& screen)
    : options_(std::move(options)),
      clock_(clock),
      screen_(screen),
      tokens_(options_.max_events_per_s),
      refilled_at_ms_(clock.now_ms()) {
  set_blocked_words(options_.blocked_words);
}

void ChatMerger::set_blocked_words(const std::vector<std::string>& words) {
  options_.blocked_words = words;
  folded_blocked_words_.clear();
  for (const auto& word : words) {
    if (!word.empty()) folded_blocked_words_.push_back(folded(word));
  }
}

ChatMerger::Outcome ChatMerger::accept(const ChatEvent& event) {
  if (seen_before(event)) {
    ++counters_.duplicates;
    return Outcome::duplicate;
  }
  if (holds_blocked_word(event)) {
    ++counters_.blocked;
    log::debug("chat: blocked an event from ", event.source);
    return Outcome::blocked;
  }
  const auto line = panel_line(event);
  if (!line) return Outcome::not_shown;
  if (!within_rate()) {
    ++counters_.over_rate;
    return Outcome::over_rate;
  }
  screen_.append_chat_line(
      {sanitize_line(line->author, kMaxAuthorChars), sanitize_line(line->text, kMaxTextChars), source_mark(event)});
  ++counters_.shown;
  log::debug("chat: shown comment ", sanitize_for_log(event.id, 64));
  return Outcome::shown;
}

bool ChatMerger::seen_before(const ChatEvent& event) {
  if (event.id.empty()) return false;
  std::string key = event.platform + '\n' + event.id;
  if (seen_.contains(key)) return true;
  seen_order_.push_back(key);
  seen_.insert(std::move(key));
  while (seen_order_.size() > options_.remembered_ids) {
    seen_.erase(seen_order_.front());
    seen_order_.pop_front();
  }
  return false;
}

bool ChatMerger::holds_blocked_word(const ChatEvent& event) const {
  if (folded_blocked_words_.empty()) return false;
  const std::string text = folded(event.text);
  const std::string author = folded(event.user_name);
  return std::any_of(folded_blocked_words_.begin(), folded_blocked_words_.end(), [&](const std::string& word) {
    return text.find(word) != std::string::npos || author.find(word) != std::string::npos;
  });
}

// A token bucket: max_events_per_s a second, and a burst of as many.
bool ChatMerger::within_rate() {
  const std::int64_t now = clock_.now_ms();
  tokens_ = std::min(options_.max_events_per_s,
                     tokens_ + static_cast<double>(now - refilled_at_ms_) * options_.max_events_per_s / 1000.0);
  refilled_at_ms_ = now;
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

std::optional<PanelLine> panel_line(const ChatEvent& event) {
  const std::string& who = event.user_name.empty() ? std::string("someone") : event.user_name;
  switch (event.kind) {
    case EventKind::chat:
      if (event.text.empty()) return std::nullopt;
      return PanelLine{who, event.text};
    case EventKind::gift:
      return PanelLine{who, event.text.empty() ? "sent a gift" : "sent " + event.text};
    case EventKind::like:
      return PanelLine{who, event.amount > 1 ? "liked \u00d7" + std::to_string(event.amount) : "liked"};
    case EventKind::enter:
      return PanelLine{who, "joined"};
    case EventKind::follow:
      return PanelLine{who, "followed"};
    case EventKind::share:
      return PanelLine{who, "shared the stream"};
    case EventKind::trade:
      return PanelLine{who, event.text.empty() ? "traded the token" : event.text};
    case EventKind::control:
      return event.text.empty() ? std::nullopt : std::optional<PanelLine>(PanelLine{"live", event.text});
    case EventKind::room_stats:
    case EventKind::moderation:
      return std::nullopt;
  }
  return std::nullopt;
}

std::string source_mark(const ChatEvent& event) {
  if (event.platform == "retake") return "RT";
  if (event.platform == "douyin") return "DY";
  return event.platform.substr(0, 2);
}

}  // namespace agentcast::chat
