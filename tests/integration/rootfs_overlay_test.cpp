// rootfs-overlay/ as it lands on a board image: `cmake --install` into a DESTDIR puts every file
// where the unit and the configuration name it, the unit passes `systemd-analyze verify`
// against that image's binary, the sysusers file is read by systemd-sysusers, and the box goes
// live over RTMPS with tls.ca_file under the unit's file-system rules (everything read-only
// but its own directories: nothing may be written to /tmp).
#include "support/box_process.hpp"
#include "support/box_status_watch.hpp"
#include "support/child_process.hpp"
#include "support/nginx_rtmp.hpp"
#include "support/temp_dir.hpp"

#include <CppUTest/TestHarness.h>
#include <glib.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

using namespace agentcast::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const char* const kUnit = "etc/systemd/system/agentcast.service";

// Every `Key=value` of the unit file, values of repeated keys in order.
std::multimap<std::string, std::string> unit_settings(const fs::path& unit) {
  std::multimap<std::string, std::string> settings;
  std::ifstream in(unit);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#' || line[0] == '[') continue;
    const auto equals = line.find('=');
    if (equals != std::string::npos) settings.emplace(line.substr(0, equals), line.substr(equals + 1));
  }
  return settings;
}

std::vector<std::string> words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string word; in >> word;) out.push_back(word);
  return out;
}

// A path of the image, inside `root`.
fs::path in_image(const fs::path& root, const std::string& absolute) { return root / absolute.substr(1); }

}  // namespace

TEST_GROUP(RootfsOverlay) {
  TempDir dir;
  fs::path image;

  void setup() override { image = dir.path() / "image"; }
  void install_into_image() {
    std::string output;
    const int code = run_command({"cmake", "--install", AGENTCAST_BUILD_DIR, "--prefix", "/usr"}, &output, 120000,
                                 {"DESTDIR=" + image.string()});
    LONGS_EQUAL_TEXT(0, code, output.c_str());
  }
};

TEST(RootfsOverlay, AnInstallIntoADestdirPutsEveryFileWhereTheUnitAndTheConfigNameIt) {
  install_into_image();
  const auto unit = unit_settings(image / kUnit);
  const auto exec = words(unit.find("ExecStart")->second);
  CHECK_TEXT(fs::is_regular_file(in_image(image, exec.at(0))), exec.at(0).c_str());
  CHECK((fs::status(in_image(image, exec.at(0))).permissions() & fs::perms::owner_exec) != fs::perms::none);
  const auto config = std::find(exec.begin(), exec.end(), "--config");
  CHECK(config != exec.end() && config + 1 != exec.end());
  CHECK_TEXT(fs::is_regular_file(in_image(image, *(config + 1))), (config + 1)->c_str());

  // The environment file (optional: "-" prefix) is there, for root's eyes only.
  std::string environment = unit.find("EnvironmentFile")->second;
  if (environment[0] == '-') environment.erase(0, 1);
  struct stat info {};
  CHECK_EQUAL(0, ::stat(in_image(image, environment).c_str(), &info));
  LONGS_EQUAL(0600, info.st_mode & 07777);

  const std::string documentation = unit.find("Documentation")->second;
  CHECK(documentation.rfind("file://", 0) == 0);
  CHECK_TEXT(fs::is_regular_file(in_image(image, documentation.substr(7))), documentation.c_str());
  CHECK(fs::is_regular_file(image / "usr/lib/sysusers.d/agentcast.conf"));
  CHECK(fs::is_regular_file(image / "usr/lib/udev/rules.d/60-agentcast.rules"));
  CHECK(fs::is_regular_file(image / "usr/lib/tmpfiles.d/agentcast.conf"));

  // What the configuration writes lies in the directories the unit makes writable.
  const auto settings = nlohmann::json::parse(std::ifstream(in_image(image, *(config + 1))));
  const std::string state = "/var/lib/" + unit.find("StateDirectory")->second + "/";
  const std::string runtime = "/run/" + unit.find("RuntimeDirectory")->second + "/";
  CHECK(settings["platform"]["credentials"].get<std::string>().rfind(state, 0) == 0);
  CHECK(settings["thumbnail"]["path"].get<std::string>().rfind(runtime, 0) == 0);
  CHECK(settings["scene"]["log_file"].get<std::string>().rfind(runtime, 0) == 0);
}

