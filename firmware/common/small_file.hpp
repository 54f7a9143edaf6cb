#pragma once
// Reading a small file that someone else controls (the config, the credentials, a board or
// pipeline override, the status file) without being fooled by what is at the path: a FIFO
// would block the open forever, a directory or a device is no file to parse, and a huge file
// would be read whole. Blocking I/O: before the main loop runs, or in a one-shot command.
#include <cstddef>
#include <string>
#include <variant>

namespace agentcast {

struct FileProblem {
  bool missing = false;  // nothing at the path (ENOENT): often a normal case for the caller
  std::string what;      // "is a directory", "is a FIFO, not a regular file", "cannot read: Permission denied"
};

using SmallFile = std::variant<std::string, FileProblem>;

inline constexpr std::size_t kSmallFileLimit = std::size_t{1} << 20;

// The whole content of a regular file of at most `max_bytes`, or what is wrong with the path.
SmallFile read_small_file(const std::string& path, std::size_t max_bytes = kSmallFileLimit);

// "a directory", "a FIFO", "a character device", ... for a stat mode, for messages.
const char* file_kind_name(unsigned mode);

}  // namespace agentcast
