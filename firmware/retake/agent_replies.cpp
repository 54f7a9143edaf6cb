#include "retake/agent_replies.hpp"

#include "common/log.hpp"
#include "common/untrusted_text.hpp"

namespace agentcast::retake {
namespace {
constexpr std::size_t kMaxChatChars = 500;  // chat/send's limit
}  // namespace

AgentReplies::AgentReplies(const Credentials& credentials, StreamApi& client, live::GoLive& machine, live::Clock& clock)
    : credentials_(credentials), client_(client), machine_(machine), clock_(clock) {}

void AgentReplies::reply(const std::string& text) {
  const std::int64_t now = clock_.now_ms();
  if (!machine_.state().on_air() || (last_post_ms_ && now - *last_post_ms_ < kMinGapMs)) {
    ++skipped_;
    return;
  }
  last_post_ms_ = now;
  client_.send_chat(sanitize_line(text, kMaxChatChars), credentials_.user_db_id, [this](const ApiResult<Sent>& result) {
    if (result.ok()) {
      ++sent_;
      return;
    }
    // Not retried: a send that timed out may have been said, and the next turn has its own.
    log::warning("chat: the agent's reply was not posted: ", result.error.message);
  });
}

}  // namespace agentcast::retake
