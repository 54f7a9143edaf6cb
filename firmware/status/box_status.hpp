#pragma once
// What `agentcast status` shows about the running box. The main job fills it in and publishes
// it; the status command reads it back. It holds only what is safe to show over SSH: the
// server's host, never a URL with its key; API errors that were already scrubbed of the token.
#include "agent/agent_stats.hpp"
#include "chat/source_stats.hpp"
#include "live/phase.hpp"
#include "notify/notify_stats.hpp"

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace agentcast::status {

using live::Phase;
using live::phase_from_name;
using live::phase_name;

struct BoxStatus {
  int pid = 0;
  std::string version;
  std::int64_t updated_unix_ms = 0;
  std::string platform_kind;  // "retake" or "rtmp"

  Phase phase = Phase::starting;
  std::int64_t phase_since_unix_ms = 0;
  std::string label;                 // what the status strip on the screen says
  std::string problem;               // why the last go-live attempt ended (empty once live)
  std::optional<double> retry_in_s;  // while waiting between attempts
  std::string server_host;           // host[:port] of the publishing URL
  int restarts = 0;                  // go-live attempts after the first

  std::string video_encoder;
  std::string audio_source;
  std::vector<std::string> fallbacks;      // parts that failed and what replaced them
  std::vector<std::string> gpio_left_out;  // LED and button lines named but not had, and why
  int pipeline_rebuilds = 0;               // of the production pipeline (scene, encoders)

  double fps_in = 0;   // frames pushed into the pipeline per second
  double fps_out = 0;  // frames leaving the encoder per second
  std::uint64_t frames_dropped = 0;
  std::uint64_t frames_skipped = 0;  // still frames sent as skipped pictures, not through x264
  double bitrate_kbps = 0;           // bytes written to the server, all tracks

  std::optional<std::int64_t> last_thumbnail_unix_ms;
  std::optional<double> last_thumbnail_encode_ms;

  std::uint64_t chat_shown = 0;
  std::uint64_t chat_blocked = 0;    // held back by chat.blocked_words
  std::uint64_t chat_held_back = 0;  // over chat.max_events_per_s in a flood: counted, not shown
  std::uint64_t chat_polls = 0;
  std::uint64_t chat_poll_errors = 0;
  std::vector<chat::SourceStats> chat_sources;  // one per configured chat source, in config order
  std::optional<agent::AgentStats> agent;       // agent.kind "olv"
  std::optional<notify::NotifyStats> notify;    // notify.webhook or notify.command set

  std::string last_api_error;
  std::optional<std::int64_t> last_api_error_unix_ms;

  std::optional<bool> platform_live;
  std::optional<int> viewers;
  std::optional<std::int64_t> platform_uptime_s;
  std::string skill_warning;

  std::string log_file_problem;  // what is wrong with scene.log_file; empty while it is followed

  // The last SIGHUP: when the configuration was read again, what was wrong with it (then
  // nothing changed), and the sections that changed but take effect only after a restart.
  std::optional<std::int64_t> reloaded_unix_ms;
  std::string reload_problem;
  std::vector<std::string> reload_needs_restart;

  void api_error(std::string message, std::int64_t now_unix_ms);
};

class StatusFormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::string to_json_text(const BoxStatus& status);
// Throws StatusFormatError naming the field at fault.
BoxStatus from_json_text(std::string_view text);

// The human-readable report, as of `now_unix_ms` (for "since" and "ago").
std::string describe(const BoxStatus& status, std::int64_t now_unix_ms);

std::int64_t unix_now_ms();

}  // namespace agentcast::status
