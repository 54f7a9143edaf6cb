#include "support/nginx_rtmp.hpp"

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace agentcast::testing {

bool make_self_signed_certificate(const std::string& cert_path, const std::string& key_path,
                                  const std::string& common_name) {
  std::string output;
  return run_command({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                      "-keyout", key_path, "-out", cert_path, "-days", "2", "-subj", "/CN=" + common_name, "-addext",
                      "subjectAltName=IP:127.0.0.1,DNS:localhost"},
                     &output) == 0;
}

NginxRtmp::NginxRtmp(const TempDir& dir, const std::string& hook_base) : dir_(dir) {
  certificate_ = dir.file("server.pem");
  if (!make_self_signed_certificate(certificate_, dir.file("server.key"), "agentcast-test-server")) {
    throw std::runtime_error("openssl could not make the test certificate");
  }
  std::filesystem::create_directories(dir.path() / "recordings");
  rtmp_port_ = free_loopback_port();
  rtmps_port_ = free_loopback_port();
  const std::string modules = "/usr/lib/nginx/modules/";
  for (const char* module : {"ngx_rtmp_module.so", "ngx_stream_module.so"}) {
    if (!std::filesystem::exists(modules + module)) {
      throw std::runtime_error(modules + module + " missing: install libnginx-mod-rtmp and libnginx-mod-stream");
    }
  }
  const std::string root = dir.path().string();
  const std::string hooks = hook_base.empty() ? ""
                                              : "on_publish " + hook_base + "/on_publish; on_publish_done " +
                                                    hook_base + "/on_publish_done; ";
  dir.write("nginx.conf", "load_module " + modules +
                              "ngx_rtmp_module.so;\n"
                              "load_module " +
                              modules +
                              "ngx_stream_module.so;\n"
                              "daemon off;\nmaster_process on;\nworker_processes 1;\nuser root;\n"
                              "error_log " +
                              root + "/nginx-error.log info;\npid " + root +
                              "/nginx.pid;\n"
                              "events { worker_connections 64; }\n"
                              "rtmp { server { listen 127.0.0.1:" +
                              std::to_string(rtmp_port_) +
                              "; ack_window 65536;\n"
                              "  application live { live on; record all; record_unique off; record_path " +
                              root + "/recordings; " + hooks +
                              "} } }\n"
                              "stream { server { listen 127.0.0.1:" +
                              std::to_string(rtmps_port_) +
                              " ssl;\n"
                              "  ssl_certificate " +
                              certificate_ + "; ssl_certificate_key " + dir.file("server.key") +
                              ";\n"
                              "  proxy_pass 127.0.0.1:" +
                              std::to_string(rtmp_port_) + "; } }\n");
  start();
}

NginxRtmp::~NginxRtmp() { stop(); }

void NginxRtmp::start() {
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"nginx", "-p", dir_.path().string(), "-c", dir_.file("nginx.conf"), "-e",
                               dir_.file("nginx-error.log")},
      dir_.file("nginx-output.log"));
  if (!wait_for_port(rtmp_port_, 10000) || !wait_for_port(rtmps_port_, 10000)) {
    throw std::runtime_error("nginx did not start; see " + dir_.file("nginx-error.log"));
  }
}

void NginxRtmp::stop() {
  if (!process_) return;
  resume();                   // a frozen nginx would not see the SIGTERM
  process_->signal(SIGTERM);  // nginx's fast shutdown: the master stops its workers
  if (!process_->wait_for_exit(5000)) process_->signal(SIGKILL);
  process_->wait_for_exit(2000);
  process_.reset();
}

namespace {

// nginx's master and its workers.
std::vector<pid_t> process_tree(pid_t master) {
  std::vector<pid_t> pids{master};
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    std::getline(stat, line);
    const auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    char state = 0;
    pid_t parent = 0;
    rest >> state >> parent;
    if (parent == master) pids.push_back(static_cast<pid_t>(std::stoi(name)));
  }
  return pids;
}

}  // namespace

void NginxRtmp::freeze() {
  if (!process_) return;
  for (const pid_t pid : process_tree(process_->pid())) ::kill(pid, SIGSTOP);
}

void NginxRtmp::resume() {
  if (!process_) return;
  for (const pid_t pid : process_tree(process_->pid())) ::kill(pid, SIGCONT);
}

std::string NginxRtmp::recording(const std::string& stream_key) const {
  return (dir_.path() / "recordings" / (stream_key + ".flv")).string();
}

std::string NginxRtmp::error_log() const { return dir_.read("nginx-error.log"); }

}  // namespace agentcast::testing
