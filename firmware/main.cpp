// agentcast: keeps an AI agent live on retake.tv or any RTMP(S) server.
#include "app/cli.hpp"
#include "app/commands.hpp"
#include "common/log.hpp"

#include <curl/curl.h>
#include <gst/gst.h>

#include <sys/prctl.h>

#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  using namespace agentcast;
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
  gst_init(nullptr, nullptr);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  switch (command.kind) {
    case app::Command::Kind::run:
      return app::run_command(command);
    case app::Command::Kind::probe:
      return app::probe_command(command);
    case app::Command::Kind::register_agent:
      return app::register_command(command);
    case app::Command::Kind::chat_send:
      return app::chat_send_command(command);
    case app::Command::Kind::status:
      return app::status_command(command);
    default:
      log::error("this command is not available in this build yet");
      return app::kExitFailure;
  }
}
