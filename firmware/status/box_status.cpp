#include "status/box_status.hpp"

#include "common/glib_handles.hpp"

#include "common/json_input.hpp"

#include <glib.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cmath>
#include <iomanip>
#include <sstream>
#include <type_traits>
#include <utility>

namespace agentcast::status {
namespace {

using nlohmann::json;

template <typename T>
json optional_json(const std::optional<T>& value) {
  return value ? json(*value) : json(nullptr);
}

// Reads one field, naming it when it is missing or of the wrong type.
class Reader {
 public:
  explicit Reader(const json& document) : document_(document) {}

  template <typename T>
  T get(const char* key) const {
    const auto it = document_.find(key);
    if (it == document_.end()) throw StatusFormatError(std::string(key) + ": missing");
    std::optional<T> value;
    if constexpr (std::is_same_v<T, int>) {
      value = json_input::to_int(*it);
    } else if constexpr (std::is_same_v<T, std::int64_t>) {
      value = json_input::to_int64(*it);
    } else if constexpr (std::is_same_v<T, std::uint64_t>) {
      value = json_input::to_uint64(*it);
    } else if constexpr (std::is_same_v<T, double>) {
      value = json_input::to_double(*it);
    } else if constexpr (std::is_same_v<T, bool>) {
      if (it->is_boolean()) value = it->template get<bool>();
    } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
      if (it->is_array()) {
        std::vector<std::string> items;
        for (const auto& item : *it) {
          if (!item.is_string()) throw StatusFormatError(std::string(key) + ": wrong type");
          items.push_back(item.template get<std::string>());
        }
        value = std::move(items);
      }
    } else {
      static_assert(std::is_same_v<T, std::string>);
      if (it->is_string()) value = it->template get<std::string>();
    }
    if (!value) throw StatusFormatError(std::string(key) + ": wrong type");
    return *value;
  }

  template <typename T>
  std::optional<T> optional(const char* key) const {
    const auto it = document_.find(key);
    if (it == document_.end() || it->is_null()) return std::nullopt;
    return get<T>(key);
  }

