#pragma once
// Board descriptions and pipeline fragments: the copies compiled into the binary, unless a
// file with the same relative path exists under the override directory (the config file's
// directory, e.g. /etc/agentcast/pipelines/video/x264enc.txt), so a user can tune them.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agentcast {

struct DataFile {
  std::string content;
  std::string origin;  // where it came from, for messages: "built-in pipelines/x.txt" or a path
};

class DataFiles {
 public:
  explicit DataFiles(std::optional<std::filesystem::path> override_dir = std::nullopt);

  // relative_path like "pipelines/video/x264enc.txt"; nullopt when neither copy exists.
  std::optional<DataFile> read(std::string_view relative_path) const;

  // Names (without extension) of the files directly inside `dir` ("board", "pipelines/video").
  std::vector<std::string> list(std::string_view dir, std::string_view extension) const;

 private:
  std::optional<std::filesystem::path> override_dir_;
};

}  // namespace agentcast
