#include "douyin/push_endpoint.hpp"

#include "common/json_input.hpp"
#include "common/urls.hpp"

#include <glib.h>

#include <memory>
#include <vector>

namespace agentcast::douyin {
namespace {

std::string escaped(const std::string& value) {
  const std::unique_ptr<char, decltype(&g_free)> text(g_uri_escape_string(value.c_str(), nullptr, FALSE), &g_free);
  return text ? std::string(text.get()) : std::string();
}

std::string_view key_of(std::string_view parameter) { return parameter.substr(0, parameter.find('=')); }

// `url` with each given parameter removed and added again, escaped, at the end of the query.
std::string with_parameters(const std::string& url, const std::vector<std::pair<std::string, std::string>>& set) {
  const std::size_t fragment_at = std::min(url.find('#'), url.size());
  const std::string fragment = url.substr(fragment_at);
  const std::string base = url.substr(0, fragment_at);
  const std::size_t query_at = base.find('?');
  const std::string path = base.substr(0, query_at);
  const std::string query = query_at == std::string::npos ? std::string() : base.substr(query_at + 1);

  std::string kept;
  std::size_t start = 0;
  while (start <= query.size() && !query.empty()) {
    const std::size_t end = std::min(query.find('&', start), query.size());
    const std::string_view parameter = std::string_view(query).substr(start, end - start);
    bool replaced = false;
    for (const auto& [key, value] : set) replaced = replaced || key_of(parameter) == key;
    if (!parameter.empty() && !replaced) kept.append(kept.empty() ? "" : "&").append(parameter);
    start = end + 1;
  }
  for (const auto& [key, value] : set) kept.append(kept.empty() ? "" : "&").append(key + "=" + escaped(value));
  return path + (kept.empty() ? "" : "?" + kept) + fragment;
}

bool is_push_url(const std::string& url) {
  const auto parts = parse_url(url);
  return parts && !parts->host.empty() &&
         (parts->scheme == "wss" || (parts->scheme == "ws" && is_loopback_host(parts->host)));
}

bool is_header_value(const std::string& value) {
  return value.size() <= 4096 && value.find_first_of("\r\n") == std::string::npos;
}

}  // namespace

std::string resume_url(const std::string& url, const std::string& cursor, const std::string& internal_ext) {
  std::vector<std::pair<std::string, std::string>> set;
  if (!cursor.empty()) set.emplace_back("cursor", cursor);
  if (!internal_ext.empty()) set.emplace_back("internal_ext", internal_ext);
  return set.empty() ? url : with_parameters(url, set);
}

std::string signer_request_url(const std::string& signer_url, const std::string& room_id) {
  return with_parameters(signer_url, {{"room_id", room_id}});
}

std::optional<net::WebSocketEndpoint> parse_signer_answer(std::string_view body, std::string& problem) {
  const auto parsed = json_input::parse(body);
  const auto* answer = std::get_if<nlohmann::json>(&parsed);
  if (answer == nullptr || !answer->is_object()) {
    problem = "the signer's answer is not a JSON object";
    return std::nullopt;
  }
  const auto text_field = [&](const char* key) -> std::optional<std::string> {
    const auto found = answer->find(key);
    if (found == answer->end() || !found->is_string()) return std::nullopt;
    return found->get<std::string>();
  };
  net::WebSocketEndpoint endpoint;
  endpoint.url = text_field("url").value_or("");
  if (!is_push_url(endpoint.url)) {
    problem = "the signer's answer has no wss:// url (ws:// only to this machine)";
    return std::nullopt;
  }
  const std::string cookie = text_field("cookie").value_or("");
  endpoint.user_agent = text_field("user_agent").value_or("");
  if (!is_header_value(cookie) || !is_header_value(endpoint.user_agent)) {
    problem = "the signer's cookie or user_agent is not one header line";
    return std::nullopt;
  }
  if (!cookie.empty()) endpoint.headers.emplace_back("Cookie", cookie);
  return endpoint;
}

}  // namespace agentcast::douyin
