#include "status/status_file.hpp"

#include "support/loop_runner.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>

#include <filesystem>

using namespace agentcast;
using namespace agentcast::testing;

TEST_GROUP(StatusFile) {
  TempDir dir;
  std::string path() const { return dir.file("run/agentcast/status.json"); }
};

TEST(StatusFile, PublishesTheNewestStateAndRemovesItAtExit) {
  {
    status::StatusFile file(path());
    status::BoxStatus status;
    status.platform_kind = "rtmp";
    for (int restarts = 1; restarts <= 5; ++restarts) {
      status.restarts = restarts;
      file.publish(status);  // several while a write is in flight: the newest must win
    }
    CHECK(run_loop_until(
        [&] {
          if (!std::filesystem::exists(path())) return false;
          try {
            return status::from_json_text(dir.read("run/agentcast/status.json")).restarts == 5;
          } catch (const status::StatusFormatError&) {
            return false;
          }
        },
        5000));
    run_loop_for(100);
    LONGS_EQUAL(5, status::from_json_text(dir.read("run/agentcast/status.json")).restarts);
  }
  CHECK_FALSE(std::filesystem::exists(path()));
}

TEST(StatusFile, TheConfiguredPathWinsForWriterAndReader) {
  STRCMP_EQUAL("/x/s.json", status::status_file_for_writing("/x/s.json").c_str());
  const auto candidates = status::status_file_candidates("/x/s.json");
  LONGS_EQUAL(1, candidates.size());
  STRCMP_EQUAL("/x/s.json", candidates.front().c_str());
  // Without one, the reader also looks where systemd's RuntimeDirectory puts it.
  const auto defaults = status::status_file_candidates("");
  STRCMP_EQUAL("/run/agentcast/status.json", defaults.front().c_str());
  CHECK(defaults.size() == 2);
}
