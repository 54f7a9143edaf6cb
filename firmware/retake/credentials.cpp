#include "retake/credentials.hpp"

#include "common/handles.hpp"
#include "common/json_input.hpp"
#include "common/log.hpp"
#include "common/small_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

namespace agentcast::retake {
namespace {

using nlohmann::json;

// The documented file is a few hundred bytes; anything far larger is not it.
constexpr std::size_t kMaxCredentialsBytes = std::size_t{64} * 1024;

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

}  // namespace

Credentials parse_credentials(const std::string& json_text, const std::string& origin) {
  auto parsed = json_input::parse(json_text);
  if (const auto* error = std::get_if<json_input::JsonInputError>(&parsed)) {
    throw CredentialsError(origin + ":" + std::to_string(error->line) + ":" + std::to_string(error->column) +
                           ": not valid JSON: " + error->detail);
  }
  const json document = std::move(std::get<json>(parsed));
  if (!document.is_object()) throw CredentialsError(origin + ": expected a JSON object");
  Credentials credentials;
  credentials.access_token = text_field(document, "access_token", origin, true);
  if (credentials.access_token.empty()) throw CredentialsError(origin + ": access_token: empty");
  if (!is_plausible_token(credentials.access_token)) {
    throw CredentialsError(origin + ": access_token: holds characters no token has (spaces, control characters)");
  }
  credentials.user_db_id = text_field(document, "userDbId", origin, true);
  credentials.agent_name = text_field(document, "agent_name", origin, false);
  credentials.agent_id = text_field(document, "agent_id", origin, false);
  credentials.wallet_address = text_field(document, "wallet_address", origin, false);
  credentials.token_address = text_field(document, "token_address", origin, false);
  credentials.token_ticker = text_field(document, "token_ticker", origin, false);
  credentials.ticker = text_field(document, "ticker", origin, false);
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
      {"ticker", credentials.ticker},
  };
  return document.dump(2) + "\n";
}

bool is_plausible_token(std::string_view token) {
  constexpr std::size_t kMaxTokenBytes = 4096;
  if (token.empty() || token.size() > kMaxTokenBytes) return false;
  return std::all_of(token.begin(), token.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

AccessToken choose_access_token(const Credentials& stored, const std::string& path, const char* environment_value) {
  std::string_view from_environment = environment_value != nullptr ? environment_value : "";
  constexpr std::string_view kSpace = " \t\r\n";
  from_environment.remove_prefix(std::min(from_environment.size(), from_environment.find_first_not_of(kSpace)));
  from_environment = from_environment.substr(0, from_environment.find_last_not_of(kSpace) + 1);
  if (from_environment.empty()) return {stored.access_token, path};
  if (!is_plausible_token(from_environment)) {
    throw CredentialsError(std::string(kTokenVariable) +
                           " holds characters no token has (spaces, control characters); fix or unset it");
  }
  return {std::string(from_environment), kTokenVariable};
}

std::optional<Credentials> load_credentials(const std::string& path) {
  auto file = read_small_file(path, kMaxCredentialsBytes);
  if (const auto* problem = std::get_if<FileProblem>(&file)) {
    if (problem->missing) return std::nullopt;
    throw CredentialsError(path + ": " + problem->what);
  }
  Credentials credentials = parse_credentials(std::get<std::string>(file), path);
  if (const auto warning = permissions_warning(path)) log::warning(*warning);
  return credentials;
}

std::optional<std::string> permissions_warning(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0 || (info.st_mode & (S_IRWXG | S_IRWXO)) == 0) return std::nullopt;
  // The token in it is as good as the owner's password on the platform.
  char mode[8];
  std::snprintf(mode, sizeof mode, "%03o", static_cast<unsigned>(info.st_mode & 0777));
  return path + " can be read by other users (mode " + mode + ") and holds the access token: run chmod 600 " + path;
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
  UniqueFd fd(mkstemp(temporary.data()));
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
  UniqueFd dir(::open(directory.c_str(), O_RDONLY | O_DIRECTORY));
  if (dir.get() >= 0) fsync(dir.get());
}

}  // namespace agentcast::retake
