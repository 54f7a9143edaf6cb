#pragma once
// Where the Douyin push socket connects, attempt by attempt. The signature (X-Bogus from
// Douyin's obfuscated sign.js) covers the room and client fields of the URL, not `cursor` and
// `internal_ext`: those are replaced on every reconnect with what the last frame said, so the
// server resumes where the box left off. A signed URL comes from the config or, fresh for
// every attempt, from the owner's signer service.
#include "net/websocket_link.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace agentcast::douyin {

// `url` with its `cursor` and `internal_ext` query parameters set (replaced or added; empty
// values leave the URL as it is).
std::string resume_url(const std::string& url, const std::string& cursor, const std::string& internal_ext);

// The signer's request for a room: signer_url with room_id=<room_id> added to its query.
std::string signer_request_url(const std::string& signer_url, const std::string& room_id);

// The signer's answer: {"url": "wss://...", "cookie": "ttwid=...", "user_agent": "..."}, the
// last two optional. nullopt with `problem` set when it is not that, or the URL is not wss://
// (ws:// only to this machine). The problem never quotes the answer (it may hold credentials).
std::optional<net::WebSocketEndpoint> parse_signer_answer(std::string_view body, std::string& problem);

}  // namespace agentcast::douyin
