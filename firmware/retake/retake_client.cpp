#include "retake/retake_client.hpp"

#include "common/glib_handles.hpp"

#include "common/redact.hpp"
#include "common/untrusted_text.hpp"
#include "common/urls.hpp"

#include <glib.h>

#include <nlohmann/json.hpp>

namespace agentcast::retake {
namespace {

std::string query_escape(const std::string& value) {
  const GCharPtr escaped(g_uri_escape_string(value.c_str(), nullptr, FALSE));
  return std::string(escaped.get());
}

net::HttpRequest json_post(std::string url, const nlohmann::json& body) {
  net::HttpRequest request;
  request.method = "POST";
  request.url = std::move(url);
  request.headers.emplace_back("Content-Type", "application/json");
  request.body = body.dump();
  return request;
}

net::HttpRequest plain(const char* method, std::string url) {
  net::HttpRequest request;
  request.method = method;
  request.url = std::move(url);
  return request;
}

}  // namespace

RetakeClient::RetakeClient(net::HttpClient& http, std::string api_base, std::string skill_url)
    : http_(http), api_base_(std::move(api_base)), skill_url_(std::move(skill_url)) {
  while (api_base_.ends_with("/")) api_base_.pop_back();
  if (const auto parts = parse_url(api_base_)) api_host_ = parts->host;
}

ApiError RetakeClient::classify(const net::HttpResponse& response, const char* endpoint) const {
  ApiError error;
  error.status = response.status;
  std::string detail;
  if (!response.error.empty()) {
    error.kind = ApiError::Kind::transport;
    detail = response.error;
  } else {
    switch (response.status) {
      case 400:
        error.kind = ApiError::Kind::bad_request;
        break;
      case 401:
        error.kind = ApiError::Kind::unauthorized;
        break;
      case 404:
        error.kind = ApiError::Kind::not_found;
        break;
      case 409:
        error.kind = ApiError::Kind::conflict;
        break;
      default:
        error.kind = response.status >= 500 ? ApiError::Kind::server : ApiError::Kind::other;
    }
    detail = "HTTP " + std::to_string(response.status);
    if (const auto said = error_message(response.body)) detail += ": " + *said;
  }
  error.message = sanitize_for_log(scrub_secret(std::string(endpoint) + ": " + detail, token_));
  return error;
}

template <typename T>
void RetakeClient::call(net::HttpRequest request, bool authenticated, const char* endpoint,
                        std::function<T(std::string_view)> parse, Done<T> done) {
  if (authenticated) {
    // Only ever to the API host, whatever URL the request ended up with.
    const auto parts = parse_url(request.url);
    if (!parts || parts->host != api_host_ || token_.empty()) {
      ApiResult<T> refused;
      refused.error = {ApiError::Kind::unauthorized, 0, std::string(endpoint) + ": no access token for this host"};
      done(refused);
      return;
    }
    request.headers.emplace_back("Authorization", "Bearer " + token_);
  }
  http_.start(std::move(request),
              [this, endpoint, parse = std::move(parse), done = std::move(done)](const net::HttpResponse& response) {
                ApiResult<T> result;
                if (!response.ok()) {
                  result.error = classify(response, endpoint);
                  done(result);
                  return;
                }
                try {
                  result.value = parse(response.body);
                } catch (const ResponseError& error) {
                  result.error = {ApiError::Kind::invalid_response, response.status,
                                  sanitize_for_log(scrub_secret(error.what(), token_))};
                } catch (const std::exception& error) {
                  // A parser that let something else escape has a bug; the answer is still
                  // just one bad answer, retried like any other.
                  result.error = {ApiError::Kind::invalid_response, response.status,
                                  sanitize_for_log(scrub_secret(
                                      std::string(endpoint) + ": unreadable response (" + error.what() + ")", token_))};
                }
                done(result);
              });
}

void RetakeClient::register_agent(const std::string& name, const std::string& description, const std::string& image_url,
                                  const std::string& wallet, const std::string& ticker, Done<RegisterResult> done) {
  const nlohmann::json body = {{"agent_name", name},
                               {"agent_description", description},
                               {"image_url", image_url},
                               {"wallet_address", wallet},
                               {"ticker", ticker}};
  call<RegisterResult>(json_post(api_base_ + "/agent/register", body), false, "register", parse_register,
                       std::move(done));
}

void RetakeClient::prepare_verify(Done<std::string> done) {
  call<std::string>(plain("POST", api_base_ + "/agent/prepare-verify"), true, "prepare-verify",
                    parse_verification_message, std::move(done));
}

void RetakeClient::verify(const std::string& tweet_url, Done<bool> done) {
  call<bool>(
      json_post(api_base_ + "/agent/verify", {{"tweet_url", tweet_url}}), true, "verify",
      [](std::string_view body) { return parse_verified(body, "verify"); }, std::move(done));
}

void RetakeClient::verification_status(Done<bool> done) {
  call<bool>(
      plain("GET", api_base_ + "/agent/verification-status"), true, "verification-status",
      [](std::string_view body) { return parse_verified(body, "verification-status"); }, std::move(done));
}

void RetakeClient::streamer_id(const std::string& name, Done<std::string> done) {
  call<std::string>(plain("GET", api_base_ + "/users/streamer/" + query_escape(name)), false, "users/streamer",
                    parse_streamer_id, std::move(done));
}

void RetakeClient::fetch_rtmp(Done<RtmpEndpoint> done) {
  call<RtmpEndpoint>(plain("POST", api_base_ + "/agent/rtmp"), true, "rtmp", parse_rtmp, std::move(done));
}

void RetakeClient::start_stream(Done<StreamStart> done) {
  call<StreamStart>(plain("POST", api_base_ + "/agent/stream/start"), true, "stream/start", parse_stream_start,
                    std::move(done));
}

void RetakeClient::stream_status(Done<StreamStatus> done) {
  call<StreamStatus>(plain("GET", api_base_ + "/agent/stream/status"), true, "stream/status", parse_stream_status,
                     std::move(done));
}

void RetakeClient::update_thumbnail(std::string jpeg, Done<ThumbnailResult> done) {
  net::HttpRequest request = plain("POST", api_base_ + "/agent/update-thumbnail");
  request.file = net::MultipartFile{"image", "thumbnail.jpg", "image/jpeg", std::move(jpeg)};
  call<ThumbnailResult>(std::move(request), true, "update-thumbnail", parse_thumbnail, std::move(done));
}

void RetakeClient::stop_stream(Done<StopResult> done) {
  net::HttpRequest request = plain("POST", api_base_ + "/agent/stream/stop");
  // Shutdown has 5 s in all; the stop call must not take them.
  request.connect_timeout_ms = 1500;
  request.total_timeout_ms = 2500;
  call<StopResult>(std::move(request), true, "stream/stop", parse_stop, std::move(done));
}

void RetakeClient::send_chat(const std::string& text, const std::string& destination_user_id, Done<Sent> done) {
  const nlohmann::json body = {{"message", text}, {"destination_user_id", destination_user_id}};
  call<Sent>(
      json_post(api_base_ + "/agent/stream/chat/send", body), true, "stream/chat/send",
      [](std::string_view) { return Sent{}; }, std::move(done));
}

void RetakeClient::comments(const std::string& user_db_id, int limit, const std::optional<std::string>& before_id,
                            Done<std::vector<ChatComment>> done) {
  std::string url =
      api_base_ + "/agent/stream/comments?userDbId=" + query_escape(user_db_id) + "&limit=" + std::to_string(limit);
  if (before_id) url += "&beforeId=" + query_escape(*before_id);
  call<std::vector<ChatComment>>(plain("GET", url), true, "stream/comments", parse_comments, std::move(done));
}

void RetakeClient::skill_version(Done<std::string> done) {
  call<std::string>(plain("GET", skill_url_), false, "skill.json", parse_skill_version, std::move(done));
}

}  // namespace agentcast::retake
