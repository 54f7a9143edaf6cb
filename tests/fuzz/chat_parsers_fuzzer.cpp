// libFuzzer target for the parsers of what chat servers send (issue: bad input from any source
// never crashes): the first byte picks the parser, the rest is the message.
//   0: one Engine.IO text message, through the Socket.IO packet and event parsers and on to the
//      retake.tv event mapping, as the Socket.IO source handles it;
//   1: a body of /agent/stream/comments, as the REST poller parses it;
//   2: one binary message of the Douyin push socket, through PushFrame, gzip, Response and the
//      messages inside (protobuf-c, zlib), as the Douyin source decodes it.
// Every event that comes out must be valid to show: its text then goes through the sanitiser.
// Built and run by tests/fuzz/run-parsers.
#include "common/untrusted_text.hpp"
#include "douyin/push_codec.hpp"
#include "net/socketio_codec.hpp"
#include "retake/retake_api.hpp"
#include "retake/socket_events.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

using namespace agentcast;

void socketio_message(std::string_view text) {
  const auto engine = net::socketio::parse_engine_packet(text);
  if (!engine) return;
  if (engine->type == net::socketio::EngineType::open) {
    if (const auto open = net::socketio::parse_open(engine->data)) {
      if (open->ping_interval_ms <= 0 || open->ping_timeout_ms <= 0) std::abort();
    }
    return;
  }
  if (engine->type != net::socketio::EngineType::message) return;
  const auto packet = net::socketio::parse_packet(engine->data);
  if (!packet) return;
  const auto event = net::socketio::parse_event(*packet);
  if (!event) return;
  if (const auto chat = retake::retake_socket_event(*event, "own-user")) {
    static_cast<void>(sanitize_line(chat->text, 300));
    static_cast<void>(sanitize_line(chat->user_name, 40));
  }
}

void rest_comments(std::string_view body) {
  try {
    for (const auto& comment : retake::parse_comments(body)) {
      if (comment.id.empty() || comment.text.empty()) std::abort();
      static_cast<void>(sanitize_line(comment.text, 300));
    }
  } catch (const retake::ResponseError&) {
    // A body of the wrong shape is an error the poller reports: expected.
  }
}

void douyin_frame(std::string_view bytes) {
  std::string problem;
  const auto push = douyin::decode_push(bytes, problem);
  if (!push) {
    if (problem.empty()) std::abort();
    return;
  }
  for (const auto& event : push->events) {
    if (event.platform != "douyin") std::abort();
    static_cast<void>(sanitize_line(event.text, 300));
    static_cast<void>(sanitize_line(event.user_name, 40));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      socketio_message(input);
      break;
    case 1:
      rest_comments(input);
      break;
    default:
      douyin_frame(input);
      break;
  }
  return 0;
}
