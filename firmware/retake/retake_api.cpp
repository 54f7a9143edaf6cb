#include "retake/retake_api.hpp"

#include "common/json_input.hpp"

#include <glib.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <nlohmann/json.hpp>

namespace agentcast::retake {
namespace {

using nlohmann::json;

// Any answer: valid JSON within the parser's limits, or a ResponseError that says why.
json parse_document(std::string_view text, const std::string& endpoint) {
  auto parsed = json_input::parse(text);
  if (const auto* error = std::get_if<json_input::JsonInputError>(&parsed)) {
    throw ResponseError(endpoint + ": response is not valid JSON (" + error->detail + ")");
  }
  return std::move(std::get<json>(parsed));
}

// One response body being read, with the endpoint's name for messages.
class Body {
 public:
  Body(std::string_view text, std::string endpoint)
      : endpoint_(std::move(endpoint)), document_(parse_document(text, endpoint_)) {
    if (!document_.is_object()) throw ResponseError(endpoint_ + ": response is not a JSON object");
  }

  const json& root() const { return document_; }

  std::string text(const json& object, const char* key, const std::string& path, bool required = true) const {
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) {
      if (required) fail(path + key, "missing");
      return {};
    }
    if (!it->is_string()) fail(path + key, "expected a string");
    return it->get<std::string>();
  }
  std::string text(const char* key, bool required = true) const { return text(document_, key, "", required); }

  std::int64_t integer(const char* key) const {
    const auto it = document_.find(key);
    if (it == document_.end()) fail(key, "missing");
    if (json_input::is_not_whole_number(*it)) fail(key, "expected an integer");
    const auto number = json_input::to_int64(*it);
    if (!number) fail(key, "out of range");
    return *number;
  }

  // A count shown to people (viewers, seconds): an integer from 0 to 2^31-1.
  std::int64_t count(const char* key) const {
    const std::int64_t number = integer(key);
    if (number < 0 || number > std::numeric_limits<std::int32_t>::max()) fail(key, "out of range");
    return number;
  }

  bool boolean(const char* key) const {
    const auto it = document_.find(key);
    if (it == document_.end()) fail(key, "missing");
    if (!it->is_boolean()) fail(key, "expected true or false");
    return it->get<bool>();
  }

  [[noreturn]] void fail(const std::string& field, const char* what) const {
    throw ResponseError(endpoint_ + ": " + field + ": " + what);
  }

 private:
  std::string endpoint_;
  json document_;
};

// Epoch milliseconds from a number, a numeric string (ms) or an ISO 8601 string.
std::optional<std::int64_t> timestamp_ms(const json& record) {
  const auto it = record.find("timestamp");
  if (it == record.end()) return std::nullopt;
  if (it->is_number()) return json_input::to_int64(*it);
  if (!it->is_string()) return std::nullopt;
  const std::string text = it->get<std::string>();
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos && text.size() < 19) {
    return std::stoll(text);
  }
  GDateTime* parsed = g_date_time_new_from_iso8601(text.c_str(), nullptr);
  if (parsed == nullptr) return std::nullopt;
  const std::int64_t ms = g_date_time_to_unix(parsed) * 1000 + g_date_time_get_microsecond(parsed) / 1000;
  g_date_time_unref(parsed);
  return ms;
}

}  // namespace

RegisterResult parse_register(std::string_view body_text) {
  const Body body(body_text, "register");
  return {body.text("access_token"),
          body.text("agent_id"),
          body.text("userDbId"),
          body.text("wallet_address", false),
          body.text("token_address", false),
          body.text("token_ticker", false)};
}

RtmpEndpoint parse_rtmp(std::string_view body_text) {
  const Body body(body_text, "rtmp");
  RtmpEndpoint endpoint{body.text("url"), body.text("key")};
  if (!endpoint.url.starts_with("rtmps://") && !endpoint.url.starts_with("rtmp://")) {
    body.fail("url", "expected an rtmp:// or rtmps:// URL");
  }
  while (endpoint.url.ends_with("/")) endpoint.url.pop_back();
  if (endpoint.key.empty()) body.fail("key", "empty");
  return endpoint;
}

StreamStart parse_stream_start(std::string_view body_text) {
  const Body body(body_text, "stream/start");
  const auto token = body.root().find("token");
  if (token == body.root().end() || token->is_null()) return {};
  if (!token->is_object()) body.fail("token", "expected an object");
  return {body.text(*token, "name", "token.", false), body.text(*token, "ticker", "token.", false),
          body.text(*token, "tokenAddress", "token.", false)};
}

StreamStatus parse_stream_status(std::string_view body_text) {
  const Body body(body_text, "stream/status");
  StreamStatus status;
  status.is_live = body.boolean("is_live");
  status.viewers = body.root().contains("viewers") ? body.count("viewers") : 0;
  status.uptime_seconds = body.root().contains("uptime_seconds") ? body.integer("uptime_seconds") : 0;
  status.token_address = body.text("token_address", false);
  status.user_db_id = body.text("userDbId", false);
  return status;
}

