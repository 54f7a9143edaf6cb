#include "common/data_files.hpp"

#include "common/embedded_data.hpp"
#include "common/log.hpp"
#include "common/small_file.hpp"

#include <algorithm>

namespace agentcast {

DataFiles::DataFiles(std::optional<std::filesystem::path> override_dir) : override_dir_(std::move(override_dir)) {}

std::optional<DataFile> DataFiles::read(std::string_view relative_path) const {
  if (override_dir_) {
    const auto candidate = (*override_dir_ / relative_path).string();
    auto file = read_small_file(candidate);
    if (auto* content = std::get_if<std::string>(&file)) return DataFile{std::move(*content), candidate};
    if (const auto& problem = std::get<FileProblem>(file); !problem.missing) {
      log::warning(candidate, " ", problem.what, "; using the built-in ", relative_path);
    }
  }
  for (const auto& file : embedded_files()) {
    if (file.path == relative_path) return DataFile{std::string(file.content), "built-in " + std::string(file.path)};
  }
  return std::nullopt;
}

std::vector<std::string> DataFiles::list(std::string_view dir, std::string_view extension) const {
  std::vector<std::string> names;
  const std::string prefix = std::string(dir) + "/";
  for (const auto& file : embedded_files()) {
    if (!file.path.starts_with(prefix) || !file.path.ends_with(extension)) continue;
    const auto name = file.path.substr(prefix.size(), file.path.size() - prefix.size() - extension.size());
    if (name.find('/') == std::string_view::npos) names.emplace_back(name);
  }
  std::error_code ec;
  if (override_dir_) {
    for (const auto& entry : std::filesystem::directory_iterator(*override_dir_ / dir, ec)) {
      const auto& path = entry.path();
      if (path.extension() == extension) names.push_back(path.stem().string());
    }
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

}  // namespace agentcast
