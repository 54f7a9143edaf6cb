#pragma once
// The platform's documented credentials file (~/.config/retake/credentials.json):
// read strictly, written atomically with mode 0600, never clobbered by a failed write.
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace agentcast::retake {

struct Credentials {
  std::string access_token;
  std::string agent_name;
  std::string agent_id;
  std::string user_db_id;  // "userDbId" in the file
  std::string wallet_address;
  std::string token_address;
  std::string token_ticker;
  std::string ticker;  // (2.1) the symbol given at registration
};

// The token the box uses, and where it came from (for messages; the value is never shown).
struct AccessToken {
  std::string value;
  std::string origin;  // kTokenVariable or the credentials file's path
};

// What the box acts as: the stored file (written back as it was read, never with a token from
// the environment) and the token in force.
struct Account {
  Credentials stored;
  AccessToken token;
};

inline constexpr const char* kTokenVariable = "RETAKE_ACCESS_TOKEN";

// (2.1) The environment's RETAKE_ACCESS_TOKEN, when set and not empty (surrounding white space
// ignored), wins over the file's token. Throws CredentialsError naming the variable, never its
// value, when it holds what no token can (white space inside, control characters).
AccessToken choose_access_token(const Credentials& stored, const std::string& path, const char* environment_value);

// A token goes into an HTTP header: printable ASCII without spaces, at most 4096 bytes.
bool is_plausible_token(std::string_view token);

class CredentialsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws CredentialsError naming `origin` and the field at fault. Unknown fields are kept out
// of the struct but allowed: the platform may add some.
Credentials parse_credentials(const std::string& json_text, const std::string& origin);
std::string serialize_credentials(const Credentials& credentials);

// nullopt when the file does not exist; CredentialsError when it is unreadable or invalid, or
// is no regular file (a directory, a FIFO that would block the start). Logs
// permissions_warning() when there is one. Blocking file I/O: call it before the main loop
// runs, or from a worker thread.
std::optional<Credentials> load_credentials(const std::string& path);

// What to tell the owner when the file can be read by group or others, naming `chmod 600`.
std::optional<std::string> permissions_warning(const std::string& path);

// Writes to a temporary file in the same directory (mode 0600), fsyncs it, renames it over
// `path` and fsyncs the directory: a crash at any point leaves either the old file or the new
// one, never a mix. Creates the directory (0700) if needed. Blocking, like load_credentials.
void save_credentials(const std::string& path, const Credentials& credentials);

}  // namespace agentcast::retake
