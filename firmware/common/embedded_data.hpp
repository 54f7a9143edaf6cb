#pragma once
// The board descriptions and pipeline fragments compiled into the binary.
#include <span>
#include <string_view>

namespace agentcast {

struct EmbeddedFile {
  std::string_view path;  // relative to the source tree, e.g. "pipelines/video/x264enc.txt"
  std::string_view content;
};

std::span<const EmbeddedFile> embedded_files();

}  // namespace agentcast
