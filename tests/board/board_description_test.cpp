#include "board/board_description.hpp"

#include "common/data_files.hpp"

#include <CppUTest/TestHarness.h>

#include <algorithm>
#include <set>

using namespace agentcast;
using board::BoardDescription;
using board::MachineFacts;

namespace {

MachineFacts facts(std::string model, std::string arch, const std::set<std::string>& paths = {}) {
  return {std::move(model), std::move(arch), [paths](const std::string& p) { return paths.contains(p); }};
}

std::string detected(const std::vector<BoardDescription>& boards, const MachineFacts& machine) {
  const auto detection = board::detect(boards, machine);
  return detection.board ? detection.board->name : "(none)";
}

bool has_hardware_h264(const BoardDescription& b) {
  return std::any_of(b.encoders.begin(), b.encoders.end(), [](const std::string& e) {
    return e == "v4l2h264enc" || e == "nvv4l2h264enc" || e == "vah264enc" || e == "vaapih264enc";
  });
}

}  // namespace

TEST_GROUP(BoardDescription) { std::vector<BoardDescription> boards = board::load_all(DataFiles()); };

TEST(BoardDescription, TheSupportedBoardsAreDescribed) {
  for (const char* name : {"rpi4", "rpi5", "jetson-nano", "jetson-orin-nano", "x86-vaapi", "generic"}) {
    CHECK_TEXT(board::find_by_name(boards, name) != nullptr, name);
  }
}

TEST(BoardDescription, BoardsWithoutHardwareEncoderPreferX264) {
  for (const char* name : {"rpi5", "jetson-orin-nano", "generic"}) {
    const auto* b = board::find_by_name(boards, name);
    CHECK_TEXT(!has_hardware_h264(*b), name);
    STRCMP_EQUAL("x264enc", b->encoders.front().c_str());
  }
}

TEST(BoardDescription, BoardsWithHardwareEncoderPreferIt) {
  STRCMP_EQUAL("v4l2h264enc", board::find_by_name(boards, "rpi4")->encoders.front().c_str());
  STRCMP_EQUAL("nvv4l2h264enc", board::find_by_name(boards, "jetson-nano")->encoders.front().c_str());
  STRCMP_EQUAL("vah264enc", board::find_by_name(boards, "x86-vaapi")->encoders.front().c_str());
  // Every list ends in a software encoder, so a board with a broken driver still streams.
  for (const auto& b : boards)
    CHECK_TEXT(b.encoders.back() == "openh264enc" || b.encoders.back() == "x264enc", b.name.c_str());
}

TEST(BoardDescription, DetectsFromTheDeviceTreeModel) {
  STRCMP_EQUAL("rpi4", detected(boards, facts("Raspberry Pi 4 Model B Rev 1.4", "aarch64")).c_str());
  STRCMP_EQUAL("rpi4", detected(boards, facts("Raspberry Pi 400 Rev 1.0", "aarch64")).c_str());
  STRCMP_EQUAL("rpi5", detected(boards, facts("Raspberry Pi 5 Model B Rev 1.0", "aarch64")).c_str());
  STRCMP_EQUAL("jetson-nano", detected(boards, facts("NVIDIA Jetson Nano Developer Kit", "aarch64")).c_str());
  STRCMP_EQUAL("jetson-orin-nano", detected(boards, facts("NVIDIA Jetson Orin Nano Developer Kit", "aarch64")).c_str());
}

TEST(BoardDescription, DetectsX86WithARenderNode) {
  STRCMP_EQUAL("x86-vaapi", detected(boards, facts("", "x86_64", {"/dev/dri/renderD128"})).c_str());
  STRCMP_EQUAL("generic", detected(boards, facts("", "x86_64")).c_str());
  STRCMP_EQUAL("generic", detected(boards, facts("", "aarch64", {"/dev/dri/renderD128"})).c_str());
}

TEST(BoardDescription, UnknownDeviceTreeFallsBackToGeneric) {
  const auto detection = board::detect(boards, facts("Pine64 RockPro64", "aarch64"));
  STRCMP_EQUAL("generic", detection.board->name.c_str());
  CHECK(detection.reason.find("Pine64 RockPro64") != std::string::npos);
}

TEST(BoardDescription, MalformedDescriptionsNameTheProblem) {
  try {
    board::parse_description(R"({"name": "x", "encoders": []})", "board/x.json");
    FAIL("expected BoardError");
  } catch (const board::BoardError& error) {
    STRCMP_EQUAL("board/x.json: encoders: expected at least one encoder", error.what());
  }
  try {
    board::parse_description(R"({"name": "x", "encoders": ["x264enc"], "detect": {"arch": "x86_64"}})", "board/x.json");
    FAIL("expected BoardError");
  } catch (const board::BoardError& error) {
    STRCMP_EQUAL("board/x.json: arch: expected an array of strings", error.what());
  }
  try {
    board::parse_description(R"({"name": "x", "encoders": ["x264enc"], "gpio": 1e400})", "board/x.json");
    FAIL("expected BoardError");
  } catch (const board::BoardError& error) {
    STRCMP_EQUAL("board/x.json:1:48: invalid JSON: number overflow parsing '1e400'", error.what());
  }
}
