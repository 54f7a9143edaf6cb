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

  int agentcast(std::vector<std::string> args) {
    std::vector<std::string> argv{AGENTCAST_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.begin() + 2, {"--config", dir.file("agentcast.json")});
    return run_command(argv, &output, 40000);
  }
  int register_as(const std::string& name, bool force = false) {
    std::vector<std::string> args{
        "register", "--name", name, "--description", "test agent", "--image-url", "https://example.com/a.png",
        "--wallet", kWallet};
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
                            "--wallet", "0x52908400098527886E0F7030069857D2E4169EE7"}));
  CHECK_TEXT(output.find("--wallet") != std::string::npos, output.c_str());
  LONGS_EQUAL(0, emulator->count("/agent/register"));
}

TEST(RetakeCli, AKillDuringRegistrationLeavesACompleteFile) {
  LONGS_EQUAL(0, register_as("Original"));
  for (int i = 0; i < 12; ++i) {
    ChildProcess child(
        {AGENTCAST_BINARY, "register", "--config", dir.file("agentcast.json"), "--force", "--name",
         "Agent" + std::to_string(i), "--description", "d", "--image-url", "https://e/a.png", "--wallet", kWallet},
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
