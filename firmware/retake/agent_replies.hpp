#pragma once
// agent.reply_to_chat: the text of each finished agent turn posted to the agent's own retake.tv
// chat (chat/send), so viewers who only read chat see the answer too. At most one message per
// turn, at most one every kMinGapMs (a quick exchange posts its first reply and skips the rest,
// counted), only while live, cut to the platform's 500 characters. The poller and the socket
// skip the agent's own messages, so a reply never comes back to the agent as chat.
#include "live/clock.hpp"
#include "live/go_live.hpp"
#include "retake/credentials.hpp"
#include "retake/retake_client.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace agentcast::retake {

class AgentReplies {
 public:
  static constexpr std::int64_t kMinGapMs = 10'000;

  AgentReplies(const Credentials& credentials, StreamApi& client, live::GoLive& machine, live::Clock& clock);

  void reply(const std::string& text);
  std::uint64_t sent() const { return sent_; }
  std::uint64_t skipped() const { return skipped_; }

 private:
  const Credentials& credentials_;
  StreamApi& client_;
  live::GoLive& machine_;
  live::Clock& clock_;
  std::optional<std::int64_t> last_post_ms_;
  std::uint64_t sent_ = 0;
  std::uint64_t skipped_ = 0;
};

}  // namespace agentcast::retake
