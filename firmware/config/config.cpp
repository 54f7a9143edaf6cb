#include "config/config.hpp"

#include "common/json_input.hpp"
#include "common/log.hpp"
#include "common/paths.hpp"
#include "common/small_file.hpp"
#include "common/urls.hpp"

#include <glib.h>
#include <pango/pango.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <set>
#include <sstream>

namespace agentcast::config {
namespace {

using nlohmann::json;

constexpr std::array kKnownEncoders{"v4l2h264enc",  "nvv4l2h264enc", "vah264enc",
                                    "vaapih264enc", "x264enc",       "openh264enc"};

// Reads one JSON object of the config, remembering its key path for messages and rejecting
// keys nobody asked for.
class Section {
 public:
  Section(const json& object, std::string path, std::string_view source)
      : object_(object), path_(std::move(path)), source_(source) {
    if (!object_.is_object()) fail(path_.empty() ? "(top level)" : path_, "expected an object");
  }

  Section child(std::string_view key) {
    allowed_.insert(std::string(key));
    const auto it = object_.find(key);
    static const json empty = json::object();
    return Section(it == object_.end() ? empty : *it, key_path(key), source_);
  }

  void read(std::string_view key, std::string& out) {
    if (const json* value = find(key)) {
      if (!value->is_string()) fail(key_path(key), "expected a string");
      out = value->get<std::string>();
    }
  }

  void read(std::string_view key, std::optional<std::string>& out) {
    if (const json* value = find(key)) {
      if (value->is_null()) {
        out.reset();
        return;
      }
      if (!value->is_string()) fail(key_path(key), "expected a string or null");
      out = value->get<std::string>();
    }
  }

  void read(std::string_view key, int& out) {
    if (const json* value = find(key)) {
      if (json_input::is_not_whole_number(*value)) fail(key_path(key), "expected an integer");
      const auto number = json_input::to_int64(*value);
      if (!number) fail(key_path(key), "out of range");
      if (*number < -1'000'000'000 || *number > 1'000'000'000) fail(key_path(key), "out of range");
      out = static_cast<int>(*number);
    }
  }

  void read(std::string_view key, bool& out) {
    if (const json* value = find(key)) {
      if (!value->is_boolean()) fail(key_path(key), "expected true or false");
      out = value->get<bool>();
    }
  }

  void read(std::string_view key, double& out) {
    if (const json* value = find(key)) {
      const auto number = json_input::to_double(*value);
      if (!number) fail(key_path(key), "expected a number");
      out = *number;
    }
  }

  void read(std::string_view key, std::vector<std::string>& out) {
    if (const json* value = find(key)) {
      if (!value->is_array()) fail(key_path(key), "expected a list of strings");
      out.clear();
      for (const auto& item : *value) {
        if (!item.is_string()) fail(key_path(key), "expected a list of strings");
        out.push_back(item.get<std::string>());
      }
    }
  }

  // A list of objects, each read as its own section ("chat.sources[1].url" in messages); nullopt
  // when the key is absent.
  std::optional<std::vector<Section>> objects(std::string_view key) {
    const json* value = find(key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_array()) fail(key_path(key), "expected a list of objects");
    std::vector<Section> items;
    for (std::size_t i = 0; i < value->size(); ++i) {
      items.emplace_back((*value)[i], key_path(key) + "[" + std::to_string(i) + "]", source_);
    }
    return items;
  }

  // After all reads: any key not read is unknown (a typo would otherwise be silently ignored).
  void reject_unknown_keys() const {
    for (const auto& [key, value] : object_.items()) {
      if (!allowed_.contains(key)) fail(key_path(key), "unknown key");
    }
  }

  [[noreturn]] void fail(const std::string& key_path, std::string_view what) const {
    throw ConfigError(std::string(source_) + ": " + key_path + ": " + std::string(what));
  }

  std::string key_path(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }

  // A value read by another parser (the key counts as known); nullptr when absent.
  const json* raw(std::string_view key) { return find(key); }
  std::string_view source() const { return source_; }

 private:
  const json* find(std::string_view key) {
    allowed_.insert(std::string(key));
    const auto it = object_.find(key);
    return it == object_.end() ? nullptr : &*it;
  }

