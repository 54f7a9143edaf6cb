#pragma once
// For the short commands (register, chat send, status): one retake.tv API call, run on the
// default main context until it answers or a deadline passes. The main job never uses this.
#include "config/config.hpp"
#include "net/http_client.hpp"
#include "net/tls_trust.hpp"
#include "retake/retake_client.hpp"

#include <glib.h>

#include <functional>
#include <optional>

namespace agentcast::app {

// Everything one API call needs, built from the config.
struct ApiSession {
  explicit ApiSession(const config::Config& config)
      : trust(config.tls.ca_file ? std::make_optional<net::AdditionalTrust>(*config.tls.ca_file) : std::nullopt),
        http(http_options()),
        client(http, config.platform.api_base, config.platform.skill_url) {}

  std::optional<net::AdditionalTrust> trust;
  net::HttpClient http;
  retake::RetakeClient client;

  net::HttpClient::Options http_options() const {
    net::HttpClient::Options options;
    if (trust) options.ca_bundle = trust->anchors_path();
    return options;
  }
};

// The call's result, or nullopt when it did not answer within `timeout_ms`.
template <typename T>
std::optional<retake::ApiResult<T>> wait_for(const std::function<void(retake::RetakeClient::Done<T>)>& call,
                                             int timeout_ms = 30000) {
  std::optional<retake::ApiResult<T>> result;
  call([&](const retake::ApiResult<T>& r) { result = r; });
  const gint64 deadline = g_get_monotonic_time() + gint64{timeout_ms} * 1000;
  while (!result && g_get_monotonic_time() < deadline) g_main_context_iteration(nullptr, TRUE);
  return result;
}

}  // namespace agentcast::app
