#include "platform/credentials.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace agentcast::platform {
namespace {

using nlohmann::json;

std::string text_field(const json& document, const char* key, const std::string& origin, bool required) {
  const auto it = document.find(key);
  if (it == document.end() || it->is_null()) {
    if (required) throw CredentialsError(origin + ": " + key + ": missing");
    return {};
  }
  if (!it->is_string()) throw CredentialsError(origin + ": " + key + ": expected a string");
  return it->get<std::string>();
}

[[noreturn]] void fail_errno(const std::string& what) { throw CredentialsError(what + ": " + std::strerror(errno)); }

// A file descriptor closed on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

}  // namespace

Credentials parse_credentials(const std::string& json_text, const std::string& origin) {
  json document;
  try {
    document = json::parse(json_text);
  } catch (const json::parse_error&) {
    throw CredentialsError(origin + ": not valid JSON");
  }
  if (!document.is_object()) throw CredentialsError(origin + ": expected a JSON object");
  Credentials credentials;
  credentials.access_token = text_field(document, "access_token", origin, true);
  if (credentials.access_token.empty()) throw CredentialsError(origin + ": access_token: empty");
  credentials.user_db_id = text_field(document, "userDbId", origin, true);
  credentials.agent_name = text_field(document, "agent_name", origin, false);
  credentials.agent_id = text_field(document, "agent_id", origin, false);
  credentials.wallet_address = text_field(document, "wallet_address", origin, false);
  credentials.token_address = text_field(document, "token_address", origin, false);
  credentials.token_ticker = text_field(document, "token_ticker", origin, false);
  return credentials;
}

std::string serialize_credentials(const Credentials& credentials) {
  const json document = {
      {"access_token", credentials.access_token},
      {"agent_name", credentials.agent_name},
      {"agent_id", credentials.agent_id},
      {"userDbId", credentials.user_db_id},
      {"wallet_address", credentials.wallet_address},
      {"token_address", credentials.token_address},
      {"token_ticker", credentials.token_ticker},
  };
  return document.dump(2) + "\n";
}

std::optional<Credentials> load_credentials(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return std::nullopt;
    fail_errno(path);
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_credentials(text.str(), path);
}

void save_credentials(const std::string& path, const Credentials& credentials) {
  const std::filesystem::path target(path);
  const std::filesystem::path directory = target.has_parent_path() ? target.parent_path() : ".";
  std::error_code ec;
  if (!std::filesystem::exists(directory, ec)) {
    std::filesystem::create_directories(directory, ec);
    if (ec) throw CredentialsError(directory.string() + ": cannot create: " + ec.message());
    std::filesystem::permissions(directory, std::filesystem::perms::owner_all, ec);
  }
  std::string temporary_name = ".";
  temporary_name += target.filename().string();
  temporary_name += ".XXXXXX";
  std::string temporary = (directory / temporary_name).string();
  Fd fd(mkstemp(temporary.data()));
  if (fd.get() < 0) fail_errno(directory.string() + ": cannot create a temporary file");
  const std::string text = serialize_credentials(credentials);
  bool ok = fchmod(fd.get(), S_IRUSR | S_IWUSR) == 0;
  for (std::size_t written = 0; ok && written < text.size();) {
    const ssize_t n = ::write(fd.get(), text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) written += static_cast<std::size_t>(n);
  }
  ok = ok && fsync(fd.get()) == 0;
  ok = ok && ::close(fd.release()) == 0;
  if (!ok || std::rename(temporary.c_str(), path.c_str()) != 0) {
    const int saved = errno;
    ::unlink(temporary.c_str());
    errno = saved;
    fail_errno(path + ": cannot write");
  }
  // The rename is durable only once the directory entry is on disk.
  Fd dir(::open(directory.c_str(), O_RDONLY | O_DIRECTORY));
  if (dir.get() >= 0) fsync(dir.get());
}

}  // namespace agentcast::platform
