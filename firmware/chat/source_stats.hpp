#pragma once
// What `agentcast status` tells about one chat source: its connection state, the events it
// delivered by kind (before filtering: the merger counts what it held back), reconnects and the
// last problem. Each source owns and updates its own; the status reporter only collects.
#include "chat/chat_event.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace agentcast::chat {

struct EventCounts {
  std::uint64_t total = 0;
  std::uint64_t chat = 0;
  std::uint64_t gift = 0;
  std::uint64_t like = 0;
  std::uint64_t enter = 0;
  std::uint64_t follow = 0;
  std::uint64_t share = 0;

  void count(EventKind kind);
  bool operator==(const EventCounts&) const = default;
};

struct SourceStats {
  std::string kind;   // "retake-rest", "retake-socketio", "douyin"
  std::string state;  // the source's own words: "connected", "reconnecting", "refused", ...
  EventCounts events;
  std::uint64_t reconnects = 0;
  std::string last_error;  // safe to show: no URL query, no token, untrusted text escaped
  std::optional<std::int64_t> last_event_unix_ms;

  // The source delivered an event of `event_kind` at `at_unix_ms`.
  void delivered(EventKind event_kind, std::int64_t at_unix_ms) {
    events.count(event_kind);
    last_event_unix_ms = at_unix_ms;
  }

  bool operator==(const SourceStats&) const = default;
};

// The interface every chat source offers besides publishing events.
class ChatSource {
 public:
  virtual ~ChatSource() = default;
  virtual SourceStats stats() const = 0;
};

}  // namespace agentcast::chat
