#pragma once
// retake.tv chat over REST while live: polls /agent/stream/comments at the active or quiet
// cadence, pages back through bursts (exactly once, in order), and after a failed poll
// backs off with the chat policy, capped so chat comes back within 10 s of the API being
// healthy again. Each new comment is published as a chat event (source "retake-rest"); a 401
// is sent to the go-live state machine; it decides. While a real-time source (Socket.IO) is
// healthy the poller only checks at the quiet cadence, a safety net that the merger's
// de-duplication makes invisible; when it fails the poller polls at once and takes over.
#include "chat/chat_event.hpp"
#include "chat/source_stats.hpp"
#include "config/config.hpp"
#include "live/go_live.hpp"
#include "retake/chat_cursor.hpp"
#include "retake/credentials.hpp"
#include "retake/retake_client.hpp"
#include "status/box_status.hpp"

#include <memory>

namespace agentcast::retake {

class ChatPoller : public chat::ChatSource {
 public:
  ChatPoller(const config::Config& config, const Credentials& credentials, StreamApi& client, live::GoLive& machine,
             live::Clock& clock, std::function<double()> unit_random,
             std::function<void(const chat::ChatEvent&)> publish, status::BoxStatus& status);

  // A real-time source of the same chat is (or no longer is) delivering.
  void set_realtime_healthy(bool healthy);
  chat::SourceStats stats() const override;

 private:
  void on_change(const live::LiveState& now, const live::LiveState& before);
  void poll(std::uint64_t attempt, const std::optional<std::string>& before_id);
  void schedule(std::uint64_t attempt, double delay_s);
  double next_delay_s(double now_s) const;

  const Credentials& credentials_;
  StreamApi& client_;
  live::GoLive& machine_;
  live::Clock& clock_;
  std::function<void(const chat::ChatEvent&)> publish_;  // to the chat merger
  status::BoxStatus& status_;
  retake::ChatCursor cursor_;
  retake::PollCadence cadence_;
  double quiet_s_;
  live::Retries retries_;
  std::unique_ptr<live::Alarm> next_poll_;
  bool realtime_healthy_ = false;
  bool backing_off_ = false;
  bool polling_ = false;         // live: polls are scheduled
  bool in_flight_ = false;       // a poll is waiting for its answer
  chat::SourceStats delivered_;  // what it delivered and the last failed poll; stats() adds the state
};

}  // namespace agentcast::retake
