#include "net/socketio_codec.hpp"

#include "common/json_input.hpp"

#include <charconv>

namespace agentcast::net::socketio {
namespace {

using nlohmann::json;

// A digit run at the front of `text`, consumed; nullopt when there is none or it overflows.
std::optional<std::uint64_t> take_number(std::string_view& text) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end == text.data()) return std::nullopt;
  text.remove_prefix(static_cast<std::size_t>(end - text.data()));
  return value;
}

std::optional<json> parse_json(std::string_view text) {
  auto parsed = json_input::parse(text);
  if (auto* value = std::get_if<json>(&parsed)) return std::move(*value);
  return std::nullopt;
}

}  // namespace

std::optional<EnginePacket> parse_engine_packet(std::string_view text) {
  if (text.empty() || text.front() < '0' || text.front() > '6') return std::nullopt;
  return EnginePacket{static_cast<EngineType>(text.front() - '0'), text.substr(1)};
}

std::optional<OpenInfo> parse_open(std::string_view data) {
  const auto document = parse_json(data);
  if (!document || !document->is_object()) return std::nullopt;
  OpenInfo info;
  const auto sid = document->find("sid");
  if (sid == document->end() || !sid->is_string()) return std::nullopt;
  info.sid = sid->get<std::string>();
  // Out-of-range or absurd timings are refused rather than trusted: they drive our watchdog.
  const auto read_ms = [&](const char* key, std::int64_t& out) {
    const auto it = document->find(key);
    if (it == document->end()) return true;
    const auto value = json_input::to_int64(*it);
    if (!value || *value < 1 || *value > 3'600'000) return false;
    out = *value;
    return true;
  };
  if (!read_ms("pingInterval", info.ping_interval_ms) || !read_ms("pingTimeout", info.ping_timeout_ms)) {
    return std::nullopt;
  }
  return info;
}

std::optional<Packet> parse_packet(std::string_view data) {
  const char type_digit = data.empty() ? '\0' : data.front();
  if (type_digit < '0' || type_digit > '6') return std::nullopt;
  Packet packet;
  packet.type = static_cast<PacketType>(type_digit - '0');
  data.remove_prefix(1);
  if (packet.type == PacketType::binary_event || packet.type == PacketType::binary_ack) {
    const auto count = take_number(data);
    if (!count || data.empty() || data.front() != '-' || *count > 1000) return std::nullopt;
    packet.attachments = static_cast<std::size_t>(*count);
    data.remove_prefix(1);
  }
  if (!data.empty() && data.front() == '/') {
    const auto comma = data.find(',');
    packet.nsp = std::string(data.substr(0, comma));
    data = comma == std::string_view::npos ? std::string_view() : data.substr(comma + 1);
  }
  if (!data.empty() && data.front() >= '0' && data.front() <= '9') {
    packet.ack_id = take_number(data);
    if (!packet.ack_id) return std::nullopt;
  }
  packet.payload = data;
  return packet;
}

std::optional<Event> parse_event(const Packet& packet) {
  if (packet.type != PacketType::event && packet.type != PacketType::binary_event) return std::nullopt;
  auto document = parse_json(packet.payload);
  if (!document || !document->is_array() || document->empty() || !(*document)[0].is_string()) return std::nullopt;
  Event event;
  event.name = (*document)[0].get<std::string>();
  for (std::size_t i = 1; i < document->size(); ++i) event.args.push_back(std::move((*document)[i]));
  return event;
}

std::string connect_text() { return "40"; }

std::string pong_text() { return "3"; }

std::string event_text(std::string_view name, const json& argument) {
  return "42" + json::array({std::string(name), argument}).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<std::string> session_url(const std::string& base) {
  if (!base.starts_with("wss://") && !base.starts_with("ws://")) return std::nullopt;
  std::string url = base;
  const auto fragment = url.find('#');
  if (fragment != std::string::npos) url.erase(fragment);
  const auto query = url.find('?');
  if (query == std::string::npos) {
    url += "?";
  } else if (query + 1 != url.size() && url.back() != '&') {
    url += "&";
  }
  return url + "EIO=4&transport=websocket";
}

}  // namespace agentcast::net::socketio
