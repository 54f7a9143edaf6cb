// `agentcast register` and `agentcast chat send` against the retake.tv emulator.
#include "retake/credentials.hpp"
#include "support/child_process.hpp"
#include "support/retake_emulator.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>
#include <sys/stat.h>

#include <chrono>
#include <csignal>
#include <thread>

using namespace agentcast::testing;

namespace {
constexpr const char* kWallet = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA";
}

TEST_GROUP(RetakeCli) {
  TempDir dir;
  std::unique_ptr<RetakeEmulator> emulator;
  std::string credentials = dir.file("retake/credentials.json");
  std::string output;

  void setup() override {
    emulator = std::make_unique<RetakeEmulator>(dir);
    dir.write("agentcast.json", R"({"platform": {"kind": "retake", "api_base": ")" + emulator->api_base() +
                                    R"(", "skill_url": ")" + emulator->skill_url() + R"(", "credentials": ")" +
                                    credentials + R"("}})");
  }
  void teardown() override { emulator.reset(); }

  int agentcast(std::vector<std::string> args, const std::vector<std::string>& environment = {}) {
    std::vector<std::string> argv{AGENTCAST_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.begin() + 2, {"--config", dir.file("agentcast.json")});
    return run_command(argv, &output, 40000, environment);
  }
  int register_as(const std::string& name, bool force = false) {
    std::vector<std::string> args{
        "register", "--name", name,       "--description", "test agent", "--image-url", "https://example.com/a.png",
        "--wallet", kWallet,  "--ticker", "TEST"};
    if (force) args.emplace_back("--force");
    return agentcast(args);
  }
};

TEST(RetakeCli, RegisterStoresTheCredentialsPrivately) {
  LONGS_EQUAL(0, register_as("TestAgent"));
  struct stat info {};
  CHECK(stat(credentials.c_str(), &info) == 0);
  LONGS_EQUAL(0600, info.st_mode & 0777);
  const auto stored = agentcast::retake::load_credentials(credentials);
  CHECK(stored->access_token.starts_with("rtk_"));
  CHECK_FALSE(stored->user_db_id.empty());
  STRCMP_EQUAL("TestAgent", stored->agent_name.c_str());
  CHECK_TEXT(output.find(stored->access_token) == std::string::npos, "the access token was printed");
}

TEST(RetakeCli, RegisterNeverClobbersStoredCredentials) {
  LONGS_EQUAL(0, register_as("First"));
  const std::string before = dir.read("retake/credentials.json");
  LONGS_EQUAL(2, register_as("Second"));
  CHECK_TEXT(output.find("--force") != std::string::npos, output.c_str());
  STRCMP_EQUAL(before.c_str(), dir.read("retake/credentials.json").c_str());
  // --force with a name the platform refuses: the call fails and the old file stays.
  LONGS_EQUAL(1, register_as("First", true));
  CHECK_TEXT(output.find("already taken") != std::string::npos, output.c_str());
  STRCMP_EQUAL(before.c_str(), dir.read("retake/credentials.json").c_str());
  LONGS_EQUAL(0, register_as("Third", true));
  CHECK(before != dir.read("retake/credentials.json"));
}

TEST(RetakeCli, RegisterChecksTheWalletBeforeCalling) {
  LONGS_EQUAL(2, agentcast({"register", "--name", "X", "--description", "d", "--image-url", "https://e/a.png",
                            "--wallet", "0x52908400098527886E0F7030069857D2E4169EE7", "--ticker", "X"}));
  CHECK_TEXT(output.find("--wallet") != std::string::npos, output.c_str());
  LONGS_EQUAL(0, emulator->count("/agent/register"));
}

TEST(RetakeCli, AKillDuringRegistrationLeavesACompleteFile) {
  LONGS_EQUAL(0, register_as("Original"));
  for (int i = 0; i < 12; ++i) {
    ChildProcess child({AGENTCAST_BINARY, "register", "--config", dir.file("agentcast.json"), "--force", "--name",
                        "Agent" + std::to_string(i), "--description", "d", "--image-url", "https://e/a.png", "--wallet",
                        kWallet, "--ticker", "AG"},
                       dir.file("register.log"));
    std::this_thread::sleep_for(std::chrono::milliseconds(30 + 15 * i));
    child.signal(SIGKILL);
    child.wait_for_exit(5000);
    // Whenever the kill landed, the file is one whole version, never half of one.
    const auto stored = agentcast::retake::load_credentials(credentials);
    CHECK(stored.has_value());
    CHECK(stored->access_token.starts_with("rtk_"));
  }
}

