#include "support/ffprobe.hpp"

#include "support/child_process.hpp"

#include <stdexcept>

namespace agentcast::testing {

nlohmann::json ffprobe(const std::string& path, const std::vector<std::string>& args) {
  std::vector<std::string> argv{"ffprobe", "-v", "error", "-of", "json"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back(path);
  std::string output;
  if (run_command(argv, &output) != 0) throw std::runtime_error("ffprobe failed on " + path + ": " + output);
  return nlohmann::json::parse(output);
}

std::vector<Packet> video_packets(const std::string& path) {
  const auto probe = ffprobe(path, {"-select_streams", "v:0", "-show_entries", "packet=pts_time,flags,size"});
  std::vector<Packet> packets;
  for (const auto& packet : probe.at("packets")) {
    packets.push_back({std::stod(packet.at("pts_time").get<std::string>()),
                       packet.at("flags").get<std::string>().find('K') != std::string::npos,
                       std::stol(packet.at("size").get<std::string>())});
  }
  return packets;
}

}  // namespace agentcast::testing
