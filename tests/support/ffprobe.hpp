#pragma once
// What ffprobe sees in a file, for checking what actually reached the server.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace agentcast::testing {

// `ffprobe -v error -of json <args> <path>`; throws on failure.
nlohmann::json ffprobe(const std::string& path, const std::vector<std::string>& args);

struct Packet {
  double pts = 0;
  bool keyframe = false;
  long size = 0;
};

std::vector<Packet> video_packets(const std::string& path);

}  // namespace agentcast::testing
