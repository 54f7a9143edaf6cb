#pragma once
// tls.ca_file: extra trust anchors for every TLS connection GIO makes in this process
// (rtmp2sink's RTMPS included). Verification itself is never relaxed.
#include "common/handles.hpp"

#include <stdexcept>
#include <string>

namespace agentcast::net {

class TlsTrustError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Fails when GIO has no TLS backend (glib-networking missing).
void require_tls_backend();

// Trusts the certificates in `ca_file` in addition to the system store for as long as this
// object lives. GTlsFileDatabase takes a single anchor file and reads it again for every new
// connection, so the CAs and the system bundle are combined into one anonymous in-memory file
// (memfd) that lives as long as this object. Throws TlsTrustError naming `ca_file` when it holds no
// usable certificate.
class AdditionalTrust {
 public:
  explicit AdditionalTrust(const std::string& ca_file);
  ~AdditionalTrust();
  AdditionalTrust(const AdditionalTrust&) = delete;
  AdditionalTrust& operator=(const AdditionalTrust&) = delete;

  // The combined anchor file (the extra CAs plus the system bundle), for libcurl's CAINFO: a
  // /proc/self/fd path, valid in this process only.
  const std::string& anchors_path() const { return anchors_path_; }

 private:
  UniqueFd anchors_fd_;
  std::string anchors_path_;
};

}  // namespace agentcast::net
