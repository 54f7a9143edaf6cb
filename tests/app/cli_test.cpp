#include "app/cli.hpp"

#include <CppUTest/TestHarness.h>

#include <string>
#include <vector>

using namespace agentcast::app;

namespace {
std::string usage_error(const std::vector<std::string>& args) {
  try {
    parse_command_line(args);
  } catch (const UsageError& error) {
    return error.what();
  }
  return "";
}
}  // namespace

TEST_GROUP(Cli){};

TEST(Cli, RunWithConfig) {
  const auto command = parse_command_line({"run", "--config", "/tmp/a.json"});
  CHECK(command.kind == Command::Kind::run);
  STRCMP_EQUAL("/tmp/a.json", command.config_path->c_str());
}

TEST(Cli, ConfigMayComeBeforeTheCommandOrWithEquals) {
  const auto command = parse_command_line({"--config=/tmp/b.json", "probe"});
  CHECK(command.kind == Command::Kind::probe);
  STRCMP_EQUAL("/tmp/b.json", command.config_path->c_str());
}

TEST(Cli, DefaultConfigWhenNotGiven) { CHECK_FALSE(parse_command_line({"run"}).config_path.has_value()); }

TEST(Cli, VersionAndHelpWinOverEverything) {
  CHECK(parse_command_line({"run", "--version"}).kind == Command::Kind::version);
  CHECK(parse_command_line({"--help"}).kind == Command::Kind::help);
  CHECK(parse_command_line({"probe", "-h"}).kind == Command::Kind::help);
}

TEST(Cli, ChatSendKeepsItsArguments) {
  const auto command = parse_command_line({"chat", "send", "--to", "user_1", "hello there"});
  CHECK(command.kind == Command::Kind::chat_send);
  LONGS_EQUAL(3, command.arguments.size());
  STRCMP_EQUAL("hello there", command.arguments[2].c_str());
}

TEST(Cli, AgentInterruptIsACommandOfItsOwn) {
  const auto command = parse_command_line({"agent", "interrupt", "--config", "/tmp/box.json"});
  CHECK(command.kind == Command::Kind::agent_interrupt);
  STRCMP_EQUAL("/tmp/box.json", command.config_path->c_str());
  STRCMP_EQUAL("expected: agentcast agent interrupt", usage_error({"agent"}).c_str());
  STRCMP_EQUAL("expected: agentcast agent interrupt", usage_error({"agent", "interrupt", "now"}).c_str());
}

TEST(Cli, MistakesAreUsageErrors) {
  STRCMP_EQUAL("no command given", usage_error({}).c_str());
  STRCMP_EQUAL("unknown command: stream", usage_error({"stream"}).c_str());
  STRCMP_EQUAL("--config needs a file path", usage_error({"run", "--config"}).c_str());
  STRCMP_EQUAL("unexpected argument for run: now", usage_error({"run", "now"}).c_str());
  CHECK(usage_error({"chat", "receive"}).starts_with("expected: agentcast chat send"));
}

TEST(Cli, StatusTakesJson) {
  const auto command = parse_command_line({"status", "--json", "--config", "/tmp/x.json"});
  CHECK(command.kind == Command::Kind::status);
  CHECK(command.json_output);
  CHECK_FALSE(parse_command_line({"status"}).json_output);
  CHECK_THROWS(UsageError, parse_command_line({"run", "--json"}));
  CHECK_THROWS(UsageError, parse_command_line({"status", "--json", "extra"}));
}

TEST(Cli, VerifyKeepsItsOptionsForTheCommand) {
  const auto command = parse_command_line({"verify", "--tweet-url", "https://x.com/a/status/1", "--config", "c.json"});
  CHECK(command.kind == Command::Kind::verify);
  STRCMP_EQUAL("c.json", command.config_path->c_str());
  CHECK((std::vector<std::string>{"--tweet-url", "https://x.com/a/status/1"}) == command.arguments);
  CHECK(std::string(usage_text()).find("agentcast verify") != std::string::npos);
  CHECK(std::string(usage_text()).find("--ticker") != std::string::npos);
  CHECK(std::string(usage_text()).find("RETAKE_ACCESS_TOKEN") != std::string::npos);
}
