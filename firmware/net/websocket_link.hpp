#pragma once
// One long-lived WebSocket on the main loop (libsoup-3.0), for every push connection of the box:
// chat sources now, the agent bridge later. libsoup does the handshake, TLS (verified against
// the process's trust: the system store plus tls.ca_file), framing and keepalive pings. This
// adds what it does not: a connect deadline, a silence watchdog (libsoup 3.2 never times out a
// peer that stops talking), a raised cap on incoming messages, and reconnection with backoff
// and jitter after any close or error. What was joined is the protocol's business: `opened`
// runs after every (re)connect, so the protocol above joins again there.
#include "common/handles.hpp"
#include "live/clock.hpp"
#include "live/retry_policy.hpp"

#include <libsoup/soup.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace agentcast::net {

struct WebSocketOptions {
  std::string url;                                           // ws:// (loopback only: checked by the config) or wss://
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. Cookie: sent, never logged
  std::string origin;                                        // empty: no Origin header
  std::string user_agent;                                    // empty: agentcast/<version>
  std::string log_name;                                      // "chat retake-socketio", for log lines
  std::int64_t connect_timeout_ms = 10'000;
  std::int64_t silence_limit_ms = 90'000;  // nothing received for this long: the peer is gone
  unsigned keepalive_interval_s = 15;      // WebSocket pings, so middleboxes keep the flow open
  std::uint64_t max_incoming_bytes = std::uint64_t{16} << 20;
  live::RetryPolicy retry = live::policy::kPushConnection;
  live::RetryPolicy refused_retry = live::policy::kPushRefused;
  // A connection that stayed open this long was healthy: the next failure starts the backoff
  // from its first step again.
  std::int64_t stable_after_ms = 30'000;
};

// Where one connection attempt goes, when the protocol above decides it per attempt (a freshly
// signed URL, a resume cursor): the URL, extra headers (credentials: sent, never logged) and a
// user agent (empty: the options').
struct WebSocketEndpoint {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string user_agent;
};

enum class LinkState {
  stopped,     // not started, or stopped
  connecting,  // handshake under way
  open,        // messages flow
  waiting,     // closed or failed; the next attempt is scheduled
  refused,     // the server refused the handshake or the session; asked again slowly
};

class WebSocketLink {
 public:
  struct Handlers {
    std::function<void()> opened;                        // after every (re)connect
    std::function<void(std::string_view text)> text;     // one text message (valid UTF-8: libsoup checks)
    std::function<void(std::string_view bytes)> binary;  // one binary message
    std::function<void(const std::string& why)> closed;  // closed or failed; a retry is scheduled
    // Optional: asked before every attempt where to connect; answers through `done`, at once or
    // later on the main loop, with an endpoint or a problem (then the attempt fails and is
    // retried). An answer that comes after the attempt was given up is ignored. Without it,
    // every attempt goes to options.url with options.headers.
    std::function<void(const std::function<void(const WebSocketEndpoint& endpoint, const std::string& problem)>& done)>
        resolve;
  };
  // How the protocol above ends a connection it found wrong.
  enum class Drop { retry, refused };

  WebSocketLink(WebSocketOptions options, live::Clock& clock, const std::function<double()>& unit_random,
                Handlers handlers);
  ~WebSocketLink();
  WebSocketLink(const WebSocketLink&) = delete;
  WebSocketLink& operator=(const WebSocketLink&) = delete;

  void start();
  void stop();
  // False (and nothing sent) unless open.
  bool send_text(std::string_view text);
  bool send_binary(std::string_view bytes);
  // The protocol found the peer dead or wrong: closes now and connects again after the retry
  // (or, for `refused`, the refused) policy's delay. No-op unless connecting or open.
  void drop(const std::string& why, Drop kind = Drop::retry);
  void set_silence_limit_ms(std::int64_t limit_ms);

  LinkState state() const { return state_; }
  std::uint64_t reconnects() const { return reconnects_; }  // connection attempts after the first
  const std::string& last_error() const { return last_error_; }
  std::optional<int> refused_status() const { return refused_status_; }  // HTTP status of a refused handshake

 private:
  struct Attempt;
  static void on_connected(GObject* session, GAsyncResult* result, gpointer attempt);
  static void on_message(SoupWebsocketConnection* connection, gint type, GBytes* message, gpointer self);
  static void on_error(SoupWebsocketConnection* connection, GError* error, gpointer self);
  static void on_closed(SoupWebsocketConnection* connection, gpointer self);

  void connect();
  void handshake(const WebSocketEndpoint& endpoint);
  void handshake_done(GObjectPtr<SoupWebsocketConnection> connection, const GError* error, guint http_status);
  void received(gint type, GBytes* message);
  void fail(const std::string& why, Drop kind);
  void release_connection(bool close);
  void abandon_attempt();
  void silence_check();

  WebSocketOptions options_;
  live::Clock& clock_;
  Handlers handlers_;
  live::Retries retries_;
  live::Retries refused_retries_;
  GObjectPtr<SoupSession> session_;
  GObjectPtr<SoupWebsocketConnection> connection_;
  Attempt* attempt_ = nullptr;        // the handshake in flight, owned by its callback
  std::uint64_t attempt_number_ = 0;  // a resolve answer for an older attempt is ignored
  std::string host_;                  // where the current attempt goes, for log lines
  std::unique_ptr<live::Alarm> deadline_;
  std::unique_ptr<live::Alarm> next_attempt_;
  std::unique_ptr<live::Alarm> silence_alarm_;
  LinkState state_ = LinkState::stopped;
  bool started_once_ = false;
  std::uint64_t reconnects_ = 0;
  std::string last_error_;
  std::optional<int> refused_status_;
  std::int64_t opened_at_ms_ = 0;
  std::int64_t last_received_ms_ = 0;
};

}  // namespace agentcast::net
