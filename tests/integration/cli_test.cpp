// The binary's command line as a user meets it: exit codes and messages.
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include <filesystem>

using namespace agentcast::testing;

TEST_GROUP(CommandLine) {
  TempDir dir;
  std::string output;
  int agentcast(const std::vector<std::string>& args) {
    std::vector<std::string> argv{AGENTCAST_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, &output, 30000);
  }
};

TEST(CommandLine, VersionAndHelp) {
  LONGS_EQUAL(0, agentcast({"--version"}));
  CHECK(output.starts_with("agentcast "));
  LONGS_EQUAL(0, agentcast({"--help"}));
  CHECK(output.find("agentcast run") != std::string::npos);
}

TEST(CommandLine, UsageErrorsExitTwo) {
  LONGS_EQUAL(2, agentcast({"frobnicate"}));
  CHECK(output.find("unknown command: frobnicate") != std::string::npos);
}

TEST(CommandLine, BrokenConfigExitsTwoNamingFileLineAndColumn) {
  dir.write("bad.json", "{\n  \"video\": {\"fps\": }\n}\n");
  LONGS_EQUAL(2, agentcast({"run", "--config", dir.file("bad.json")}));
  CHECK_TEXT(output.find(dir.file("bad.json") + ":2:") != std::string::npos, output.c_str());
}

TEST(CommandLine, WrongTypeExitsTwoNamingTheKey) {
  dir.write("type.json", R"({"video": {"fps": "thirty"}})");
  LONGS_EQUAL(2, agentcast({"probe", "--config", dir.file("type.json")}));
  CHECK_TEXT(output.find("video.fps: expected an integer") != std::string::npos, output.c_str());
}

TEST(CommandLine, MissingExplicitConfigExitsTwo) {
  LONGS_EQUAL(2, agentcast({"run", "--config", dir.file("nope.json")}));
  CHECK_TEXT(output.find(dir.file("nope.json")) != std::string::npos, output.c_str());
}

TEST(CommandLine, NamedEncoderThatIsMissingExitsTwo) {
  dir.write("enc.json", R"({"platform": {"kind": "rtmp"}, "video": {"encoder": "nvv4l2h264enc"}})");
  LONGS_EQUAL(2, agentcast({"run", "--config", dir.file("enc.json")}));
  CHECK_TEXT(output.find("video.encoder: \"nvv4l2h264enc\" is missing") != std::string::npos, output.c_str());
}

TEST(CommandLine, ProbeShowsBoardEncoderAndPipelineWithoutTheKey) {
  dir.write("probe.json",
            R"({"platform": {"kind": "rtmp"}, "output": {"url": "rtmps://live.example/app/sk_secret_123"}})");
  LONGS_EQUAL(0, agentcast({"probe", "--config", dir.file("probe.json")}));
  CHECK_TEXT(output.find("board:") != std::string::npos, output.c_str());
  CHECK_TEXT(output.find("encoder:  x264enc") != std::string::npos, output.c_str());
  CHECK_TEXT(output.find("appsrc name=scene_src") != std::string::npos, output.c_str());
  CHECK_TEXT(output.find("rtmp2sink name=rtmp_sink") != std::string::npos, output.c_str());
  CHECK_TEXT(output.find("rtmps://live.example/app/<redacted>") != std::string::npos, output.c_str());
  CHECK_TEXT(output.find("sk_secret_123") == std::string::npos, "the stream key was printed");
}

TEST(CommandLine, ProbeShowsTheGpioLinesOfTheBoard) {
  dir.write("probe.json", R"({"platform": {"kind": "rtmp"}, "output": {"url": "rtmp://127.0.0.1/app/key"},
                              "board": {"name": "rpi4"}})");
  LONGS_EQUAL(0, agentcast({"probe", "--config", dir.file("probe.json")}));
  CHECK_TEXT(output.find("gpio:     status LED pinctrl-bcm2711 line 17, live LED pinctrl-bcm2711 line 27, action "
                         "button pinctrl-bcm2711 line 22 (active low), aux button pinctrl-bcm2711 line 23") !=
                 std::string::npos,
             output.c_str());
}

