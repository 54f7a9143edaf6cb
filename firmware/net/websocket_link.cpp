#include "net/websocket_link.hpp"

#include "common/fault_barrier.hpp"
#include "common/log.hpp"
#include "common/urls.hpp"
#include "common/user_data.hpp"

#include <libsoup/soup.h>

#include <algorithm>
#include <cmath>

namespace agentcast::net {
namespace {

// libsoup takes http(s) URIs for the handshake request; ws and wss are their WebSocket names.
std::string handshake_url(const std::string& url) {
  if (url.starts_with("wss://")) return "https://" + url.substr(6);
  if (url.starts_with("ws://")) return "http://" + url.substr(5);
  return url;
}

// Where a link connects, for log lines and errors: the host only (a signed URL's query is a
// credential).
std::string where(const std::string& url) {
  const auto parts = parse_url(handshake_url(url));
  if (!parts) return "(an unusable URL)";
  return parts->port > 0 ? parts->host + ":" + std::to_string(parts->port) : parts->host;
}

// A refusal that the same request would meet again; anything else (5xx, 408, 429, no HTTP
// answer at all) is worth a quick retry.
bool is_refusal(guint http_status) {
  return http_status >= 400 && http_status < 500 && http_status != 408 && http_status != 429;
}

}  // namespace

// One handshake in flight. Its callback owns it; the link only points at it and clears
// `owner` when it no longer wants the answer (stopped, timed out, destroyed).
struct WebSocketLink::Attempt {
  WebSocketLink* owner;
  GObjectPtr<GCancellable> cancellable;
  GObjectPtr<SoupMessage> message;
};

WebSocketLink::WebSocketLink(WebSocketOptions options, live::Clock& clock, const std::function<double()>& unit_random,
                             Handlers handlers)
    : options_(std::move(options)),
      clock_(clock),
      handlers_(std::move(handlers)),
      retries_(options_.retry, unit_random),
      refused_retries_(options_.refused_retry, unit_random) {
  const std::string agent = options_.user_agent.empty() ? "agentcast/" AGENTCAST_VERSION : options_.user_agent;
  // The handshake's own deadline is ours (connect_timeout_ms); libsoup's I/O timeout would also
  // end an idle WebSocket, so it stays off.
  session_.reset(
      soup_session_new_with_options("user-agent", agent.c_str(), "timeout", 0U, "idle-timeout", 0U, nullptr));
}

WebSocketLink::~WebSocketLink() { stop(); }

void WebSocketLink::start() {
  if (state_ != LinkState::stopped) return;
  started_once_ = false;
  retries_.reset();
  refused_retries_.reset();
  connect();
}

void WebSocketLink::stop() {
  abandon_attempt();
  next_attempt_.reset();
  silence_alarm_.reset();
  release_connection(true);
  state_ = LinkState::stopped;
}

void WebSocketLink::connect() {
  next_attempt_.reset();
  if (started_once_) ++reconnects_;
  started_once_ = true;
  state_ = LinkState::connecting;
  const std::uint64_t attempt_number = ++attempt_number_;
  deadline_ = clock_.after(options_.connect_timeout_ms, [this] {
    abandon_attempt();
    fail("no WebSocket handshake within " + std::to_string(options_.connect_timeout_ms / 1000) + " s", Drop::retry);
  });
  if (!handlers_.resolve) {
    handshake(WebSocketEndpoint{.url = options_.url, .headers = options_.headers, .user_agent = {}});
    return;
  }
  host_ = where(options_.url);
  handlers_.resolve([this, attempt_number](const WebSocketEndpoint& endpoint, const std::string& problem) {
    if (attempt_number != attempt_number_ || state_ != LinkState::connecting || attempt_ != nullptr) return;
    if (!problem.empty()) {
      fail(problem, Drop::retry);
      return;
    }
    handshake(endpoint);
  });
}

void WebSocketLink::handshake(const WebSocketEndpoint& endpoint) {
  host_ = where(endpoint.url);
  GObjectPtr<SoupMessage> message(soup_message_new("GET", handshake_url(endpoint.url).c_str()));
  if (!message) {
    fail("not a usable WebSocket URL", Drop::refused);
    return;
  }
  SoupMessageHeaders* headers = soup_message_get_request_headers(message.get());
  for (const auto& [name, value] : endpoint.headers) {
    soup_message_headers_append(headers, name.c_str(), value.c_str());
  }
  const std::string agent = !endpoint.user_agent.empty()   ? endpoint.user_agent
                            : !options_.user_agent.empty() ? options_.user_agent
                                                           : std::string("agentcast/" AGENTCAST_VERSION);
  g_object_set(session_.get(), "user-agent", agent.c_str(), nullptr);
  auto attempt = std::make_unique<Attempt>(
      Attempt{this, GObjectPtr<GCancellable>(g_cancellable_new()), GObjectPtr<SoupMessage>(message.release())});
  attempt_ = attempt.get();
  soup_session_websocket_connect_async(
      session_.get(), attempt->message.get(), options_.origin.empty() ? nullptr : options_.origin.c_str(), nullptr,
      G_PRIORITY_DEFAULT, attempt->cancellable.get(), &WebSocketLink::on_connected, attempt.get());
  static_cast<void>(attempt.release());  // owned by on_connected from here
}

void WebSocketLink::on_connected(GObject* session, GAsyncResult* result, gpointer data) {
  const auto attempt = take_user_data<Attempt>(data);
  GError* raw_error = nullptr;
  GObjectPtr<SoupWebsocketConnection> connection(
      soup_session_websocket_connect_finish(SOUP_SESSION(session), result, &raw_error));
  const GErrorPtr error(raw_error);
  if (attempt->owner == nullptr) {
    // Nobody waits for this one any more; a connection that made it anyway is closed again.
    if (connection) soup_websocket_connection_close(connection.get(), SOUP_WEBSOCKET_CLOSE_GOING_AWAY, nullptr);
    return;
  }
  WebSocketLink* link = attempt->owner;
  link->attempt_ = nullptr;
  const guint http_status = soup_message_get_status(attempt->message.get());
  fault::contain("a WebSocket handshake",
                 [&] { link->handshake_done(std::move(connection), error.get(), http_status); });
}

void WebSocketLink::handshake_done(GObjectPtr<SoupWebsocketConnection> connection, const GError* error,
                                   guint http_status) {
  deadline_.reset();
  if (!connection) {
    if (http_status != 0 && http_status != SOUP_STATUS_SWITCHING_PROTOCOLS) {
      const std::string why = "the server answered the handshake with HTTP " + std::to_string(http_status);
      if (is_refusal(http_status)) refused_status_ = static_cast<int>(http_status);
      fail(why, is_refusal(http_status) ? Drop::refused : Drop::retry);
    } else {
      fail(error != nullptr ? error->message : "the handshake failed", Drop::retry);
    }
    return;
  }
  connection_ = std::move(connection);
  refused_status_.reset();
  refused_retries_.reset();
  soup_websocket_connection_set_max_incoming_payload_size(connection_.get(), options_.max_incoming_bytes);
  soup_websocket_connection_set_keepalive_interval(connection_.get(), options_.keepalive_interval_s);
  g_signal_connect(connection_.get(), "message", G_CALLBACK(&WebSocketLink::on_message), this);
  g_signal_connect(connection_.get(), "error", G_CALLBACK(&WebSocketLink::on_error), this);
  g_signal_connect(connection_.get(), "closed", G_CALLBACK(&WebSocketLink::on_closed), this);
  state_ = LinkState::open;
  opened_at_ms_ = clock_.now_ms();
  last_received_ms_ = opened_at_ms_;
  silence_alarm_ = clock_.after(options_.silence_limit_ms, [this] { silence_check(); });
  log::info(options_.log_name, ": connected to ", host_);
  if (handlers_.opened) handlers_.opened();
}

void WebSocketLink::on_message(SoupWebsocketConnection* /*connection*/, gint type, GBytes* message, gpointer self) {
  fault::contain("a WebSocket message", [&] { static_cast<WebSocketLink*>(self)->received(type, message); });
}

void WebSocketLink::received(gint type, GBytes* message) {
  last_received_ms_ = clock_.now_ms();
  gsize size = 0;
  const auto* data = static_cast<const char*>(g_bytes_get_data(message, &size));
  const std::string_view bytes(data == nullptr ? "" : data, size);
  if (type == SOUP_WEBSOCKET_DATA_TEXT) {
    if (handlers_.text) handlers_.text(bytes);
  } else if (handlers_.binary) {
    handlers_.binary(bytes);
  }
}

void WebSocketLink::on_error(SoupWebsocketConnection* /*connection*/, GError* error, gpointer self) {
  // The close that follows does the rest; this only remembers why.
  fault::contain("a WebSocket error", [&] { static_cast<WebSocketLink*>(self)->last_error_ = error->message; });
}

void WebSocketLink::on_closed(SoupWebsocketConnection* connection, gpointer self) {
  fault::contain("a WebSocket close", [&] {
    auto* link = static_cast<WebSocketLink*>(self);
    const gushort code = soup_websocket_connection_get_close_code(connection);
    std::string why =
        code == 0 ? "the connection was lost" : "the server closed the connection (code " + std::to_string(code) + ")";
    if (!link->last_error_.empty() && code == 0) why += ": " + link->last_error_;
    link->fail(why, Drop::retry);
  });
}

void WebSocketLink::drop(const std::string& why, Drop kind) {
  if (state_ != LinkState::open && state_ != LinkState::connecting) return;
  abandon_attempt();
  fail(why, kind);
}

void WebSocketLink::set_silence_limit_ms(std::int64_t limit_ms) {
  options_.silence_limit_ms = limit_ms;
  if (state_ == LinkState::open) silence_check();
}

// One alarm per limit, not per message: at expiry it looks at when the last message came.
void WebSocketLink::silence_check() {
  const std::int64_t quiet_ms = clock_.now_ms() - last_received_ms_;
  if (quiet_ms >= options_.silence_limit_ms) {
    fail("nothing received for " + std::to_string(quiet_ms / 1000) + " s", Drop::retry);
    return;
  }
  silence_alarm_ = clock_.after(options_.silence_limit_ms - quiet_ms, [this] { silence_check(); });
}

void WebSocketLink::fail(const std::string& why, Drop kind) {
  const bool was_open = state_ == LinkState::open;
  const bool was_stable = was_open && clock_.now_ms() - opened_at_ms_ >= options_.stable_after_ms;
  deadline_.reset();
  silence_alarm_.reset();
  release_connection(true);
  last_error_ = why;
  if (was_stable) retries_.reset();
  const double delay_s = kind == Drop::refused ? refused_retries_.next_delay_s() : retries_.next_delay_s();
  state_ = kind == Drop::refused ? LinkState::refused : LinkState::waiting;
  const auto level = was_open || retries_.attempts() <= 1 ? log::Level::warning : log::Level::info;
  log::write(level, log::concat(options_.log_name, ": ", host_, ": ", why, "; connecting again in ",
                                std::lround(delay_s), " s"));
  next_attempt_ = clock_.after(static_cast<std::int64_t>(delay_s * 1000), [this] { connect(); });
  if (handlers_.closed) handlers_.closed(why);
}

void WebSocketLink::release_connection(bool close) {
  if (!connection_) return;
  g_signal_handlers_disconnect_by_data(connection_.get(), this);
  if (close && soup_websocket_connection_get_state(connection_.get()) == SOUP_WEBSOCKET_STATE_OPEN) {
    soup_websocket_connection_close(connection_.get(), SOUP_WEBSOCKET_CLOSE_GOING_AWAY, nullptr);
  }
  connection_.reset();
}

void WebSocketLink::abandon_attempt() {
  deadline_.reset();
  ++attempt_number_;  // a resolve still under way answers nobody
  if (attempt_ == nullptr) return;
  attempt_->owner = nullptr;
  g_cancellable_cancel(attempt_->cancellable.get());
  attempt_ = nullptr;
}

bool WebSocketLink::send_text(std::string_view text) {
  if (state_ != LinkState::open || !connection_) return false;
  const std::string terminated(text);  // libsoup wants a NUL-terminated string
  soup_websocket_connection_send_text(connection_.get(), terminated.c_str());
  return true;
}

bool WebSocketLink::send_binary(std::string_view bytes) {
  if (state_ != LinkState::open || !connection_) return false;
  soup_websocket_connection_send_binary(connection_.get(), bytes.data(), bytes.size());
  return true;
}

}  // namespace agentcast::net
