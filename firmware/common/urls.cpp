#include "common/urls.hpp"

#include "common/handles.hpp"

#include <gio/gio.h>

namespace agentcast {

std::optional<UrlParts> parse_url(const std::string& url) {
  GUri* uri = g_uri_parse(url.c_str(), G_URI_FLAGS_NONE, nullptr);
  if (uri == nullptr) return std::nullopt;
  UrlParts parts;
  const char* scheme = g_uri_get_scheme(uri);
  const char* host = g_uri_get_host(uri);
  if (scheme != nullptr) parts.scheme = GCharPtr(g_ascii_strdown(scheme, -1)).get();
  if (host != nullptr) parts.host = GCharPtr(g_ascii_strdown(host, -1)).get();
  parts.port = g_uri_get_port(uri);
  g_uri_unref(uri);
  if (parts.scheme.empty() || parts.host.empty()) return std::nullopt;
  return parts;
}

bool is_loopback_host(const std::string& host) {
  if (host == "localhost") return true;
  GObjectPtr<GInetAddress> address(g_inet_address_new_from_string(host.c_str()));
  return address && g_inet_address_get_is_loopback(address.get());
}

}  // namespace agentcast
