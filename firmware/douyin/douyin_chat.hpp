#pragma once
// Douyin live chat: the webcast push WebSocket (chat-protocols.md §3). Binary PushFrames,
// gzip'd Responses, an ack for each frame that asks for one, a heartbeat frame every
// heartbeat_s. Publishes chat, gift, like, enter, follow, share, room statistics and the
// room's end as chat events (source and platform "douyin").
//
// Douyin's listeners break in known ways, handled here:
// - a socket that only carries heartbeat answers for silence_s while the room is live is dead
//   (the server stopped pushing without closing): it is dropped and connected again;
// - a handshake refused with a 4xx (a blocked device id: 415) is the state "refused", asked
//   again on the slow refused policy, not hammered;
// - every reconnect resumes from the last cursor and internal_ext the server gave.
// The box does not sign URLs (Douyin's signature is obfuscated JavaScript): it connects to a
// ready signed URL, or asks the owner's signer service for a fresh one before every attempt.
#include "chat/chat_event.hpp"
#include "chat/source_stats.hpp"
#include "live/clock.hpp"
#include "net/http_client.hpp"
#include "net/websocket_link.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace agentcast::douyin {

class DouyinChat : public chat::ChatSource {
 public:
  struct Options {
    std::string room_id;
    std::string url;         // a ready signed wss:// URL, or
    std::string signer_url;  // the owner's signer: GET ?room_id=<id> → {"url", "cookie", "user_agent"}
    std::string cookie;      // with url: the Cookie header (ttwid=...)
    double heartbeat_s = 10;
    double silence_s = 120;
  };
  using Publish = std::function<void(const chat::ChatEvent&)>;

  DouyinChat(Options options, live::Clock& clock, const std::function<double()>& unit_random, net::HttpClient& http,
             Publish publish);
  ~DouyinChat() override;
  DouyinChat(const DouyinChat&) = delete;
  DouyinChat& operator=(const DouyinChat&) = delete;

  void start() { link_.start(); }
  chat::SourceStats stats() const override;

 private:
  using Resolved = std::function<void(const net::WebSocketEndpoint& endpoint, const std::string& problem)>;
  void resolve(const Resolved& done);
  void opened();
  void received(std::string_view bytes);
  void closed(const std::string& why);
  void heartbeat();
  void silence_check();

  Options options_;
  live::Clock& clock_;
  net::HttpClient& http_;
  Publish publish_;
  net::WebSocketLink link_;
  std::optional<net::HttpClient::RequestId> signing_;  // the signer request in flight
  std::unique_ptr<live::Alarm> heartbeat_alarm_;
  std::unique_ptr<live::Alarm> silence_alarm_;
  std::string cursor_;             // where the server is; sent back on a reconnect
  std::string internal_ext_;       // likewise
  std::int64_t last_push_ms_ = 0;  // the last frame that carried messages (not a heartbeat answer)
  bool room_ended_ = false;        // a ControlMessage said the live has ended: silence is normal
  chat::SourceStats delivered_;    // what it delivered; stats() adds the connection's side
};

}  // namespace agentcast::douyin
