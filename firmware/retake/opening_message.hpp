#pragma once
// The opening message (skill 2.1, "open chat"): said once to the agent's own chat right after
// the first thumbnail of a go-live, but only when the box was off air longer than
// chat.opening_after_off_s before it (or has not been live since it started), so a flapping
// connection never repeats it. A message that could not be said is owed to the next go-live.
#include "config/config.hpp"
#include "live/go_live.hpp"
#include "retake/credentials.hpp"
#include "retake/retake_client.hpp"
#include "status/box_status.hpp"

#include <cstdint>
#include <optional>

namespace agentcast::retake {

class OpeningMessage {
 public:
  OpeningMessage(const config::Config& config, const Credentials& credentials, StreamApi& client, live::GoLive& machine,
                 live::Clock& clock, status::BoxStatus& status);

  // The first thumbnail of `attempt` was uploaded (or given up on): the moment to open chat.
  void first_thumbnail_done(std::uint64_t attempt);

 private:
  void on_change(const live::LiveState& now, const live::LiveState& before);

  const config::Config& config_;
  const Credentials& credentials_;
  StreamApi& client_;
  live::GoLive& machine_;
  live::Clock& clock_;
  status::BoxStatus& status_;
  bool owed_ = false;       // to be said after the next first thumbnail while live
  bool ever_live_ = false;  // since the box started
  std::optional<std::int64_t> off_air_since_ms_;
};

}  // namespace agentcast::retake
