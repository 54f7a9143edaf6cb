#include "common/redact.hpp"

namespace agentcast {

std::string redact_stream_url(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(kRedacted);
  const std::string_view scheme = url.substr(0, scheme_end + 3);
  std::string_view rest = url.substr(scheme_end + 3);

  const auto path_start = rest.find('/');
  std::string_view authority = rest.substr(0, path_start);
  std::string_view path = path_start == std::string_view::npos ? std::string_view{} : rest.substr(path_start);

  std::string out(scheme);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    out += kRedacted;
    out += '@';
    authority = authority.substr(at + 1);
  }
  out += authority;
  if (path.empty()) return out;

  // Keep the application path ("/live"), hide the key and anything after it (query strings
  // such as YouTube's "?backup=1/<key>" carry it too).
  const auto query = path.find('?');
  const std::string_view without_query = path.substr(0, query);
  const auto last_slash = without_query.rfind('/');
  out += without_query.substr(0, last_slash + 1);
  if (last_slash + 1 < without_query.size() || query != std::string_view::npos) out += kRedacted;
  return out;
}

std::string scrub_secret(std::string_view text, std::string_view secret) {
  std::string out;
  if (secret.empty()) return std::string(text);
  std::size_t pos = 0;
  while (true) {
    const auto hit = text.find(secret, pos);
    if (hit == std::string_view::npos) break;
    out.append(text.substr(pos, hit - pos));
    out += kRedacted;
    pos = hit + secret.size();
  }
  out.append(text.substr(pos));
  return out;
}

}  // namespace agentcast
