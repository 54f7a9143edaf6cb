#include "common/fault_barrier.hpp"

#include "common/log.hpp"
#include "common/main_thread.hpp"
#include "common/untrusted_text.hpp"

#include <unistd.h>

#include <cstdio>
#include <utility>

namespace agentcast::fault {
namespace {

// The one process-wide hook, like the C library's terminate handler: set and read only on
// the main loop's thread.
LastResort& installed() {
  static LastResort handler;
  return handler;
}

}  // namespace

LastResortScope::LastResortScope(LastResort handler) { installed() = std::move(handler); }

LastResortScope::~LastResortScope() { installed() = nullptr; }

void report(const char* where, const char* what) noexcept {
  try {
    std::string message = std::string("internal error in ") + where + ": " + sanitize_for_log(what, 300);
    log::error(message, " (a bug: please report it)");
    post_to_main_loop([message = std::move(message)] {
      const LastResort handler = installed();
      if (handler) {
        contain("the last-resort handler", [&] { handler(message); });
        return;
      }
      std::fflush(nullptr);
      _exit(1);
    });
  } catch (...) {
    // Not even the report could be made (out of memory): nothing left to do cleanly.
    std::fflush(nullptr);
    _exit(1);
  }
}

}  // namespace agentcast::fault
