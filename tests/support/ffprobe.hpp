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

// The packets of one stream ("v:0", "a:0") in file order.
std::vector<Packet> stream_packets(const std::string& path, const std::string& stream);
std::vector<Packet> video_packets(const std::string& path);
std::vector<Packet> audio_packets(const std::string& path);

// What FFmpeg's decoder, stopping at the first error (-xerror), says about `path`: empty when
// every picture decodes.
std::string decoding_complaints(const std::string& path);

// The timestamps of the keyframes among `packets`, in order.
std::vector<double> keyframe_times(const std::vector<Packet>& packets);

// The longest time between two successive packets (video frames, AAC frames), in seconds.
double largest_frame_gap(const std::vector<Packet>& packets);

// nginx-rtmp finishes a recording when the publisher leaves; waits (bounded) until its size
// settles.
void wait_for_stable_file(const std::string& path);

// One decoded picture as 8-bit RGB, w*h*3 bytes: the frame `seconds_before_end` before the
// end of `path` (0: its first picture), converted with `filter` (an ffmpeg -vf chain ending
// in format=rgb24).
std::string decode_rgb(const std::string& path, double seconds_before_end, const std::string& filter);

}  // namespace agentcast::testing