 private:
  const json& document_;
};

std::string local_clock(std::int64_t unix_ms) {
  const GDateTimePtr time(g_date_time_new_from_unix_local(unix_ms / 1000));
  if (!time) return "?";
  const GCharPtr text(g_date_time_format(time.get(), "%Y-%m-%d %H:%M:%S"));
  return text ? std::string(text.get()) : std::string("?");
}

std::string duration(std::int64_t ms) {
  const std::int64_t s = std::max<std::int64_t>(0, ms / 1000);
  std::ostringstream out;
  if (s >= 3600) out << s / 3600 << " h ";
  if (s >= 60) out << (s / 60) % 60 << " min ";
  out << s % 60 << " s";
  return out.str();
}

std::string at_and_ago(std::int64_t unix_ms, std::int64_t now_unix_ms) {
  return local_clock(unix_ms) + " (" + duration(now_unix_ms - unix_ms) + " ago)";
}

json counts_json(const chat::EventCounts& counts) {
  return {{"total", counts.total}, {"chat", counts.chat},     {"gift", counts.gift},  {"like", counts.like},
          {"enter", counts.enter}, {"follow", counts.follow}, {"share", counts.share}};
}

json sources_json(const std::vector<chat::SourceStats>& sources) {
  json list = json::array();
  for (const auto& source : sources) {
    list.push_back({{"kind", source.kind},
                    {"state", source.state},
                    {"events", counts_json(source.events)},
                    {"reconnects", source.reconnects},
                    {"last_error", source.last_error},
                    {"last_event_unix_ms", optional_json(source.last_event_unix_ms)}});
  }
  return list;
}

std::vector<chat::SourceStats> sources_from_json(const json& document) {
  std::vector<chat::SourceStats> sources;
  const auto chat = document.find("chat");
  if (chat == document.end()) return sources;
  const auto list = chat->is_object() ? chat->find("sources") : chat->end();
  if (!chat->is_object() || list == chat->end() || !list->is_array())
    throw StatusFormatError("chat.sources: wrong type");
  for (const auto& item : *list) {
    if (!item.is_object()) throw StatusFormatError("chat.sources: wrong type");
    const Reader read(item);
    chat::SourceStats source;
    source.kind = read.get<std::string>("kind");
    source.state = read.get<std::string>("state");
    source.reconnects = read.get<std::uint64_t>("reconnects");
    source.last_error = read.get<std::string>("last_error");
    source.last_event_unix_ms = read.optional<std::int64_t>("last_event_unix_ms");
    const auto events = item.find("events");
    if (events == item.end() || !events->is_object()) throw StatusFormatError("chat.sources: events: wrong type");
    const Reader count(*events);
    source.events = {count.get<std::uint64_t>("total"), count.get<std::uint64_t>("chat"),
                     count.get<std::uint64_t>("gift"),  count.get<std::uint64_t>("like"),
                     count.get<std::uint64_t>("enter"), count.get<std::uint64_t>("follow"),
                     count.get<std::uint64_t>("share")};
    sources.push_back(std::move(source));
  }
  return sources;
}

json agent_json(const std::optional<agent::AgentStats>& agent) {
  if (!agent) return nullptr;
  return {{"state", agent->state},
          {"turns", agent->turns},
          {"queued", agent->queued},
          {"dropped", agent->dropped},
          {"audio_ms_played", agent->audio_ms_played},
          {"last_turn_latency_ms", optional_json(agent->last_turn_latency_ms)},
          {"timeouts", agent->timeouts},
          {"interrupts", agent->interrupts},
          {"refused_audio", agent->refused_audio},
          {"reconnects", agent->reconnects},
          {"last_error", agent->last_error}};
}

std::optional<agent::AgentStats> agent_from_json(const json& document) {
  const auto found = document.find("agent");
  if (found == document.end() || found->is_null()) return std::nullopt;
  if (!found->is_object()) throw StatusFormatError("agent: wrong type");
  const Reader read(*found);
  agent::AgentStats agent;
  agent.state = read.get<std::string>("state");
  agent.turns = read.get<std::uint64_t>("turns");
  agent.queued = read.get<std::uint64_t>("queued");
  agent.dropped = read.get<std::uint64_t>("dropped");
  agent.audio_ms_played = read.get<std::int64_t>("audio_ms_played");
  agent.last_turn_latency_ms = read.optional<std::int64_t>("last_turn_latency_ms");
  agent.timeouts = read.get<std::uint64_t>("timeouts");
  agent.interrupts = read.get<std::uint64_t>("interrupts");
  agent.refused_audio = read.get<std::uint64_t>("refused_audio");
  agent.reconnects = read.get<std::uint64_t>("reconnects");
  agent.last_error = read.get<std::string>("last_error");
  return agent;
}

json notify_json(const std::optional<notify::NotifyStats>& notify) {
  if (!notify) return nullptr;
  return {{"sent", notify->sent}, {"failed", notify->failed}, {"last_error", notify->last_error}};
}

std::optional<notify::NotifyStats> notify_from_json(const json& document) {
  const auto found = document.find("notify");
  if (found == document.end() || found->is_null()) return std::nullopt;
  if (!found->is_object()) throw StatusFormatError("notify: wrong type");
  const Reader read(*found);
  notify::NotifyStats notify;
  notify.sent = read.get<std::uint64_t>("sent");
  notify.failed = read.get<std::uint64_t>("failed");
  notify.last_error = read.get<std::string>("last_error");
  return notify;
}

void describe_notify(std::ostream& out, const notify::NotifyStats& notify) {
  out << "notify:     " << notify.sent << " delivered, " << notify.failed << " given up\n";
  if (!notify.last_error.empty()) out << "    last error: " << notify.last_error << "\n";
}

void describe_agent(std::ostream& out, const agent::AgentStats& agent) {
  out << "agent:      " << agent.state << ", " << agent.turns << " turns, " << agent.queued << " queued, "
      << agent.dropped << " dropped, " << static_cast<double>(agent.audio_ms_played) / 1000 << " s of voice played";
  if (agent.last_turn_latency_ms) {
    out << ", last turn " << static_cast<double>(*agent.last_turn_latency_ms) / 1000 << " s to its first voice";
  }
  out << ", " << agent.timeouts << " timeouts, " << agent.interrupts << " interrupted, " << agent.refused_audio
      << " refused audio, " << agent.reconnects << " reconnects\n";
  if (!agent.last_error.empty()) out << "    last error: " << agent.last_error << "\n";
}

void describe_source(std::ostream& out, const chat::SourceStats& source, std::int64_t now_unix_ms) {
  const auto& n = source.events;
  out << "  " << source.kind << ": " << source.state << ", " << n.total << " events (" << n.chat << " chat, " << n.gift
      << " gift, " << n.like << " like, " << n.enter << " enter, " << n.follow << " follow, " << n.share << " share), "
      << source.reconnects << " reconnects";
  if (source.last_event_unix_ms) out << ", last event " << at_and_ago(*source.last_event_unix_ms, now_unix_ms);
  out << "\n";
  if (!source.last_error.empty()) out << "    last error: " << source.last_error << "\n";
}

}  // namespace

