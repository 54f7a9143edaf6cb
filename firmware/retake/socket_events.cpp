#include "retake/socket_events.hpp"

#include "retake/retake_api.hpp"

#include <cmath>
#include <iomanip>
#include <sstream>

namespace agentcast::retake {
namespace {

using nlohmann::json;

constexpr const char* kSource = "retake-socketio";

chat::ChatEvent base_event(chat::EventKind kind) {
  chat::ChatEvent event;
  event.kind = kind;
  event.source = kSource;
  event.platform = "retake";
  return event;
}

std::optional<double> number_at(const json& record, std::initializer_list<const char*> keys) {
  const std::string text = first_text(record, keys);
  if (!text.empty()) {
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (end != nullptr && *end == '\0' && std::isfinite(value)) return value;
  }
  for (const char* key : keys) {
    const auto it = record.find(key);
    if (it != record.end() && it->is_number_float() && std::isfinite(it->get<double>())) return it->get<double>();
  }
  return std::nullopt;
}

std::optional<chat::ChatEvent> message_event(const json& record, const std::string& own_user_id) {
  const auto comment = parse_comment_record(record);
  const std::string type = first_text(record, {"type"});
  if (type == "jail" || type == "unjail" || type == "delete" || type == "delete_all") {
    auto event = base_event(chat::EventKind::moderation);
    event.id = "moderation:" + first_text(record, {"chat_event_id", "id", "_id"});
    event.text = type;
    return event;
  }
  if (!comment || (!own_user_id.empty() && comment->author_id == own_user_id)) return std::nullopt;
  auto event = base_event(comment->type == "tip"     ? chat::EventKind::gift
                          : comment->type == "trade" ? chat::EventKind::trade
                                                     : chat::EventKind::chat);
  event.id = comment->id;
  event.user_id = comment->author_id;
  event.user_name = comment->author_name;
  event.text = comment->text;
  event.at_unix_ms = comment->timestamp_ms;
  if (event.kind == chat::EventKind::gift) event.amount = std::llround(comment->tip_amount.value_or(0));
  return event;
}

std::optional<chat::ChatEvent> tip_event(const json& record) {
  auto event = base_event(chat::EventKind::gift);
  const std::string id = first_text(record, {"tx_hash", "id", "_id", "tip_id"});
  event.id = id.empty() ? std::string() : "tip:" + id;
  event.user_id = first_text(record, {"sender_user_id", "sender_id", "from_user_id", "userId"});
  event.user_name = first_text(record, {"sender_username", "sender_display_name", "from_username", "username"});
  const auto amount = number_at(record, {"amount", "usdAmount"});
  event.amount = amount ? std::llround(*amount) : 0;
  const std::string message = first_text(record, {"message", "text"});
  event.text = amount ? "a tip of " + first_text(record, {"amount", "usdAmount"}) : std::string("a tip");
  if (!message.empty()) event.text += ": " + message;
  return event;
}

std::optional<chat::ChatEvent> follow_event(const json& record) {
  auto event = base_event(chat::EventKind::follow);
  const std::string id = first_text(record, {"id", "_id", "follower_id", "follower_user_id", "user_id"});
  event.id = id.empty() ? std::string() : "follow:" + id;
  event.user_id = first_text(record, {"follower_id", "follower_user_id", "user_id", "userId"});
  event.user_name = first_text(record, {"follower_username", "username", "user.username", "sender_username"});
  return event;
}

std::optional<chat::ChatEvent> trade_event(const json& record) {
  auto event = base_event(chat::EventKind::trade);
  const std::string id = first_text(record, {"tx_hash", "txHash", "signature", "id", "_id"});
  event.id = id.empty() ? std::string() : "trade:" + id;
  event.user_id = first_text(record, {"address", "wallet", "trader"});
  event.user_name = event.user_id.substr(0, 8);
  const std::string action = first_text(record, {"action", "type"});
  const auto usd = number_at(record, {"usdAmount", "amount"});
  std::ostringstream text;
  text << (action == "sell" ? "sold" : "bought");
  if (usd) text << " $" << std::fixed << std::setprecision(2) << *usd;
  if (const std::string ticker = first_text(record, {"tokenTicker", "ticker"}); !ticker.empty())
    text << " of " << ticker;
  event.text = text.str();
  event.amount = usd ? std::llround(*usd) : 0;
  return event;
}

}  // namespace

std::optional<chat::ChatEvent> retake_socket_event(const net::socketio::Event& event, const std::string& own_user_id) {
  if (event.args.empty() || !event.args[0].is_object()) return std::nullopt;
  const json& record = event.args[0];
  if (event.name == "message") return message_event(record, own_user_id);
  if (event.name == "tip_received") return tip_event(record);
  if (event.name == "user_followed") return follow_event(record);
  if (event.name == "newtrade") return trade_event(record);
  return std::nullopt;  // joinedRoom, pinned, session_started, rawtrade: nothing to show
}

}  // namespace agentcast::retake
