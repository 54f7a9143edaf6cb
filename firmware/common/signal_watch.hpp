#pragma once
// Delivers Unix signals to the main loop. The handler writes the signal's number into a pipe
// the main loop watches, and the main loop calls the owner. This is what g_unix_signal_add does,
// minus the worker thread GLib starts to run it (issue 14: the box's threads are counted).
//
// One watch per process: the handler can only reach a pipe through a process-wide variable,
// the one piece of state here that is not owned by the main loop.
#include "common/handles.hpp"

#include <glib.h>

#include <csignal>
#include <functional>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace agentcast {

class SignalWatch {
 public:
  using Handler = std::function<void(int signal)>;

  // Installs handlers for `signals`; `handler` runs on the main loop for each one received.
  // When it cannot (a second watch, no pipe) the signals keep their dispositions and problem()
  // says why.
  SignalWatch(std::initializer_list<int> signals, Handler handler);
  ~SignalWatch();  // the signals' previous dispositions come back
  SignalWatch(const SignalWatch&) = delete;
  SignalWatch& operator=(const SignalWatch&) = delete;

  bool active() const { return static_cast<bool>(source_); }
  const std::string& problem() const { return problem_; }

 private:
  static gboolean on_readable(gint fd, GIOCondition condition, gpointer self);

  Handler handler_;
  UniqueFd read_end_;
  UniqueFd write_end_;
  SourceId source_;
  std::vector<std::pair<int, struct sigaction>> previous_;
  std::string problem_;
};

}  // namespace agentcast
