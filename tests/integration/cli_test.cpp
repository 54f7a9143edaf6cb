// The binary's command line as a user meets it: exit codes and messages.
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>

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
  CHECK_TEXT(output.find("rtmps://live.example/app/<redacted>") != std::string::npos, output.c_str());
  CHECK_TEXT(output.find("sk_secret_123") == std::string::npos, "the stream key was printed");
}
