#pragma once
// What the picture shows. Sources write it, the scene presenter reads it; every change bumps
// the version of what it changed and notifies the one listener, so rendering happens only
// after a change, and redraws only the part of the picture that changed.
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace agentcast::scene {

struct ChatLine {
  std::string author;  // already sanitised
  std::string text;    // already sanitised
  std::string mark;    // the platform it came from ("RT", "DY"); empty: none
};

struct StreamStatus {
  std::string label = "STARTING";  // short state name shown on the strip
  bool live = false;
  std::optional<int> viewers;
  std::optional<std::int64_t> uptime_s;
  std::string notice;  // what the owner must do (e.g. verify the agent); shown after the label
  bool operator==(const StreamStatus&) const = default;
};

// The agent panel: who the agent is, whether it is thinking, what it says now and said last.
struct AgentPanel {
  std::string name;                // already sanitised
  bool thinking = false;           // a turn is open and nothing said yet
  std::string current;             // already sanitised
  std::deque<std::string> recent;  // earlier replies, oldest first, at most kRecent
  static constexpr std::size_t kRecent = 3;
  bool shown() const { return !name.empty() || thinking || !current.empty(); }
  bool operator==(const AgentPanel&) const = default;
};

// Bumped by each change of the part it names.
struct ScreenVersions {
  std::uint64_t title = 0;
  std::uint64_t log = 0;
  std::uint64_t chat = 0;
  std::uint64_t status = 0;
  std::uint64_t agent = 0;
};

class ScreenState {
 public:
  explicit ScreenState(std::size_t max_log_lines = 200, std::size_t max_chat_lines = 50);

  void on_change(std::function<void()> listener) { listener_ = std::move(listener); }

  void set_title(std::string title);
  void append_log_line(std::string line);
  void append_chat_line(ChatLine line);
  void set_status(StreamStatus status);
  // What the agent is doing; a new sentence moves the previous one to `recent`.
  void set_agent(std::string name, bool thinking, std::string current);

  const std::string& title() const { return title_; }
  const std::deque<std::string>& log_lines() const { return log_lines_; }
  const std::deque<ChatLine>& chat_lines() const { return chat_lines_; }
  const StreamStatus& status() const { return status_; }
  const AgentPanel& agent() const { return agent_; }
  const ScreenVersions& versions() const { return versions_; }
  // Log and chat lines added so far: how much of the picture has moved on.
  std::uint64_t lines_added() const { return lines_added_; }

 private:
  void changed(std::uint64_t ScreenVersions::*part);

  std::size_t max_log_lines_;
  std::size_t max_chat_lines_;
  std::string title_;
  std::deque<std::string> log_lines_;
  std::deque<ChatLine> chat_lines_;
  StreamStatus status_;
  AgentPanel agent_;
  ScreenVersions versions_;
  std::uint64_t lines_added_ = 0;
  std::function<void()> listener_;
};

}  // namespace agentcast::scene
