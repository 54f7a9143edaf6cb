#include "platform/credentials.hpp"

#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

using namespace agentcast::platform;

namespace {
Credentials sample(const std::string& token) {
  return {token, "Agent", "agent_1", "user_abc", "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA", "", ""};
}
}  // namespace

TEST_GROUP(Credentials) { agentcast::testing::TempDir dir; };

TEST(Credentials, ReadsThePlatformsDocumentedFormat) {
  const auto credentials = parse_credentials(R"({"access_token": "rtk_1", "agent_name": "A", "agent_id": "agent_x",
      "userDbId": "user_abc", "wallet_address": "w", "token_address": "", "token_ticker": "", "extra": 1})",
                                             "creds.json");
  STRCMP_EQUAL("rtk_1", credentials.access_token.c_str());
  STRCMP_EQUAL("user_abc", credentials.user_db_id.c_str());
}

TEST(Credentials, MissingOrMistypedFieldsAreNamed) {
  try {
    parse_credentials(R"({"userDbId": "u"})", "creds.json");
    FAIL("expected CredentialsError");
  } catch (const CredentialsError& error) {
    STRCMP_EQUAL("creds.json: access_token: missing", error.what());
  }
  try {
    parse_credentials(R"({"access_token": "t", "userDbId": 5})", "creds.json");
    FAIL("expected CredentialsError");
  } catch (const CredentialsError& error) {
    STRCMP_EQUAL("creds.json: userDbId: expected a string", error.what());
  }
}

TEST(Credentials, ErrorsNeverContainTheToken) {
  try {
    parse_credentials(R"({"access_token": "rtk_secret", "userDbId": [1]})", "creds.json");
    FAIL("expected CredentialsError");
  } catch (const CredentialsError& error) {
    CHECK(std::string(error.what()).find("rtk_secret") == std::string::npos);
  }
}

TEST(Credentials, AMissingFileIsNotAnError) { CHECK_FALSE(load_credentials(dir.file("absent.json")).has_value()); }

TEST(Credentials, SavedFileRoundTripsWithMode0600) {
  const std::string path = dir.file("sub/dir/credentials.json");
  save_credentials(path, sample("rtk_one"));
  struct stat info {};
  CHECK(stat(path.c_str(), &info) == 0);
  LONGS_EQUAL(0600, info.st_mode & 0777);
  const auto loaded = load_credentials(path);
  STRCMP_EQUAL("rtk_one", loaded->access_token.c_str());
  STRCMP_EQUAL("user_abc", loaded->user_db_id.c_str());
  // No temporary file is left next to it.
  LONGS_EQUAL(1, std::distance(std::filesystem::directory_iterator(dir.path() / "sub/dir"), {}));
}

TEST(Credentials, ASaveReplacesTheWholeFile) {
  const std::string path = dir.file("credentials.json");
  save_credentials(path, sample("rtk_one"));
  Credentials second = sample("rtk_two");
  second.token_address = "So11111111111111111111111111111111111111112";
  save_credentials(path, second);
  const auto loaded = load_credentials(path);
  STRCMP_EQUAL("rtk_two", loaded->access_token.c_str());
  STRCMP_EQUAL("So11111111111111111111111111111111111111112", loaded->token_address.c_str());
}

TEST(Credentials, AFailedSaveLeavesTheOldFileIntact) {
  const std::string path = dir.file("ro/credentials.json");
  save_credentials(path, sample("rtk_old"));
  std::filesystem::permissions(dir.path() / "ro",
                               std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  if (access((dir.path() / "ro").c_str(), W_OK) == 0) {
    // root ignores directory permissions; a file where the directory should be fails for anyone.
    std::filesystem::permissions(dir.path() / "ro", std::filesystem::perms::owner_all);
    const std::string blocked = dir.file("ro/credentials.json/child.json");
    CHECK_THROWS(CredentialsError, save_credentials(blocked, sample("rtk_new")));
  } else {
    CHECK_THROWS(CredentialsError, save_credentials(path, sample("rtk_new")));
    std::filesystem::permissions(dir.path() / "ro", std::filesystem::perms::owner_all);
  }
  STRCMP_EQUAL("rtk_old", load_credentials(path)->access_token.c_str());
}
