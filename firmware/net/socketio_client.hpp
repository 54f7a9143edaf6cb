#pragma once
// A Socket.IO v5 client over Engine.IO v4 on a raw WebSocket (chat-protocols.md §4), on the main
// loop: waits for the server's open packet, connects the main namespace, answers pings, and
// declares the server dead when no ping came for pingInterval + pingTimeout. After every
// (re)connect `connected` runs, so the caller emits its joins again there.
#include "live/clock.hpp"
#include "net/socketio_codec.hpp"
#include "net/websocket_link.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace agentcast::net::socketio {

enum class SessionState {
  stopped,
  connecting,  // WebSocket handshake, open packet, namespace connect
  connected,   // events flow
  reconnecting,
  refused,  // the handshake or the namespace connect was refused; asked again slowly
};
std::string_view session_state_name(SessionState state);

class Client {
 public:
  struct Handlers {
    std::function<void()> connected;  // the namespace is connected: emit joins here
    std::function<void(const Event& event)> event;
    std::function<void(const std::string& why)> lost;  // a reconnect is scheduled
  };

  // `options.url` is the server's Socket.IO URL (wss://host/socket.io/); EIO and transport
  // are added here.
  Client(WebSocketOptions options, live::Clock& clock, const std::function<double()>& unit_random, Handlers handlers);

  void start() { link_.start(); }
  // False unless connected.
  bool emit(std::string_view name, const nlohmann::json& argument);

  SessionState state() const;
  std::uint64_t reconnects() const { return link_.reconnects(); }
  const std::string& last_error() const { return link_.last_error(); }

 private:
  static WebSocketOptions with_session_url(WebSocketOptions options);
  void opened();
  void text(std::string_view text);
  void binary();
  void packet(const Packet& packet);
  void watch_for_ping(std::int64_t limit_ms, const char* what);
  void lost(const std::string& why);

  live::Clock& clock_;
  Handlers handlers_;
  WebSocketLink link_;
  bool opened_ = false;     // the Engine.IO open packet arrived
  bool connected_ = false;  // the namespace connect was answered
  std::int64_t ping_limit_ms_ = 45'000;
  std::size_t binary_frames_to_skip_ = 0;
  std::unique_ptr<live::Alarm> ping_watch_;        // no ping (or no open packet) in time: dead
  std::unique_ptr<live::Alarm> connect_deadline_;  // the namespace connect must be answered
};

}  // namespace agentcast::net::socketio