void BoxStatus::api_error(std::string message, std::int64_t now_unix_ms) {
  last_api_error = std::move(message);
  last_api_error_unix_ms = now_unix_ms;
}

std::string to_json_text(const BoxStatus& status) {
  const json document = {
      {"pid", status.pid},
      {"version", status.version},
      {"updated_unix_ms", status.updated_unix_ms},
      {"platform_kind", status.platform_kind},
      {"state", phase_name(status.phase)},
      {"state_since_unix_ms", status.phase_since_unix_ms},
      {"label", status.label},
      {"problem", status.problem},
      {"retry_in_s", optional_json(status.retry_in_s)},
      {"server_host", status.server_host},
      {"restarts", status.restarts},
      {"video_encoder", status.video_encoder},
      {"audio_source", status.audio_source},
      {"fallbacks", status.fallbacks},
      {"gpio_left_out", status.gpio_left_out},
      {"pipeline_rebuilds", status.pipeline_rebuilds},
      {"fps_in", status.fps_in},
      {"fps_out", status.fps_out},
      {"frames_dropped", status.frames_dropped},
      {"frames_skipped", status.frames_skipped},
      {"bitrate_kbps", status.bitrate_kbps},
      {"last_thumbnail_unix_ms", optional_json(status.last_thumbnail_unix_ms)},
      {"last_thumbnail_encode_ms", optional_json(status.last_thumbnail_encode_ms)},
      {"chat_shown", status.chat_shown},
      {"chat_blocked", status.chat_blocked},
      {"chat_held_back", status.chat_held_back},
      {"chat_polls", status.chat_polls},
      {"chat_poll_errors", status.chat_poll_errors},
      {"chat", {{"sources", sources_json(status.chat_sources)}}},
      {"agent", agent_json(status.agent)},
      {"notify", notify_json(status.notify)},
      {"last_api_error", status.last_api_error},
      {"last_api_error_unix_ms", optional_json(status.last_api_error_unix_ms)},
      {"platform_live", optional_json(status.platform_live)},
      {"viewers", optional_json(status.viewers)},
      {"platform_uptime_s", optional_json(status.platform_uptime_s)},
      {"skill_warning", status.skill_warning},
      {"log_file_problem", status.log_file_problem},
      {"reloaded_unix_ms", optional_json(status.reloaded_unix_ms)},
      {"reload_problem", status.reload_problem},
      {"reload_needs_restart", status.reload_needs_restart},
  };
  return document.dump(2) + "\n";
}