// Before, `run` with this config aborted with SIGABRT (rc 134).
TEST(CommandLine, AnOverflowingNumberInTheConfigExitsTwoNamingItsPlace) {
  dir.write("overflow.json", "{\"platform\": {\"kind\": \"rtmp\"},\n \"chat\": {\"poll_active_s\": 1e400}}");
  LONGS_EQUAL(2, agentcast({"run", "--config", dir.file("overflow.json")}));
  CHECK_TEXT(output.find(dir.file("overflow.json") + ":2:28: invalid JSON: number overflow parsing '1e400'") !=
                 std::string::npos,
             output.c_str());
}

TEST(CommandLine, AStreamUrlWithoutAKeyIsRefusedByProbeAndRun) {
  dir.write("nokey.json", R"({"platform": {"kind": "rtmp"}, "output": {"url": "rtmp://127.0.0.1/live"}})");
  for (const char* verb : {"probe", "run"}) {
    LONGS_EQUAL(2, agentcast({verb, "--config", dir.file("nokey.json")}));
    CHECK_TEXT(output.find("output.url: expected rtmp[s]://host[:port]/app/key") != std::string::npos, output.c_str());
  }
}

TEST(CommandLine, AnAbsurdFontSizeExitsTwo) {
  dir.write("font.json", R"({"platform": {"kind": "rtmp"}, "scene": {"font": "Monospace 2000"}})");
  LONGS_EQUAL(2, agentcast({"run", "--config", dir.file("font.json")}));
  CHECK_TEXT(output.find("scene.font: expected a font description with a size") != std::string::npos, output.c_str());
}

TEST(CommandLine, CredentialsThatAreNoFileExitThreeInsteadOfHanging) {
  std::filesystem::create_directory(dir.file("credentials-dir"));
  CHECK(mkfifo(dir.file("credentials-fifo").c_str(), 0600) == 0);
  for (const auto& [name, what] :
       {std::pair{"credentials-dir", "is a directory"}, std::pair{"credentials-fifo", "is a FIFO"}}) {
    dir.write("creds.json", R"({"platform": {"kind": "retake", "api_base": "http://127.0.0.1:9/api/v1",
        "skill_url": "http://127.0.0.1:9/skill.json", "credentials": ")" +
                                dir.file(name) + R"("}})");
    LONGS_EQUAL(3, agentcast({"run", "--config", dir.file("creds.json")}));
    CHECK_TEXT(output.find(dir.file(name) + ": " + what) != std::string::npos, output.c_str());
  }
}

TEST(CommandLine, OverflowingCredentialsExitThree) {
  dir.write("credentials.json", R"({"access_token": "rtk_hidden", "userDbId": "u", "n": 1e400})");
  chmod(dir.file("credentials.json").c_str(), 0600);
  dir.write("creds.json", R"({"platform": {"kind": "retake", "api_base": "http://127.0.0.1:9/api/v1",
      "skill_url": "http://127.0.0.1:9/skill.json", "credentials": ")" +
                              dir.file("credentials.json") + R"("}})");
  LONGS_EQUAL(3, agentcast({"run", "--config", dir.file("creds.json")}));
  CHECK_TEXT(output.find("not valid JSON: number overflow parsing '1e400'") != std::string::npos, output.c_str());
  CHECK_TEXT(output.find("rtk_hidden") == std::string::npos, "the token was printed");
}

TEST(CommandLine, ACaFileThatIsAFifoExitsTwoInsteadOfHanging) {
  CHECK(mkfifo(dir.file("ca.pem").c_str(), 0600) == 0);
  dir.write("ca.json", R"({"platform": {"kind": "rtmp"}, "output": {"url": "rtmps://127.0.0.1:9/live/key"},
      "tls": {"ca_file": ")" +
                           dir.file("ca.pem") + R"("}})");
  LONGS_EQUAL(2, agentcast({"run", "--config", dir.file("ca.json")}));
  CHECK_TEXT(output.find("tls.ca_file: " + dir.file("ca.pem") + ": is a FIFO, not a regular file") != std::string::npos,
             output.c_str());
}

TEST(CommandLine, StatusJsonOfABoxThatIsNotRunningSaysSoAsJson) {
  dir.write("agentcast.json", R"({"platform": {"kind": "rtmp"}, "output": {"url": "rtmp://127.0.0.1/live/k"},
    "status": {"file": ")" + dir.file("nowhere/status.json") +
                                  R"("}})");
  LONGS_EQUAL(1, agentcast({"status", "--json", "--config", dir.file("agentcast.json")}));
  const auto state = nlohmann::json::parse(output);
  CHECK(state.at("running") == false);
  STRCMP_CONTAINS("no status file", state.at("problem").get<std::string>().c_str());
}
