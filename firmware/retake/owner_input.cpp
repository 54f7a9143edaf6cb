#include "retake/owner_input.hpp"

#include "common/glib_handles.hpp"

#include <glib.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace agentcast::retake {
namespace {

bool contains_word(std::string_view text, std::string_view word) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower.find(word) != std::string::npos;
}

bool is_twitter_host(std::string_view host) {
  constexpr std::array<std::string_view, 6> kHosts{"x.com",       "www.x.com",       "mobile.x.com",
                                                   "twitter.com", "www.twitter.com", "mobile.twitter.com"};
  std::string lower(host);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return std::find(kHosts.begin(), kHosts.end(), lower) != kHosts.end();
}

// "/<user>/status/<id>" with Twitter's user-name rules (1-15 of A-Z a-z 0-9 _).
bool is_status_path(std::string_view path) {
  if (path.ends_with('/')) path.remove_suffix(1);
  if (!path.starts_with('/')) return false;
  path.remove_prefix(1);
  const auto slash = path.find('/');
  if (slash == std::string_view::npos) return false;
  const std::string_view user = path.substr(0, slash);
  std::string_view rest = path.substr(slash + 1);
  const bool user_ok = !user.empty() && user.size() <= 15 &&
                       std::all_of(user.begin(), user.end(), [](char c) { return g_ascii_isalnum(c) || c == '_'; });
  if (!user_ok || !rest.starts_with("status/")) return false;
  rest.remove_prefix(7);
  return !rest.empty() && rest.size() <= 25 &&
         std::all_of(rest.begin(), rest.end(), [](char c) { return g_ascii_isdigit(c); });
}

}  // namespace

std::optional<std::string> ticker_problem(std::string_view ticker) {
  if (ticker.empty()) return "--ticker: empty; expected 1 to 10 characters, such as MYAGENT";
  if (g_utf8_validate(ticker.data(), static_cast<gssize>(ticker.size()), nullptr) == FALSE) {
    return "--ticker: not valid UTF-8 text";
  }
  std::size_t chars = 0;
  for (const char* p = ticker.data(); p < ticker.data() + ticker.size(); p = g_utf8_next_char(p)) {
    const gunichar c = g_utf8_get_char(p);
    if (g_unichar_isspace(c) || g_unichar_iscntrl(c) || !g_unichar_isprint(c)) {
      return "--ticker: no spaces or control characters; expected 1 to 10 characters, such as MYAGENT";
    }
    ++chars;
  }
  if (chars > kMaxTickerChars) {
    return "--ticker: " + std::to_string(chars) + " characters; the platform takes at most 10";
  }
  return std::nullopt;
}

std::optional<std::string> tweet_status_url(std::string_view url) {
  const std::string text(url);
  GError* raw_error = nullptr;
  const GUriPtr uri(g_uri_parse(text.c_str(), G_URI_FLAGS_NONE, &raw_error));
  const GErrorPtr error(raw_error);
  if (!uri) return std::nullopt;
  const char* scheme = g_uri_get_scheme(uri.get());
  const char* host = g_uri_get_host(uri.get());
  const int port = g_uri_get_port(uri.get());
  const bool ok = scheme != nullptr && g_ascii_strcasecmp(scheme, "https") == 0 && host != nullptr &&
                  is_twitter_host(host) && g_uri_get_userinfo(uri.get()) == nullptr && (port == -1 || port == 443) &&
                  g_uri_get_fragment(uri.get()) == nullptr && is_status_path(g_uri_get_path(uri.get()));
  if (!ok) return std::nullopt;
  std::string path = g_uri_get_path(uri.get());
  if (path.ends_with('/')) path.pop_back();
  std::string lower_host(host);
  std::transform(lower_host.begin(), lower_host.end(), lower_host.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return "https://" + lower_host + path;
}

std::string verify_refusal_hint(std::string_view platform_message) {
  if (contains_word(platform_message, "prepare") || contains_word(platform_message, "no verification")) {
    return "no verification message yet: run `agentcast verify` first, post the message it prints, then run "
           "`agentcast verify --tweet-url URL` with that tweet's URL";
  }
  if (contains_word(platform_message, "code") || contains_word(platform_message, "contain")) {
    return "the tweet does not hold the verification code: post the exact message `agentcast verify` printed (run "
           "it again for a fresh one), then give that tweet's URL";
  }
  if (contains_word(platform_message, "url") || contains_word(platform_message, "status")) {
    return "the platform did not take that URL: give the URL of the tweet itself, "
           "https://x.com/<you>/status/<number>";
  }
  return "run `agentcast verify` for the message to post on Twitter/X, then `agentcast verify --tweet-url URL` with "
         "that tweet's URL";
}

}  // namespace agentcast::retake
