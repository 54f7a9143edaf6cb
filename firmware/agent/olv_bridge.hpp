#pragma once
// The box as Open-LLM-VTuber's live-platform client (chat-protocols.md §2): viewer chat goes to
// the agent one turn at a time over /proxy-ws, the agent's sentences come back as text for the
// screen and WAV for the stream's voice; each sentence is shown when its voice is heard, so the
// panel never runs ahead of the sound. One writer of the agent's turn:
//   idle → forwarded (a text-input sent; "thinking…") → speaking (audio arrives, played in
//   order) → backend-synth-complete → once the voice has left the mixer:
//   frontend-playback-complete → conversation-chain-end → idle, and the next queued chat goes.
// The queue is bounded (the oldest dropped and counted); a turn whose chain-end never comes is
// ended by turn_timeout_s (with interrupt-signal, as an interrupt) and counted. When the agent
// goes away the turn in flight is given up (never sent twice) and the queue waits for the
// reconnect.
#include "agent/agent_stats.hpp"
#include "agent/olv_protocol.hpp"
#include "audio/voice_player.hpp"
#include "chat/chat_event.hpp"
#include "live/clock.hpp"
#include "net/websocket_link.hpp"

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace agentcast::agent {

enum class TurnState { disconnected, idle, forwarded, speaking, finishing };
std::string_view turn_state_name(TurnState state);

// What the agent panel shows; the bridge sends it on every change.
struct AgentView {
  std::string name;       // the character, as the server names it (sanitised)
  bool thinking = false;  // a turn is open and nothing said yet
  std::string current;    // the sentence being said (sanitised)
};

class OlvBridge {
 public:
  struct Options {
    std::string url = "ws://127.0.0.1:12393/proxy-ws";
    std::set<chat::EventKind> forward = {chat::EventKind::chat};
    std::size_t max_queue = 20;
    double turn_timeout_s = 120;
  };
  using Show = std::function<void(const AgentView& view)>;

  OlvBridge(Options options, live::Clock& clock, const std::function<double()>& unit_random, audio::VoicePlayer& voice,
            Show show);

  void start() { link_.start(); }
  // `replied` gets the text of every turn that ended with conversation-chain-end and said
  // something (its sentences joined, sanitised), once per turn.
  void on_reply(std::function<void(const std::string& text)> replied) { replied_ = std::move(replied); }
  // A chat event that passed the word filter.
  void offer(const chat::ChatEvent& event);
  // Cuts the current turn short (`agentcast agent interrupt`, the aux button): the voice stops
  // at once, interrupt-signal tells the server what was heard, and after a short grace (in
  // which the old turn's last messages are ignored) the next chat goes.
  void interrupt();
  AgentStats stats() const;

 private:
  void opened();
  void lost();
  // A message from the server, parsed (on the loop or off it) and then handled in order.
  struct Inbound {
    std::string text;  // while it waits to be parsed off the loop
    std::optional<ServerMessage> message;
    std::string problem;
    bool parsed = false;
  };
  static constexpr std::size_t kParseOnLoopBytes = 64 * std::size_t{1024};
  void received(std::string_view text);
  void handle_inbound();
  void handle(std::optional<ServerMessage>& message, const std::string& problem);
  void send_next();
  void audio(std::optional<std::string> wav, const std::string& text, const std::string& name);
  struct Sentence {
    std::string name;  // sanitised, as the text
    std::string text;
  };
  void show(const Sentence& sentence);
  void synth_complete();
  void end_turn();
  void abandon_turn();
  void publish_view();

  Options options_;
  live::Clock& clock_;
  audio::VoicePlayer& voice_;
  Show show_;
  std::function<void(const std::string& text)> replied_;
  net::WebSocketLink link_;
  TurnState state_ = TurnState::disconnected;
  std::deque<std::string> queue_;
  std::uint64_t turn_ = 0;  // the current turn's number: callbacks of an older one do nothing
  bool completion_sent_ = false;
  bool synth_seen_ = false;
  std::int64_t forwarded_at_ms_ = 0;
  bool first_voice_timed_ = false;
  std::string said_;  // the current turn's sentences heard so far (interrupt-signal tells them)
  AgentView view_;
  std::unique_ptr<live::Alarm> turn_deadline_;
  std::vector<std::unique_ptr<live::Alarm>> captions_;  // sentences shown when their voice starts
  std::unique_ptr<live::Alarm> grace_;  // after an interrupt or a timeout: the old turn's stragglers are ignored
  AgentStats counters_;
  std::deque<std::shared_ptr<Inbound>> inbound_;           // in arrival order
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // off-loop parses answer only while it lives
};

}  // namespace agentcast::agent
