#include "common/file_watch.hpp"

#include "support/loop_runner.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>

#include <cstdio>
#include <fstream>

using agentcast::FileWatch;
using agentcast::testing::run_loop_for;
using agentcast::testing::run_loop_until;
using agentcast::testing::TempDir;

TEST_GROUP(FileWatch){};

TEST(FileWatch, TellsOfEveryChangeToTheFileFromItsCreationToItsRotation) {
  TempDir dir;
  int changes = 0;
  FileWatch watch(dir.file("agent.log"), [&] { ++changes; });
  CHECK(watch.active());
  STRCMP_EQUAL("", watch.problem().c_str());

  dir.write("agent.log", "created\n");
  CHECK(run_loop_until([&] { return changes > 0; }, 2000));
  changes = 0;
  std::ofstream(dir.file("agent.log"), std::ios::app) << "appended\n";
  CHECK(run_loop_until([&] { return changes > 0; }, 2000));
  changes = 0;
  CHECK(std::rename(dir.file("agent.log").c_str(), dir.file("agent.log.1").c_str()) == 0);
  CHECK(run_loop_until([&] { return changes > 0; }, 2000));
  changes = 0;
  CHECK(std::remove(dir.file("agent.log.1").c_str()) == 0);
  dir.write("agent.log", "again\n");
  CHECK(run_loop_until([&] { return changes > 0; }, 2000));
}

TEST(FileWatch, OtherFilesInTheDirectoryAreNotItsBusiness) {
  TempDir dir;
  int changes = 0;
  FileWatch watch(dir.file("agent.log"), [&] { ++changes; });
  dir.write("other.log", "x\n");
  std::ofstream(dir.file("other.log"), std::ios::app) << "more\n";
  dir.write("agent.log.1", "rotated earlier\n");
  run_loop_for(200);
  LONGS_EQUAL(0, changes);
}

TEST(FileWatch, AMissingDirectoryIsSaidAndGivesNoEvents) {
  TempDir dir;
  FileWatch watch(dir.file("nowhere/agent.log"), [] { FAIL("no event expected"); });
  CHECK_FALSE(watch.active());
  CHECK(watch.problem().find("nowhere") != std::string::npos);
  run_loop_for(50);
}
