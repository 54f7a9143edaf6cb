#include "retake/retake_client.hpp"

#include "support/loop_runner.hpp"
#include "support/retake_emulator.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>

using namespace agentcast;
using namespace agentcast::retake;

TEST_GROUP(RetakeClient) {
  testing::TempDir dir;
  std::unique_ptr<testing::RetakeEmulator> emulator;
  std::unique_ptr<net::HttpClient> http;
  std::unique_ptr<RetakeClient> client;
  void setup() override {
    emulator = std::make_unique<testing::RetakeEmulator>(dir);
    http = std::make_unique<net::HttpClient>(net::HttpClient::Options{});
    client = std::make_unique<RetakeClient>(*http, emulator->api_base(), emulator->skill_url());
    emulator->control("agent", {{"access_token", "rtk_test"}, {"userDbId", "user_test"}, {"agent_name", "T"}});
  }
  void teardown() override {
    client.reset();
    http.reset();
    emulator.reset();
  }
  template <typename T, typename Call>
  ApiResult<T> wait(Call call) {
    std::optional<ApiResult<T>> result;
    call([&](const ApiResult<T>& r) { result = r; });
    CHECK(testing::run_loop_until([&] { return result.has_value(); }, 5000));
    return *result;
  }
};

TEST(RetakeClient, TheTokenGoesToTheApiAndNeverToSkillJson) {
  client->set_access_token("rtk_test");
  const auto status = wait<StreamStatus>([&](auto done) { client->stream_status(done); });
  CHECK(status.ok());
  const auto version = wait<std::string>([&](auto done) { client->skill_version(done); });
  STRCMP_EQUAL("2.1.2", version.value->c_str());
  for (const auto& entry : emulator->log()) {
    const bool sent = entry["authorization_header"].get<bool>();
    if (entry["path"] == "/skill.json") CHECK_FALSE_TEXT(sent, "skill.json received the token");
    if (entry["path"] == "/agent/stream/status") CHECK(sent);
  }
}

TEST(RetakeClient, ErrorsAreClassifiedAndCarryNoToken) {
  client->set_access_token("rtk_wrong_token");
  const auto unauthorized = wait<RtmpEndpoint>([&](auto done) { client->fetch_rtmp(done); });
  CHECK(unauthorized.error.kind == ApiError::Kind::unauthorized);
  CHECK(unauthorized.error.message.find("rtk_wrong_token") == std::string::npos);

  client->set_access_token("rtk_test");
  const auto conflict =
      wait<std::vector<ChatComment>>([&](auto done) { client->comments("user_test", 50, std::nullopt, done); });
  CHECK(conflict.error.kind == ApiError::Kind::conflict);

  emulator->control("fault", {{"path", "/agent/stream/status"}, {"status", 503}});
  const auto server = wait<StreamStatus>([&](auto done) { client->stream_status(done); });
  CHECK(server.error.kind == ApiError::Kind::server);

  emulator->control("fault", {{"path", "/agent/stream/status"}, {"status", 200}, {"body", "{\"is_live\": \"yes\"}"}});
  const auto malformed = wait<StreamStatus>([&](auto done) { client->stream_status(done); });
  CHECK(malformed.error.kind == ApiError::Kind::invalid_response);
  STRCMP_EQUAL("stream/status: is_live: expected true or false", malformed.error.message.c_str());
}

TEST(RetakeClient, EachRtmpCallGivesAFreshKeyAndThumbnailsAreMultipartJpeg) {
  client->set_access_token("rtk_test");
  const auto first = wait<RtmpEndpoint>([&](auto done) { client->fetch_rtmp(done); });
  const auto second = wait<RtmpEndpoint>([&](auto done) { client->fetch_rtmp(done); });
  CHECK(first.ok() && second.ok());
  CHECK(first.value->key != second.value->key);
  const auto thumbnail = wait<ThumbnailResult>(
      [&](auto done) { client->update_thumbnail(std::string("\xff\xd8\xff\xe0 fake jpeg \xff\xd9", 16), done); });
  CHECK_TEXT(thumbnail.ok(), thumbnail.error.message.c_str());
  const auto not_an_image = wait<ThumbnailResult>([&](auto done) { client->update_thumbnail("GIF89a", done); });
  CHECK(not_an_image.error.kind == ApiError::Kind::bad_request);
}

TEST(RetakeClient, VerificationCallsCarryTheTokenAndTheStreamerLookupDoesNot) {
  client->set_access_token("rtk_test");
  emulator->control("verified", {{"verified", false}});
  const auto status = wait<bool>([&](auto done) { client->verification_status(done); });
  CHECK(status.ok());
  CHECK_FALSE(*status.value);
  const auto message = wait<std::string>([&](auto done) { client->prepare_verify(done); });
  CHECK_TEXT(message.ok(), message.error.message.c_str());
  STRCMP_CONTAINS("Code: ", message.value->c_str());
  const auto refused = wait<bool>([&](auto done) { client->verify("https://x.com/owner/status/1", done); });
  CHECK(refused.error.kind == ApiError::Kind::bad_request);
  STRCMP_CONTAINS("does not contain the verification code", refused.error.message.c_str());

  const auto found = wait<std::string>([&](auto done) { client->streamer_id("T", done); });
  STRCMP_EQUAL("user_test", found.value.value_or("").c_str());
  const auto unknown = wait<std::string>([&](auto done) { client->streamer_id("No/Such ?name", done); });
  CHECK(unknown.error.kind == ApiError::Kind::not_found);
  for (const auto& entry : emulator->log()) {
    const auto path = entry["path"].get<std::string>();
    const bool sent = entry["authorization_header"].get<bool>();
    if (path.starts_with("/users/streamer/")) CHECK_FALSE_TEXT(sent, "the streamer lookup received the token");
    if (path.find("verif") != std::string::npos) CHECK(sent);
  }
}
