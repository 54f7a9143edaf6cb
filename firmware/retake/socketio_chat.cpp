#include "retake/socketio_chat.hpp"

#include "common/log.hpp"
#include "retake/socket_events.hpp"
#include "status/box_status.hpp"

namespace agentcast::retake {
namespace {

using nlohmann::json;

net::WebSocketOptions socket_options(const std::string& url) {
  net::WebSocketOptions options;
  options.url = url;
  options.log_name = "chat retake-socketio";
  return options;
}

}  // namespace

SocketIoChat::SocketIoChat(Options options, live::Clock& clock, const std::function<double()>& unit_random,
                           Publish publish, Health health)
    : options_(std::move(options)),
      publish_(std::move(publish)),
      health_(std::move(health)),
      client_(socket_options(options_.url), clock, unit_random,
              net::socketio::Client::Handlers{
                  .connected = [this] { joined(); },
                  .event = [this](const net::socketio::Event& event) { this->event(event); },
                  .lost = [this](const std::string&) { set_healthy(false); },
              }) {}

void SocketIoChat::joined() {
  // Chat, tips and trades go to the streamer's room; follows and tip notices to live_<id>.
  client_.emit("joinRoom", json{{"roomId", options_.user_db_id}});
  client_.emit("joinRoom", json{{"roomId", "live_" + options_.user_db_id}});
  log::info("chat retake-socketio: joined the agent's rooms");
  set_healthy(true);
}

void SocketIoChat::event(const net::socketio::Event& event) {
  if (auto chat_event = retake_socket_event(event, options_.user_db_id)) emit(*chat_event);
}

void SocketIoChat::emit(const chat::ChatEvent& event) {
  delivered_.delivered(event.kind, status::unix_now_ms());
  publish_(event);
}

void SocketIoChat::set_healthy(bool healthy) {
  if (healthy == healthy_) return;
  healthy_ = healthy;
  if (health_) health_(healthy);
}

chat::SourceStats SocketIoChat::stats() const {
  chat::SourceStats stats = delivered_;
  stats.kind = "retake-socketio";
  const auto state = client_.state();
  stats.state = state == net::socketio::SessionState::connected ? "joined"
                                                                : std::string(net::socketio::session_state_name(state));
  stats.reconnects = client_.reconnects();
  stats.last_error = client_.last_error();
  return stats;
}

}  // namespace agentcast::retake
