#include "chat/source_stats.hpp"

namespace agentcast::chat {

void EventCounts::count(EventKind kind) {
  ++total;
  switch (kind) {
    case EventKind::chat:
      ++chat;
      break;
    case EventKind::gift:
      ++gift;
      break;
    case EventKind::like:
      ++like;
      break;
    case EventKind::enter:
      ++enter;
      break;
    case EventKind::follow:
      ++follow;
      break;
    case EventKind::share:
      ++share;
      break;
    default:
      break;  // in the total only
  }
}

}  // namespace agentcast::chat
