#pragma once
// A real nginx with libnginx-mod-rtmp on loopback, recording every published stream, and a
// TLS front (libnginx-mod-stream) for RTMPS with a certificate made for the test.
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

#include <memory>
#include <string>

namespace agentcast::testing {

// Writes a self-signed certificate for 127.0.0.1/localhost; returns false if openssl failed.
bool make_self_signed_certificate(const std::string& cert_path, const std::string& key_path,
                                  const std::string& common_name);

class NginxRtmp {
 public:
  // `hook_base` (e.g. "http://127.0.0.1:PORT/_hooks"): nginx asks it on_publish whether a key
  // may publish, and tells it on_publish_done.
  explicit NginxRtmp(const TempDir& dir, const std::string& hook_base = "");
  ~NginxRtmp();

  int rtmp_port() const { return rtmp_port_; }
  int rtmps_port() const { return rtmps_port_; }
  const std::string& certificate() const { return certificate_; }  // the CA a client must trust
  std::string recording(const std::string& stream_key) const;      // path of <key>.flv
  std::string error_log() const;
  // Stops the server (the RTMP connection drops) and starts it again on the same ports.
  void stop();
  void start();
  // Freezes every nginx process (SIGSTOP): connections stay open, nothing is read or answered,
  // the kernel buffers what is sent. resume() lets it go on (SIGCONT).
  void freeze();
  void resume();

 private:
  const TempDir& dir_;
  int rtmp_port_ = 0;
  int rtmps_port_ = 0;
  std::string certificate_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace agentcast::testing
