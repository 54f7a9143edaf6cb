#pragma once
// The configuration file of the interface contract (docs/product.md): every key optional,
// an unknown key or a wrong type is an error that names it.
#include "board/board_description.hpp"

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace agentcast::config {

struct Platform {
  std::string kind = "retake";  // "retake" (the API decides the URL) or "rtmp" (output.url)
  std::string api_base = "https://retake.tv/api/v1";
  std::string skill_url = "https://retake.tv/skill.json";
  std::string credentials = "~/.config/retake/credentials.json";

  bool operator==(const Platform&) const = default;
};

struct Output {
  std::string url = "rtmp://127.0.0.1/live/demo";

  bool operator==(const Output&) const = default;
};

struct Tls {
  std::optional<std::string> ca_file;  // extra trust anchors for HTTPS and RTMPS

  bool operator==(const Tls&) const = default;
};

struct Video {
  int width = 1280;
  int height = 720;
  int fps = 30;
  int bitrate_kbps = 1500;
  double keyframe_interval_s = 2;
  std::string encoder = "auto";

  int keyframe_interval_frames() const;

  bool operator==(const Video&) const = default;
};

struct Audio {
  std::string source = "silence";  // "silence" or "alsa"
  std::string device = "default";
  int bitrate_kbps = 128;
  int rate = 44100;
  int channels = 2;

  bool operator==(const Audio&) const = default;
};

struct Scene {
  std::string title;
  std::string log_file = "/tmp/stream.log";
  std::string font = "Monospace 14";

  bool operator==(const Scene&) const = default;
};

struct Thumbnail {
  double interval_s = 180;
  int width = 0;  // 0: the video's size
  int height = 0;
  std::string path = "/tmp/agentcast-thumbnail.jpg";  // where SIGUSR1 writes the current picture
  // A picture that changed a lot gets a thumbnail before interval_s, but not sooner than this
  // after the previous one.
  double min_gap_s = 30;

  bool operator==(const Thumbnail&) const = default;
};

struct Status {
  std::string file;  // empty: /run/agentcast/status.json, or the user's runtime directory

  bool operator==(const Status&) const = default;
};

// One entry of chat.sources.
struct ChatSource {
  std::string kind;         // "retake-rest", "retake-socketio" or "douyin"
  std::string url;          // retake-socketio: the Socket.IO URL; douyin: a ready signed wss URL
  std::string room_id;      // douyin: the numeric room id
  std::string signer_url;   // douyin: a local service that signs the push URL (instead of url)
  std::string cookie;       // douyin with url: the Cookie header (ttwid=...): a credential, never logged
  double heartbeat_s = 10;  // douyin: the heartbeat frame's interval

  bool operator==(const ChatSource&) const = default;
};

inline constexpr const char* kRetakeSocketIoUrl = "wss://retake.tv/socket.io/";

struct Chat {
  // Absent: the REST poll alone in retake mode, nothing in rtmp mode.
  std::vector<ChatSource> sources;
  // A Douyin socket that carries only heartbeats this long while the room is live is dead.
  double douyin_silence_s = 120;
  double poll_active_s = 2.5;
  double poll_quiet_s = 8;
  // Said to the agent's own chat after the first thumbnail of a go-live (skill 2.1: "open
  // chat"); empty: nothing is said.
  std::string opening_message = "Hello chat, I'm live! Say hi.";
  // Said again only after the box was off air longer than this: a flapping connection never
  // repeats it.
  double opening_after_off_s = 600;
  // An event whose text or author holds one of these (case-insensitive) is never shown.
  std::vector<std::string> blocked_words;
  // In a flood, at most this many events a second reach the screen; the rest are counted.
  double max_events_per_s = 20;

  bool operator==(const Chat&) const = default;
};

struct Board {
  std::string name = "auto";  // "auto", a description in board/, or "none"
  board::BoardGpio gpio;      // lines given here replace the board description's
  // Run after a long press of the action button has stopped the stream (absolute path, then
  // arguments; no shell). None by default; the board image sets systemctl poweroff.
  std::vector<std::string> long_press_command;

  bool operator==(const Board&) const = default;
};

// The AI agent whose replies the box shows and speaks (Open-LLM-VTuber's /proxy-ws).
struct Agent {
  std::string kind = "none";  // "none" or "olv"
  std::string url = "ws://127.0.0.1:12393/proxy-ws";
  std::vector<std::string> forward = {"chat"};  // the chat event kinds handed to the agent
  int max_queue = 20;                           // chat waiting for the agent; the oldest dropped beyond
  double turn_timeout_s = 120;                  // a turn with no conversation-chain-end is ended
  bool reply_to_chat = false;                   // retake.tv: the reply's text also to the agent's own chat

  bool operator==(const Agent&) const = default;
};

// What the owner is told, and where (notify/owner_notifier.hpp).
struct Notify {
  std::string webhook;               // https:// (http:// only to this machine); empty: nothing is sent
  std::vector<std::string> command;  // or a program (absolute path, then its arguments), JSON on stdin
  double big_tip = 0;                // a tip of at least this much is worth a message; 0: none
  double heartbeat_h = 4;            // a heartbeat message this often
  double trouble_after_s = 300;      // off air this long, not by choice: someone should look

  bool operator==(const Notify&) const = default;
};

// What the log says: lines below `level` are left out (AGENTCAST_DEBUG=1 forces "debug").
// Reloaded by SIGHUP.
struct Log {
  std::string level = "info";  // "error", "warning", "notice", "info" or "debug"

  bool operator==(const Log&) const = default;
};

struct Config {
  Platform platform;
  Output output;
  Tls tls;
  Video video;
  Audio audio;
  Scene scene;
  Thumbnail thumbnail;
  Chat chat;
  Agent agent;
  Notify notify;
  Board board;
  Status status;
  Log log;

  int thumbnail_width() const { return thumbnail.width > 0 ? thumbnail.width : video.width; }
  int thumbnail_height() const { return thumbnail.height > 0 ? thumbnail.height : video.height; }

  bool operator==(const Config&) const = default;
};

// A configuration problem; what() is the full message: "<file>: video.fps: expected an integer"
// or "<file>:3:14: invalid JSON: ...".
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// `source_name` names the text in messages (normally the file path).
Config parse(std::string_view json_text, std::string_view source_name);

// Reads and parses a file; a missing or unreadable file is a ConfigError.
Config load_file(const std::string& path);

// The top-level sections ("video", "chat", ...) whose settings differ between `a` and `b`.
std::vector<std::string> changed_sections(const Config& a, const Config& b);

// Video encoders with a pipeline fragment; "auto" picks from the board's list.
bool is_known_encoder(std::string_view name);
std::string_view known_encoders_text();

}  // namespace agentcast::config
