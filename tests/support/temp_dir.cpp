#include "support/temp_dir.hpp"

#include <glib.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace agentcast::testing {

TempDir::TempDir() {
  gchar* made = g_dir_make_tmp("agentcast-test-XXXXXX", nullptr);
  if (made == nullptr) throw std::runtime_error("cannot create a temporary directory");
  path_ = made;
  g_free(made);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void TempDir::write(const std::string& name, const std::string& content) const {
  std::ofstream out(file(name), std::ios::binary | std::ios::trunc);
  out << content;
}

std::string TempDir::read(const std::string& name) const {
  std::ifstream in(file(name), std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

}  // namespace agentcast::testing
