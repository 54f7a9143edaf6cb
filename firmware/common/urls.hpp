#pragma once
// URL facts the safety rules need: which host a URL talks to and whether it stays on this machine.
#include <optional>
#include <string>

namespace agentcast {

struct UrlParts {
  std::string scheme;  // lower-case
  std::string host;    // lower-case, without IPv6 brackets
  int port = -1;       // -1 when not given
};

std::optional<UrlParts> parse_url(const std::string& url);

// "localhost", or an IP literal in 127.0.0.0/8 or ::1. A name such as
// "127.0.0.1.example.com" is not loopback.
bool is_loopback_host(const std::string& host);

}  // namespace agentcast
