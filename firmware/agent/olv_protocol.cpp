#include "agent/olv_protocol.hpp"

#include "common/json_input.hpp"

#include <glib.h>

#include <memory>

namespace agentcast::agent {
namespace {

using nlohmann::json;

std::string string_field(const json& object, const char* key) {
  const auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

// Standard base64 (whitespace allowed); nullopt for anything else.
std::optional<std::string> decode_base64(const std::string& text) {
  std::string clean;
  clean.reserve(text.size());
  for (const char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    const bool valid =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
    if (!valid) return std::nullopt;
    clean.push_back(c);
  }
  if (clean.empty() || clean.size() % 4 != 0) return std::nullopt;
  gsize size = 0;
  const std::unique_ptr<guchar, decltype(&g_free)> bytes(g_base64_decode(clean.c_str(), &size), &g_free);
  return std::string(reinterpret_cast<const char*>(bytes.get()), size);
}

// Invalid UTF-8 (text from chat) is replaced, never thrown over.
std::string dump(const json& message) { return message.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace

std::optional<ServerMessage> parse_server_message(std::string_view json_text, std::string& problem) {
  const auto parsed = json_input::parse(json_text);
  const auto* message = std::get_if<json>(&parsed);
  if (message == nullptr || !message->is_object()) {
    problem = "not a JSON object";
    return std::nullopt;
  }
  ServerMessage out;
  out.type = string_field(*message, "type");
  const std::string text = string_field(*message, "text");
  if (out.type == "control") {
    if (text == "conversation-chain-start") out.kind = ServerKind::chain_start;
    if (text == "conversation-chain-end") out.kind = ServerKind::chain_end;
    if (text == "interrupt") out.kind = ServerKind::interrupted;
  } else if (out.type == "full-text") {
    out.kind = ServerKind::full_text;
    out.text = text;
  } else if (out.type == "backend-synth-complete") {
    out.kind = ServerKind::synth_complete;
  } else if (out.type == "force-new-message") {
    out.kind = ServerKind::force_new_message;
  } else if (out.type == "error") {
    out.kind = ServerKind::error;
    out.text = string_field(*message, "message");
  } else if (out.type == "audio") {
    out.kind = ServerKind::audio;
    if (const auto display = message->find("display_text"); display != message->end() && display->is_object()) {
      out.text = string_field(*display, "text");
      out.name = string_field(*display, "name");
    }
    const auto audio = message->find("audio");
    if (audio != message->end() && audio->is_string()) {
      out.wav = decode_base64(audio->get<std::string>());
      if (!out.wav) {
        problem = "an audio message whose audio is not base64";
        return std::nullopt;
      }
    } else if (audio != message->end() && !audio->is_null()) {
      problem = "an audio message whose audio is neither base64 nor null";
      return std::nullopt;
    }
  }
  return out;
}

std::string text_input(std::string_view text) { return dump(json{{"type", "text-input"}, {"text", text}}); }

std::string playback_complete() { return dump(json{{"type", "frontend-playback-complete"}}); }

std::string interrupt_signal(std::string_view heard) {
  return dump(json{{"type", "interrupt-signal"}, {"text", heard}});
}

}  // namespace agentcast::agent
