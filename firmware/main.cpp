// agentcast: keeps an AI agent live on retake.tv or any RTMP(S) server.
#include "app/cli.hpp"
#include "app/commands.hpp"
#include "common/log.hpp"
#include "common/untrusted_text.hpp"

#include <curl/curl.h>
#include <gst/gst.h>

#include <sys/prctl.h>

#include <csignal>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

namespace {

// What is left when an exception escaped everything (or was thrown where nothing may be):
// at least say what it was before the process ends.
[[noreturn]] void on_terminate() {
  const char* what = "no exception";
  try {
    if (const auto current = std::current_exception()) std::rethrow_exception(current);
  } catch (const std::exception& error) {
    what = error.what();
  } catch (...) {
    what = "an exception of unknown type";
  }
  agentcast::log::error("terminating after an unhandled error: ", agentcast::sanitize_for_log(what, 300));
  std::abort();
}

int run(const agentcast::app::Command& command) {
  using namespace agentcast;
  switch (command.kind) {
    case app::Command::Kind::run:
      return app::run_command(command);
    case app::Command::Kind::probe:
      return app::probe_command(command);
    case app::Command::Kind::register_agent:
      return app::register_command(command);
    case app::Command::Kind::verify:
      return app::verify_command(command);
    case app::Command::Kind::chat_send:
      return app::chat_send_command(command);
    case app::Command::Kind::status:
      return app::status_command(command);
    case app::Command::Kind::agent_interrupt:
      return app::agent_interrupt_command(command);
    default:
      log::error("this command is not available in this build yet");
      return app::kExitFailure;
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace agentcast;
  // Logging must never end the process: with stderr on a pipe whose reader has gone, a log
  // line would raise SIGPIPE. Sockets (curl, GIO) already handle EPIPE themselves.
  std::signal(SIGPIPE, SIG_IGN);
  std::set_terminate(on_terminate);
  std::vector<std::string> args(argv + 1, argv + argc);
  app::Command command;
  try {
    command = app::parse_command_line(args);
  } catch (const app::UsageError& error) {
    std::cerr << "agentcast: " << error.what() << "\n\n" << app::usage_text();
    return app::kExitUsage;
  }

  switch (command.kind) {
    case app::Command::Kind::help:
      std::cout << app::usage_text();
      return app::kExitOk;
    case app::Command::Kind::version:
      std::cout << "agentcast " << AGENTCAST_VERSION << " (GStreamer " << GST_VERSION_MAJOR << "." << GST_VERSION_MINOR
                << "." << GST_VERSION_MICRO << ")\n";
      return app::kExitOk;
    default:
      break;
  }

  // libx264 asks for transparent huge pages for its frame buffers; each 2 MiB page is held
  // whole however little of it is used, which costs the box ~10 % of its memory for nothing.
  prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
  // GIO's proxy lookup (rtmp2sink's and libsoup's connections) reads GSettings; on a machine
  // with dconf that starts a "dconf worker" thread for settings an appliance never has. The
  // built-in defaults are the same (no proxy); the environment can still choose a backend.
  g_setenv("GSETTINGS_BACKEND", "memory", FALSE);
  gst_init(nullptr, nullptr);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  try {
    return run(command);
  } catch (const std::exception& error) {
    // Everything that reads outside data reports its own errors; reaching this is a bug. The
    // objects of the command (pipeline, status file) were released on the way here.
    log::error("internal error: ", sanitize_for_log(error.what(), 300), " (a bug: please report it)");
    return app::kExitFailure;
  }
}