// systemd-analyze checks the unit's settings and that its programs exist: it runs where the
// image's /usr/bin (this build's binary) lies over the machine's, in a mount namespace.
TEST(RootfsOverlay, TheUnitPassesSystemdAnalyzeVerifyAndTheSysusersFileIsRead) {
  install_into_image();
  const std::string script = R"(set -e
    mount -t overlay overlay -o "lowerdir=$1/usr/bin:/usr/bin" /usr/bin
    exec systemd-analyze verify "$1/etc/systemd/system/agentcast.service")";
  std::string output;
  const int code = run_command({"unshare", "-m", "--propagation", "private", "sh", "-c", script, "verify", image},
                               &output, 60000, {"SYSTEMD_LOG_LEVEL=notice"});
  LONGS_EQUAL_TEXT(0, code, output.c_str());
  CHECK_TEXT(output.empty(), output.c_str());  // no warning either

  const int sysusers =
      run_command({"systemd-sysusers", "--dry-run", (image / "usr/lib/sysusers.d/agentcast.conf").string()}, &output);
  LONGS_EQUAL_TEXT(0, sysusers, output.c_str());
}

// ProtectSystem=strict with the unit's own directories writable, reproduced in a mount
// namespace: every mount read-only but /proc, /sys, /dev and the test's directory (standing in
// for /var/lib/agentcast and /run/agentcast). The box goes live over RTMPS with tls.ca_file.
TEST(RootfsOverlay, TheBoxGoesLiveWithACaFileWhereNothingOutsideItsDirectoriesIsWritable) {
  NginxRtmp server(dir);
  fs::create_directories(dir.path() / "home");
  dir.write("agentcast.json", R"({"platform": {"kind": "rtmp"},
    "output": {"url": "rtmps://127.0.0.1:)" +
                                  std::to_string(server.rtmps_port()) + "/live/sk_sandbox_" +
                                  std::to_string(g_random_int()) + R"("},
    "tls": {"ca_file": ")" + server.certificate() +
                                  R"("}, "board": {"name": "generic"},
    "scene": {"log_file": ")" + dir.file("stream.log") +
                                  R"("},
    "thumbnail": {"path": ")" + dir.file("thumbnail.jpg") +
                                  R"("},
    "status": {"file": ")" + dir.file("status.json") +
                                  R"("}})");
  const std::string script = R"(set -e
    writable=$1; shift
    mount --bind "$writable" "$writable"
    for mount_point in $(awk '{print $2}' /proc/self/mounts | sort -u); do
      case "$mount_point" in /proc*|/sys*|/dev*|"$writable") continue ;; esac
      mount -o remount,bind,ro "$mount_point" 2>/dev/null || true
    done
    for probe in /tmp /var/tmp / "${TMPDIR:-/tmp}"; do
      if touch "$probe/agentcast-sandbox-probe" 2>/dev/null; then
        rm -f "$probe/agentcast-sandbox-probe"; echo "sandbox: $probe is writable" >&2; exit 97
      fi
    done
    exec "$@")";
  ChildProcess box({"unshare", "-m", "--propagation", "private", "sh", "-c", script, "sandbox", dir.path().string(),
                    AGENTCAST_BINARY, "run", "--config", dir.file("agentcast.json")},
                   dir.file("agentcast.log"), {"HOME=" + dir.file("home"), "AGENTCAST_DEBUG=1"});
  const auto live = wait_for_box_status(
      dir.file("status.json"), [](const nlohmann::json& s) { return s.value("state", "") == "live"; }, 30s);
  CHECK_TEXT(live.held, (live.describe() + "\n" + dir.read("agentcast.log")).c_str());
  stop_box_gracefully(box);
}
