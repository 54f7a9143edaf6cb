#pragma once
// Engine.IO v4 and Socket.IO v5 packets as they travel over a raw WebSocket, one Engine.IO
// packet per text message (chat-protocols.md §4). Pure parsing and formatting: anything that
// is not a well-formed packet is nullopt, never an exception, whatever the peer sent.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace agentcast::net::socketio {

enum class EngineType { open = 0, close = 1, ping = 2, pong = 3, message = 4, upgrade = 5, noop = 6 };

struct EnginePacket {
  EngineType type;
  std::string_view data;  // what follows the type digit
};
std::optional<EnginePacket> parse_engine_packet(std::string_view text);

// The server's open packet: 0{"sid":...,"pingInterval":25000,"pingTimeout":20000,...}.
struct OpenInfo {
  std::string sid;
  std::int64_t ping_interval_ms = 25'000;
  std::int64_t ping_timeout_ms = 20'000;
};
std::optional<OpenInfo> parse_open(std::string_view data);

enum class PacketType {
  connect = 0,
  disconnect = 1,
  event = 2,
  ack = 3,
  connect_error = 4,
  binary_event = 5,
  binary_ack = 6
};

// <type>[<attachments>-][<namespace>,][<ack id>][JSON]
struct Packet {
  PacketType type = PacketType::event;
  std::size_t attachments = 0;
  std::string nsp = "/";
  std::optional<std::uint64_t> ack_id;
  std::string_view payload;  // the JSON text, possibly empty
};
std::optional<Packet> parse_packet(std::string_view data);

// An EVENT's payload: a non-empty array whose first element is the event's name.
struct Event {
  std::string name;
  nlohmann::json args = nlohmann::json::array();  // the elements after the name
};
std::optional<Event> parse_event(const Packet& packet);

// Text of the packets a client sends (each inside an Engine.IO message, so "4" first).
std::string connect_text();                                                     // 40
std::string pong_text();                                                        // 3
std::string event_text(std::string_view name, const nlohmann::json& argument);  // 42["name",argument]

// The WebSocket URL of an Engine.IO v4 session: `base` with EIO=4&transport=websocket added to
// its query (any query it has is kept); nullopt unless ws:// or wss://.
std::optional<std::string> session_url(const std::string& base);

}  // namespace agentcast::net::socketio
