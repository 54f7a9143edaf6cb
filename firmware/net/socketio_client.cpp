#include "net/socketio_client.hpp"

#include "common/log.hpp"
#include "common/untrusted_text.hpp"

namespace agentcast::net::socketio {
namespace {

// The open packet and the namespace connect each come within this of the previous step.
constexpr std::int64_t kStepTimeoutMs = 10'000;

}  // namespace

std::string_view session_state_name(SessionState state) {
  switch (state) {
    case SessionState::stopped:
      return "stopped";
    case SessionState::connecting:
      return "connecting";
    case SessionState::connected:
      return "connected";
    case SessionState::reconnecting:
      return "reconnecting";
    case SessionState::refused:
      return "refused";
  }
  return "unknown";
}

WebSocketOptions Client::with_session_url(WebSocketOptions options) {
  options.url = session_url(options.url).value_or(options.url);
  return options;
}

Client::Client(WebSocketOptions options, live::Clock& clock, const std::function<double()>& unit_random,
               Handlers handlers)
    : clock_(clock),
      handlers_(std::move(handlers)),
      link_(with_session_url(std::move(options)), clock, unit_random,
            WebSocketLink::Handlers{
                .opened = [this] { opened(); },
                .text = [this](std::string_view message) { text(message); },
                .binary = [this](std::string_view) { binary(); },
                .closed = [this](const std::string& why) { lost(why); },
                .resolve = {},
            }) {}

SessionState Client::state() const {
  switch (link_.state()) {
    case LinkState::stopped:
      return SessionState::stopped;
    case LinkState::connecting:
      return SessionState::connecting;
    case LinkState::open:
      return connected_ ? SessionState::connected : SessionState::connecting;
    case LinkState::waiting:
      return SessionState::reconnecting;
    case LinkState::refused:
      return SessionState::refused;
  }
  return SessionState::stopped;
}

bool Client::emit(std::string_view name, const nlohmann::json& argument) {
  return connected_ && link_.send_text(event_text(name, argument));
}

void Client::opened() {
  opened_ = connected_ = false;
  binary_frames_to_skip_ = 0;
  watch_for_ping(kStepTimeoutMs, "no Engine.IO open packet");
}

void Client::watch_for_ping(std::int64_t limit_ms, const char* what) {
  ping_watch_ = clock_.after(limit_ms, [this, limit_ms, what] {
    link_.drop(std::string(what) + " for " + std::to_string(limit_ms / 1000) + " s");
  });
}

void Client::lost(const std::string& why) {
  ping_watch_.reset();
  connect_deadline_.reset();
  const bool was_connected = connected_;
  opened_ = connected_ = false;
  if (was_connected && handlers_.lost) handlers_.lost(why);
}

void Client::binary() {
  // Attachments of a binary event: not expected from a chat server; skipped, never parsed.
  if (binary_frames_to_skip_ > 0) --binary_frames_to_skip_;
}

void Client::text(std::string_view message) {
  const auto engine = parse_engine_packet(message);
  if (!engine) return;  // not Engine.IO: ignored, as the reference client does
  switch (engine->type) {
    case EngineType::open: {
      const auto info = parse_open(engine->data);
      if (!info) {
        link_.drop("the server's open packet is not valid");
        return;
      }
      opened_ = true;
      // The server pings every pingInterval; a ping later than pingTimeout after that means it is gone.
      const std::int64_t limit_ms = info->ping_interval_ms + info->ping_timeout_ms;
      watch_for_ping(limit_ms, "no ping from the server");
      link_.set_silence_limit_ms(limit_ms + kStepTimeoutMs);
      ping_limit_ms_ = limit_ms;
      link_.send_text(connect_text());
      connect_deadline_ =
          clock_.after(kStepTimeoutMs, [this] { link_.drop("the namespace connect was not answered"); });
      return;
    }
    case EngineType::ping:
      if (!opened_) return;
      watch_for_ping(ping_limit_ms_, "no ping from the server");
      link_.send_text(pong_text());
      return;
    case EngineType::close:
      link_.drop("the server closed the Engine.IO session");
      return;
    case EngineType::message:
      if (const auto parsed = parse_packet(engine->data)) packet(*parsed);
      return;
    case EngineType::pong:
    case EngineType::upgrade:
    case EngineType::noop:
      return;
  }
}

void Client::packet(const Packet& packet) {
  if (!opened_ || packet.nsp != "/") return;
  switch (packet.type) {
    case PacketType::connect:
      connect_deadline_.reset();
      connected_ = true;
      if (handlers_.connected) handlers_.connected();
      return;
    case PacketType::connect_error:
      // 44{"message":"Not authorized"}: the same connect is refused again.
      link_.drop("the server refused the connection: " + sanitize_for_log(std::string(packet.payload), 200),
                 WebSocketLink::Drop::refused);
      return;
    case PacketType::disconnect:
      link_.drop("the server disconnected the session");
      return;
    case PacketType::binary_event:
    case PacketType::binary_ack:
      binary_frames_to_skip_ += packet.attachments;
      [[fallthrough]];
    case PacketType::event:
      if (!connected_) return;
      if (const auto event = parse_event(packet); event && handlers_.event) handlers_.event(*event);
      return;
    case PacketType::ack:
      return;
  }
}

}  // namespace agentcast::net::socketio
