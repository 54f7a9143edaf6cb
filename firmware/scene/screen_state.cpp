#include "scene/screen_state.hpp"

namespace agentcast::scene {

ScreenState::ScreenState(std::size_t max_log_lines, std::size_t max_chat_lines)
    : max_log_lines_(max_log_lines), max_chat_lines_(max_chat_lines) {}

void ScreenState::set_title(std::string title) {
  if (title == title_) return;
  title_ = std::move(title);
  changed(&ScreenVersions::title);
}

void ScreenState::append_log_line(std::string line) {
  log_lines_.push_back(std::move(line));
  while (log_lines_.size() > max_log_lines_) log_lines_.pop_front();
  ++lines_added_;
  changed(&ScreenVersions::log);
}

void ScreenState::append_chat_line(ChatLine line) {
  chat_lines_.push_back(std::move(line));
  while (chat_lines_.size() > max_chat_lines_) chat_lines_.pop_front();
  ++lines_added_;
  changed(&ScreenVersions::chat);
}

void ScreenState::set_status(StreamStatus status) {
  if (status == status_) return;
  status_ = std::move(status);
  changed(&ScreenVersions::status);
}

void ScreenState::set_agent(std::string name, bool thinking, std::string current) {
  AgentPanel next = agent_;
  next.name = std::move(name);
  next.thinking = thinking;
  if (current != agent_.current) {
    if (!agent_.current.empty()) next.recent.push_back(agent_.current);
    while (next.recent.size() > AgentPanel::kRecent) next.recent.pop_front();
    next.current = std::move(current);
  }
  if (next == agent_) return;
  agent_ = std::move(next);
  changed(&ScreenVersions::agent);
}

void ScreenState::changed(std::uint64_t ScreenVersions::*part) {
  ++(versions_.*part);
  if (listener_) listener_();
}

}  // namespace agentcast::scene
