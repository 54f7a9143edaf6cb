#pragma once
#include <string>
#include <string_view>

namespace agentcast {

// "~" and "~/x" expand to the user's home directory; other paths are returned unchanged.
std::string expand_home(std::string_view path);

}  // namespace agentcast
