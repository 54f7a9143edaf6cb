#include "common/paths.hpp"

#include <glib.h>

namespace agentcast {

std::string expand_home(std::string_view path) {
  if (path == "~" || path.starts_with("~/")) return std::string(g_get_home_dir()) + std::string(path.substr(1));
  return std::string(path);
}

}  // namespace agentcast