  const json& object_;
  std::string path_;
  std::string_view source_;
  std::set<std::string, std::less<>> allowed_;
};

void require(bool ok, const Section& section, std::string_view key, std::string_view what) {
  if (!ok) section.fail(section.key_path(key), what);
}

// Plain http:// is allowed only where the traffic cannot leave the machine.
bool is_loopback_http(const std::string& url) {
  const auto parts = parse_url(url);
  return parts && parts->scheme == "http" && is_loopback_host(parts->host);
}

// rtmp2sink takes the last path element as the stream key and the rest as the application;
// without both it cannot publish, and it says so only as "Host is not set" on every retry.
bool has_app_and_key(const std::string& url) {
  const auto host_start = url.find("://") + 3;
  const auto path_start = url.find('/', host_start);
  if (path_start == std::string::npos) return false;
  std::string_view path(url);
  path.remove_prefix(path_start + 1);
  if (const auto query = path.find('?'); query != std::string_view::npos) path = path.substr(0, query);
  const auto last_slash = path.rfind('/');
  if (last_slash == std::string_view::npos) return false;
  const std::string_view app = path.substr(0, last_slash);
  const std::string_view key = path.substr(last_slash + 1);
  return !app.empty() && !key.empty() && app.find("//") == std::string_view::npos && !app.starts_with("/");
}

void read_platform(Section section, Platform& out) {
  section.read("kind", out.kind);
  section.read("api_base", out.api_base);
  section.read("skill_url", out.skill_url);
  section.read("credentials", out.credentials);
  section.reject_unknown_keys();
  require(out.kind == "retake" || out.kind == "rtmp", section, "kind", "expected \"retake\" or \"rtmp\"");
  for (auto [key, url] : {std::pair{"api_base", &out.api_base}, std::pair{"skill_url", &out.skill_url}}) {
    require(url->starts_with("https://") || is_loopback_http(*url), section, key,
            "must be an https:// URL (plain http:// only for loopback hosts)");
  }
  out.credentials = expand_home(out.credentials);
}

void read_output(Section section, Output& out, const Platform& platform) {
  section.read("url", out.url);
  section.reject_unknown_keys();
  if (platform.kind == "rtmp") {
    require(out.url.starts_with("rtmp://") || out.url.starts_with("rtmps://"), section, "url",
            "expected an rtmp:// or rtmps:// URL");
    require(parse_url(out.url).has_value(), section, "url", "expected rtmp[s]://host[:port]/app/key: no host");
    require(has_app_and_key(out.url), section, "url",
            "expected rtmp[s]://host[:port]/app/key: the application or the stream key is missing (rtmp2sink would "
            "retry forever)");
  }
}

void read_tls(Section section, Tls& out) {
  section.read("ca_file", out.ca_file);
  section.reject_unknown_keys();
  if (out.ca_file) {
    require(!out.ca_file->empty(), section, "ca_file", "expected a file path or null");
    out.ca_file = expand_home(*out.ca_file);
  }
}

void read_video(Section section, Video& out) {
  section.read("width", out.width);
  section.read("height", out.height);
  section.read("fps", out.fps);
  section.read("bitrate_kbps", out.bitrate_kbps);
  section.read("keyframe_interval_s", out.keyframe_interval_s);
  section.read("encoder", out.encoder);
  section.reject_unknown_keys();
  // 4:2:0 needs even dimensions.
  require(out.width >= 64 && out.width <= 3840 && out.width % 2 == 0, section, "width",
          "expected an even number from 64 to 3840");
  require(out.height >= 64 && out.height <= 2160 && out.height % 2 == 0, section, "height",
          "expected an even number from 64 to 2160");
  require(out.fps >= 1 && out.fps <= 60, section, "fps", "expected 1 to 60");
  require(out.bitrate_kbps >= 100 && out.bitrate_kbps <= 25000, section, "bitrate_kbps", "expected 100 to 25000");
  require(out.keyframe_interval_s >= 0.5 && out.keyframe_interval_s <= 10, section, "keyframe_interval_s",
          "expected 0.5 to 10 seconds");
  require(
      out.encoder == "auto" || is_known_encoder(out.encoder), section, "encoder",
      "unknown encoder \"" + out.encoder + "\" (expected auto or one of: " + std::string(known_encoders_text()) + ")");
}

void read_audio(Section section, Audio& out) {
  section.read("source", out.source);
  section.read("device", out.device);
  section.read("bitrate_kbps", out.bitrate_kbps);
  section.read("rate", out.rate);
  section.read("channels", out.channels);
  section.reject_unknown_keys();
  require(out.source == "silence" || out.source == "alsa", section, "source", "expected \"silence\" or \"alsa\"");
  // The device name is placed inside the pipeline description: allow only ALSA's own syntax.
  const bool device_ok = !out.device.empty() && std::all_of(out.device.begin(), out.device.end(), [](char c) {
    return g_ascii_isalnum(c) || std::string_view(":,._=-").find(c) != std::string_view::npos;
  });
  require(device_ok, section, "device", "expected an ALSA device name such as \"default\" or \"hw:1,0\"");
  require(out.bitrate_kbps >= 32 && out.bitrate_kbps <= 320, section, "bitrate_kbps", "expected 32 to 320");
  require(out.rate == 44100 || out.rate == 48000, section, "rate", "expected 44100 or 48000");
  require(out.channels == 1 || out.channels == 2, section, "channels", "expected 1 or 2");
}

// The log panel's font: too small is unreadable on a phone, too large leaves no line that
// fits (a 2000-point font blanks the panel).
constexpr int kMinFontPoints = 6;
constexpr int kMaxFontPoints = 48;
constexpr int kMinFontPixels = 8;
constexpr int kMaxFontPixels = 64;

bool font_size_is_sane(const std::string& description) {
  if (description.empty()) return false;
  PangoFontDescription* font = pango_font_description_from_string(description.c_str());
  const bool has_size = (pango_font_description_get_set_fields(font) & PANGO_FONT_MASK_SIZE) != 0;
  const double size = static_cast<double>(pango_font_description_get_size(font)) / PANGO_SCALE;
  const bool absolute = pango_font_description_get_size_is_absolute(font) != 0;
  pango_font_description_free(font);
  if (!has_size) return false;
  return absolute ? size >= kMinFontPixels && size <= kMaxFontPixels : size >= kMinFontPoints && size <= kMaxFontPoints;
}

void read_scene(Section section, Scene& out) {
  section.read("title", out.title);
  section.read("log_file", out.log_file);
  section.read("font", out.font);
  section.reject_unknown_keys();
  require(!out.log_file.empty(), section, "log_file", "expected a file path");
  require(font_size_is_sane(out.font), section, "font",
          "expected a font description with a size from " + std::to_string(kMinFontPoints) + " to " +
              std::to_string(kMaxFontPoints) + " points (or " + std::to_string(kMinFontPixels) + "px to " +
              std::to_string(kMaxFontPixels) + "px), such as \"Monospace 14\"");
  out.log_file = expand_home(out.log_file);
}

void read_thumbnail(Section section, Thumbnail& out) {
  section.read("interval_s", out.interval_s);
  section.read("width", out.width);
  section.read("height", out.height);
  section.read("path", out.path);
  section.read("min_gap_s", out.min_gap_s);
  section.reject_unknown_keys();
  require(out.min_gap_s >= 1 && out.min_gap_s <= 3600, section, "min_gap_s", "expected 1 to 3600 seconds");
  require(out.interval_s >= 1 && out.interval_s <= 3600, section, "interval_s", "expected 1 to 3600 seconds");
  require(out.width == 0 || (out.width >= 16 && out.width <= 3840 && out.width % 2 == 0), section, "width",
          "expected 0 (the video's width) or an even number from 16 to 3840");
  require(out.height == 0 || (out.height >= 16 && out.height <= 2160 && out.height % 2 == 0), section, "height",
          "expected 0 (the video's height) or an even number from 16 to 2160");
  require(!out.path.empty(), section, "path", "expected a file path");
  out.path = expand_home(out.path);
}

constexpr long kMaxChatMessageChars = 500;

// wss:// anywhere; ws:// only where the traffic cannot leave the machine.
bool is_websocket_url(const std::string& url) {
  const auto parts = parse_url(url);
  return parts && !parts->host.empty() &&
         (parts->scheme == "wss" || (parts->scheme == "ws" && is_loopback_host(parts->host)));
}

bool is_signer_url(const std::string& url) {
  const auto parts = parse_url(url);
  return parts && !parts->host.empty() && (parts->scheme == "https" || is_loopback_http(url));
}

ChatSource read_chat_source(Section section, const Platform& platform) {
  ChatSource source;
  section.read("kind", source.kind);
  if (source.kind == "retake-rest") {
    // No settings: the API and the account are the platform's.
  } else if (source.kind == "retake-socketio") {
    source.url = kRetakeSocketIoUrl;
    section.read("url", source.url);
    require(is_websocket_url(source.url), section, "url", "expected a wss:// URL (ws:// only to this machine)");
  } else if (source.kind == "douyin") {
    section.read("room_id", source.room_id);
    section.read("url", source.url);
    section.read("signer_url", source.signer_url);
    section.read("cookie", source.cookie);
    section.read("heartbeat_s", source.heartbeat_s);
    require(!source.room_id.empty() && source.room_id.size() <= 32 &&
                source.room_id.find_first_not_of("0123456789") == std::string::npos,
            section, "room_id", "expected the room's number");
    require(source.url.empty() != source.signer_url.empty(), section, "url",
            "expected either url (a signed wss:// URL) or signer_url, not both");
    require(source.url.empty() || is_websocket_url(source.url), section, "url",
            "expected a signed wss:// URL (ws:// only to this machine)");
    require(source.signer_url.empty() || is_signer_url(source.signer_url), section, "signer_url",
            "expected an https:// URL (http:// only to this machine)");
    require(source.heartbeat_s >= 1 && source.heartbeat_s <= 60, section, "heartbeat_s", "expected 1 to 60 seconds");
    require(source.cookie.empty() || !source.url.empty(), section, "cookie",
            "only with url (the signer gives its own cookie)");
    require(source.cookie.find_first_of("\r\n") == std::string::npos && source.cookie.size() <= 4096, section, "cookie",
            "expected one header line of at most 4096 characters");
  } else {
    section.fail(section.key_path("kind"), "expected \"retake-rest\", \"retake-socketio\" or \"douyin\"");
  }
  section.reject_unknown_keys();
  if (source.kind.starts_with("retake-") && platform.kind != "retake") {
    section.fail(section.key_path("kind"), "needs platform.kind \"retake\" (the agent's account)");
  }
  return source;
}

void read_chat_sources(Section& section, Chat& out, const Platform& platform) {
  const auto items = section.objects("sources");
  if (!items) {
    if (platform.kind == "retake") {
      ChatSource rest;
      rest.kind = "retake-rest";
      out.sources = {rest};
    }
    return;
  }
  constexpr std::size_t kMaxSources = 8;
  require(items->size() <= kMaxSources, section, "sources", "expected at most 8 sources");
  for (const auto& item : *items) {
    ChatSource source = read_chat_source(item, platform);
    const bool retake_twice = source.kind.starts_with("retake-") &&
                              std::any_of(out.sources.begin(), out.sources.end(),
                                          [&](const ChatSource& other) { return other.kind == source.kind; });
    require(!retake_twice, section, "sources", "lists " + source.kind + " twice");
    out.sources.push_back(std::move(source));
  }
}

void read_chat(Section section, Chat& out, const Platform& platform) {
  read_chat_sources(section, out, platform);
  section.read("douyin_silence_s", out.douyin_silence_s);
  section.read("poll_active_s", out.poll_active_s);
  section.read("poll_quiet_s", out.poll_quiet_s);
  section.read("opening_message", out.opening_message);
  section.read("opening_after_off_s", out.opening_after_off_s);
  section.read("blocked_words", out.blocked_words);
  section.read("max_events_per_s", out.max_events_per_s);
  section.reject_unknown_keys();
  require(out.poll_active_s >= 0.2 && out.poll_active_s <= 60, section, "poll_active_s", "expected 0.2 to 60 seconds");
  require(out.poll_quiet_s >= 0.2 && out.poll_quiet_s <= 300, section, "poll_quiet_s", "expected 0.2 to 300 seconds");
  // The platform's chat takes short messages; the same limit as what the screen shows of one.
  require(g_utf8_validate(out.opening_message.data(), static_cast<gssize>(out.opening_message.size()), nullptr) &&
              g_utf8_strlen(out.opening_message.c_str(), -1) <= kMaxChatMessageChars &&
              out.opening_message.find_first_of("\r\n") == std::string::npos,
          section, "opening_message",
          "expected one line of at most " + std::to_string(kMaxChatMessageChars) + " characters (empty: none)");
  require(out.opening_after_off_s >= 0 && out.opening_after_off_s <= 7 * 86400, section, "opening_after_off_s",
          "expected 0 to 604800 seconds");
  constexpr std::size_t kMaxBlockedWords = 1000;
  const bool words_ok = out.blocked_words.size() <= kMaxBlockedWords &&
                        std::all_of(out.blocked_words.begin(), out.blocked_words.end(), [](const std::string& word) {
                          return !word.empty() && word.size() <= 200 &&
                                 g_utf8_validate(word.data(), static_cast<gssize>(word.size()), nullptr);
                        });
  require(words_ok, section, "blocked_words", "expected at most 1000 non-empty words of valid UTF-8 text");
  require(out.max_events_per_s >= 1 && out.max_events_per_s <= 1000, section, "max_events_per_s",
          "expected 1 to 1000 events a second");
  require(out.douyin_silence_s >= 10 && out.douyin_silence_s <= 3600, section, "douyin_silence_s",
          "expected 10 to 3600 seconds");
}

void read_agent(Section section, Agent& out) {
  section.read("kind", out.kind);
  section.read("url", out.url);
  section.read("forward", out.forward);
  section.read("max_queue", out.max_queue);
  section.read("turn_timeout_s", out.turn_timeout_s);
  section.read("reply_to_chat", out.reply_to_chat);
  section.reject_unknown_keys();
  require(out.kind == "none" || out.kind == "olv", section, "kind", "expected \"none\" or \"olv\"");
  require(is_websocket_url(out.url), section, "url", "expected a wss:// URL (ws:// only to this machine)");
  static constexpr std::array<std::string_view, 7> kForwardable{"chat", "gift",  "follow", "enter",
                                                                "like", "share", "trade"};
  const bool forward_ok = std::all_of(out.forward.begin(), out.forward.end(), [](const std::string& kind) {
    return std::find(kForwardable.begin(), kForwardable.end(), kind) != kForwardable.end();
  });
  require(forward_ok, section, "forward", "expected event kinds among chat, gift, follow, enter, like, share, trade");
  require(out.max_queue >= 1 && out.max_queue <= 1000, section, "max_queue", "expected 1 to 1000");
  require(out.turn_timeout_s >= 5 && out.turn_timeout_s <= 3600, section, "turn_timeout_s",
          "expected 5 to 3600 seconds");
}

void read_notify(Section section, Notify& out) {
  section.read("webhook", out.webhook);
  section.read("command", out.command);
  section.read("big_tip", out.big_tip);
  section.read("heartbeat_h", out.heartbeat_h);
  section.read("trouble_after_s", out.trouble_after_s);
  section.reject_unknown_keys();
  require(out.webhook.empty() || is_signer_url(out.webhook), section, "webhook",
          "expected an https:// URL (http:// only to this machine)");
  require(out.command.empty() || (out.command.front().starts_with('/') && out.command.front().size() > 1), section,
          "command", "expected the program's absolute path first, then its arguments");
  require(out.webhook.empty() || out.command.empty(), section, "command",
          "expected either a webhook or a command, not both");
  require(out.big_tip >= 0 && out.big_tip <= 1e9, section, "big_tip", "expected an amount from 0 (none)");
  require(out.heartbeat_h >= 0.001 && out.heartbeat_h <= 168, section, "heartbeat_h", "expected 0.001 to 168 hours");
  require(out.trouble_after_s >= 5 && out.trouble_after_s <= 86400, section, "trouble_after_s",
          "expected 5 to 86400 seconds");
}

void read_status(Section section, Status& out) {
  section.read("file", out.file);
  section.reject_unknown_keys();
  out.file = expand_home(out.file);
}

void read_log(Section section, Log& out) {
  section.read("level", out.level);
  section.reject_unknown_keys();
  require(log::level_from_name(out.level).has_value(), section, "level",
          "expected \"error\", \"warning\", \"notice\", \"info\" or \"debug\"");
}

void read_board(Section section, Board& out) {
  section.read("name", out.name);
  section.read("long_press_command", out.long_press_command);
  // Lines given here replace the board description's; read as board files read them.
  if (const json* gpio = section.raw("gpio")) {
    try {
      out.gpio = board::parse_gpio(*gpio, std::string(section.source()) + ": " + section.key_path("gpio"));
    } catch (const board::BoardError& error) {
      throw ConfigError(error.what());
    }
  }
  section.reject_unknown_keys();
  require(!out.name.empty(), section, "name", "expected \"auto\", \"none\" or a board name");
  require(out.long_press_command.empty() ||
              (out.long_press_command.front().starts_with('/') && out.long_press_command.front().size() > 1),
          section, "long_press_command", "expected the program's absolute path first, then its arguments");
}

}  // namespace

int Video::keyframe_interval_frames() const {
  return std::max(1, static_cast<int>(std::lround(keyframe_interval_s * fps)));
}

bool is_known_encoder(std::string_view name) {
  return std::find(kKnownEncoders.begin(), kKnownEncoders.end(), name) != kKnownEncoders.end();
}

std::string_view known_encoders_text() {
  return "v4l2h264enc, nvv4l2h264enc, vah264enc, vaapih264enc, x264enc, openh264enc";
}

Config parse(std::string_view json_text, std::string_view source_name) {
  auto parsed = json_input::parse(json_text);
  if (const auto* error = std::get_if<json_input::JsonInputError>(&parsed)) {
    std::ostringstream message;
    message << source_name << ":" << error->line << ":" << error->column << ": invalid JSON: " << error->detail;
    throw ConfigError(message.str());
  }
  const json document = std::move(std::get<json>(parsed));

  Config config;
  Section root(document, "", source_name);
  if (!document.is_object()) root.fail("(top level)", "expected an object");
  read_platform(root.child("platform"), config.platform);
  read_output(root.child("output"), config.output, config.platform);
  read_tls(root.child("tls"), config.tls);
  read_video(root.child("video"), config.video);
  read_audio(root.child("audio"), config.audio);
  read_scene(root.child("scene"), config.scene);
  read_thumbnail(root.child("thumbnail"), config.thumbnail);
  read_chat(root.child("chat"), config.chat, config.platform);
  read_agent(root.child("agent"), config.agent);
  read_notify(root.child("notify"), config.notify);
  read_board(root.child("board"), config.board);
  read_status(root.child("status"), config.status);
  read_log(root.child("log"), config.log);
  root.reject_unknown_keys();
  return config;
}

std::vector<std::string> changed_sections(const Config& a, const Config& b) {
  std::vector<std::string> changed;
  const auto note = [&](bool same, const char* name) {
    if (!same) changed.emplace_back(name);
  };
  note(a.platform == b.platform, "platform");
  note(a.output == b.output, "output");
  note(a.tls == b.tls, "tls");
  note(a.video == b.video, "video");
  note(a.audio == b.audio, "audio");
  note(a.scene == b.scene, "scene");
  note(a.thumbnail == b.thumbnail, "thumbnail");
  note(a.chat == b.chat, "chat");
  note(a.agent == b.agent, "agent");
  note(a.notify == b.notify, "notify");
  note(a.board == b.board, "board");
  note(a.status == b.status, "status");
  note(a.log == b.log, "log");
  return changed;
}

Config load_file(const std::string& path) {
  auto file = read_small_file(path);
  if (const auto* problem = std::get_if<FileProblem>(&file)) {
    throw ConfigError(path + ": cannot read the file: " + problem->what);
  }
  return parse(std::get<std::string>(file), path);
}

}  // namespace agentcast::config
