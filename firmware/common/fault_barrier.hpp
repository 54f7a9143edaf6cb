#pragma once
// Where C calls back into C++ (GLib timeouts and fd watches, GIO completions, the pipeline's
// bus watch, GStreamer's streaming threads), an exception must stop: unwinding through C
// frames is undefined behaviour and in practice ends the process without EOS or stream/stop.
// Every such entry point runs its work through contain(). A contained exception is a bug, so
// it is logged with where it happened and handed, on the main loop, to the last-resort
// handler of the running command: the streaming app ends the stream cleanly (EOS, the
// platform's stream/stop) and exits 1, and systemd starts it afresh.
#include <exception>
#include <functional>
#include <string>

namespace agentcast::fault {

using LastResort = std::function<void(const std::string& what)>;

// Installs `handler` for its lifetime. Main loop only; one at a time. Without one, a
// contained exception ends the process with exit code 1 after logging it.
class LastResortScope {
 public:
  explicit LastResortScope(LastResort handler);
  ~LastResortScope();
  LastResortScope(const LastResortScope&) = delete;
  LastResortScope& operator=(const LastResortScope&) = delete;
};

// Logs the fault and schedules the last-resort handler on the main loop. Any thread.
void report(const char* where, const char* what) noexcept;

template <typename Work>
void contain(const char* where, Work&& work) noexcept {
  try {
    std::forward<Work>(work)();
  } catch (const std::exception& error) {
    report(where, error.what());
  } catch (...) {
    report(where, "an exception of unknown type");
  }
}

}  // namespace agentcast::fault
