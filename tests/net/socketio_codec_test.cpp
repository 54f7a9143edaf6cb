// Engine.IO v4 / Socket.IO v5 packets as the reference server sends them, and hostile ones:
// anything malformed is refused (nullopt), never thrown, never half-parsed.
#include "net/socketio_codec.hpp"

#include <CppUTest/TestHarness.h>

#include <string>

using namespace agentcast::net::socketio;

TEST_GROUP(SocketIoCodec){};

TEST(SocketIoCodec, TheServersOpenPacketGivesTheHeartbeatTimings) {
  const auto packet = parse_engine_packet(
      R"(0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})");
  CHECK(packet && packet->type == EngineType::open);
  const auto open = parse_open(packet->data);
  CHECK(open.has_value());
  STRCMP_EQUAL("lv_VI97HAXpY6yYWAAAC", open->sid.c_str());
  LONGS_EQUAL(25000, open->ping_interval_ms);
  LONGS_EQUAL(20000, open->ping_timeout_ms);
}

TEST(SocketIoCodec, AnOpenPacketWithoutSidOrWithAbsurdTimingsIsRefused) {
  CHECK_FALSE(parse_open(R"({"pingInterval":25000})"));
  CHECK_FALSE(parse_open(R"({"sid":"x","pingInterval":0})"));
  CHECK_FALSE(parse_open(R"({"sid":"x","pingTimeout":-5})"));
  CHECK_FALSE(parse_open(R"({"sid":"x","pingInterval":1e300})"));
  CHECK_FALSE(parse_open(R"({"sid":"x","pingInterval":"25000"})"));
  CHECK_FALSE(parse_open("not json"));
  CHECK_FALSE(parse_open("[]"));
}

TEST(SocketIoCodec, EngineTypesAreTheFirstDigit) {
  CHECK(parse_engine_packet("2")->type == EngineType::ping);
  CHECK(parse_engine_packet("3")->type == EngineType::pong);
  CHECK(parse_engine_packet("1")->type == EngineType::close);
  CHECK(parse_engine_packet("6")->type == EngineType::noop);
  CHECK_FALSE(parse_engine_packet(""));
  CHECK_FALSE(parse_engine_packet("7"));
  CHECK_FALSE(parse_engine_packet("x2"));
}

TEST(SocketIoCodec, AnEventCarriesItsNameAndArguments) {
  const auto packet = parse_packet(R"(2["message",{"chat_event_id":"12","text":"hi"}])");
  CHECK(packet && packet->type == PacketType::event);
  STRCMP_EQUAL("/", packet->nsp.c_str());
  const auto event = parse_event(*packet);
  CHECK(event.has_value());
  STRCMP_EQUAL("message", event->name.c_str());
  LONGS_EQUAL(1, event->args.size());
  STRCMP_EQUAL("hi", event->args[0]["text"].get<std::string>().c_str());
}

TEST(SocketIoCodec, NamespacesAckIdsAndAttachmentsAreParsed) {
  const auto with_nsp = parse_packet(R"(2/admin,["bar"])");
  CHECK(with_nsp.has_value());
  STRCMP_EQUAL("/admin", with_nsp->nsp.c_str());
  const auto with_ack = parse_packet(R"(212["event",1])");
  CHECK(with_ack && with_ack->ack_id == 12U);
  const auto binary = parse_packet(R"(51-["baz",{"_placeholder":true,"num":0}])");
  CHECK(binary && binary->type == PacketType::binary_event);
  LONGS_EQUAL(1, binary->attachments);
  const auto connected = parse_packet(R"(0{"sid":"wZX3oN0bSVIhsaknAAAI"})");
  CHECK(connected && connected->type == PacketType::connect);
  const auto refused = parse_packet(R"(4{"message":"Not authorized"})");
  CHECK(refused && refused->type == PacketType::connect_error);
}

TEST(SocketIoCodec, MalformedEventsAreRefused) {
  for (const char* text : {"2", "2[]", "2[1,2]", "2{\"a\":1}", "2[\"unterminated", "5-[\"x\"]", "599999999999-[\"x\"]",
                           "299999999999999999999999[\"x\"]", "9[\"x\"]"}) {
    const auto packet = parse_packet(text);
    CHECK_TEXT(!packet || !parse_event(*packet), text);
  }
}

TEST(SocketIoCodec, DeepNestingAndHugeTextsDoNotThrow) {
  const std::string deep = "2[\"x\"," + std::string(100000, '[') + std::string(100000, ']') + "]";
  const auto packet = parse_packet(deep);
  CHECK(packet.has_value());
  CHECK_FALSE(parse_event(*packet));
  const std::string big = R"(2["message",{"text":")" + std::string(100000, 'a') + R"("}])";
  CHECK(parse_event(*parse_packet(big)).has_value());
}

TEST(SocketIoCodec, ClientPacketsAreWhatTheProtocolSays) {
  STRCMP_EQUAL("40", connect_text().c_str());
  STRCMP_EQUAL("3", pong_text().c_str());
  STRCMP_EQUAL(R"(42["joinRoom",{"roomId":"u-1"}])", event_text("joinRoom", {{"roomId", "u-1"}}).c_str());
}

TEST(SocketIoCodec, TheSessionUrlAddsTheEngineIoQuery) {
  STRCMP_EQUAL("wss://retake.tv/socket.io/?EIO=4&transport=websocket",
               session_url("wss://retake.tv/socket.io/").value().c_str());
  STRCMP_EQUAL("ws://127.0.0.1:9/socket.io/?Client-Type=streamer&EIO=4&transport=websocket",
               session_url("ws://127.0.0.1:9/socket.io/?Client-Type=streamer").value().c_str());
  CHECK_FALSE(session_url("https://retake.tv/socket.io/"));
}
