// Open-LLM-VTuber's /proxy-ws messages: a turn's control messages, audio with a base64 WAV or
// none, errors; hostile messages are problems, never exceptions; what the box sends is JSON
// even when chat text is not valid UTF-8.
#include "agent/olv_protocol.hpp"
#include "audio/wav.hpp"

#include <CppUTest/TestHarness.h>
#include <glib.h>
#include <nlohmann/json.hpp>

#include <memory>

using namespace agentcast;
using namespace agentcast::agent;

namespace {

std::string base64(const std::string& bytes) {
  const std::unique_ptr<gchar, decltype(&g_free)> text(
      g_base64_encode(reinterpret_cast<const guchar*>(bytes.data()), bytes.size()), &g_free);
  return text.get();
}

ServerMessage parsed(const std::string& text) {
  std::string problem;
  const auto message = parse_server_message(text, problem);
  CHECK_TEXT(message.has_value(), problem.c_str());
  return *message;
}

}  // namespace

TEST_GROUP(OlvProtocol){};

TEST(OlvProtocol, ATurnsControlMessagesHaveTheirKinds) {
  CHECK(parsed(R"({"type":"control","text":"conversation-chain-start"})").kind == ServerKind::chain_start);
  CHECK(parsed(R"({"type":"control","text":"conversation-chain-end"})").kind == ServerKind::chain_end);
  CHECK(parsed(R"({"type":"backend-synth-complete"})").kind == ServerKind::synth_complete);
  CHECK(parsed(R"({"type":"force-new-message"})").kind == ServerKind::force_new_message);
  CHECK(parsed(R"({"type":"control","text":"start-mic"})").kind == ServerKind::other);
  CHECK(parsed(R"({"type":"heartbeat-ack"})").kind == ServerKind::other);
  const auto thinking = parsed(R"({"type":"full-text","text":"Thinking..."})");
  CHECK(thinking.kind == ServerKind::full_text);
  STRCMP_EQUAL("Thinking...", thinking.text.c_str());
  const auto error = parsed(R"({"type":"error","message":"LLM unavailable"})");
  CHECK(error.kind == ServerKind::error);
  STRCMP_EQUAL("LLM unavailable", error.text.c_str());
}

TEST(OlvProtocol, AnAudioMessageCarriesItsWavAndDisplayText) {
  audio::Pcm pcm;
  pcm.rate = 24000;
  pcm.channels = 1;
  pcm.samples.assign(2400, 1000);
  const std::string wav = audio::write_wav(pcm);
  const nlohmann::json message = {
      {"type", "audio"},
      {"audio", base64(wav)},
      {"volumes", {0.1, 0.5}},
      {"slice_length", 20},
      {"display_text", {{"text", "Hello <b>there</b>"}, {"name", "Mao"}, {"avatar", nullptr}}},
      {"actions", {{"expressions", {3}}}},
      {"forwarded", false}};
  const auto audio = parsed(message.dump());
  CHECK(audio.kind == ServerKind::audio);
  STRCMP_EQUAL("Hello <b>there</b>", audio.text.c_str());
  STRCMP_EQUAL("Mao", audio.name.c_str());
  CHECK(audio.wav == wav);
  const auto silent =
      parsed(R"({"type":"audio","audio":null,"volumes":[],"display_text":{"text":"...","name":"Mao"}})");
  CHECK(silent.kind == ServerKind::audio && !silent.wav.has_value());
}

TEST(OlvProtocol, HostileMessagesAreProblems) {
  std::string problem;
  CHECK_FALSE(parse_server_message("not json", problem));
  CHECK_FALSE(parse_server_message("[1,2]", problem));
  CHECK_FALSE(parse_server_message(R"({"type":"audio","audio":"!!not base64!!"})", problem));
  CHECK_FALSE(parse_server_message(R"({"type":"audio","audio":12})", problem));
  CHECK(parse_server_message(R"({"type":5,"text":[1]})", problem).has_value());  // nothing to do, no throw
  CHECK(parse_server_message(R"({"type":"audio","display_text":"flat"})", problem).has_value());
}

TEST(OlvProtocol, WhatTheBoxSendsIsJsonEvenForBrokenText) {
  const auto input = nlohmann::json::parse(text_input("ann: hi \xC3\x28"));
  STRCMP_EQUAL("text-input", input["type"].get<std::string>().c_str());
  CHECK(input["text"].get<std::string>().starts_with("ann: hi "));
  STRCMP_EQUAL("frontend-playback-complete",
               nlohmann::json::parse(playback_complete())["type"].get<std::string>().c_str());
  STRCMP_EQUAL("what was heard",
               nlohmann::json::parse(interrupt_signal("what was heard"))["text"].get<std::string>().c_str());
}
