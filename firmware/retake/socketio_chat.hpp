#pragma once
// retake.tv chat in real time: the platform's Socket.IO server (chat-protocols.md §1.6). Joins
// the agent's rooms ({userDbId} for chat, tips and trades; live_{userDbId} for follows and
// tips) after every (re)connect and publishes what arrives as chat events (source
// "retake-socketio", the same ids as the REST poll, so the merger shows each comment once
// whichever path brought it). Tells the REST poller whether it is healthy: while it is, the
// poller only checks at its quiet cadence; when it is not, the poller takes over.
#include "chat/chat_event.hpp"
#include "chat/source_stats.hpp"
#include "live/clock.hpp"
#include "net/socketio_client.hpp"

#include <functional>
#include <optional>
#include <string>

namespace agentcast::retake {

class SocketIoChat : public chat::ChatSource {
 public:
  struct Options {
    std::string url;  // wss://retake.tv/socket.io/
    std::string user_db_id;
  };
  using Publish = std::function<void(const chat::ChatEvent&)>;
  using Health = std::function<void(bool healthy)>;

  SocketIoChat(Options options, live::Clock& clock, const std::function<double()>& unit_random, Publish publish,
               Health health);

  void start() { client_.start(); }
  chat::SourceStats stats() const override;

 private:
  void joined();
  void event(const net::socketio::Event& event);
  void emit(const chat::ChatEvent& event);
  void set_healthy(bool healthy);

  Options options_;
  Publish publish_;
  Health health_;
  net::socketio::Client client_;
  bool healthy_ = false;
  chat::SourceStats delivered_;  // what it delivered; stats() adds the connection's side
};

}  // namespace agentcast::retake