TEST(RetakeCli, ChatSendGoesToTheOwnStreamUnlessToldOtherwise) {
  LONGS_EQUAL(0, register_as("Chatty"));
  const auto stored = agentcast::retake::load_credentials(credentials);
  LONGS_EQUAL(0, agentcast({"chat", "send", "hello viewers"}));
  LONGS_EQUAL(0, agentcast({"chat", "send", "--to", "other-agent-id", "hello neighbour"}));
  const auto sent = emulator->control("chat");
  LONGS_EQUAL(2, sent.size());
  STRCMP_EQUAL("hello viewers", sent[0]["text"].get<std::string>().c_str());
  STRCMP_EQUAL(stored->user_db_id.c_str(), sent[0]["destination"].get<std::string>().c_str());
  STRCMP_EQUAL("other-agent-id", sent[1]["destination"].get<std::string>().c_str());
  for (const auto& entry : emulator->log()) {
    if (entry["path"] == "/agent/stream/chat/send") CHECK(entry["auth"].get<bool>());
  }
}

TEST(RetakeCli, ChatSendWithoutCredentialsSaysHowToRegister) {
  LONGS_EQUAL(3, agentcast({"chat", "send", "hi"}));
  CHECK_TEXT(output.find("agentcast register") != std::string::npos, output.c_str());
  LONGS_EQUAL(0, emulator->count("/agent/stream/chat/send"));
}

TEST(RetakeCli, ARejectedTokenExitsThree) {
  LONGS_EQUAL(0, register_as("Revoked"));
  emulator->control("revoke");
  LONGS_EQUAL(3, agentcast({"chat", "send", "hi"}));
  CHECK_TEXT(output.find("401") != std::string::npos, output.c_str());
}

TEST(RetakeCli, RegisterNeedsATickerOfOneToTenCharactersBeforeAnyCall) {
  const std::vector<std::string> base{"register",    "--name",          "Ticker",   "--description", "d",
                                      "--image-url", "https://e/a.png", "--wallet", kWallet};
  LONGS_EQUAL(2, agentcast(base));
  CHECK_TEXT(output.find("--ticker") != std::string::npos, output.c_str());
  for (const char* bad : {"", "ELEVENCHARS", "TWO WORDS"}) {
    auto args = base;
    args.insert(args.end(), {"--ticker", bad});
    LONGS_EQUAL(2, agentcast(args));
    CHECK_TEXT(output.find("--ticker") != std::string::npos, output.c_str());
  }
  LONGS_EQUAL(0, emulator->count("/agent/register"));
  CHECK_FALSE(agentcast::retake::load_credentials(credentials).has_value());
  auto args = base;
  args.insert(args.end(), {"--ticker", "TENCHARS10"});
  LONGS_EQUAL(0, agentcast(args));
  STRCMP_EQUAL("TENCHARS10", agentcast::retake::load_credentials(credentials)->ticker.c_str());
  CHECK_TEXT(output.find("agentcast verify") != std::string::npos, output.c_str());  // what comes next
}

// The emulator refuses what skill 2.1.2 refuses, whoever calls it.
TEST(RetakeCli, TheEmulatorRefusesARegistrationWithoutAValidTicker) {
  for (const char* ticker : {R"()", R"(, "ticker": "")", R"(, "ticker": "ELEVENCHARS")"}) {
    std::string answer;
    run_command({"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "-H",
                 "Content-Type: application/json", "--data",
                 std::string(R"({"agent_name": "Raw", "agent_description": "d", "image_url": "https://e/a.png",
                      "wallet_address": ")") +
                     kWallet + "\"" + ticker + "}",
                 emulator->api_base() + "/agent/register"},
                &answer);
    STRCMP_EQUAL("400", answer.c_str());
  }
}

