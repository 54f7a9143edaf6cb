#include "agent/olv_bridge.hpp"

#include "agent/olv_protocol.hpp"
#include "common/log.hpp"
#include "common/off_loop.hpp"
#include "common/untrusted_text.hpp"

#include <cmath>

namespace agentcast::agent {
namespace {

constexpr std::size_t kMaxForwardedChars = 500;
constexpr std::int64_t kInterruptGraceMs = 1000;

net::WebSocketOptions socket_options(const std::string& url) {
  net::WebSocketOptions options;
  options.url = url;
  options.log_name = "agent";
  // A turn can be silent for a long time (the LLM thinks); the link's pings keep the flow
  // open, and the server answers them, so only a dead peer goes quiet this long.
  options.silence_limit_ms = std::int64_t{10} * 60 * 1000;
  return options;
}

// What the agent reads: "<user>: <text>", or a line about a gift, a follow...
std::string forwarded_text(const chat::ChatEvent& event) {
  const std::string who = sanitize_line(event.user_name.empty() ? "someone" : event.user_name, 40);
  const std::string text = sanitize_line(event.text, kMaxForwardedChars);
  switch (event.kind) {
    case chat::EventKind::chat:
      return who + ": " + text;
    case chat::EventKind::gift:
      return who + " sent " + (text.empty() ? std::string("a gift") : text);
    case chat::EventKind::follow:
      return who + " followed you";
    case chat::EventKind::enter:
      return who + " joined the stream";
    case chat::EventKind::like:
      return who + " liked the stream";
    case chat::EventKind::share:
      return who + " shared the stream";
    case chat::EventKind::trade:
      return who + ": " + text;
    default:
      return {};
  }
}

}  // namespace

std::string_view turn_state_name(TurnState state) {
  switch (state) {
    case TurnState::disconnected:
      return "disconnected";
    case TurnState::idle:
      return "idle";
    case TurnState::forwarded:
      return "thinking";
    case TurnState::speaking:
      return "speaking";
    case TurnState::finishing:
      return "finishing";
  }
  return "unknown";
}

OlvBridge::OlvBridge(Options options, live::Clock& clock, const std::function<double()>& unit_random,
                     audio::VoicePlayer& voice, Show show)
    : options_(std::move(options)),
      clock_(clock),
      voice_(voice),
      show_(std::move(show)),
      link_(socket_options(options_.url), clock, unit_random,
            net::WebSocketLink::Handlers{
                .opened = [this] { opened(); },
                .text = [this](std::string_view text) { received(text); },
                .binary = [](std::string_view) {},
                .closed =
                    [this](const std::string& why) {
                      counters_.last_error = why;
                      lost();
                    },
                .resolve = {},
            }) {}

void OlvBridge::offer(const chat::ChatEvent& event) {
  if (!options_.forward.contains(event.kind)) return;
  std::string text = forwarded_text(event);
  if (text.empty()) return;
  if (queue_.size() >= options_.max_queue) {
    queue_.pop_front();
    ++counters_.dropped;
  }
  queue_.push_back(std::move(text));
  send_next();
}

void OlvBridge::opened() {
  state_ = TurnState::idle;
  send_next();
}

// The turn in flight is given up, not sent again: the server may have heard it.
void OlvBridge::lost() {
  if (state_ != TurnState::idle && state_ != TurnState::disconnected) end_turn();
  state_ = TurnState::disconnected;
}

void OlvBridge::send_next() {
  if (state_ != TurnState::idle || grace_ || queue_.empty()) return;
  if (!link_.send_text(text_input(queue_.front()))) return;
  queue_.pop_front();
  ++turn_;
  state_ = TurnState::forwarded;
  completion_sent_ = false;
  synth_seen_ = false;
  first_voice_timed_ = false;
  said_.clear();
  forwarded_at_ms_ = clock_.now_ms();
  view_.thinking = true;
  view_.current.clear();
  publish_view();
  const std::uint64_t turn = turn_;
  turn_deadline_ = clock_.after(static_cast<std::int64_t>(std::llround(options_.turn_timeout_s * 1000)), [this, turn] {
    if (turn != turn_) return;
    ++counters_.timeouts;
    log::warning("agent: no conversation-chain-end within ", std::lround(options_.turn_timeout_s),
                 " s; the turn is ended here");
    // The voice already queued plays out; the server and its proxy are told to let go.
    abandon_turn();
  });
}

void OlvBridge::interrupt() {
  if (state_ == TurnState::idle || state_ == TurnState::disconnected) return;
  ++counters_.interrupts;
  log::info("agent: the turn was interrupted");
  abandon_turn();
  voice_.cut();  // after: what the cut tells (its voice "played") belongs to a finished turn
}

// Only interrupt-signal frees the proxy from a turn that is not over: it cancels the server's
// turn wherever it is stuck (a language model that never answers, a wait for the acknowledgement)
// and clears the proxy's conversation_active; frontend-playback-complete would help only in the
// latter case. The old turn's stragglers are ignored for a grace second, then the next chat goes.
void OlvBridge::abandon_turn() {
  link_.send_text(interrupt_signal(said_));
  end_turn();
  grace_ = clock_.after(kInterruptGraceMs, [this] {
    grace_.reset();
    send_next();
  });
}

// Messages are handled in the order they came. A big one (an audio message is its whole WAV in
// base64: megabytes for a long reply) is parsed and decoded off the main loop; what comes after
// it waits its turn.
void OlvBridge::received(std::string_view text) {
  auto inbound = std::make_shared<Inbound>();
  if (text.size() < kParseOnLoopBytes) {
    inbound->message = parse_server_message(text, inbound->problem);
    inbound->parsed = true;
    inbound_.push_back(std::move(inbound));
    handle_inbound();
    return;
  }
  inbound->text = std::string(text);
  inbound_.push_back(inbound);
  run_off_loop(
      [inbound] {  // off the loop: only the message itself
        inbound->message = parse_server_message(inbound->text, inbound->problem);
        inbound->text = std::string();
      },
      [alive = std::weak_ptr<int>(alive_), this, inbound] {
        if (alive.expired()) return;
        inbound->parsed = true;
        handle_inbound();
      });
}

void OlvBridge::handle_inbound() {
  while (!inbound_.empty() && inbound_.front()->parsed) {
    const auto inbound = std::move(inbound_.front());
    inbound_.pop_front();
    handle(inbound->message, inbound->problem);
  }
}

void OlvBridge::handle(std::optional<ServerMessage>& message, const std::string& problem) {
  // The interrupted turn's last messages (its chain-end, a late sentence) end nothing new.
  if (grace_) return;
  if (!message) {
    counters_.last_error = "a message that did not parse: " + problem;
    log::warning("agent: ", counters_.last_error);
    return;
  }
  switch (message->kind) {
    case ServerKind::audio:
      audio(std::move(message->wav), message->text, message->name);
      break;
    case ServerKind::synth_complete:
      synth_complete();
      break;
    case ServerKind::chain_end:
      if (state_ != TurnState::idle && state_ != TurnState::disconnected) {
        ++counters_.turns;
        const std::string said = std::move(said_);
        end_turn();
        if (replied_ && !said.empty()) replied_(said);
        send_next();
      }
      break;
    case ServerKind::error:
      counters_.last_error = sanitize_line(message->text, 200);
      log::warning("agent: the server says: ", sanitize_for_log(message->text, 200));
      break;
    default:
      break;
  }
}

// Each sentence is shown when it is heard: a voiced one when its first sample is mixed (the
// voice of the sentences before it may still be playing), a silent one once the voice queued
// before it has played, one whose voice was refused at once.
void OlvBridge::audio(std::optional<std::string> wav, const std::string& text, const std::string& name) {
  if (state_ == TurnState::idle || state_ == TurnState::disconnected) return;  // a turn already ended
  if (state_ == TurnState::forwarded) state_ = TurnState::speaking;
  Sentence sentence{sanitize_line(name, 40), sanitize_line(text, 300)};
  const std::uint64_t turn = turn_;
  if (!wav) {
    voice_.when_played([this, turn, sentence] {
      if (turn == turn_) show(sentence);
    });
    return;
  }
  audio::VoicePlayer::Callbacks callbacks;
  callbacks.started = [this, turn, sentence](std::int64_t starts_in_ms) {
    if (turn != turn_) return;
    if (!first_voice_timed_) {
      first_voice_timed_ = true;
      counters_.last_turn_latency_ms = clock_.now_ms() - forwarded_at_ms_ + starts_in_ms;
    }
    captions_.push_back(clock_.after(starts_in_ms, [this, turn, sentence] {
      if (turn == turn_) show(sentence);
    }));
  };
  callbacks.refused = [this, turn, sentence](const std::string& problem) {
    ++counters_.refused_audio;
    counters_.last_error = "an audio message was not played: " + problem;
    log::warning("agent: ", counters_.last_error);
    if (turn == turn_) show(sentence);
  };
  voice_.play_wav(std::move(*wav), std::move(callbacks));
}

void OlvBridge::show(const Sentence& sentence) {
  if (!sentence.text.empty()) said_ += (said_.empty() ? "" : " ") + sentence.text;
  view_.thinking = false;
  if (!sentence.name.empty()) view_.name = sentence.name;
  view_.current = sentence.text;
  publish_view();
}

// The server now waits for frontend-playback-complete: sent once the turn's voice has left the
// mixer, so the next turn never talks over this one. Sent once per turn (it comes twice).
void OlvBridge::synth_complete() {
  if (synth_seen_ || state_ == TurnState::idle || state_ == TurnState::disconnected) return;
  synth_seen_ = true;
  state_ = TurnState::finishing;
  const std::uint64_t turn = turn_;
  voice_.when_played([this, turn] {
    if (turn != turn_ || completion_sent_) return;
    completion_sent_ = link_.send_text(playback_complete());
  });
}

void OlvBridge::end_turn() {
  ++turn_;
  turn_deadline_.reset();
  captions_.clear();
  state_ = link_.state() == net::LinkState::open ? TurnState::idle : TurnState::disconnected;
  view_.thinking = false;
  publish_view();
}

void OlvBridge::publish_view() {
  if (show_) show_(view_);
}

AgentStats OlvBridge::stats() const {
  AgentStats stats = counters_;
  stats.state = std::string(turn_state_name(state_));
  stats.queued = queue_.size();
  stats.audio_ms_played = voice_.played_ms();
  stats.reconnects = link_.reconnects();
  return stats;
}

}  // namespace agentcast::agent
