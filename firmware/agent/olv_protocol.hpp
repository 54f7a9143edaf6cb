#pragma once
// Open-LLM-VTuber's /proxy-ws messages as the box reads and writes them (chat-protocols.md
// §2.2-2.5). Pure functions: a message that is not JSON or not of a known shape is a problem
// string or an `other` message, never an exception.
#include <optional>
#include <string>
#include <string_view>

namespace agentcast::agent {

enum class ServerKind {
  chain_start,        // control: conversation-chain-start
  chain_end,          // control: conversation-chain-end (the proxy releases the next text-input)
  full_text,          // "Thinking...", "Connection established"
  audio,              // one sentence: WAV (or none) and its display text
  synth_complete,     // backend-synth-complete (may come twice in a turn)
  force_new_message,  // force-new-message
  interrupted,        // control: interrupt
  error,              // error {message}
  other,              // heartbeat-ack, set-model-and-conf, start-mic, ...: nothing to do
};

struct ServerMessage {
  ServerKind kind = ServerKind::other;
  std::string type;                // as sent, for logs (sanitised by the caller)
  std::string text;                // full-text, error message, display_text.text
  std::string name;                // display_text.name: the character
  std::optional<std::string> wav;  // audio: the decoded WAV file; nullopt for audio: null
};

std::optional<ServerMessage> parse_server_message(std::string_view json_text, std::string& problem);

// What the box sends.
std::string text_input(std::string_view text);
std::string playback_complete();
std::string interrupt_signal(std::string_view heard);

}  // namespace agentcast::agent
