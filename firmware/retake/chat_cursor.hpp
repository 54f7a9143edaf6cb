#pragma once
// Turns the pages of a polled comment list into "new comments, each exactly once, oldest
// first". The first poll only marks what is there as seen (no replay of old history on the
// screen). When a poll returns a full page of unseen comments, more may lie between it and
// the last one seen, so the cursor asks for the page before the oldest one (beforeId) and
// shows the whole burst once it reaches known ground.
#include "retake/retake_api.hpp"

#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace agentcast::retake {

class ChatCursor {
 public:
  ChatCursor(std::size_t page_limit, std::string own_user_id);

  struct Step {
    std::vector<retake::ChatComment> fresh;       // to show now, oldest first
    std::optional<std::string> page_back_before;  // fetch the page before this id next
  };

  // One page, from a plain poll or from a page-back request, in any order.
  Step accept(std::vector<retake::ChatComment> page);

  bool primed() const { return primed_; }

 private:
  bool seen(const retake::ChatComment& comment) const;
  void remember(const std::string& id);
  Step release_pending();

  std::size_t page_limit_;
  std::string own_user_id_;
  bool primed_ = false;
  std::set<std::string> seen_ids_;
  std::deque<std::string> seen_order_;  // bounds seen_ids_
  std::optional<std::int64_t> highest_numeric_id_;
  std::vector<retake::ChatComment> pending_;
};

// How long to wait before the next poll: the active interval while comments keep arriving,
// the quiet one after a while without any.
class PollCadence {
 public:
  PollCadence(double active_s, double quiet_s, double active_window_s = 30)
      : active_s_(active_s), quiet_s_(quiet_s), window_s_(active_window_s) {}

  void comments_arrived(double now_s) { last_arrival_s_ = now_s; }
  double next_delay_s(double now_s) const {
    return last_arrival_s_ && now_s - *last_arrival_s_ <= window_s_ ? active_s_ : quiet_s_;
  }

 private:
  double active_s_;
  double quiet_s_;
  double window_s_;
  std::optional<double> last_arrival_s_;
};

}  // namespace agentcast::retake
