#pragma once
// The retake.tv agent API's responses (shared/reference/retake-api.md), parsed strictly:
// a missing or mistyped field is a ResponseError naming the endpoint and the field, never a
// crash and never a silently wrong value.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace agentcast::retake {

// The skill version this firmware speaks.
inline constexpr std::string_view kSkillVersion = "2.1.2";

class ResponseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct RegisterResult {
  std::string access_token;
  std::string agent_id;
  std::string user_db_id;
  std::string wallet_address;
  std::string token_address;
  std::string token_ticker;
};

struct RtmpEndpoint {
  std::string url;  // rtmps://host/app
  std::string key;  // secret: never logged
  std::string publish_url() const { return url + "/" + key; }
};

struct StreamStart {
  std::string token_name;
  std::string token_ticker;
  std::string token_address;
};

struct StreamStatus {
  bool is_live = false;
  std::int64_t viewers = 0;
  std::int64_t uptime_seconds = 0;
  std::string token_address;
  std::string user_db_id;
};

struct ThumbnailResult {
  std::string thumbnail_url;
};

struct StopResult {
  std::string status;
  std::int64_t duration_seconds = 0;
  std::int64_t viewers = 0;
};

struct ChatComment {
  std::string id;
  std::string author_id;
  std::string author_name;
  std::string text;
  std::optional<std::int64_t> timestamp_ms;
  std::string type;                    // "message", "tip", ... ("message" when absent)
  std::optional<double> tip_amount{};  // a tip's tip_data.amount
};

RegisterResult parse_register(std::string_view body);
RtmpEndpoint parse_rtmp(std::string_view body);
StreamStart parse_stream_start(std::string_view body);
StreamStatus parse_stream_status(std::string_view body);
ThumbnailResult parse_thumbnail(std::string_view body);
StopResult parse_stop(std::string_view body);
std::string parse_skill_version(std::string_view body);
// (2.1) prepare-verify's verification_message: the exact text the owner posts on Twitter/X.
std::string parse_verification_message(std::string_view body);
// (2.1) verify and verification-status: {"verified": bool}.
bool parse_verified(std::string_view body, const std::string& endpoint);
// (2.1) /users/streamer/<name>: the streamer's userDbId.
std::string parse_streamer_id(std::string_view body);

// Accepts every shape in chat-protocols.md §1.5: a bare array or {comments|messages: [...]};
// observed (chat_event_id, sender_*), documented (_id, author{...}) and legacy (id, username,
// message) records. A record without an id or text is skipped, not an error; a body that is
// not one of these shapes is.
std::vector<ChatComment> parse_comments(std::string_view body);
// The first non-empty string (or integer, as text) among `keys` of a record; nested "a.b" paths
// allowed; empty when none has one. How every defensive field lookup of the API is done.
std::string first_text(const nlohmann::json& record, std::initializer_list<const char*> keys);

// One record of those shapes (a REST list element, or a Socket.IO "message" event's payload);
// nullopt without an id or a text.
std::optional<ChatComment> parse_comment_record(const nlohmann::json& record);

// The "error" string of an error body, if there is one (for log lines; caller sanitises).
std::optional<std::string> error_message(std::string_view body);

// True when `remote` is a later dotted version than `ours` ("2.1.0" > "2.0.0").
bool is_newer_version(std::string_view remote, std::string_view ours);

}  // namespace agentcast::retake
