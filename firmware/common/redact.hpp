#pragma once
// Stream URLs carry the publishing key as their last path element; these helpers make them
// safe to print.
#include <string>
#include <string_view>

namespace agentcast {

inline constexpr std::string_view kRedacted = "<redacted>";

// "rtmps://user:pw@host:443/app/KEY?x" -> "rtmps://<redacted>@host:443/app/<redacted>".
// A URL without a path keeps nothing after the host.
std::string redact_stream_url(std::string_view url);

// Replaces every occurrence of `secret` in `text` (no-op for an empty secret).
std::string scrub_secret(std::string_view text, std::string_view secret);

}  // namespace agentcast
