#include "scene/log_follower.hpp"

#include "support/loop_runner.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace agentcast;

namespace {

void append(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::app | std::ios::binary);
  out << text;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += line + "|";
  return out;
}

}  // namespace

TEST_GROUP(LogFollower) {
  testing::TempDir dir;
  std::string path = dir.file("stream.log");
  std::vector<std::string> lines;
  scene::LogFollower::Options options() {
    scene::LogFollower::Options o;
    o.safety_poll_ms = 100;
    return o;
  }
  bool wait_for_lines(std::size_t count) {
    return testing::run_loop_until([&] { return lines.size() >= count; }, 3000);
  }
};

TEST(LogFollower, ShowsAppendedLinesInOrder) {
  scene::LogFollower follower(
      path, [&](std::string line) { lines.push_back(std::move(line)); }, options());
  append(path, "");
  follower.start();
  testing::run_loop_for(50);
  append(path, "one\ntwo\n");
  CHECK(wait_for_lines(2));
  append(path, "three\n");
  CHECK(wait_for_lines(3));
  testing::run_loop_for(200);
  STRCMP_EQUAL("one|two|three|", joined(lines).c_str());
}

TEST(LogFollower, WaitsForAFileThatDoesNotExistYet) {
  scene::LogFollower follower(
      path, [&](std::string line) { lines.push_back(std::move(line)); }, options());
  follower.start();
  testing::run_loop_for(150);
  CHECK(lines.empty());
  append(path, "first line of a new file\n");
  CHECK(wait_for_lines(1));
  STRCMP_EQUAL("first line of a new file", lines[0].c_str());
}

TEST(LogFollower, APartialLineWaitsForItsNewline) {
  scene::LogFollower follower(
      path, [&](std::string line) { lines.push_back(std::move(line)); }, options());
  append(path, "");
  follower.start();
  append(path, "half a li");
  testing::run_loop_for(300);
  CHECK(lines.empty());
  append(path, "ne\n");
  CHECK(wait_for_lines(1));
  STRCMP_EQUAL("half a line", lines[0].c_str());
}

TEST(LogFollower, StartsWithTheEndOfAnExistingFile) {
  std::string big;
  for (int i = 0; i < 2000; ++i) big += "old line " + std::to_string(i) + "\n";
  append(path, big);
  scene::LogFollower::Options o = options();
  o.backlog_bytes = 200;
  scene::LogFollower follower(
      path, [&](std::string line) { lines.push_back(std::move(line)); }, o);
  follower.start();
  CHECK(wait_for_lines(1));
  testing::run_loop_for(200);
  // Only whole lines from the last 200 bytes, ending with the file's last line.
  CHECK(lines.size() < 20);
  STRCMP_EQUAL("old line 1999", lines.back().c_str());
  CHECK(lines.front().starts_with("old line "));
  CHECK(std::stoi(lines.front().substr(9)) > 1980);
}

TEST(LogFollower, TruncationStartsOverFromTheTop) {
  scene::LogFollower follower(
      path, [&](std::string line) { lines.push_back(std::move(line)); }, options());
  append(path, "");
  follower.start();
  append(path, "before truncation, a long first line\nsecond line before truncation\n");
  CHECK(wait_for_lines(2));
  std::filesystem::resize_file(path, 0);
  testing::run_loop_for(300);
  append(path, "after\n");
  CHECK(wait_for_lines(3));
  testing::run_loop_for(200);
  STRCMP_EQUAL("before truncation, a long first line|second line before truncation|after|", joined(lines).c_str());
}

TEST(LogFollower, RotationFinishesTheOldFileThenFollowsTheNewOne) {
  scene::LogFollower follower(
      path, [&](std::string line) { lines.push_back(std::move(line)); }, options());
  append(path, "");
  follower.start();
  append(path, "old 1\n");
  CHECK(wait_for_lines(1));
  // logrotate's default: rename, then the writer appends to the renamed file until it reopens.
  std::filesystem::rename(path, path + ".1");
  append(path + ".1", "old 2\n");
  append(path, "new 1\n");
  CHECK(wait_for_lines(3));
  append(path, "new 2\n");
  CHECK(wait_for_lines(4));
  testing::run_loop_for(200);
  STRCMP_EQUAL("old 1|old 2|new 1|new 2|", joined(lines).c_str());
}

TEST(LogFollower, DeletedAndRecreatedFileIsFollowed) {
  scene::LogFollower follower(
      path, [&](std::string line) { lines.push_back(std::move(line)); }, options());
  append(path, "");
  follower.start();
  append(path, "a\n");
  CHECK(wait_for_lines(1));
  std::filesystem::remove(path);
  testing::run_loop_for(300);
  append(path, "b\n");
  CHECK(wait_for_lines(2));
  STRCMP_EQUAL("a|b|", joined(lines).c_str());
}

TEST(LogFollower, LinesAreSanitised) {
  scene::LogFollower follower(
      path, [&](std::string line) { lines.push_back(std::move(line)); }, options());
  append(path, "");
  follower.start();
  append(path, "\x1b[32mgreen\x1b[0m text\r\n\xff\xfe bytes\n");
  CHECK(wait_for_lines(2));
  STRCMP_EQUAL("green text", lines[0].c_str());
  CHECK(g_utf8_validate(lines[1].c_str(), -1, nullptr));
}

