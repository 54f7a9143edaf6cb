#include "chat/chat_event.hpp"

namespace agentcast::chat {

std::string_view kind_name(EventKind kind) {
  switch (kind) {
    case EventKind::chat:
      return "chat";
    case EventKind::gift:
      return "gift";
    case EventKind::like:
      return "like";
    case EventKind::enter:
      return "enter";
    case EventKind::follow:
      return "follow";
    case EventKind::share:
      return "share";
    case EventKind::trade:
      return "trade";
    case EventKind::room_stats:
      return "room-stats";
    case EventKind::control:
      return "control";
    case EventKind::moderation:
      return "moderation";
  }
  return "unknown";
}

}  // namespace agentcast::chat
