#pragma once
// What the owner types for the platform (skill 2.1), checked before any call is made: the
// ticker given at registration and the URL of the verification tweet. And what to tell the
// owner when the platform refuses a verification.
#include <optional>
#include <string>
#include <string_view>

namespace agentcast::retake {

inline constexpr std::size_t kMaxTickerChars = 10;

// Why `ticker` cannot be registered (1 to 10 characters of valid UTF-8, no white space or
// control characters), or nullopt when it can.
std::optional<std::string> ticker_problem(std::string_view ticker);

// The URL of a tweet as the platform takes it (https://x.com/<user>/status/<id>, also
// twitter.com and its www. / mobile. hosts; a share link's query and a trailing slash are
// dropped), or nullopt when `url` is not the URL of one tweet.
std::optional<std::string> tweet_status_url(std::string_view url);

// What the owner should do after /agent/verify answered 400 with `platform_message`.
std::string verify_refusal_hint(std::string_view platform_message);

}  // namespace agentcast::retake