TEST(LogFollower, AnEndlessLineIsShownInPieces) {
  scene::LogFollower::Options o = options();
  o.max_pending_bytes = 100;
  o.max_line_chars = 1000;
  scene::LogFollower follower(
      path, [&](std::string line) { lines.push_back(std::move(line)); }, o);
  append(path, "");
  follower.start();
  append(path, std::string(250, 'x'));
  CHECK(wait_for_lines(1));
  CHECK(lines[0].size() > 100);
}

TEST(LogFollower, ANewLineArrivesQuickly) {
  scene::LogFollower follower(
      path, [&](std::string line) { lines.push_back(std::move(line)); },
      scene::LogFollower::Options{});  // the default 1 s safety poll
  append(path, "");
  follower.start();
  testing::run_loop_for(100);
  const gint64 written = g_get_monotonic_time();
  append(path, "now\n");
  CHECK(wait_for_lines(1));
  // The file monitor, not the 1 s poll, delivered it.
  CHECK_TEXT(g_get_monotonic_time() - written < 500000, "line arrived only through the safety poll");
}

TEST(LogFollower, RefusesADeviceThatNeverEnds) {
  // /dev/zero reads forever without a newline: following it took a whole core and 40 MB.
  scene::LogFollower follower(
      "/dev/zero", [&](std::string line) { lines.push_back(std::move(line)); }, options());
  follower.start();
  CHECK(testing::run_loop_until([&] { return !follower.problem().empty(); }, 3000));
  testing::run_loop_for(300);
  STRCMP_EQUAL("is a character device; scene.log_file must be a regular file or a FIFO", follower.problem().c_str());
  LONGS_EQUAL(0, follower.lines_seen());
  CHECK(lines.empty());
}

TEST(LogFollower, SaysWhatIsWrongWithADirectoryAndFollowsTheFileThatReplacesIt) {
  std::filesystem::create_directory(path);
  scene::LogFollower follower(
      path, [&](std::string line) { lines.push_back(std::move(line)); }, options());
  follower.start();
  CHECK(testing::run_loop_until([&] { return !follower.problem().empty(); }, 3000));
  STRCMP_EQUAL("is a directory; scene.log_file must be a regular file or a FIFO", follower.problem().c_str());
  std::filesystem::remove(path);
  append(path, "a file now\n");
  CHECK(wait_for_lines(1));
  STRCMP_EQUAL("a file now", lines[0].c_str());
  STRCMP_EQUAL("", follower.problem().c_str());
}

TEST(LogFollower, SaysThatAMissingFileIsAwaited) {
  scene::LogFollower follower(
      path, [&](std::string line) { lines.push_back(std::move(line)); }, options());
  follower.start();
  CHECK(testing::run_loop_until([&] { return !follower.problem().empty(); }, 3000));
  STRCMP_EQUAL("does not exist yet; waiting for it", follower.problem().c_str());
}

TEST(LogFollower, FollowsAFifoAcrossWriters) {
  CHECK(mkfifo(path.c_str(), 0600) == 0);
  scene::LogFollower follower(
      path, [&](std::string line) { lines.push_back(std::move(line)); }, options());
  follower.start();
  testing::run_loop_for(200);  // opened, no writer yet: nothing to show, nothing to report
  STRCMP_EQUAL("", follower.problem().c_str());
  for (const char* text : {"from the first writer\n", "from the second writer\n"}) {
    int fd = -1;  // a writer's open fails (ENXIO) while no reader has the FIFO open
    CHECK(testing::run_loop_until([&] { return (fd = open(path.c_str(), O_WRONLY | O_NONBLOCK)) >= 0; }, 2000));
    CHECK(write(fd, text, std::strlen(text)) == static_cast<ssize_t>(std::strlen(text)));
    close(fd);  // the follower reopens for the next one
    CHECK(wait_for_lines(lines.size() + 1));
    testing::run_loop_for(150);
  }
  STRCMP_EQUAL("from the first writer|from the second writer|", joined(lines).c_str());
}

TEST(LogFollower, AFloodReachesTheScreenInPacedBatchesEndingWithTheNewestLine) {
  std::vector<gint64> delivered_us;
  scene::LogFollower follower(
      path,
      [&](std::string line) {
        lines.push_back(std::move(line));
        delivered_us.push_back(g_get_monotonic_time());
      },
      options());
  append(path, "");
  follower.start();
  testing::run_loop_for(150);
  std::string flood;
  for (int i = 0; i < 40000; ++i) flood += "flooded line " + std::to_string(i) + "\n";  // ~800 KB at once
  const gint64 written_us = g_get_monotonic_time();
  append(path, flood);
  CHECK(testing::run_loop_until([&] { return !lines.empty() && lines.back() == "flooded line 39999"; }, 5000));
  const double elapsed_s = static_cast<double>(g_get_monotonic_time() - written_us) / 1e6;
  // Lines handed over within a few ms of each other belong to one batch (one redraw at most).
  int batches = 0;
  std::size_t largest = 0;
  std::size_t current = 0;
  for (std::size_t i = 0; i < delivered_us.size(); ++i) {
    if (i == 0 || delivered_us[i] - delivered_us[i - 1] > 20000) {
      ++batches;
      current = 0;
    }
    largest = std::max(largest, ++current);
  }
  CHECK_TEXT(largest <= 100, std::to_string(largest).c_str());
  CHECK_TEXT(batches <= elapsed_s * 10 + 2, (std::to_string(batches) + " in " + std::to_string(elapsed_s)).c_str());
  CHECK(follower.lines_dropped() > 30000);
  LONGS_EQUAL(40000, follower.lines_seen());
}
