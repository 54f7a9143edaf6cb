#include "net/tls_trust.hpp"

#include "common/handles.hpp"
#include "common/small_file.hpp"

#include <gio/gio.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>

#include <array>

namespace agentcast::net {
namespace {

// Where Debian (and Fedora-like images) keep the system bundle GnuTLS trusts by default.
constexpr std::array kSystemBundles{"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"};

std::string read_file(const std::string& path, const char* what) {
  gchar* contents = nullptr;
  gsize length = 0;
  GError* raw_error = nullptr;
  if (!g_file_get_contents(path.c_str(), &contents, &length, &raw_error)) {
    GErrorPtr error(raw_error);
    throw TlsTrustError(std::string(what) + ": " + error->message);
  }
  const GCharPtr owned(contents);
  return std::string(contents, length);
}

bool write_all(int fd, const std::string& text) {
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    written += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

void require_tls_backend() {
  if (!g_tls_backend_supports_tls(g_tls_backend_get_default())) {
    throw TlsTrustError("TLS support not available: install the Debian package glib-networking");
  }
}

AdditionalTrust::AdditionalTrust(const std::string& ca_file) {
  require_tls_backend();
  // A FIFO would block the start, a directory reads as "no certificate": say what it is.
  auto file = read_small_file(ca_file, std::size_t{4} << 20);
  if (const auto* problem = std::get_if<FileProblem>(&file))
    throw TlsTrustError("tls.ca_file: " + ca_file + ": " + problem->what);
  GError* raw_error = nullptr;
  GList* certificates = g_tls_certificate_list_new_from_file(ca_file.c_str(), &raw_error);
  if (raw_error != nullptr) {
    GErrorPtr error(raw_error);
    throw TlsTrustError("tls.ca_file: " + ca_file + ": " + error->message);
  }
  const bool any = certificates != nullptr;
  g_list_free_full(certificates, g_object_unref);
  if (!any) throw TlsTrustError("tls.ca_file: " + ca_file + ": no PEM certificate in the file");

  std::string anchors = std::move(std::get<std::string>(file));
  anchors += "\n";
  for (const char* bundle : kSystemBundles) {
    if (g_file_test(bundle, G_FILE_TEST_EXISTS)) {
      anchors += read_file(bundle, bundle);
      break;
    }
  }
  // An anonymous in-memory file, named through /proc/self/fd: nothing is written to disk, so
  // nothing is left behind by a crash and the unit's read-only file system does not matter.
  anchors_fd_ = UniqueFd(memfd_create("agentcast-anchors", MFD_CLOEXEC));
  if (!anchors_fd_ || !write_all(anchors_fd_.get(), anchors)) {
    throw TlsTrustError(std::string("cannot hold the combined trust anchors in memory: ") + g_strerror(errno));
  }
  anchors_path_ = "/proc/self/fd/" + std::to_string(anchors_fd_.get());
  GTlsDatabase* database = g_tls_file_database_new(anchors_path_.c_str(), &raw_error);
  if (database == nullptr) {
    GErrorPtr error(raw_error);
    throw TlsTrustError("tls.ca_file: " + ca_file + ": " + (error ? error->message : "unusable"));
  }
  const GObjectPtr<GTlsDatabase> owned(database);
  g_tls_backend_set_default_database(g_tls_backend_get_default(), database);
}

AdditionalTrust::~AdditionalTrust() { g_tls_backend_set_default_database(g_tls_backend_get_default(), nullptr); }

}  // namespace agentcast::net