BoxStatus from_json_text(std::string_view text) {
  auto parsed = json_input::parse(text);
  if (const auto* error = std::get_if<json_input::JsonInputError>(&parsed)) {
    throw StatusFormatError("not valid JSON (" + error->detail + ")");
  }
  const json document = std::move(std::get<json>(parsed));
  if (!document.is_object()) throw StatusFormatError("expected an object");
  const Reader read(document);
  BoxStatus status;
  status.pid = read.get<int>("pid");
  status.version = read.get<std::string>("version");
  status.updated_unix_ms = read.get<std::int64_t>("updated_unix_ms");
  status.platform_kind = read.get<std::string>("platform_kind");
  const auto phase = phase_from_name(read.get<std::string>("state"));
  if (!phase) throw StatusFormatError("state: unknown state");
  status.phase = *phase;
  status.phase_since_unix_ms = read.get<std::int64_t>("state_since_unix_ms");
  status.label = read.optional<std::string>("label").value_or("");
  status.problem = read.optional<std::string>("problem").value_or("");
  status.retry_in_s = read.optional<double>("retry_in_s");
  status.server_host = read.get<std::string>("server_host");
  status.restarts = read.get<int>("restarts");
  status.video_encoder = read.optional<std::string>("video_encoder").value_or("");
  status.audio_source = read.optional<std::string>("audio_source").value_or("");
  status.fallbacks = read.optional<std::vector<std::string>>("fallbacks").value_or(std::vector<std::string>{});
  status.gpio_left_out = read.optional<std::vector<std::string>>("gpio_left_out").value_or(std::vector<std::string>{});
  status.reloaded_unix_ms = read.optional<std::int64_t>("reloaded_unix_ms");
  status.reload_problem = read.optional<std::string>("reload_problem").value_or("");
  status.reload_needs_restart =
      read.optional<std::vector<std::string>>("reload_needs_restart").value_or(std::vector<std::string>{});
  status.pipeline_rebuilds = read.optional<int>("pipeline_rebuilds").value_or(0);
  status.fps_in = read.get<double>("fps_in");
  status.fps_out = read.get<double>("fps_out");
  status.frames_dropped = read.get<std::uint64_t>("frames_dropped");
  status.frames_skipped = read.get<std::uint64_t>("frames_skipped");
  status.bitrate_kbps = read.get<double>("bitrate_kbps");
  status.last_thumbnail_unix_ms = read.optional<std::int64_t>("last_thumbnail_unix_ms");
  status.last_thumbnail_encode_ms = read.optional<double>("last_thumbnail_encode_ms");
  status.chat_shown = read.get<std::uint64_t>("chat_shown");
  status.chat_blocked = read.optional<std::uint64_t>("chat_blocked").value_or(0);
  status.chat_held_back = read.optional<std::uint64_t>("chat_held_back").value_or(0);
  status.chat_polls = read.get<std::uint64_t>("chat_polls");
  status.chat_poll_errors = read.get<std::uint64_t>("chat_poll_errors");
  status.chat_sources = sources_from_json(document);
  status.agent = agent_from_json(document);
  status.notify = notify_from_json(document);
  status.last_api_error = read.get<std::string>("last_api_error");
  status.last_api_error_unix_ms = read.optional<std::int64_t>("last_api_error_unix_ms");
  status.platform_live = read.optional<bool>("platform_live");
  status.viewers = read.optional<int>("viewers");
  status.platform_uptime_s = read.optional<std::int64_t>("platform_uptime_s");
  status.skill_warning = read.get<std::string>("skill_warning");
  status.log_file_problem = read.optional<std::string>("log_file_problem").value_or("");
  return status;
}

