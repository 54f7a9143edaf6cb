#pragma once
// retake.tv's Socket.IO events (chat-protocols.md 1.6) as chat events: "message" is the same
// record as the REST poll (so the same id), "tip_received", "user_followed" and "newtrade" are
// read defensively. Pure: no connection, for the source, its tests and the fuzzer.
#include "chat/chat_event.hpp"
#include "net/socketio_codec.hpp"

#include <optional>
#include <string>

namespace agentcast::retake {

// The chat event of one Socket.IO event, or nothing (unknown events, malformed payloads, the
// agent's own messages).
std::optional<chat::ChatEvent> retake_socket_event(const net::socketio::Event& event, const std::string& own_user_id);

}  // namespace agentcast::retake
