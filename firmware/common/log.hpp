#pragma once
// Log lines for journald (under systemd, stderr with <N> priority prefixes) or a terminal.
// Callers pass only text that is safe to print: secrets redacted, untrusted text escaped.
#include <sstream>
#include <string>
#include <string_view>

namespace agentcast::log {

enum class Level { error = 3, warning = 4, notice = 5, info = 6, debug = 7 };

void write(Level level, const std::string& message);

template <typename... Parts>
std::string concat(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}

template <typename... Parts>
void error(const Parts&... parts) {
  write(Level::error, concat(parts...));
}
template <typename... Parts>
void warning(const Parts&... parts) {
  write(Level::warning, concat(parts...));
}
template <typename... Parts>
void notice(const Parts&... parts) {
  write(Level::notice, concat(parts...));
}
template <typename... Parts>
void info(const Parts&... parts) {
  write(Level::info, concat(parts...));
}
template <typename... Parts>
void debug(const Parts&... parts) {
  write(Level::debug, concat(parts...));
}

}  // namespace agentcast::log
