#include "douyin/push_codec.hpp"

#include "douyin/douyin.pb-c.h"

#include <zlib.h>

#include <memory>

namespace agentcast::douyin {
namespace {

// protobuf-c's unpacked messages, freed by their own free function.
template <typename T, void (*Free)(T*, ProtobufCAllocator*)>
struct Unpacked {
  void operator()(T* message) const { Free(message, nullptr); }
};
template <typename T, void (*Free)(T*, ProtobufCAllocator*)>
using UnpackedPtr = std::unique_ptr<T, Unpacked<T, Free>>;

template <typename T, T* (*Unpack)(ProtobufCAllocator*, size_t, const uint8_t*), void (*Free)(T*, ProtobufCAllocator*)>
UnpackedPtr<T, Free> unpack(std::string_view bytes) {
  return UnpackedPtr<T, Free>(Unpack(nullptr, bytes.size(), reinterpret_cast<const uint8_t*>(bytes.data())));
}

std::string_view view(const ProtobufCBinaryData& data) { return {reinterpret_cast<const char*>(data.data), data.len}; }

std::string text(const char* value) { return value == nullptr ? std::string() : std::string(value); }

chat::ChatEvent base_event(chat::EventKind kind, const Douyin__Common* common, const Douyin__User* user) {
  chat::ChatEvent event;
  event.kind = kind;
  event.source = "douyin";
  event.platform = "douyin";
  if (common != nullptr && common->msgid != 0) event.id = std::to_string(common->msgid);
  if (common != nullptr && common->createtime != 0) event.at_unix_ms = static_cast<std::int64_t>(common->createtime);
  if (user != nullptr) {
    event.user_id = user->id != 0 ? std::to_string(user->id) : text(user->idstr);
    event.user_name = text(user->nickname);
  }
  return event;
}

// One message of a Response: the event it makes, or nothing for types the box does not show.
std::optional<chat::ChatEvent> event_of(const Douyin__Message& message, bool& live_ended, bool& malformed) {
  const std::string method = text(message.method);
  const std::string_view payload = view(message.payload);
  auto with_id = [&](chat::ChatEvent event) {
    if (event.id.empty() && message.msgid != 0) event.id = std::to_string(message.msgid);
    return std::optional<chat::ChatEvent>(std::move(event));
  };
  if (method == "WebcastChatMessage") {
    const auto chat =
        unpack<Douyin__ChatMessage, douyin__chat_message__unpack, douyin__chat_message__free_unpacked>(payload);
    if (!chat) return malformed = true, std::nullopt;
    auto event = base_event(chat::EventKind::chat, chat->common, chat->user);
    event.text = text(chat->content);
    return with_id(std::move(event));
  }
  if (method == "WebcastGiftMessage") {
    const auto gift =
        unpack<Douyin__GiftMessage, douyin__gift_message__unpack, douyin__gift_message__free_unpacked>(payload);
    if (!gift) return malformed = true, std::nullopt;
    auto event = base_event(chat::EventKind::gift, gift->common, gift->user);
    const std::string name = gift->gift != nullptr ? text(gift->gift->name) : std::string();
    const std::uint64_t count =
        gift->combocount != 0 ? gift->combocount : (gift->repeatcount != 0 ? gift->repeatcount : 1);
    event.amount = static_cast<std::int64_t>(std::min<std::uint64_t>(count, 1'000'000));
    event.text =
        (name.empty() ? std::string("a gift") : name) + (count > 1 ? " \u00d7" + std::to_string(event.amount) : "");
    return with_id(std::move(event));
  }
  if (method == "WebcastLikeMessage") {
    const auto like =
        unpack<Douyin__LikeMessage, douyin__like_message__unpack, douyin__like_message__free_unpacked>(payload);
    if (!like) return malformed = true, std::nullopt;
    auto event = base_event(chat::EventKind::like, like->common, like->user);
    event.amount = static_cast<std::int64_t>(std::min<std::uint64_t>(like->count, 1'000'000));
    return with_id(std::move(event));
  }
  if (method == "WebcastMemberMessage") {
    const auto member =
        unpack<Douyin__MemberMessage, douyin__member_message__unpack, douyin__member_message__free_unpacked>(payload);
    if (!member) return malformed = true, std::nullopt;
    return with_id(base_event(chat::EventKind::enter, member->common, member->user));
  }
  if (method == "WebcastSocialMessage") {
    const auto social =
        unpack<Douyin__SocialMessage, douyin__social_message__unpack, douyin__social_message__free_unpacked>(payload);
    if (!social) return malformed = true, std::nullopt;
    // action 1 is a follow; sharing (3) carries a shareType.
    const bool share = social->action == 3 || social->sharetype != 0;
    return with_id(base_event(share ? chat::EventKind::share : chat::EventKind::follow, social->common, social->user));
  }
  if (method == "WebcastRoomUserSeqMessage") {
    const auto seq = unpack<Douyin__RoomUserSeqMessage, douyin__room_user_seq_message__unpack,
                            douyin__room_user_seq_message__free_unpacked>(payload);
    if (!seq) return malformed = true, std::nullopt;
    auto event = base_event(chat::EventKind::room_stats, seq->common, nullptr);
    event.amount = seq->total;
    return with_id(std::move(event));
  }
  if (method == "WebcastControlMessage") {
    const auto control =
        unpack<Douyin__ControlMessage, douyin__control_message__unpack, douyin__control_message__free_unpacked>(
            payload);
    if (!control) return malformed = true, std::nullopt;
    auto event = base_event(chat::EventKind::control, control->common, nullptr);
    if (control->status == 3) {
      live_ended = true;
      event.text = "the live has ended";
    }
    return with_id(std::move(event));
  }
  return std::nullopt;
}

std::string pack_frame(const Douyin__PushFrame& frame) {
  std::string bytes(douyin__push_frame__get_packed_size(&frame), '\0');
  douyin__push_frame__pack(&frame, reinterpret_cast<uint8_t*>(bytes.data()));
  return bytes;
}

}  // namespace

std::optional<std::string> gunzip(std::string_view data, std::size_t max_bytes) {
  z_stream stream{};
  // 15 + 32: a gzip or zlib header, detected.
  if (inflateInit2(&stream, 15 + 32) != Z_OK) return std::nullopt;
  std::string out;
  char chunk[16384];
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  int result = Z_OK;
  while (result == Z_OK) {
    stream.next_out = reinterpret_cast<Bytef*>(chunk);
    stream.avail_out = sizeof chunk;
    result = inflate(&stream, Z_NO_FLUSH);
    if (result != Z_OK && result != Z_STREAM_END) break;
    out.append(chunk, sizeof chunk - stream.avail_out);
    if (out.size() > max_bytes) {
      result = Z_MEM_ERROR;
      break;
    }
    if (result == Z_OK && stream.avail_in == 0 && stream.avail_out != 0) break;  // truncated input
  }
  inflateEnd(&stream);
  if (result != Z_STREAM_END) return std::nullopt;
  return out;
}

std::optional<PushMessage> decode_push(std::string_view bytes, std::string& problem, std::size_t max_inflated) {
  const auto frame = unpack<Douyin__PushFrame, douyin__push_frame__unpack, douyin__push_frame__free_unpacked>(bytes);
  if (!frame) {
    problem = "not a PushFrame";
    return std::nullopt;
  }
  PushMessage push;
  push.payload_type = text(frame->payloadtype);
  push.log_id = frame->logid;
  if (push.payload_type != "msg") return push;

  bool gzipped = false;
  std::string header_cursor;
  std::string header_internal_ext;
  for (std::size_t i = 0; i < frame->n_headerslist; ++i) {
    const std::string key = text(frame->headerslist[i]->key);
    const std::string value = text(frame->headerslist[i]->value);
    if (key == "compress_type") gzipped = value == "gzip";
    if (key == "im-cursor") header_cursor = value;
    if (key == "im-internal_ext") header_internal_ext = value;
  }
  std::string inflated;
  std::string_view payload = view(frame->payload);
  if (gzipped) {
    auto plain = gunzip(payload, max_inflated);
    if (!plain) {
      problem = "the payload is not valid gzip (or inflates beyond the limit)";
      return std::nullopt;
    }
    inflated = std::move(*plain);
    payload = inflated;
  }
  const auto response = unpack<Douyin__Response, douyin__response__unpack, douyin__response__free_unpacked>(payload);
  if (!response) {
    problem = "the payload is not a Response";
    return std::nullopt;
  }
  push.need_ack = response->needack;
  // The frame's headers, when present, are the newer word (dycast prefers them too).
  push.internal_ext = header_internal_ext.empty() ? text(response->internalext) : header_internal_ext;
  push.cursor = header_cursor.empty() ? text(response->cursor) : header_cursor;
  for (std::size_t i = 0; i < response->n_messageslist; ++i) {
    bool malformed = false;
    auto event = event_of(*response->messageslist[i], push.live_ended, malformed);
    if (event) {
      push.events.push_back(std::move(*event));
    } else {
      ++push.skipped_messages;
    }
  }
  return push;
}

std::string heartbeat_frame() {
  Douyin__PushFrame frame = DOUYIN__PUSH_FRAME__INIT;
  frame.payloadtype = const_cast<char*>("hb");
  return pack_frame(frame);
}

std::string ack_frame(std::uint64_t log_id, std::string_view internal_ext) {
  Douyin__PushFrame frame = DOUYIN__PUSH_FRAME__INIT;
  frame.logid = log_id;
  frame.payloadtype = const_cast<char*>("ack");
  frame.payload.data = reinterpret_cast<uint8_t*>(const_cast<char*>(internal_ext.data()));
  frame.payload.len = internal_ext.size();
  return pack_frame(frame);
}

}  // namespace agentcast::douyin
