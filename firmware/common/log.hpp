#pragma once
// Log lines for journald (under systemd, stderr with <N> priority prefixes) or a terminal.
// Callers pass only text that is safe to print: secrets redacted, untrusted text escaped.
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

namespace agentcast::log {

enum class Level { error = 3, warning = 4, notice = 5, info = 6, debug = 7 };

void write(Level level, const std::string& message);

// Lines less important than `threshold` are left out (default: info). AGENTCAST_DEBUG=1 in the
// environment keeps every line whatever is set. Safe from any thread.
void set_threshold(Level threshold);
// "error", "warning", "notice", "info", "debug" (log.level in the config).
std::optional<Level> level_from_name(std::string_view name);

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
