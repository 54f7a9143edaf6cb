// The WebSocket link against a real libsoup WebSocket server on loopback, in this process:
// messages both ways (a 2 MiB one too: above libsoup's default cap), reconnection with the
// protocol's `opened` after every connect, the silence watchdog, a refused handshake as its
// own slow state, and a handshake that never completes.
#include "net/websocket_link.hpp"

#include "common/handles.hpp"
#include "support/loop_runner.hpp"

#include <CppUTest/TestHarness.h>
#include <libsoup/soup.h>

#include <string>
#include <vector>

using namespace agentcast;
using agentcast::testing::run_loop_until;

namespace {

// A WebSocket server on a free loopback port: /ws echoes and greets, /silent accepts and never
// speaks, /refuse answers the handshake with 403.
class LoopbackServer {
 public:
  LoopbackServer() : server_(soup_server_new(nullptr, nullptr)) {
    soup_server_add_websocket_handler(server_.get(), "/ws", nullptr, nullptr, &LoopbackServer::accepted, this, nullptr);
    soup_server_add_websocket_handler(server_.get(), "/silent", nullptr, nullptr, &LoopbackServer::accepted_silent,
                                      this, nullptr);
    soup_server_add_handler(
        server_.get(), "/refuse",
        [](SoupServer*, SoupServerMessage* message, const char*, GHashTable*, gpointer) {
          soup_server_message_set_status(message, SOUP_STATUS_FORBIDDEN, nullptr);
        },
        nullptr, nullptr);
    GError* error = nullptr;
    CHECK(soup_server_listen_local(server_.get(), 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
    GSList* uris = soup_server_get_uris(server_.get());
    port_ = g_uri_get_port(static_cast<GUri*>(uris->data));
    g_slist_free_full(uris, reinterpret_cast<GDestroyNotify>(g_uri_unref));
  }
  ~LoopbackServer() {
    for (auto& connection : connections_) {
      if (soup_websocket_connection_get_state(connection.get()) == SOUP_WEBSOCKET_STATE_OPEN) {
        soup_websocket_connection_close(connection.get(), SOUP_WEBSOCKET_CLOSE_GOING_AWAY, nullptr);
      }
    }
  }

  std::string url(const std::string& path) const { return "ws://127.0.0.1:" + std::to_string(port_) + path; }
  int accepted_count() const { return static_cast<int>(connections_.size()); }
  void close_all() {
    for (auto& connection : connections_) soup_websocket_connection_close(connection.get(), 1001, nullptr);
  }
  void send_to_last(const std::string& text) {
    soup_websocket_connection_send_text(connections_.back().get(), text.c_str());
  }
  std::vector<std::string> received;

 private:
  static void accepted(SoupServer*, SoupServerMessage*, const char*, SoupWebsocketConnection* connection,
                       gpointer self) {
    auto* server = static_cast<LoopbackServer*>(self);
    server->connections_.emplace_back(
        GObjectPtr<SoupWebsocketConnection>(static_cast<SoupWebsocketConnection*>(g_object_ref(connection))));
    g_signal_connect(connection, "message", G_CALLBACK(&LoopbackServer::message), self);
    soup_websocket_connection_send_text(connection, "hello");
  }
  static void accepted_silent(SoupServer*, SoupServerMessage*, const char*, SoupWebsocketConnection* connection,
                              gpointer self) {
    static_cast<LoopbackServer*>(self)->connections_.emplace_back(
        GObjectPtr<SoupWebsocketConnection>(static_cast<SoupWebsocketConnection*>(g_object_ref(connection))));
  }
  static void message(SoupWebsocketConnection*, gint, GBytes* bytes, gpointer self) {
    gsize size = 0;
    const auto* data = static_cast<const char*>(g_bytes_get_data(bytes, &size));
    static_cast<LoopbackServer*>(self)->received.emplace_back(data, size);
  }

  GObjectPtr<SoupServer> server_;
  int port_ = 0;
  std::vector<GObjectPtr<SoupWebsocketConnection>> connections_;
};

double no_jitter() { return 0.5; }

}  // namespace

TEST_GROUP(WebSocketLink) {
  LoopbackServer server;
  live::MainLoopClock clock;
  int opened = 0;
  int closed = 0;
  std::vector<std::string> texts;

  std::unique_ptr<net::WebSocketLink> link(const std::string& path, std::int64_t silence_ms = 60'000) {
    net::WebSocketOptions options;
    options.url = server.url(path);
    options.log_name = "test";
    options.silence_limit_ms = silence_ms;
    options.connect_timeout_ms = 2000;
    options.retry = {"test", 0.05, 0.05, 0};
    options.refused_retry = {"test-refused", 30, 30, 0};
    return std::make_unique<net::WebSocketLink>(options, clock, no_jitter,
                                                net::WebSocketLink::Handlers{
                                                    .opened = [this] { ++opened; },
                                                    .text = [this](std::string_view text) { texts.emplace_back(text); },
                                                    .binary = [](std::string_view) {},
                                                    .closed = [this](const std::string&) { ++closed; },
                                                    .resolve = {},
                                                });
  }
};

TEST(WebSocketLink, MessagesFlowBothWaysIncludingOnesAboveLibsoupsDefaultCap) {
  auto ws = link("/ws");
  ws->start();
  CHECK(run_loop_until([&] { return !texts.empty(); }, 5000));
  STRCMP_EQUAL("hello", texts[0].c_str());
  CHECK(ws->state() == net::LinkState::open);
  CHECK(ws->send_text("from the box"));
  CHECK(run_loop_until([&] { return !server.received.empty(); }, 5000));
  STRCMP_EQUAL("from the box", server.received[0].c_str());
  const std::string big(2 << 20, 'x');
  server.send_to_last(big);
  CHECK(run_loop_until([&] { return texts.size() == 2; }, 5000));
  LONGS_EQUAL(big.size(), texts[1].size());
  CHECK(ws->state() == net::LinkState::open);
}

TEST(WebSocketLink, AClosedConnectionIsOpenedAgainAndTheProtocolToldEachTime) {
  auto ws = link("/ws");
  ws->start();
  CHECK(run_loop_until([&] { return opened == 1; }, 5000));
  server.close_all();
  CHECK(run_loop_until([&] { return opened == 2; }, 5000));
  LONGS_EQUAL(1, closed);
  LONGS_EQUAL(1, ws->reconnects());
  LONGS_EQUAL(2, server.accepted_count());
}

TEST(WebSocketLink, ASilentPeerIsDroppedByTheWatchdogAndReconnected) {
  auto ws = link("/silent", 300);
  ws->start();
  CHECK(run_loop_until([&] { return opened == 2; }, 5000));
  CHECK(closed >= 1);
  CHECK(ws->last_error().find("nothing received") != std::string::npos);
}

TEST(WebSocketLink, ARefusedHandshakeIsItsOwnStateAndWaitsForTheRefusedPolicy) {
  auto ws = link("/refuse");
  ws->start();
  CHECK(run_loop_until([&] { return ws->state() == net::LinkState::refused; }, 5000));
  CHECK(ws->refused_status() == 403);
  agentcast::testing::run_loop_for(300);  // several of the normal retry delays
  CHECK(ws->state() == net::LinkState::refused);
  LONGS_EQUAL(0, ws->reconnects());
}

TEST(WebSocketLink, StopEndsEverythingAndSendingThenFails) {
  auto ws = link("/ws");
  ws->start();
  CHECK(run_loop_until([&] { return opened == 1; }, 5000));
  ws->stop();
  CHECK(ws->state() == net::LinkState::stopped);
  CHECK_FALSE(ws->send_text("late"));
  agentcast::testing::run_loop_for(200);
  LONGS_EQUAL(1, opened);
}

TEST(WebSocketLink, DestroyingTheLinkDuringTheHandshakeIsSafe) {
  auto ws = link("/ws");
  ws->start();
  ws.reset();
  agentcast::testing::run_loop_for(300);
  LONGS_EQUAL(0, opened);
}
