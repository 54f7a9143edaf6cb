// The Douyin push frames as the box reads and writes them: frames built by Google's protobuf
// runtime from the emulator's fuller proto (tests/douyin/frames/make_frames.py) decode to the
// events they carry, unknown fields and message types are skipped, the heartbeat and the ack
// have the documented bytes, and hostile frames are problems, never crashes.
#include "douyin/push_codec.hpp"
#include "douyin/douyin.pb-c.h"
#include "douyin/push_endpoint.hpp"

#include <CppUTest/TestHarness.h>
#include <zlib.h>

#include <fstream>
#include <iterator>
#include <set>

using namespace agentcast;
using namespace agentcast::douyin;

namespace {

std::string frame_file(const std::string& name) {
  std::ifstream in(AGENTCAST_SOURCE_DIR "/tests/douyin/frames/" + name, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string gzip(const std::string& data) {
  z_stream stream{};
  deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&stream, data.size()) + 32, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

template <typename Message, std::size_t (*Size)(const Message*), std::size_t (*Pack)(const Message*, uint8_t*)>
std::string pack(const Message& message) {
  std::string bytes(Size(&message), '\0');
  Pack(&message, reinterpret_cast<uint8_t*>(bytes.data()));
  return bytes;
}

ProtobufCBinaryData binary(const std::string& bytes) {
  return {bytes.size(), reinterpret_cast<uint8_t*>(const_cast<char*>(bytes.data()))};
}

// A "msg" frame holding one message of `method` with `payload`, gzip'd or not.
std::string msg_frame(const std::string& method, const std::string& payload, bool gzipped = true) {
  Douyin__Message message = DOUYIN__MESSAGE__INIT;
  message.method = const_cast<char*>(method.c_str());
  message.payload = binary(payload);
  message.msgid = 42;
  Douyin__Message* messages[] = {&message};
  Douyin__Response response = DOUYIN__RESPONSE__INIT;
  response.n_messageslist = 1;
  response.messageslist = messages;
  response.needack = true;
  response.internalext = const_cast<char*>("ext");
  const std::string plain = pack<Douyin__Response, douyin__response__get_packed_size, douyin__response__pack>(response);
  const std::string body = gzipped ? gzip(plain) : plain;
  Douyin__HeadersList header = DOUYIN__HEADERS_LIST__INIT;
  header.key = const_cast<char*>("compress_type");
  header.value = const_cast<char*>("gzip");
  Douyin__HeadersList* headers[] = {&header};
  Douyin__PushFrame frame = DOUYIN__PUSH_FRAME__INIT;
  frame.logid = 7;
  frame.payloadtype = const_cast<char*>("msg");
  frame.n_headerslist = gzipped ? 1 : 0;
  frame.headerslist = headers;
  frame.payload = binary(body);
  return pack<Douyin__PushFrame, douyin__push_frame__get_packed_size, douyin__push_frame__pack>(frame);
}

std::string chat_payload(const std::string& content) {
  Douyin__User user = DOUYIN__USER__INIT;
  user.id = 5;
  user.nickname = const_cast<char*>("viewer");
  Douyin__ChatMessage chat = DOUYIN__CHAT_MESSAGE__INIT;
  chat.user = &user;
  chat.content = const_cast<char*>(content.c_str());
  return pack<Douyin__ChatMessage, douyin__chat_message__get_packed_size, douyin__chat_message__pack>(chat);
}

}  // namespace

TEST_GROUP(DouyinPushCodec){};

TEST(DouyinPushCodec, AMessageFrameYieldsOneEventPerMessageTheBoxReads) {
  std::string problem;
  const auto push = decode_push(frame_file("msg_gzip.bin"), problem);
  CHECK_TEXT(push.has_value(), problem.c_str());
  STRCMP_EQUAL("msg", push->payload_type.c_str());
  CHECK(push->need_ack);
  CHECK(push->log_id != 0);
  CHECK(push->cursor.starts_with("d-1_u-1_fh-"));
  CHECK(push->internal_ext.find("internal_src:pushserver") != std::string::npos);
  CHECK(push->live_ended);
  LONGS_EQUAL(1, push->skipped_messages);  // the emoji message: a type the box does not read

  const std::vector<chat::EventKind> kinds = {
      chat::EventKind::chat,   chat::EventKind::gift,  chat::EventKind::like,       chat::EventKind::enter,
      chat::EventKind::follow, chat::EventKind::share, chat::EventKind::room_stats, chat::EventKind::control};
  LONGS_EQUAL(kinds.size(), push->events.size());
  std::set<std::string> ids;
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    CHECK_TEXT(push->events[i].kind == kinds[i], std::to_string(i).c_str());
    STRCMP_EQUAL("douyin", push->events[i].platform.c_str());
    STRCMP_EQUAL("douyin", push->events[i].source.c_str());
    ids.insert(push->events[i].id);
  }
  LONGS_EQUAL(kinds.size(), ids.size());  // each its own stable id
  CHECK_FALSE(ids.contains(""));

  const auto& chat = push->events[0];
  STRCMP_EQUAL("小明", chat.user_name.c_str());
  STRCMP_EQUAL("111", chat.user_id.c_str());
  STRCMP_EQUAL("你好 <b>主播</b> & hi", chat.text.c_str());  // raw: the merger sanitises
  CHECK(chat.at_unix_ms.has_value());
  STRCMP_EQUAL("Rose \u00d73", push->events[1].text.c_str());
  LONGS_EQUAL(3, push->events[1].amount);
  LONGS_EQUAL(5, push->events[2].amount);
  STRCMP_EQUAL("newcomer", push->events[3].user_name.c_str());
  STRCMP_EQUAL("fan", push->events[4].user_name.c_str());
  STRCMP_EQUAL("sharer", push->events[5].user_name.c_str());
  LONGS_EQUAL(1234, push->events[6].amount);
}

TEST(DouyinPushCodec, AFrameWithoutCompressionIsReadAsItIs) {
  std::string problem;
  const auto push = decode_push(frame_file("msg_plain.bin"), problem);
  CHECK_TEXT(push.has_value(), problem.c_str());
  LONGS_EQUAL(1, push->events.size());
  STRCMP_EQUAL("plain", push->events[0].text.c_str());
}

TEST(DouyinPushCodec, HeartbeatAnswersAndCloseCarryNoEvents) {
  std::string problem;
  const auto hb = decode_push(frame_file("hb.bin"), problem);
  CHECK(hb && hb->payload_type == "hb" && hb->events.empty());
  const auto close = decode_push(frame_file("close.bin"), problem);
  CHECK(close && close->payload_type == "close");
}

TEST(DouyinPushCodec, TheHeartbeatAndTheAckHaveTheDocumentedBytes) {
  MEMCMP_EQUAL("\x3A\x02hb", heartbeat_frame().data(), 4);
  LONGS_EQUAL(4, heartbeat_frame().size());
  // 10 <varint logId> 3A 03 "ack" 42 <varint len> <internalExt> (chat-protocols.md §3.3)
  const std::string ack = ack_frame(0x1234, "ext");
  const std::string expected(
      "\x10\xB4\x24\x3A\x03"
      "ack\x42\x03"
      "ext",
      13);
  LONGS_EQUAL(expected.size(), ack.size());
  MEMCMP_EQUAL(expected.data(), ack.data(), expected.size());
}

TEST(DouyinPushCodec, TruncatedAndCorruptedFramesAreProblemsNotCrashes) {
  const std::string whole = frame_file("msg_gzip.bin");
  std::size_t refused = 0;
  for (std::size_t size = 0; size < whole.size(); ++size) {
    std::string problem;
    if (!decode_push(std::string_view(whole).substr(0, size), problem)) {
      CHECK(!problem.empty());
      ++refused;
    }
  }
  CHECK(refused > whole.size() / 2);  // a cut gzip body never passes for a whole one
  for (std::size_t at = 0; at < whole.size(); ++at) {
    std::string flipped = whole;
    flipped[at] = static_cast<char>(flipped[at] ^ 0x5A);
    std::string problem;
    static_cast<void>(decode_push(flipped, problem));
  }
}

TEST(DouyinPushCodec, AFieldOfTheWrongWireTypeIsRefused) {
  // payloadType (field 7) as a varint instead of a length-delimited string.
  std::string problem;
  CHECK_FALSE(decode_push(std::string("\x38\x05", 2), problem));
  STRCMP_EQUAL("not a PushFrame", problem.c_str());
}

TEST(DouyinPushCodec, AGzipBombIsRefusedAtTheCap) {
  const std::string big(std::size_t{4} << 20, '\0');
  std::string problem;
  CHECK_FALSE(decode_push(msg_frame("WebcastChatMessage", big), problem, std::size_t{1} << 20));
  CHECK(problem.find("gzip") != std::string::npos);
}

TEST(DouyinPushCodec, AMessageThatIsNotItsTypeIsSkippedAndTheRestRead) {
  std::string problem;
  const auto push = decode_push(msg_frame("WebcastChatMessage", "\xFF\xFF\xFF"), problem);
  CHECK_TEXT(push.has_value(), problem.c_str());
  CHECK(push->events.empty());
  LONGS_EQUAL(1, push->skipped_messages);
}

TEST(DouyinPushCodec, InvalidUtf8AndHugeTextsPassThroughForTheMergerToSanitise) {
  std::string problem;
  const auto bad = decode_push(msg_frame("WebcastChatMessage", chat_payload("\xC3\x28 \xED\xA0\x80")), problem);
  CHECK(bad && bad->events.size() == 1);
  const std::string huge(std::size_t{100} * 1024, 'x');
  const auto big = decode_push(msg_frame("WebcastChatMessage", chat_payload(huge), false), problem);
  CHECK(big && big->events.size() == 1 && big->events[0].text.size() == huge.size());
  STRCMP_EQUAL("42", big->events[0].id.c_str());  // no Common: the Message's own id
}

TEST(DouyinPushCodec, GunzipReadsGzipAndZlibAndRefusesTheRest) {
  CHECK(gunzip(gzip("hello"), 100) == std::optional<std::string>("hello"));
  CHECK_FALSE(gunzip("not gzip at all", 100));
  CHECK_FALSE(gunzip(gzip(std::string(1000, 'a')), 999));
  const std::string whole = gzip("some longer text to cut short");
  CHECK_FALSE(gunzip(std::string_view(whole).substr(0, whole.size() - 6), 1000));
}

TEST_GROUP(DouyinPushEndpoint){};

TEST(DouyinPushEndpoint, AReconnectResumesFromTheLastCursorAndKeepsTheSignedFields) {
  const std::string url =
      "wss://push.example/webcast/im/push/v2/?room_id=7&cursor=old&internal_ext=a%7Cb&identity=audience&signature=S";
  STRCMP_EQUAL(
      "wss://push.example/webcast/im/push/v2/?room_id=7&identity=audience&signature=S&cursor=d-1_fh-9"
      "&internal_ext=internal_src%3Apushserver%7Cseq%3A2",
      resume_url(url, "d-1_fh-9", "internal_src:pushserver|seq:2").c_str());
  STRCMP_EQUAL(url.c_str(), resume_url(url, "", "").c_str());
  STRCMP_EQUAL("ws://127.0.0.1:9/p?cursor=c", resume_url("ws://127.0.0.1:9/p", "c", "").c_str());
}

TEST(DouyinPushEndpoint, TheSignerIsAskedForTheRoom) {
  STRCMP_EQUAL("http://127.0.0.1:8/sign?room_id=7", signer_request_url("http://127.0.0.1:8/sign", "7").c_str());
  STRCMP_EQUAL("https://s.example/sign?k=v&room_id=7", signer_request_url("https://s.example/sign?k=v", "7").c_str());
}

TEST(DouyinPushEndpoint, TheSignersAnswerGivesTheUrlCookieAndAgent) {
  std::string problem;
  const auto endpoint = parse_signer_answer(
      R"({"url": "wss://push.example/x?signature=S", "cookie": "ttwid=1", "user_agent": "M"})", problem);
  CHECK_TEXT(endpoint.has_value(), problem.c_str());
  STRCMP_EQUAL("wss://push.example/x?signature=S", endpoint->url.c_str());
  LONGS_EQUAL(1, endpoint->headers.size());
  STRCMP_EQUAL("Cookie", endpoint->headers[0].first.c_str());
  STRCMP_EQUAL("M", endpoint->user_agent.c_str());
}

TEST(DouyinPushEndpoint, ABadSignerAnswerIsAProblemThatQuotesNothing) {
  std::string problem;
  CHECK_FALSE(parse_signer_answer("ttwid=secret", problem));
  CHECK(problem.find("secret") == std::string::npos);
  CHECK_FALSE(parse_signer_answer(R"({"url": "ws://push.example/x?signature=secret"})", problem));  // not loopback
  CHECK(problem.find("secret") == std::string::npos);
  CHECK_FALSE(parse_signer_answer(R"({"url": "https://push.example/"})", problem));
  CHECK_FALSE(parse_signer_answer(R"({"url": "wss://push.example/", "cookie": "a\r\nX-Evil: 1"})", problem));
  CHECK_FALSE(parse_signer_answer(R"([1, 2])", problem));
}