ThumbnailResult parse_thumbnail(std::string_view body_text) {
  const Body body(body_text, "update-thumbnail");
  return {body.text("thumbnail_url", false)};
}

StopResult parse_stop(std::string_view body_text) {
  const Body body(body_text, "stream/stop");
  StopResult result;
  result.status = body.text("status", false);
  result.duration_seconds = body.root().contains("duration_seconds") ? body.integer("duration_seconds") : 0;
  result.viewers = body.root().contains("viewers") ? body.count("viewers") : 0;
  return result;
}

std::string parse_skill_version(std::string_view body_text) {
  const Body body(body_text, "skill.json");
  return body.text("version");
}

std::string parse_verification_message(std::string_view body_text) {
  const Body body(body_text, "prepare-verify");
  std::string message = body.text("verification_message");
  if (message.empty()) body.fail("verification_message", "empty");
  return message;
}

bool parse_verified(std::string_view body_text, const std::string& endpoint) {
  const Body body(body_text, endpoint);
  return body.boolean("verified");
}

std::string parse_streamer_id(std::string_view body_text) {
  const Body body(body_text, "users/streamer");
  std::string id = body.text("streamer_id");
  if (id.empty()) body.fail("streamer_id", "empty");
  return id;
}

std::vector<ChatComment> parse_comments(std::string_view body_text) {
  const json document = parse_document(body_text, "stream/comments");
  const json* list = nullptr;
  if (document.is_array()) {
    list = &document;
  } else if (document.is_object()) {
    for (const char* key : {"comments", "messages"}) {
      const auto it = document.find(key);
      if (it != document.end() && it->is_array()) {
        list = &*it;
        break;
      }
    }
  }
  if (list == nullptr) throw ResponseError("stream/comments: expected an array or an object with \"comments\"");

  std::vector<ChatComment> comments;
  for (const auto& record : *list) {
    if (auto comment = parse_comment_record(record)) comments.push_back(std::move(*comment));
  }
  return comments;
}

std::string first_text(const json& record, std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    const json* node = &record;
    std::string_view path(key);
    while (node != nullptr && !path.empty()) {
      const auto dot = path.find('.');
      const std::string part(path.substr(0, dot));
      path = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
      const auto it = node->is_object() ? node->find(part) : node->end();
      node = (node->is_object() && it != node->end()) ? &*it : nullptr;
    }
    if (node == nullptr) continue;
    if (node->is_string() && !node->get<std::string>().empty()) return node->get<std::string>();
    if (const auto number = node->is_number_integer() ? json_input::to_int64(*node) : std::nullopt) {
      return std::to_string(*number);
    }
  }
  return {};
}

std::optional<ChatComment> parse_comment_record(const json& record) {
  if (!record.is_object()) return std::nullopt;
  ChatComment comment;
  comment.id = first_text(record, {"chat_event_id", "id", "_id", "commentId", "messageId"});
  comment.text = first_text(record, {"text", "message", "comment", "content"});
  if (comment.id.empty() || comment.text.empty()) return std::nullopt;
  comment.author_name = first_text(record, {"sender_username", "sender_display_name", "user.username",
                                            "author.fusername", "author.username", "username"});
  comment.author_id =
      first_text(record, {"sender_user_id", "author._id", "author.id", "author.userDbId", "userId", "userDbId"});
  comment.timestamp_ms = timestamp_ms(record);
  comment.type = first_text(record, {"type"});
  if (comment.type.empty()) comment.type = "message";
  if (const auto tip = record.find("tip_data"); tip != record.end() && tip->is_object()) {
    const auto amount = tip->find("amount");
    if (amount != tip->end() && amount->is_number() && std::isfinite(amount->get<double>())) {
      comment.tip_amount = amount->get<double>();
    } else if (amount != tip->end() && amount->is_string()) {
      const std::string text = amount->get<std::string>();
      char* end = nullptr;
      const double value = std::strtod(text.c_str(), &end);
      if (!text.empty() && end != nullptr && *end == '\0' && std::isfinite(value)) comment.tip_amount = value;
    }
  }
  return comment;
}

std::optional<std::string> error_message(std::string_view body_text) {
  const auto parsed = json_input::parse(body_text);
  const json* document = std::get_if<json>(&parsed);
  if (document == nullptr || !document->is_object()) return std::nullopt;
  const std::string text = first_text(*document, {"error", "message"});
  if (text.empty()) return std::nullopt;
  return text;
}

bool is_newer_version(std::string_view remote, std::string_view ours) {
  auto next_number = [](std::string_view& text) {
    std::int64_t value = 0;
    while (!text.empty() && text.front() >= '0' && text.front() <= '9') {
      value = value * 10 + (text.front() - '0');
      text.remove_prefix(1);
    }
    if (!text.empty()) text.remove_prefix(1);  // the dot (or whatever separates)
    return value;
  };
  for (int part = 0; part < 4; ++part) {
    const std::int64_t a = next_number(remote);
    const std::int64_t b = next_number(ours);
    if (a != b) return a > b;
  }
  return false;
}

}  // namespace agentcast::retake
