#pragma once
// The Douyin webcast push protocol on the wire (chat-protocols.md §3.3-3.4): binary WebSocket
// messages holding a PushFrame, whose payload is a gzip-compressed Response, whose messages
// are protobufs of the named type. Parsed with protobuf-c from douyin.proto and zlib; pure
// functions: anything malformed is a problem string, never an exception or a crash.
#include "chat/chat_event.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agentcast::douyin {

struct PushMessage {
  std::string payload_type;  // "msg", "hb", "ack", "close"
  std::uint64_t log_id = 0;
  bool need_ack = false;
  std::string internal_ext;  // echoed in the ack; kept for a reconnect
  std::string cursor;
  std::vector<chat::ChatEvent> events;  // what the messages of a "msg" frame say
  bool live_ended = false;              // a ControlMessage with status 3
  std::size_t skipped_messages = 0;     // malformed or of a type the box does not read
};

// One binary WebSocket message; nullopt with `problem` set when it is not a PushFrame or its
// payload does not unpack. The inflated payload is capped at `max_inflated` bytes: real frames
// hold a few KiB, and inflating a bomb must not hold the main loop for long.
std::optional<PushMessage> decode_push(std::string_view bytes, std::string& problem,
                                       std::size_t max_inflated = std::size_t{2} << 20);

// The frames the box sends: a heartbeat (3A 02 68 62) and the ack of a frame that asked for one.
std::string heartbeat_frame();
std::string ack_frame(std::uint64_t log_id, std::string_view internal_ext);

// gzip (or zlib) data inflated, at most `max_bytes` of output; nullopt when broken or larger.
std::optional<std::string> gunzip(std::string_view data, std::size_t max_bytes);

}  // namespace agentcast::douyin