std::string describe(const BoxStatus& status, std::int64_t now_unix_ms) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(1);
  out << "agentcast " << status.version << ", pid " << status.pid << ", " << status.platform_kind << " mode"
      << " (state of " << duration(now_unix_ms - status.updated_unix_ms) << " ago)\n";
  out << "state:      " << phase_name(status.phase) << " since " << at_and_ago(status.phase_since_unix_ms, now_unix_ms)
      << "\n";
  if (!status.label.empty()) out << "screen:     " << status.label << "\n";
  if (!status.problem.empty()) {
    out << "problem:    " << status.problem;
    if (status.retry_in_s) {
      out << (status.phase == Phase::awaiting_verification ? " (asked again every " : " (next attempt ")
          << *status.retry_in_s << " s" << (status.phase == Phase::awaiting_verification ? ")" : " after it)");
    }
    out << "\n";
  }
  out << "server:     " << (status.server_host.empty() ? "-" : status.server_host) << ", " << status.restarts
      << " restarts\n";
  out << "pipeline:   " << (status.video_encoder.empty() ? "-" : status.video_encoder) << ", audio "
      << (status.audio_source.empty() ? "-" : status.audio_source) << ", " << status.pipeline_rebuilds << " rebuilds\n";
  for (const auto& fallback : status.fallbacks) out << "fallback:   " << fallback << "\n";
  for (const auto& line : status.gpio_left_out) out << "gpio:       left out: " << line << "\n";
  if (status.reloaded_unix_ms) {
    out << "reloaded:   " << at_and_ago(*status.reloaded_unix_ms, now_unix_ms);
    if (!status.reload_problem.empty()) out << ", kept the running settings: " << status.reload_problem;
    for (const auto& section : status.reload_needs_restart) out << ", " << section << " changed (needs a restart)";
    out << "\n";
  }
  out << "video:      " << status.fps_in << " fps in, " << status.fps_out << " fps out, " << status.frames_dropped
      << " frames dropped, " << status.frames_skipped << " repeated frames past the encoder, " << std::setprecision(0)
      << status.bitrate_kbps << " kbit/s sent\n"
      << std::setprecision(1);
  out << "thumbnail:  ";
  if (status.last_thumbnail_unix_ms) {
    out << "last " << at_and_ago(*status.last_thumbnail_unix_ms, now_unix_ms);
    if (status.last_thumbnail_encode_ms) out << ", " << *status.last_thumbnail_encode_ms << " ms to encode";
  } else {
    out << "none yet";
  }
  out << "\n";
  if (!status.log_file_problem.empty()) out << "log file:   " << status.log_file_problem << "\n";
  if (status.platform_kind == "retake" || !status.chat_sources.empty()) {
    out << "chat:       " << status.chat_shown << " shown, " << status.chat_blocked << " blocked, "
        << status.chat_held_back << " held back in floods, " << status.chat_polls << " polls, "
        << status.chat_poll_errors << " failed polls\n";
    for (const auto& source : status.chat_sources) describe_source(out, source, now_unix_ms);
  }
  if (status.agent) describe_agent(out, *status.agent);
  if (status.notify) describe_notify(out, *status.notify);
  if (status.platform_kind == "retake") {
    out << "api error:  ";
    if (status.last_api_error_unix_ms) {
      out << status.last_api_error << " at " << at_and_ago(*status.last_api_error_unix_ms, now_unix_ms);
    } else {
      out << "none";
    }
    out << "\n";
    out << "platform:   ";
    if (status.platform_live) {
      out << (*status.platform_live ? "live" : "not live");
      if (status.viewers) out << ", " << *status.viewers << " viewers";
      if (status.platform_uptime_s) out << ", up " << duration(*status.platform_uptime_s * 1000);
      out << " (last heartbeat)";
    } else {
      out << "no stream/status answer yet";
    }
    out << "\n";
    if (!status.skill_warning.empty()) out << "warning:    " << status.skill_warning << "\n";
  }
  return out.str();
}

std::int64_t unix_now_ms() { return g_get_real_time() / 1000; }

}  // namespace agentcast::status
