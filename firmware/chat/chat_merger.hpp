#pragma once
// The one writer of the chat panel: events from every source arrive here in arrival order.
// Each is shown at most once (a bounded memory of ids per platform, so the same comment from
// the REST poll and the socket is one line), never when it holds a blocked word (in its text
// or its author's name, case-insensitive), and in a flood at most max_events_per_s a second;
// what is held back is counted, not shown. Text is sanitised here, before anything draws it.
#include "chat/chat_event.hpp"
#include "live/clock.hpp"
#include "scene/screen_state.hpp"

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

namespace agentcast::chat {

class ChatMerger {
 public:
  struct Options {
    std::vector<std::string> blocked_words;
    double max_events_per_s = 20;
    std::size_t remembered_ids = 2000;  // per merger; the oldest are forgotten first
  };
  enum class Outcome { shown, duplicate, blocked, over_rate, not_shown };
  struct Counters {
    std::uint64_t shown = 0;
    std::uint64_t duplicates = 0;
    std::uint64_t blocked = 0;
    std::uint64_t over_rate = 0;
  };

  ChatMerger(Options options, live::Clock& clock, scene::ScreenState& screen);

  Outcome accept(const ChatEvent& event);
  // chat.blocked_words again (SIGHUP): from the next event on.
  void set_blocked_words(const std::vector<std::string>& words);
  const Counters& counters() const { return counters_; }

 private:
  bool seen_before(const ChatEvent& event);
  bool holds_blocked_word(const ChatEvent& event) const;
  bool within_rate();

  Options options_;
  std::vector<std::string> folded_blocked_words_;
  live::Clock& clock_;
  scene::ScreenState& screen_;
  Counters counters_;
  std::unordered_set<std::string> seen_;
  std::deque<std::string> seen_order_;
  double tokens_;
  std::int64_t refilled_at_ms_;
};

// What the chat panel says for an event (author and text still untrusted), or nothing for
// events that are only counted (room statistics, moderation).
struct PanelLine {
  std::string author;
  std::string text;
};
std::optional<PanelLine> panel_line(const ChatEvent& event);

// The short mark of a platform on the chat panel.
std::string source_mark(const ChatEvent& event);

}  // namespace agentcast::chat
