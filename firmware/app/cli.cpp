#include "app/cli.hpp"

namespace agentcast::app {

const char* usage_text() {
  return "Usage:\n"
         "  agentcast run      [--config PATH]   stream until SIGTERM/SIGINT\n"
         "  agentcast register [--config PATH] --name NAME --description TEXT --image-url URL --wallet BASE58\n"
         "                     --ticker SYMBOL   (1 to 10 characters; --force replaces stored credentials)\n"
         "  agentcast verify   [--config PATH] [--tweet-url URL | --status]\n"
         "                                       Twitter/X verification, needed before the first stream: without\n"
         "                                       options prints the message to post; then --tweet-url with its URL\n"
         "  agentcast status   [--config PATH] [--json]\n"
         "                                       the running box's state (local), plus the platform's stream/status;\n"
         "                                       --json: the local state as one JSON object\n"
         "  agentcast chat send [--config PATH] [--to USERDBID | --to-name NAME] TEXT\n"
         "  agentcast agent interrupt [--config PATH]\n"
         "                                       cut the agent's current turn short (the running box)\n"
         "  agentcast probe    [--config PATH]   board, chosen encoders and the pipeline it would run\n"
         "  agentcast --version | --help\n"
         "\n"
         "Default config: /etc/agentcast/agentcast.json (built-in defaults when it does not exist).\n"
         "Signals while running: SIGTERM/SIGINT stop gracefully; SIGUSR1 writes a thumbnail to thumbnail.path;\n"
         "SIGUSR2 interrupts the agent's turn.\n"
         "Environment: RETAKE_ACCESS_TOKEN, when set, is used instead of the credentials file's token.\n"
         "Exit codes: 0 done, 1 failure, 2 usage or configuration error, 3 credentials missing or rejected.\n";
}

Command parse_command_line(const std::vector<std::string>& args) {
  Command command;
  std::vector<std::string> rest;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") return Command{Command::Kind::help, {}, {}};
    if (arg == "--version") return Command{Command::Kind::version, {}, {}};
    if (arg == "--config" || arg.starts_with("--config=")) {
      if (arg == "--config") {
        if (i + 1 >= args.size()) throw UsageError("--config needs a file path");
        command.config_path = args[++i];
      } else {
        command.config_path = arg.substr(9);
      }
      if (command.config_path->empty()) throw UsageError("--config needs a file path");
      continue;
    }
    rest.push_back(arg);
  }
  if (rest.empty()) throw UsageError("no command given");
  const std::string verb = rest.front();
  rest.erase(rest.begin());
  if (verb == "status" && !rest.empty() && rest.front() == "--json") {
    command.json_output = true;
    rest.erase(rest.begin());
  }
  if (verb == "run" || verb == "probe" || verb == "status") {
    if (!rest.empty()) throw UsageError("unexpected argument for " + verb + ": " + rest.front());
    command.kind = verb == "run" ? Command::Kind::run : verb == "probe" ? Command::Kind::probe : Command::Kind::status;
  } else if (verb == "register") {
    command.kind = Command::Kind::register_agent;
  } else if (verb == "verify") {
    command.kind = Command::Kind::verify;
  } else if (verb == "chat") {
    if (rest.empty() || rest.front() != "send")
      throw UsageError("expected: agentcast chat send [--to USERDBID | --to-name NAME] TEXT");
    rest.erase(rest.begin());
    command.kind = Command::Kind::chat_send;
  } else if (verb == "agent") {
    if (rest.size() != 1 || rest.front() != "interrupt") throw UsageError("expected: agentcast agent interrupt");
    rest.clear();
    command.kind = Command::Kind::agent_interrupt;
  } else {
    throw UsageError("unknown command: " + verb);
  }
  command.arguments = std::move(rest);
  return command;
}

}  // namespace agentcast::app
