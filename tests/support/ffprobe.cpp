#include "support/ffprobe.hpp"

#include "support/child_process.hpp"

#include <unistd.h>

#include <algorithm>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <thread>

namespace agentcast::testing {

nlohmann::json ffprobe(const std::string& path, const std::vector<std::string>& args) {
  std::vector<std::string> argv{"ffprobe", "-v", "error", "-of", "json"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back(path);
  std::string output;
  if (run_command(argv, &output) != 0) throw std::runtime_error("ffprobe failed on " + path + ": " + output);
  return nlohmann::json::parse(output);
}

std::vector<Packet> stream_packets(const std::string& path, const std::string& stream) {
  const auto probe = ffprobe(path, {"-select_streams", stream, "-show_entries", "packet=pts_time,flags,size"});
  std::vector<Packet> packets;
  packets.reserve(probe.at("packets").size());
  for (const auto& packet : probe.at("packets")) {
    packets.push_back({std::stod(packet.at("pts_time").get<std::string>()),
                       packet.at("flags").get<std::string>().find('K') != std::string::npos,
                       std::stol(packet.at("size").get<std::string>())});
  }
  return packets;
}

std::vector<Packet> video_packets(const std::string& path) { return stream_packets(path, "v:0"); }

std::vector<Packet> audio_packets(const std::string& path) { return stream_packets(path, "a:0"); }

std::string decoding_complaints(const std::string& path) {
  std::string complaints;
  const int exit_code =
      run_command({"ffmpeg", "-nostdin", "-v", "error", "-xerror", "-i", path, "-f", "null", "-"}, &complaints);
  if (exit_code != 0 && complaints.empty()) complaints = "ffmpeg exited with " + std::to_string(exit_code);
  return complaints;
}

std::vector<double> keyframe_times(const std::vector<Packet>& packets) {
  std::vector<double> times;
  for (const Packet& packet : packets) {
    if (packet.keyframe) times.push_back(packet.pts);
  }
  return times;
}

double largest_frame_gap(const std::vector<Packet>& packets) {
  double gap = 0;
  for (std::size_t i = 1; i < packets.size(); ++i) gap = std::max(gap, packets[i].pts - packets[i - 1].pts);
  return gap;
}

void wait_for_stable_file(const std::string& path) {
  std::uintmax_t last = 0;
  for (int i = 0; i < 40; ++i) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (!ec && size > 0 && size == last) return;
    last = ec ? 0 : size;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

std::string decode_rgb(const std::string& path, double seconds_before_end, const std::string& filter) {
  const std::string out = path + "." + std::to_string(getpid()) + ".rgb";
  std::string log;
  std::vector<std::string> argv{"ffmpeg", "-nostdin", "-v", "error", "-y"};
  if (seconds_before_end > 0) argv.insert(argv.end(), {"-sseof", std::to_string(-seconds_before_end)});
  argv.insert(argv.end(), {"-i", path, "-vf", filter, "-frames:v", "1", "-f", "rawvideo", out});
  if (run_command(argv, &log) != 0) throw std::runtime_error("ffmpeg could not decode " + path + ": " + log);
  std::ifstream in(out, std::ios::binary);
  std::string pixels((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::filesystem::remove(out);
  return pixels;
}

}  // namespace agentcast::testing
