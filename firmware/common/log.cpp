#include "common/log.hpp"

#include "common/glib_handles.hpp"

#include <glib.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>

namespace agentcast::log {
namespace {

bool debug_forced() {
  static const bool forced = g_getenv("AGENTCAST_DEBUG") != nullptr;
  return forced;
}

// The process's one log threshold: streaming threads log too, so it is atomic.
std::atomic<int>& threshold() {
  static std::atomic<int> value{static_cast<int>(Level::info)};
  return value;
}

// journald sets JOURNAL_STREAM for services whose stderr it reads; it then parses the
// "<N>" prefix as the priority and adds its own timestamp.
bool stderr_is_journal() {
  static const bool journal = g_getenv("JOURNAL_STREAM") != nullptr;
  return journal;
}

const char* level_name(Level level) {
  switch (level) {
    case Level::error:
      return "error";
    case Level::warning:
      return "warning";
    case Level::notice:
      return "notice";
    case Level::info:
      return "info";
    case Level::debug:
      return "debug";
  }
  return "info";
}

}  // namespace

void set_threshold(Level level) { threshold().store(static_cast<int>(level), std::memory_order_relaxed); }

std::optional<Level> level_from_name(std::string_view name) {
  for (const Level level : {Level::error, Level::warning, Level::notice, Level::info, Level::debug}) {
    if (name == level_name(level)) return level;
  }
  return std::nullopt;
}

void write(Level level, const std::string& message) {
  const bool wanted = debug_forced() || static_cast<int>(level) <= threshold().load(std::memory_order_relaxed);
  if (!wanted) return;
  if (stderr_is_journal()) {
    std::fprintf(stderr, "<%d>%.*s\n", static_cast<int>(level), static_cast<int>(message.size()), message.data());
    return;
  }
  const GDateTimePtr now(g_date_time_new_now_local());
  const GCharPtr stamp(g_date_time_format(now.get(), "%H:%M:%S.%f"));
  // %f gives microseconds; milliseconds are enough to read a log.
  std::fprintf(stderr, "%.12s agentcast %s: %.*s\n", stamp ? stamp.get() : "", level_name(level),
               static_cast<int>(message.size()), message.data());
}

}  // namespace agentcast::log
