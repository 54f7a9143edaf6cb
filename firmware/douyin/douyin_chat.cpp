#include "douyin/douyin_chat.hpp"

#include "common/log.hpp"
#include "douyin/push_codec.hpp"
#include "douyin/push_endpoint.hpp"
#include "status/box_status.hpp"

#include <algorithm>
#include <cmath>

namespace agentcast::douyin {
namespace {

// What a desktop browser sends: the push server and the signature expect one.
constexpr const char* kBrowserAgent =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 "
    "Safari/537.36";

std::int64_t to_ms(double seconds) { return static_cast<std::int64_t>(std::llround(seconds * 1000)); }

net::WebSocketOptions socket_options(const DouyinChat::Options& options) {
  net::WebSocketOptions socket;
  socket.url = options.url.empty() ? options.signer_url : options.url;  // the host, for log lines
  socket.origin = "https://live.douyin.com";
  socket.user_agent = kBrowserAgent;
  socket.log_name = "chat douyin";
  // The server answers every heartbeat: three unanswered ones and the peer is gone. A socket
  // that answers heartbeats but pushes nothing is the source's own rule (silence_s).
  socket.silence_limit_ms = std::max<std::int64_t>(30'000, to_ms(options.heartbeat_s * 3 + 5));
  return socket;
}

}  // namespace

DouyinChat::DouyinChat(Options options, live::Clock& clock, const std::function<double()>& unit_random,
                       net::HttpClient& http, Publish publish)
    : options_(std::move(options)),
      clock_(clock),
      http_(http),
      publish_(std::move(publish)),
      link_(socket_options(options_), clock, unit_random,
            net::WebSocketLink::Handlers{
                .opened = [this] { opened(); },
                .text = [](std::string_view) {},  // the push server speaks binary only
                .binary = [this](std::string_view bytes) { received(bytes); },
                .closed = [this](const std::string& why) { closed(why); },
                .resolve = [this](const Resolved& done) { resolve(done); },
            }) {}

DouyinChat::~DouyinChat() {
  if (signing_) http_.cancel(*signing_);
}

// Before every attempt: the URL (fresh from the signer, or the configured one) with the cursor
// the last frame gave, so the server resumes where the box left off.
void DouyinChat::resolve(const Resolved& done) {
  if (signing_) http_.cancel(*signing_);
  signing_.reset();
  if (options_.signer_url.empty()) {
    net::WebSocketEndpoint endpoint;
    endpoint.url = resume_url(options_.url, cursor_, internal_ext_);
    if (!options_.cookie.empty()) endpoint.headers.emplace_back("Cookie", options_.cookie);
    done(endpoint, {});
    return;
  }
  net::HttpRequest request;
  request.url = signer_request_url(options_.signer_url, options_.room_id);
  request.connect_timeout_ms = 3000;
  request.total_timeout_ms = 8000;
  signing_ = http_.start(std::move(request), [this, done](const net::HttpResponse& response) {
    signing_.reset();
    if (!response.error.empty()) return done({}, "the signer did not answer: " + response.error);
    if (!response.ok()) return done({}, "the signer answered HTTP " + std::to_string(response.status));
    std::string problem;
    auto endpoint = parse_signer_answer(response.body, problem);
    if (!endpoint) return done({}, problem);
    endpoint->url = resume_url(endpoint->url, cursor_, internal_ext_);
    done(*endpoint, {});
  });
}

void DouyinChat::opened() {
  last_push_ms_ = clock_.now_ms();
  heartbeat();
  silence_alarm_ = clock_.after(to_ms(options_.silence_s), [this] { silence_check(); });
}

void DouyinChat::closed(const std::string& why) {
  delivered_.last_error = why;
  heartbeat_alarm_.reset();
  silence_alarm_.reset();
}

void DouyinChat::heartbeat() {
  link_.send_binary(heartbeat_frame());
  heartbeat_alarm_ = clock_.after(to_ms(options_.heartbeat_s), [this] { heartbeat(); });
}

// One alarm per limit: at expiry it looks at when the last pushed frame came.
void DouyinChat::silence_check() {
  const std::int64_t quiet_ms = clock_.now_ms() - last_push_ms_;
  const std::int64_t limit_ms = to_ms(options_.silence_s);
  if (!room_ended_ && quiet_ms >= limit_ms) {
    link_.drop("only heartbeats for " + std::to_string(quiet_ms / 1000) + " s while the room is live");
    return;
  }
  silence_alarm_ = clock_.after(room_ended_ ? limit_ms : limit_ms - quiet_ms, [this] { silence_check(); });
}

void DouyinChat::received(std::string_view bytes) {
  std::string problem;
  auto push = decode_push(bytes, problem);
  if (!push) {
    // One broken frame is not a broken connection: counted, shown in status, skipped.
    delivered_.last_error = "a frame did not decode: " + problem;
    log::debug("chat douyin: ", delivered_.last_error);
    return;
  }
  if (push->payload_type == "close") {
    link_.drop("the server ended the session");
    return;
  }
  if (push->payload_type != "msg") return;  // heartbeat answers and the like
  last_push_ms_ = clock_.now_ms();
  if (push->need_ack) link_.send_binary(ack_frame(push->log_id, push->internal_ext));
  if (!push->cursor.empty()) cursor_ = push->cursor;
  if (!push->internal_ext.empty()) internal_ext_ = push->internal_ext;
  for (const auto& event : push->events) {
    if (event.kind != chat::EventKind::control) room_ended_ = false;  // the room is back
    delivered_.delivered(event.kind, status::unix_now_ms());
    publish_(event);
  }
  if (push->live_ended && !room_ended_) {
    room_ended_ = true;
    log::notice("chat douyin: the room's live has ended");
  }
}

chat::SourceStats DouyinChat::stats() const {
  chat::SourceStats stats = delivered_;
  stats.kind = "douyin";
  switch (link_.state()) {
    case net::LinkState::stopped:
      stats.state = "stopped";
      break;
    case net::LinkState::connecting:
      stats.state = "connecting";
      break;
    case net::LinkState::open:
      stats.state = room_ended_ ? "room ended" : "connected";
      break;
    case net::LinkState::waiting:
      stats.state = "reconnecting";
      break;
    case net::LinkState::refused:
      stats.state = link_.refused_status() ? "refused (HTTP " + std::to_string(*link_.refused_status()) + ")"
                                           : std::string("refused");
      break;
  }
  stats.reconnects = link_.reconnects();
  return stats;
}

}  // namespace agentcast::douyin
