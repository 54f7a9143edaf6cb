#include "config/config.hpp"

#include "common/paths.hpp"
#include "common/urls.hpp"

#include <glib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <fstream>
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
      const bool integral_float = value->is_number_float() && std::trunc(value->get<double>()) == value->get<double>();
      if (!value->is_number_integer() && !integral_float) fail(key_path(key), "expected an integer");
      const double number = value->get<double>();
      if (number < -1e9 || number > 1e9) fail(key_path(key), "out of range");
      out = static_cast<int>(number);
    }
  }

  void read(std::string_view key, double& out) {
    if (const json* value = find(key)) {
      if (!value->is_number()) fail(key_path(key), "expected a number");
      out = value->get<double>();
    }
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
    const auto host_start = out.url.find("://") + 3;
    require(out.url.find('/', host_start) != std::string::npos && out.url.back() != '/', section, "url",
            "expected rtmp[s]://host[:port]/app/key");
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

void read_scene(Section section, Scene& out) {
  section.read("title", out.title);
  section.read("log_file", out.log_file);
  section.read("font", out.font);
  section.reject_unknown_keys();
  require(!out.log_file.empty(), section, "log_file", "expected a file path");
  require(!out.font.empty(), section, "font", "expected a font description such as \"Monospace 14\"");
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

void read_chat(Section section, Chat& out) {
  section.read("poll_active_s", out.poll_active_s);
  section.read("poll_quiet_s", out.poll_quiet_s);
  section.reject_unknown_keys();
  require(out.poll_active_s >= 0.2 && out.poll_active_s <= 60, section, "poll_active_s", "expected 0.2 to 60 seconds");
  require(out.poll_quiet_s >= 0.2 && out.poll_quiet_s <= 300, section, "poll_quiet_s", "expected 0.2 to 300 seconds");
}

void read_status(Section section, Status& out) {
  section.read("file", out.file);
  section.reject_unknown_keys();
  out.file = expand_home(out.file);
}

void read_board(Section section, Board& out) {
  section.read("name", out.name);
  section.reject_unknown_keys();
  require(!out.name.empty(), section, "name", "expected \"auto\", \"none\" or a board name");
}

std::string json_error_detail(const json::parse_error& error) {
  // nlohmann's message starts "[json.exception.parse_error.101] parse error at line 1, column 2: ".
  std::string_view what = error.what();
  if (const auto colon = what.find(": "); colon != std::string_view::npos) what.remove_prefix(colon + 2);
  return std::string(what);
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
  json document;
  try {
    document = json::parse(json_text.begin(), json_text.end());
  } catch (const json::parse_error& error) {
    // error.byte is 1-based and points just past the offending character.
    const std::size_t offset = std::min<std::size_t>(error.byte > 0 ? error.byte - 1 : 0, json_text.size());
    std::size_t line = 1;
    std::size_t column = 1;
    for (std::size_t i = 0; i < offset; ++i) {
      if (json_text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    std::ostringstream message;
    message << source_name << ":" << line << ":" << column << ": invalid JSON: " << json_error_detail(error);
    throw ConfigError(message.str());
  }

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
  read_chat(root.child("chat"), config.chat);
  read_board(root.child("board"), config.board);
  read_status(root.child("status"), config.status);
  root.reject_unknown_keys();
  return config;
}

Config load_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError(path + ": cannot read the file: " + std::string(g_strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), path);
}

}  // namespace agentcast::config
