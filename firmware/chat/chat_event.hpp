#pragma once
// What every chat source yields, whatever its wire protocol: one normalized event. Sources
// publish events; only the merger (chat/chat_merger.hpp) decides what reaches the screen.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace agentcast::chat {

// trade: a buy or sell of the streamer's token (retake.tv's newtrade), shown like a gift.
enum class EventKind { chat, gift, like, enter, follow, share, trade, room_stats, control, moderation };

std::string_view kind_name(EventKind kind);

struct ChatEvent {
  EventKind kind = EventKind::chat;
  std::string source;    // the source that delivered it: "retake-rest", "retake-socketio", "douyin"
  std::string platform;  // whose ids these are ("retake", "douyin"): one event, one id, whichever source
  std::string id;        // stable within the platform; empty: cannot be de-duplicated, always new
  std::string user_id;
  std::string user_name;    // as received: untrusted
  std::string text;         // as received: untrusted
  std::int64_t amount = 0;  // gifts, likes, room statistics
  std::optional<std::int64_t> at_unix_ms;
};

}  // namespace agentcast::chat
