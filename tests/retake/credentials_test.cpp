#include "retake/credentials.hpp"

#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

using namespace agentcast::retake;

namespace {
Credentials sample(const std::string& token) {
  return {token, "Agent", "agent_1", "user_abc", "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA", "", "", "AGT"};
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

namespace {

// The message of the CredentialsError that loading `path` raises; fails the test on any
// other exception (it would end the box with SIGABRT instead of exit 3).
std::string load_error(const std::string& path) {
  try {
    load_credentials(path);
  } catch (const CredentialsError& error) {
    return error.what();
  } catch (const std::exception& error) {
    FAIL((std::string("an exception other than CredentialsError escaped: ") + error.what()).c_str());
  }
  return "(loaded)";
}

}  // namespace

TEST(Credentials, AnOverflowingNumberIsANamedError) {
  dir.write("c.json", R"({"access_token": "rtk_secret", "userDbId": "u", "expires": 1e400})");
  const std::string message = load_error(dir.file("c.json"));
  STRCMP_EQUAL((dir.file("c.json") + ":1:60: not valid JSON: number overflow parsing '1e400'").c_str(),
               message.c_str());
  CHECK(message.find("rtk_secret") == std::string::npos);
}

TEST(Credentials, AFileThatIsADirectoryOrAFifoIsANamedErrorNotAHang) {
  std::filesystem::create_directory(dir.file("dir.json"));
  STRCMP_EQUAL((dir.file("dir.json") + ": is a directory, not a regular file").c_str(),
               load_error(dir.file("dir.json")).c_str());
  CHECK(mkfifo(dir.file("fifo.json").c_str(), 0600) == 0);  // no writer: a plain open would wait forever
  STRCMP_EQUAL((dir.file("fifo.json") + ": is a FIFO, not a regular file").c_str(),
               load_error(dir.file("fifo.json")).c_str());
}

TEST(Credentials, AFileOthersCanReadIsWarnedAboutWithTheFix) {
  const std::string path = dir.file("credentials.json");
  save_credentials(path, sample("rtk_one"));
  CHECK_FALSE(permissions_warning(path).has_value());
  chmod(path.c_str(), 0644);
  const auto warning = permissions_warning(path);
  CHECK(warning.has_value());
  STRCMP_EQUAL(
      (path + " can be read by other users (mode 644) and holds the access token: run chmod 600 " + path).c_str(),
      warning->c_str());
  CHECK(load_credentials(path).has_value());  // a warning, not a refusal
}

TEST(Credentials, BrokenJsonIsLocatedWithoutQuotingTheToken) {
  for (const char* text : {R"({"access_token": "rtk_secret_token)", R"({"access_token": rtk_secret_token})"}) {
    dir.write("c.json", text);
    const std::string message = load_error(dir.file("c.json"));
    CHECK_TEXT(message.starts_with(dir.file("c.json") + ":1:"), message.c_str());
    CHECK_TEXT(message.find("secret") == std::string::npos, message.c_str());
  }
}

TEST(Credentials, TheTickerIsStoredAndReadBackAndOlderFilesHaveNone) {
  const auto text = serialize_credentials(sample("rtk_1"));
  CHECK(text.find("\"ticker\": \"AGT\"") != std::string::npos);
  STRCMP_EQUAL("AGT", parse_credentials(text, "c.json").ticker.c_str());
  STRCMP_EQUAL("", parse_credentials(R"({"access_token": "t", "userDbId": "u"})", "c.json").ticker.c_str());
}

TEST(Credentials, TheEnvironmentsTokenWinsOverTheFilesWhenSet) {
  const Credentials stored = sample("rtk_file");
  const auto from_file = choose_access_token(stored, "/etc/c.json", nullptr);
  STRCMP_EQUAL("rtk_file", from_file.value.c_str());
  STRCMP_EQUAL("/etc/c.json", from_file.origin.c_str());
  STRCMP_EQUAL("rtk_file", choose_access_token(stored, "c.json", "").value.c_str());
  STRCMP_EQUAL("rtk_file", choose_access_token(stored, "c.json", " \n").value.c_str());
  const auto from_environment = choose_access_token(stored, "c.json", "rtk_env\n");
  STRCMP_EQUAL("rtk_env", from_environment.value.c_str());
  STRCMP_EQUAL("RETAKE_ACCESS_TOKEN", from_environment.origin.c_str());
}

TEST(Credentials, ATokenThatCouldNotBeOneIsRefusedWithoutShowingIt) {
  for (const char* bad : {"rtk_a b", "rtk_a\r\nX-Injected: 1", "rtk_\x01"}) {
    try {
      choose_access_token(sample("rtk_file"), "c.json", bad);
      FAIL("expected CredentialsError");
    } catch (const CredentialsError& error) {
      STRCMP_CONTAINS("RETAKE_ACCESS_TOKEN", error.what());
      CHECK(std::string(error.what()).find("rtk_") == std::string::npos);
    }
  }
  CHECK_THROWS(CredentialsError, parse_credentials(R"({"access_token": "rtk a", "userDbId": "u"})", "c.json"));
}
