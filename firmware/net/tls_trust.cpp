#include "net/tls_trust.hpp"

#include "common/handles.hpp"
#include "common/small_file.hpp"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <unistd.h>

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
  gchar* raw_path = nullptr;
  const int fd = g_file_open_tmp("agentcast-anchors-XXXXXX.pem", &raw_path, &raw_error);
  if (fd < 0) {
    GErrorPtr error(raw_error);
    throw TlsTrustError(std::string("cannot create a temporary trust file: ") + error->message);
  }
  GCharPtr path(raw_path);
  close(fd);
  anchors_path_ = path.get();
  GTlsDatabase* database = nullptr;
  if (g_file_set_contents(path.get(), anchors.data(), static_cast<gssize>(anchors.size()), &raw_error)) {
    database = g_tls_file_database_new(path.get(), &raw_error);
  }
  if (database == nullptr) {
    GErrorPtr error(raw_error);
    g_unlink(anchors_path_.c_str());
    throw TlsTrustError("tls.ca_file: " + ca_file + ": " + (error ? error->message : "unusable"));
  }
  const GObjectPtr<GTlsDatabase> owned(database);
  g_tls_backend_set_default_database(g_tls_backend_get_default(), database);
}

AdditionalTrust::~AdditionalTrust() {
  g_tls_backend_set_default_database(g_tls_backend_get_default(), nullptr);
  g_unlink(anchors_path_.c_str());
}

}  // namespace agentcast::net