TEST(RetakeCli, VerifyPrintsTheMessageTakesOnlyATweetUrlAndSaysWhatToDo) {
  LONGS_EQUAL(0, register_as("Verifier"));
  LONGS_EQUAL(0, agentcast({"verify", "--status"}));
  CHECK_TEXT(output.find("not verified") != std::string::npos, output.c_str());
  // Before any message was prepared: the platform refuses, the box says what to run.
  LONGS_EQUAL(1, agentcast({"verify", "--tweet-url", "https://x.com/owner/status/11"}));
  CHECK_TEXT(output.find("run `agentcast verify` first") != std::string::npos, output.c_str());
  LONGS_EQUAL(0, agentcast({"verify"}));
  const auto code_at = output.find("Code: ");
  CHECK_TEXT(code_at != std::string::npos, output.c_str());
  const std::string message =
      output.substr(output.rfind('\n', code_at) + 5, output.find('\n', code_at) - output.rfind('\n', code_at) - 5);
  STRCMP_CONTAINS("Claiming my Livestreaming Agent on @retakedottv", message.c_str());
  // Not a tweet's URL: refused before any call.
  const int verify_calls = emulator->count("/agent/verify");
  for (const char* bad :
       {"https://x.com/owner", "http://x.com/owner/status/1", "https://evil.example/owner/status/1"}) {
    LONGS_EQUAL(2, agentcast({"verify", "--tweet-url", bad}));
    CHECK_TEXT(output.find("--tweet-url") != std::string::npos, output.c_str());
  }
  LONGS_EQUAL(verify_calls, emulator->count("/agent/verify"));
  // A tweet without the code.
  emulator->control("tweet", {{"url", "https://x.com/owner/status/12"}, {"text", "hello world"}});
  LONGS_EQUAL(1, agentcast({"verify", "--tweet-url", "https://x.com/owner/status/12"}));
  CHECK_TEXT(output.find("does not hold the verification code") != std::string::npos, output.c_str());
  // The right one.
  emulator->control("tweet", {{"url", "https://twitter.com/owner/status/13"}, {"text", message}});
  LONGS_EQUAL(0, agentcast({"verify", "--tweet-url", "https://twitter.com/owner/status/13"}));
  LONGS_EQUAL(0, agentcast({"verify", "--status"}));
  STRCMP_EQUAL("verified\n", output.c_str());
  LONGS_EQUAL(2, agentcast({"verify", "--status", "--tweet-url", "https://x.com/owner/status/13"}));
}

TEST(RetakeCli, ChatSendToANameReachesThatStreamer) {
  LONGS_EQUAL(0, register_as("Sender"));
  emulator->control("agent",
                    {{"access_token", "rtk_neighbour"}, {"userDbId", "user_neighbour"}, {"agent_name", "Neighbour"}});
  LONGS_EQUAL(0, agentcast({"chat", "send", "--to-name", "Neighbour", "hello neighbour"}));
  const auto sent = emulator->control("chat");
  LONGS_EQUAL(1, sent.size());
  STRCMP_EQUAL("user_neighbour", sent[0]["destination"].get<std::string>().c_str());
  LONGS_EQUAL(1, agentcast({"chat", "send", "--to-name", "Nobody", "hello?"}));
  CHECK_TEXT(output.find("no streamer named Nobody") != std::string::npos, output.c_str());
  LONGS_EQUAL(1, emulator->count("/agent/stream/chat/send"));
  LONGS_EQUAL(2, agentcast({"chat", "send", "--to", "x", "--to-name", "Neighbour", "both"}));
}

TEST(RetakeCli, TheEnvironmentsTokenWinsForEveryCommand) {
  LONGS_EQUAL(0, register_as("EnvAgent"));
  const auto stored = agentcast::retake::load_credentials(credentials);
  emulator->control("revoke");  // the file's token is stale now
  emulator->control("agent", {{"access_token", "rtk_from_environment"},
                              {"userDbId", stored->user_db_id},
                              {"agent_name", "EnvAgent2"},
                              {"verified", false}});
  LONGS_EQUAL(3, agentcast({"chat", "send", "hi"}));
  const std::vector<std::string> environment{"RETAKE_ACCESS_TOKEN=rtk_from_environment"};
  LONGS_EQUAL(0, agentcast({"chat", "send", "hi"}, environment));
  LONGS_EQUAL(0, agentcast({"verify", "--status"}, environment));
  CHECK_TEXT(output.find("not verified") != std::string::npos, output.c_str());
  CHECK_TEXT(output.find("rtk_from_environment") == std::string::npos, output.c_str());
  // Something that cannot be a token: refused as a credentials problem, and not shown.
  LONGS_EQUAL(3, agentcast({"chat", "send", "hi"}, {"RETAKE_ACCESS_TOKEN=rtk_two words"}));
  CHECK_TEXT(output.find("RETAKE_ACCESS_TOKEN") != std::string::npos, output.c_str());
  CHECK_TEXT(output.find("rtk_two") == std::string::npos, output.c_str());
}
